"""`opsgate guard check [--json]`: the input guardrails over JSON lines, one verdict per line.

Input: one JSON object per line, `{"text": "..."}` (other fields are ignored, except `id`, which is echoed, and
`channel`: `"request"`, the default, judges the text as a new `/ops` request, scope included; `"tool_output"` as
what a tool returned, with the tool-output thresholds and no scope).
Output with `--json`: one JSON object per input line, in order, with `verdict` (allow, redact, escalate,
out_of_scope or block), `rules`, `redacted_text`, `pii` (`[{"type", "start", "end"}]`, offsets into the text as
received; `type` names each finding, e.g. EMAIL, IP_ADDRESS, PASSWORD) and `latency_us`. A line that is not such an
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


def guard_check(
    lines: Iterable[str],
    out: TextIO,
    *,
    guard: InputGuard,
    tool_output_guard: InputGuard | None = None,
    as_json: bool = True,
) -> int:
    """Checks every JSON line of `lines` and writes one answer per line; returns the exit status (always 0:
    bad lines are answered with an error object, not by stopping)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _answer(number, line, guard, tool_output_guard or guard)
        if as_json:
            out.write(json.dumps(record) + "\n")
        else:
            out.write(_human(record) + "\n")
        out.flush()
    return 0


def _answer(number: int, line: str, guard: InputGuard, tool_output_guard: InputGuard) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as error:
        return {"line": number, "error": f"not valid JSON: {error}"}
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return {"line": number, "error": 'expected an object with a string "text" field, e.g. {"text": "..."}'}
    channel = item.get("channel", "request")
    if channel not in ("request", "tool_output"):
        return {"line": number, "error": 'channel is "request" (the default) or "tool_output"'}
    if channel == "tool_output":
        record = verdict_record(tool_output_guard.check(item["text"]))
    else:
        record = verdict_record(guard.check(item["text"], scope=True))
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
