"""What people see of a finished task and of a channel's period: the summary, its Details modal, the digest.

Pure functions from the report models to Block Kit (and the digest's chart as PNG bytes), kept within Slack's
limits by construction: long lists are cut with "and N more", and the digest shrinks its lists until the whole
message fits under `msg_blocks_too_long`, since the worker's numbers are whatever the period produced. Names,
errors and excerpts are the model's, tools' and people's: escaped with agents.slack_text where they are inserted.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from agents.models.pricing import OFFLINE_MODEL
from agents.slack_text import escape, inline_code
from bot.blocks import SECTION_LIMIT, clip
from handlers.contracts import ApprovalWait, DigestReport, StepNode, TraceSummary, UsageLine

__all__ = [
    "DETAILS_ACTION",
    "DETAILS_TEXT_BUDGET",
    "details_view",
    "digest_blocks",
    "digest_chart_png",
    "human_duration",
    "summary_blocks",
]

DETAILS_ACTION = "task_details"
DETAILS_TEXT_BUDGET = 24_000
"""Characters of step tree in the modal: Slack fails large views with a bare "trouble connecting"."""
MODAL_MAX_BLOCKS = 100
DIGEST_JSON_BUDGET = 11_000
"""Below Slack's undocumented ~12-13k total, with room for the block containers Slack counts differently."""
LIST_LIMIT = 5
MAX_INDENT = 12
CHART_SIZE = (720, 260)

_OUTCOME = {
    "done": (":white_check_mark:", "Done"),
    "failed": (":x:", "Failed"),
    "cancelled": (":no_entry_sign:", "Cancelled"),
}
_DECISION = {
    "approved": ":white_check_mark:",
    "rejected": ":no_entry:",
    "expired": ":hourglass:",
    "cancelled": ":heavy_multiplication_x:",
    "voided": ":recycle:",
    "pending": ":raised_hand:",
}
_SLACK_ID = re.compile(r"[UWS][A-Z0-9]*[0-9][A-Z0-9]*")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]*[0-9][A-Z0-9]*")


def human_duration(seconds: float) -> str:
    """ "120 ms", "4.2 s", "3 min 10 s", "2 h 5 min", "3 d 4 h": rounded the way a person would say it."""
    seconds = max(seconds, 0.0)
    if seconds < 0.9995:
        return f"{round(seconds * 1000)} ms"
    if seconds < 59.95:
        return f"{seconds:.1f} s"
    if seconds < 3599.5:
        big, small, units = *divmod(round(seconds), 60), ("min", "s")
    elif seconds < 86370:
        big, small, units = *divmod(round(seconds / 60), 60), ("h", "min")
    else:
        big, small, units = *divmod(round(seconds / 3600), 24), ("d", "h")
    return f"{big} {units[0]}" + (f" {small} {units[1]}" if small else "")


def _code(text: str, limit: int = 60) -> str:
    return inline_code(clip(text, limit))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _usd(cost: float) -> str:
    """ "$0.0123" for the small sums a task costs, "$1.85" once cents are what matters, "$0" for nothing."""
    if cost == 0:
        return "$0"
    return f"${cost:,.2f}" if cost >= 0.1 else f"${cost:.4f}"


def _who(ids: list[str]) -> str:
    def one(i: str) -> str:
        if _SLACK_ID.fullmatch(i):
            return f"<!subteam^{i}>" if i.startswith("S") else f"<@{i}>"
        return escape(clip(i, 40))

    return ", ".join(one(i) for i in ids)


def _outcome(outcome: str) -> tuple[str, str]:
    return _OUTCOME.get(outcome, (":grey_question:", escape(clip(outcome, 40)).capitalize()))


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}]}


def _list(lines: list[str], limit: int, total: int | None = None) -> str:
    """Bullet lines cut at `limit` with "and N more" (of `total`, when the caller knows that more exist)."""
    hidden = (len(lines) if total is None else total) - min(len(lines), limit)
    return "\n".join(f"• {line}" for line in lines[:limit]) + (f"\n_… and {hidden:,} more_" if hidden > 0 else "")


def _bullets(title: str, lines: list[str], *, empty: str, limit: int = LIST_LIMIT) -> str:
    return f"*{title}*\n" + (_list(lines, limit) if lines else f"_{empty}_")


