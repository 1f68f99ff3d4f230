"""`opsgate guard check [--json]`: the input guardrails over JSON lines, one verdict per line.

Input: one JSON object per line, `{"text": "..."}` (other fields are ignored, except `id`, which is echoed).
Output with `--json`: one JSON object per input line, in order, with `verdict`, `rules`, `redacted_text`, `pii`
(`[{"type", "start", "end"}]`, offsets into the text as received) and `latency_us`. A line that is not such an
object gets `{"line": n, "error": "..."}` instead, and the run goes on. This interface is how the guardrails are
evaluated: keep it stable. Without `--json` the same verdicts are printed for people, one line each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from agents.guardrails import InputGuard, InputVerdict

__all__ = ["guard_check", "verdict_record"]


def verdict_record(verdict: InputVerdict) -> dict[str, Any]:
    return {
        "verdict": verdict.action,
        "rules": list(verdict.rules),
        "redacted_text": verdict.text,
        "pii": [{"type": span.type, "start": span.start, "end": span.end} for span in verdict.pii],
        "latency_us": verdict.latency_us,
        "reasons": list(verdict.reasons),
    }


def guard_check(lines: Iterable[str], out: TextIO, *, guard: InputGuard, as_json: bool = True) -> int:
    """Checks every JSON line of `lines` and writes one answer per line; returns the exit status (always 0:
    bad lines are answered with an error object, not by stopping)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _answer(number, line, guard)
        if as_json:
            out.write(json.dumps(record) + "\n")
        else:
            out.write(_human(record) + "\n")
        out.flush()
    return 0


def _answer(number: int, line: str, guard: InputGuard) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as error:
        return {"line": number, "error": f"not valid JSON: {error}"}
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return {"line": number, "error": 'expected an object with a string "text" field, e.g. {"text": "..."}'}
    record = verdict_record(guard.check(item["text"]))
    if "id" in item:
        record = {"id": item["id"], **record}
    return record


def _human(record: dict[str, Any]) -> str:
    if "error" in record:
        return f"line {record['line']}: error: {record['error']}"
    rules = ", ".join(record["rules"]) or "-"
    pii = ", ".join(f"{span['type']}@{span['start']}-{span['end']}" for span in record["pii"]) or "-"
    text = record["redacted_text"].replace("\n", " ")
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{record['verdict']:<8} rules: {rules}  pii: {pii}  ({record['latency_us']} µs)  {text}"