def _tokens(input_tokens: int, output_tokens: int) -> str:
    return f"{input_tokens:,} in / {output_tokens:,} out"


# --- the trace summary -------------------------------------------------------------------------------------------


def _approval_line(wait: ApprovalWait) -> str:
    emoji = _DECISION.get(wait.outcome, ":grey_question:")
    text = f"{emoji} {_code(wait.tool)} {escape(clip(wait.outcome, 40))}"
    if wait.outcome == "pending":
        return text + f" · waiting {human_duration(wait.waited_s)}" + _risk(wait)
    if wait.deciders:
        text += f" by {_who(wait.deciders[:LIST_LIMIT])}"
    return text + f" after {human_duration(wait.waited_s)}" + _risk(wait)


def _risk(wait: ApprovalWait) -> str:
    """The tier, and whether the agent's confidence is why a person was asked (`approvals.matrix`)."""
    if wait.tier is None:
        return ""  # a summary of spans stored before tiers were
    tier = escape(clip(wait.tier, 16))
    stated = f"agent confidence {wait.confidence:.0%}" if wait.confidence is not None else "no confidence stated"
    if wait.raised_from is not None:
        return f" · {tier}, raised from {escape(clip(wait.raised_from, 16))}: {stated}"
    return f" · {tier}" + (f", {stated}" if wait.confidence is not None else "")


def _tool_error(error: str) -> str:
    """ "tool: what went wrong" with the tool as code, so the eye finds which tool failed."""
    tool, colon, what = error.partition(": ")
    if colon and tool and " " not in tool:
        return f"{_code(tool)} {escape(clip(what, 200))}"
    return escape(clip(error, 200))


def _partial(pending: int, lost: int) -> str:
    """The trace summary was built without some of the task's spans: the numbers above may be low."""
    missing = [f"{_count(pending, 'span')} still being stored"] if pending else []
    missing += [f"{_count(lost, 'span')} could not be stored"] if lost else []
    return f":warning: partial: {' and '.join(missing)}, so the counts above may be low"


def _model_name(model: str) -> str:
    """The model as the summary names it: the offline model says that it is one, and free."""
    return "the offline model (free)" if model == OFFLINE_MODEL else _code(model, 60)


def summary_blocks(summary: TraceSummary) -> tuple[str, list[dict[str, Any]]]:
    """The message posted in a task's thread when it ends, with a Details button carrying the task id."""
    emoji, label = _outcome(summary.outcome)
    duration = human_duration(summary.duration_s)
    head = f"{emoji} *{label}* in {duration}"
    if summary.error:
        head += "\n> " + escape(clip(summary.error, 500)).replace("\n", "\n> ")
    tools = _count(summary.tool_calls, "call") + (
        f", {len(summary.tool_errors):,} failed" if summary.tool_errors else ""
    )
    tokens = _tokens(summary.input_tokens, summary.output_tokens)
    if summary.cache_read_tokens or summary.cache_write_tokens:
        tokens += f"\ncached: {summary.cache_read_tokens:,} read · {summary.cache_write_tokens:,} write"
    agents = ", ".join(_code(agent, 40) for agent in summary.agents[:10]) or "none"
    if len(summary.agents) > 10:
        agents += f" and {len(summary.agents) - 10} more"
    models = ", ".join(_model_name(model) for model in summary.models[:3])
    if len(summary.models) > 3:
        models += f" and {len(summary.models) - 3} more"
    fields = [
        f"*Model calls*\n{summary.model_calls:,}" + (f" · {models}" if models else ""),
        f"*Agents*\n{agents}",
        f"*Tools*\n{tools}",
        f"*Cost*\n{_usd(summary.cost_usd)}",
        f"*Tokens*\n{tokens}",
    ]
    blocks: list[dict[str, Any]] = [
        _section(head),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": clip(field, 2000)} for field in fields]},
    ]
    if summary.tool_errors:
        errors = [_tool_error(error) for error in summary.tool_errors]
        blocks.append(_section(_bullets("Tool errors", errors, empty="none")))
    if summary.approvals:
        blocks.append(_section(_bullets("Approvals", [_approval_line(a) for a in summary.approvals], empty="none")))
    if summary.spans_pending or summary.spans_lost:
        blocks.append(_context(_partial(summary.spans_pending, summary.spans_lost)))
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Details"},
        "action_id": DETAILS_ACTION,
        "value": summary.task_id,
    }
    blocks.append({"type": "actions", "elements": [button]})
    blocks.append(_context(f"task {_code(summary.task_id, 80)}"))
    fallback = (
        f"Task {label.lower()} in {duration} · {_count(summary.model_calls, 'model call')} · "
        f"{_count(summary.tool_calls, 'tool call')} · {_usd(summary.cost_usd)}"
    )
    return clip(fallback, 3000), blocks


# --- the Details modal -------------------------------------------------------------------------------------------


def _walk(steps: list[StepNode]) -> Iterator[tuple[StepNode, int, str, str]]:
    """Depth-first over the step tree: (node, depth, guides, connector); iterative, so a 2,000-deep chain is fine.

    Roots are nodes whose parent is not in the list; nodes caught in a parent cycle are shown as roots too.
    """
    ids = {step.span_id for step in steps}
    children: dict[str | None, list[StepNode]] = {}
    for step in steps:
        children.setdefault(step.parent_id if step.parent_id in ids else None, []).append(step)
    for siblings in children.values():
        siblings.sort(key=lambda s: (s.start, s.span_id))
    seen: set[str] = set()
    pending = sorted(steps, key=lambda s: (s.start, s.span_id))
    roots = children.get(None, []) + [s for s in pending if s.parent_id in ids]
    for root in roots:
        if root.span_id in seen:
            continue
        stack: list[tuple[StepNode, int, str, str]] = [(root, 0, "", "")]
        while stack:
            node, depth, guides, connector = stack.pop()
            if node.span_id in seen:
                continue
            seen.add(node.span_id)
            yield node, depth, guides, connector
            kids = [kid for kid in children.get(node.span_id, []) if kid.span_id not in seen]
            below = (
                guides
                if depth == 0 or depth > MAX_INDENT
                else guides + ("\u2003\u2003" if connector == "└\u2003" else "│\u2003")
            )
            for index, kid in reversed(list(enumerate(kids))):
                stack.append((kid, depth + 1, below, "└\u2003" if index == len(kids) - 1 else "├\u2003"))


def _step_line(node: StepNode, depth: int, guides: str, connector: str) -> str:
    deep = f"[{depth}] " if depth > MAX_INDENT else ""
    name = escape(clip(node.name, 80))
    if node.kind in ("task", "agent"):
        name = f"*{name}*"
    parts = [f"{guides}{connector}{deep}{name}", human_duration(node.duration_ms / 1000)]
    if node.input_tokens or node.output_tokens:
        parts.append(_tokens(node.input_tokens, node.output_tokens))
    if node.cost_usd:
        parts.append(_usd(node.cost_usd))
    if node.status == "error":
        parts.append(":x: error" + (f": {escape(clip(node.error, 150))}" if node.error else ""))
    return clip(" · ".join(parts), 600)


def details_view(
    summary: TraceSummary, steps: list[StepNode], *, max_chars: int = DETAILS_TEXT_BUDGET
) -> dict[str, Any]:
    """The Details modal: totals, then the step tree packed into sections, cut (and said so) when too long."""
    emoji, label = _outcome(summary.outcome)
    totals = (
        f"{emoji} *{label}* · {human_duration(summary.duration_s)} · {_count(len(steps), 'step')} · "
        f"{_count(summary.model_calls, 'model call')} · {_count(summary.tool_calls, 'tool call')} · "
        f"{_tokens(summary.input_tokens, summary.output_tokens)} tokens · {_usd(summary.cost_usd)}"
    )
    blocks: list[dict[str, Any]] = [
        _section(totals),
        _context(f"task {_code(summary.task_id, 80)}"),
        {"type": "divider"},
    ]
    room = MODAL_MAX_BLOCKS - len(blocks) - 1  # one block kept for the note on what was left out
    chunks: list[str] = []
    shown: set[str] = set()
    used = 0
    for node, depth, guides, connector in _walk(steps):
        line = _step_line(node, depth, guides, connector)
        fits_chunk = bool(chunks) and len(chunks[-1]) + 1 + len(line) <= SECTION_LIMIT
        if used + len(line) > max_chars or (not fits_chunk and len(chunks) == room):
            break
        if fits_chunk:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
        used += len(line) + 1
        shown.add(node.span_id)
    blocks += [_section(chunk) for chunk in chunks] or [_section("_no steps recorded_")]
    left = [step for step in steps if step.span_id not in shown]
    if left:
        failed = sum(1 for step in left if step.status == "error")
        note = f"… {_count(len(left), 'more step')} not shown" + (f" ({failed:,} with errors)" if failed else "")
        blocks.append(_context(note + f"; the trace has {len(steps):,} in all"))
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Task details"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }


# --- the digest ------------------------------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def _usage_lines(lines: list[UsageLine]) -> list[str]:
    ordered = sorted(lines, key=lambda u: (-u.cost_usd, u.name))
    return [
        f"{_code(u.name, 40)} · {_count(u.model_calls, 'model call')} · "
        f"{_tokens(u.input_tokens, u.output_tokens)} · {_usd(u.cost_usd)}"
        for u in ordered
    ]


def _digest_sections(report: DigestReport, limit: int) -> list[str]:
    def bullets(title: str, lines: list[str], empty: str) -> str:
        return _bullets(title, lines, empty=empty, limit=limit)

    order = {name: index for index, name in enumerate(_OUTCOME)}
    counts = sorted(report.tasks, key=lambda c: (order.get(c.outcome, len(order)), c.outcome))
    tasks = (
        f"*Tasks* · {report.total_tasks:,} in all\n"
        + " · ".join(f"{_outcome(c.outcome)[0]} {escape(clip(c.outcome, 40))} {c.tasks:,}" for c in counts)
        if report.total_tasks
        else "*Tasks*\n_no tasks this period_"
    )
    stat = report.approvals
    decided = [("approved", stat.approved), ("rejected", stat.rejected), ("cancelled", stat.cancelled)]
    decided += [("voided", stat.voided), ("expired", stat.expired)]
    median = human_duration(stat.median_decision_s) if stat.median_decision_s is not None else "n/a"
    pending = sorted(stat.pending, key=lambda p: -p.age_s)
    pending_lines = [
        f"{_code(p.tool)} · task {_code(p.task_id, 40)} · waiting {human_duration(p.age_s)}" for p in pending
    ]
    approvals = (
        "*Approvals* · " + " · ".join(f"{name} {n:,}" for name, n in decided) + f" · median time to decision {median}"
    )
    total_pending = max(stat.pending_total, len(stat.pending))
    if total_pending:
        approvals += f"\n_{total_pending:,} pending, oldest first_\n" + _list(pending_lines, limit, total_pending)
    else:
        approvals += "\n_nothing pending_"
    tools = sorted(report.top_tools, key=lambda t: (-t.calls, t.tool))
    tool_lines = [f"{_code(t.tool)} · {_count(t.calls, 'call')} · {t.error_rate:.1%} errors" for t in tools]
    rules = sorted(report.guardrail_blocks, key=lambda g: (-g.blocks, g.rule))
    slow = sorted(report.slowest, key=lambda s: (-s.seconds, s.task_id))
    slow_lines = [
        f"{_code(s.task_id, 40)} · {s.seconds:,.1f} s · {escape(clip(s.outcome, 40))} · _{escape(clip(s.excerpt, 80))}_"
        for s in slow
    ]
    heads = [f"{_code(h.task_id, 40)} · seq {h.seq:,} · `{escape(h.row_hash[:12])}`" for h in report.chain_heads]
    return [
        tasks,
        approvals,
        bullets("Top tools", tool_lines, "no tool calls"),
        bullets(
            f"Cost by agent · {_usd(report.total_cost_usd)} in all", _usage_lines(report.by_agent), "no model calls"
        ),
        bullets("Cost by task type", _usage_lines(report.by_task_type), "no model calls"),
        bullets("Guardrail blocks", [f"{escape(clip(g.rule, 60))} · {g.blocks:,}" for g in rules], "none"),
        bullets("Slowest tasks", slow_lines, "no tasks"),
        bullets("Audit chain heads", heads, "no audit rows"),
    ]


def digest_blocks(report: DigestReport) -> tuple[str, list[dict[str, Any]]]:
    """The digest message; its lists shrink (10, 5, 3, 1 lines) until the whole message fits Slack's total."""
    where = f"<#{report.channel}>" if _CHANNEL_ID.fullmatch(report.channel) else escape(clip(report.channel, 80))
    period = f"{_utc(report.period_start)} – {_utc(report.period_end)} UTC · {where}"
    blocks: list[dict[str, Any]] = []
    for limit in (10, 5, 3, 1):
        blocks = [
            {"type": "header", "text": {"type": "plain_text", "text": clip(report.label or "Digest", 150)}},
            _context(period),
            *(_section(text) for text in _digest_sections(report, limit)),
        ]
        if len(json.dumps(blocks, separators=(",", ":"), ensure_ascii=False)) <= DIGEST_JSON_BUDGET:
            break
    pending = max(report.approvals.pending_total, len(report.approvals.pending))
    fallback = (
        f"{report.label}: {_count(report.total_tasks, 'task')} · {_count(pending, 'pending approval')} · "
        f"{_usd(report.total_cost_usd)}"
    )
    return clip(fallback, 3000), blocks


# --- the digest's chart ------------------------------------------------------------------------------------------

_INK, _GRID, _BARS, _LINE = (51, 51, 51), (225, 225, 225), (74, 144, 217), (232, 116, 59)
_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _fit(draw: ImageDraw.ImageDraw, text: str, font: _Font, width: float) -> str:
    while len(text) > 1 and draw.textlength(text, font=font) > width:
        text = text[:-2] + "…"
    return text


def digest_chart_png(report: DigestReport) -> bytes:
    """Tasks per day as bars and cost per day as a line on its own (right-hand) scale; same report, same bytes."""
    width, height = CHART_SIZE
    left, right, top, bottom = 56, width - 64, 44, height - 34
    image = Image.new("RGB", CHART_SIZE, "white")
    draw = ImageDraw.Draw(image)
    font: _Font = ImageFont.load_default()
    title_font: _Font = ImageFont.load_default(size=14)
    title = _fit(draw, f"{report.label} · tasks and cost per day", title_font, width - 24)
    draw.text((12, 10), title, fill=_INK, font=title_font)
    days = sorted(report.days, key=lambda d: d.day)
    if not days:
        draw.text((width / 2, (top + bottom) / 2), "no data", fill=_INK, font=title_font, anchor="mm")
        return _png(image)
    legend = [("tasks", _BARS), ("cost (USD)", _LINE)]
    x = float(right)
    for name, colour in reversed(legend):
        x -= draw.textlength(name, font=font) + 22
        draw.rectangle((x, 28, x + 10, 36), fill=colour)
        draw.text((x + 14, 32), name, fill=_INK, font=font, anchor="lm")
    max_tasks = max(max(d.tasks for d in days), 1)
    max_cost = max(d.cost_usd for d in days)
    for fraction in (0.0, 0.5, 1.0):
        y = bottom - fraction * (bottom - top)
        draw.line((left, y, right, y), fill=_GRID)
    draw.text((left - 6, top), f"{max_tasks:,}", fill=_BARS, font=font, anchor="rm")
    draw.text((left - 6, bottom), "0", fill=_BARS, font=font, anchor="rm")
    draw.text((right + 6, top), _usd(max_cost), fill=_LINE, font=font, anchor="lm")
    draw.text((right + 6, bottom), "$0", fill=_LINE, font=font, anchor="lm")
    slot = (right - left) / len(days)
    every = max(1, math.ceil((draw.textlength("00-00", font=font) + 6) / slot))
    points: list[tuple[float, float]] = []
    for index, point in enumerate(days):
        centre = left + slot * (index + 0.5)
        bar = min(slot * 0.35, 24)
        bar_top = bottom - point.tasks / max_tasks * (bottom - top)
        if point.tasks:
            draw.rectangle((centre - bar, bar_top, centre + bar, bottom), fill=_BARS)
        share = point.cost_usd / max_cost if max_cost > 0 else 0.0
        points.append((centre, bottom - share * (bottom - top)))
        if index % every == 0:
            draw.text((centre, bottom + 6), point.day.strftime("%m-%d"), fill=_INK, font=font, anchor="mt")
    if len(points) > 1:
        draw.line(points, fill=_LINE, width=2)
    for cx, cy in points:
        draw.ellipse((cx - 3, cy - 3, cx + 3, cy + 3), fill=_LINE)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
