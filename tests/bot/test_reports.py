"""What people see of a finished task and of a digest, snapshotted, and always within Slack's limits."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from bot.reports import (
    DETAILS_ACTION,
    details_view,
    digest_blocks,
    digest_chart_png,
    human_duration,
    summary_blocks,
)
from bot.sandbox.block_kit import MAX_BLOCKS_JSON_CHARS, MODAL_MAX_BLOCKS, block_errors, blocks_json_length
from bot.sandbox.views import view_errors
from handlers.contracts import (
    ApprovalStat,
    ApprovalWait,
    ChainHead,
    DayPoint,
    DigestReport,
    GuardrailCount,
    PendingApproval,
    SlowTask,
    StepNode,
    TaskCount,
    ToolStat,
    TraceSummary,
    UsageLine,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SUMMARY = TraceSummary(
    task_id="t-42",
    outcome="failed",
    duration_s=190.4,
    model_calls=7,
    agents=["lead", "k8s"],
    tool_calls=12,
    tool_errors=['kubectl_get: pods "api-<x>" not found', "restart_service: timeout after 30 s"],
    approvals=[
        ApprovalWait(
            tool="restart_service", outcome="approved", waited_s=252, deciders=["U0ALICE"], tier="high", confidence=0.9
        ),
        ApprovalWait(tool="scale", outcome="expired", waited_s=86_400, tier="high", raised_from="medium"),
        ApprovalWait(
            tool="drain_node", outcome="pending", waited_s=42, tier="high", raised_from="medium", confidence=0.35
        ),
        ApprovalWait(tool="cordon", outcome="rejected", waited_s=60),  # a row stored before tiers were
    ],
    input_tokens=123_456,
    output_tokens=7_890,
    cache_read_tokens=100_000,
    cache_write_tokens=2_048,
    cost_usd=0.01234,
    error="tool restart_service failed",
)
STEPS = [
    StepNode(span_id="a", name="task t-42", kind="task", start=T0, duration_ms=190_400),
    StepNode(
        span_id="e", parent_id="a", name="agent k8s", kind="agent", start=T0 + timedelta(seconds=101), duration_ms=5_000
    ),
    StepNode(
        span_id="b",
        parent_id="a",
        name="agent lead",
        kind="agent",
        start=T0 + timedelta(seconds=1),
        duration_ms=100_000,
        input_tokens=1_000,
        output_tokens=50,
        cost_usd=0.002,
    ),
    StepNode(
        span_id="d",
        parent_id="b",
        name="tool kubectl_get",
        kind="tool",
        start=T0 + timedelta(seconds=4),
        duration_ms=80,
        status="error",
        error="pods <api> not found",
    ),
    StepNode(
        span_id="c",
        parent_id="b",
        name="chat claude",
        kind="chat",
        start=T0 + timedelta(seconds=2),
        duration_ms=1_200,
        input_tokens=1_000,
        output_tokens=50,
    ),
    StepNode(span_id="f", parent_id="e", name="approval restart", kind="approval", start=T0, duration_ms=252_000),
]


def realistic_digest() -> DigestReport:
    """The sizes the brief calls realistic: 10 tools, 6 agents, 10 rules, 5 slow tasks, 10 heads, 5 pending."""
    return DigestReport(
        channel="C0OPS",
        period_start=datetime(2026, 12, 1, tzinfo=UTC),
        period_end=datetime(2026, 12, 2, tzinfo=UTC),
        label="daily digest, 2026-12-01",
        tasks=[
            TaskCount(outcome="failed", tasks=3),
            TaskCount(outcome="done", tasks=38),
            TaskCount(outcome="cancelled", tasks=1),
        ],
        approvals=ApprovalStat(
            pending=[
                PendingApproval(approval_id=f"ap-{i}", task_id=f"t-{i}", tool="restart_service", age_s=600 * i + 30)
                for i in range(5)
            ],
            pending_total=7,
            approved=10,
            rejected=2,
            expired=1,
            median_decision_s=190,
        ),
        top_tools=[ToolStat(tool=f"tool_{i}", calls=100 - i, errors=i) for i in range(10)],
        by_agent=[
            UsageLine(
                name=f"agent_{i}",
                model_calls=10 * i,
                input_tokens=123_456 * i,
                output_tokens=2_345 * i,
                cost_usd=0.037 * i,
            )
            for i in range(6)
        ],
        by_task_type=[
            UsageLine(
                name=f"type_{i}", model_calls=3 * i, input_tokens=10_000 * i, output_tokens=500 * i, cost_usd=0.5 * i
            )
            for i in range(1, 7)
        ],
        guardrail_blocks=[GuardrailCount(rule=f"R{i} instruction-override", blocks=i + 1) for i in range(10)],
        slowest=[
            SlowTask(
                task_id=f"t-{i}", seconds=300.5 - i, outcome="done", excerpt="restart the api deployment in prod " * 4
            )
            for i in range(5)
        ],
        chain_heads=[ChainHead(task_id=f"t-{i}", seq=7 * i, row_hash=f"{i:02x}" + "ab" * 31) for i in range(10)],
        days=[
            DayPoint(day=date(2026, 11, 1) + timedelta(days=i), tasks=(7 * i) % 13, cost_usd=((5 * i) % 11) / 10)
            for i in range(31)
        ],
    )


EMPTY_DIGEST = DigestReport(
    channel="C0OPS",
    period_start=datetime(2026, 12, 1, tzinfo=UTC),
    period_end=datetime(2026, 12, 2, tzinfo=UTC),
    label="daily digest, 2026-12-01",
)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """What a person reads, block by block."""
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        if "fields" in block:
            out.append(" | ".join(field["text"] for field in block["fields"]))
        if "elements" in block:
            out.append(
                " | ".join(
                    element["text"] if block["type"] == "context" else element["text"]["text"]
                    for element in block["elements"]
                )
            )
        if block["type"] == "divider":
            out.append("---")
    return out


def assert_fits_a_message(blocks: list[dict[str, Any]]) -> None:
    assert block_errors(blocks) == []
    assert blocks_json_length(blocks) <= MAX_BLOCKS_JSON_CHARS


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.0123, "12 ms"),
        (0.9996, "1.0 s"),
        (4.21, "4.2 s"),
        (59.96, "1 min"),
        (190.4, "3 min 10 s"),
        (3599.6, "1 h"),
        (7_500, "2 h 5 min"),
        (86_400, "1 d"),
        (3 * 86_400 + 4 * 3_600, "3 d 4 h"),
        (-1, "0 ms"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float, expected: str) -> None:
    assert human_duration(seconds) == expected


def test_the_summary_shows_outcome_usage_errors_and_approvals() -> None:
    fallback, blocks = summary_blocks(SUMMARY)

    assert fallback == "Task failed in 3 min 10 s · 7 model calls · 12 tool calls · $0.0123"
    assert texts(blocks) == [
        ":x: *Failed* in 3 min 10 s\n> tool restart_service failed",
        "*Model calls*\n7 | *Agents*\n`lead`, `k8s` | *Tools*\n12 calls, 2 failed | *Cost*\n$0.0123"
        " | *Tokens*\n123,456 in / 7,890 out\ncached: 100,000 read · 2,048 write",
        '*Tool errors*\n• `kubectl_get` pods "api-&lt;x&gt;" not found\n• `restart_service` timeout after 30 s',
        "*Approvals*\n• :white_check_mark: `restart_service` approved by <@U0ALICE> after 4 min 12 s · high, agent "
        "confidence 90%\n• :hourglass: `scale` expired after 1 d · high, raised from medium: no confidence stated"
        "\n• :raised_hand: `drain_node` pending · waiting 42.0 s · high, raised from medium: agent confidence 35%"
        "\n• :no_entry: `cordon` rejected after 1 min",
        "Details",
        "task `t-42`",
    ]
    assert_fits_a_message(blocks)


def test_the_details_button_carries_the_task_id() -> None:
    _, blocks = summary_blocks(SUMMARY)

    [button] = [element for block in blocks if block["type"] == "actions" for element in block["elements"]]
    assert button["action_id"] == DETAILS_ACTION == "task_details"
    assert button["value"] == "t-42"


@pytest.mark.parametrize(
    ("outcome", "head", "fallback"),
    [
        ("done", ":white_check_mark: *Done* in 4.2 s", "Task done in 4.2 s · 1 model call · 0 tool calls · $0"),
        (
            "cancelled",
            ":no_entry_sign: *Cancelled* in 4.2 s",
            "Task cancelled in 4.2 s · 1 model call · 0 tool calls · $0",
        ),
    ],
)
def test_each_outcome_has_its_emoji(outcome: str, head: str, fallback: str) -> None:
    summary = TraceSummary(task_id="t-1", outcome=outcome, duration_s=4.2, model_calls=1, agents=[], tool_calls=0)

    text, blocks = summary_blocks(summary)

    assert (text, texts(blocks)[0]) == (fallback, head)
    assert "*Agents*\nnone" in texts(blocks)[1]
    assert_fits_a_message(blocks)


def test_fifty_tool_errors_show_five_and_count_the_rest() -> None:
    errors = [f"tool_{i}: " + "connection refused by upstream " * 20 for i in range(50)]
    summary = SUMMARY.model_copy(update={"tool_errors": errors, "approvals": SUMMARY.approvals * 20})

    _, blocks = summary_blocks(summary)

    tool_errors = next(text for text in texts(blocks) if text.startswith("*Tool errors*"))
    assert tool_errors.count("\n• ") == 5
    assert tool_errors.endswith("\n_… and 45 more_")
    assert next(text for text in texts(blocks) if text.startswith("*Approvals*")).endswith("_… and 75 more_")
    assert_fits_a_message(blocks)


def test_the_details_modal_draws_the_step_tree_in_start_order() -> None:
    view = details_view(SUMMARY, STEPS)

    assert view_errors(view) == []
    assert (view["type"], view["title"]["text"], view["close"]["text"]) == ("modal", "Task details", "Close")
    assert texts(view["blocks"]) == [
        ":x: *Failed* · 3 min 10 s · 6 steps · 7 model calls · 12 tool calls · 123,456 in / 7,890 out tokens · $0.0123",
        "task `t-42`",
        "---",
        "*task t-42* · 3 min 10 s\n"
        "├\u2003*agent lead* · 1 min 40 s · 1,000 in / 50 out · $0.0020\n"
        "│\u2003├\u2003chat claude · 1.2 s · 1,000 in / 50 out\n"
        "│\u2003└\u2003tool kubectl_get · 80 ms · :x: error: pods &lt;api&gt; not found\n"
        "└\u2003*agent k8s* · 5.0 s\n"
        "\u2003\u2003└\u2003approval restart · 4 min 12 s",
    ]


def test_orphans_and_cycles_are_shown_as_roots() -> None:
    steps = [
        StepNode(span_id="x", parent_id="gone", name="orphan", start=T0, duration_ms=1),
        StepNode(span_id="p", parent_id="q", name="p", start=T0 + timedelta(seconds=1), duration_ms=1),
        StepNode(span_id="q", parent_id="p", name="q", start=T0 + timedelta(seconds=2), duration_ms=1),
    ]

    view = details_view(SUMMARY, steps)

    assert texts(view["blocks"])[3] == "orphan · 1 ms\np · 1 ms\n└\u2003q · 1 ms"
    assert len(view["blocks"]) == 4


def test_a_task_without_steps_says_so() -> None:
    view = details_view(SUMMARY, [])

    assert texts(view["blocks"])[3] == "_no steps recorded_"
    assert view_errors(view) == []


def huge_tree(n: int) -> list[StepNode]:
    """A wide and deep tree (three children a node), every third step failed: too much for one modal."""
    return [
        StepNode(
            span_id=f"s{i}",
            parent_id=f"s{(i - 1) // 3}" if i else None,
            name=f"tool call number {i} " + "x" * 60,
            start=T0 + timedelta(milliseconds=i),
            duration_ms=i * 3.7,
            status="error" if i % 3 == 1 else "ok",
            error="upstream answered <html> " * 10 if i % 3 == 1 else None,
            input_tokens=i,
            output_tokens=i // 2,
            cost_usd=i / 1e5,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("max_chars", [None, 10**9])
@pytest.mark.parametrize("shape", ["tree", "chain"])
def test_a_huge_step_tree_is_cut_within_the_modal_limits(max_chars: int | None, shape: str) -> None:
    steps = huge_tree(2_000)
    if shape == "chain":
        steps = [step.model_copy(update={"parent_id": f"s{i - 1}" if i else None}) for i, step in enumerate(steps)]

    view = details_view(SUMMARY, steps) if max_chars is None else details_view(SUMMARY, steps, max_chars=max_chars)

    assert view_errors(view) == []
    assert len(view["blocks"]) <= MODAL_MAX_BLOCKS
    note = texts(view["blocks"])[-1]
    assert "more steps not shown" in note
    assert "with errors)" in note
    assert note.endswith("; the trace has 2,000 in all")
    shown = sum(text.count("\n") + 1 for text in texts(view["blocks"])[3:-1])
    assert f"… {2_000 - shown:,} more steps" in note


def test_the_digest_shows_every_part_of_the_period() -> None:
    fallback, blocks = digest_blocks(realistic_digest())

    assert fallback == "daily digest, 2026-12-01: 42 tasks · 7 pending approvals · $0.55"
    assert texts(blocks) == [
        "daily digest, 2026-12-01",
        "2026-12-01 00:00 – 2026-12-02 00:00 UTC · <#C0OPS>",
        "*Tasks* · 42 in all\n:white_check_mark: done 38 · :x: failed 3 · :no_entry_sign: cancelled 1",
        "*Approvals* · approved 10 · rejected 2 · cancelled 0 · voided 0 · expired 1"
        " · median time to decision 3 min 10 s\n"
        "_7 pending, oldest first_\n"
        "• `restart_service` · task `t-4` · waiting 40 min 30 s\n"
        "• `restart_service` · task `t-3` · waiting 30 min 30 s\n"
        "• `restart_service` · task `t-2` · waiting 20 min 30 s\n"
        "• `restart_service` · task `t-1` · waiting 10 min 30 s\n"
        "• `restart_service` · task `t-0` · waiting 30.0 s\n"
        "_… and 2 more_",
        "*Top tools*\n" + "\n".join(f"• `tool_{i}` · {100 - i} calls · {i / (100 - i):.1%} errors" for i in range(10)),
        "*Cost by agent · $0.55 in all*\n"
        "• `agent_5` · 50 model calls · 617,280 in / 11,725 out · $0.18\n"
        "• `agent_4` · 40 model calls · 493,824 in / 9,380 out · $0.15\n"
        "• `agent_3` · 30 model calls · 370,368 in / 7,035 out · $0.11\n"
        "• `agent_2` · 20 model calls · 246,912 in / 4,690 out · $0.0740\n"
        "• `agent_1` · 10 model calls · 123,456 in / 2,345 out · $0.0370\n"
        "• `agent_0` · 0 model calls · 0 in / 0 out · $0",
        "*Cost by task type*\n"
        "• `type_6` · 18 model calls · 60,000 in / 3,000 out · $3.00\n"
        "• `type_5` · 15 model calls · 50,000 in / 2,500 out · $2.50\n"
        "• `type_4` · 12 model calls · 40,000 in / 2,000 out · $2.00\n"
        "• `type_3` · 9 model calls · 30,000 in / 1,500 out · $1.50\n"
        "• `type_2` · 6 model calls · 20,000 in / 1,000 out · $1.00\n"
        "• `type_1` · 3 model calls · 10,000 in / 500 out · $0.50",
        "*Guardrail blocks*\n" + "\n".join(f"• R{i} instruction-override · {i + 1}" for i in reversed(range(10))),
        "*Slowest tasks*\n"
        + "\n".join(
            f"• `t-{i}` · {300.5 - i:.1f} s · done · _restart the api deployment in prod restart the api deployment in "
            "prod restart t…_"
            for i in range(5)
        ),
        "*Audit chain heads*\n" + "\n".join(f"• `t-{i}` · seq {7 * i} · `{i:02x}ababababab`" for i in range(10)),
    ]


def test_a_realistic_digest_fits_one_message() -> None:
    _, blocks = digest_blocks(realistic_digest())

    assert_fits_a_message(blocks)
    assert len(blocks) <= 50


def test_an_oversized_digest_shrinks_its_lists_until_it_fits() -> None:
    long = "very-long-name-" * 10
    report = realistic_digest().model_copy(
        update={
            "top_tools": [ToolStat(tool=f"{long}{i}", calls=1_000 + i, errors=i) for i in range(200)],
            "by_agent": [
                UsageLine(name=f"{long}{i}", model_calls=i, input_tokens=i, output_tokens=i, cost_usd=i)
                for i in range(100)
            ],
            "by_task_type": [
                UsageLine(name=f"{long}{i}", model_calls=i, input_tokens=i, output_tokens=i, cost_usd=i)
                for i in range(100)
            ],
            "guardrail_blocks": [GuardrailCount(rule=f"{long}&<>{i}", blocks=i) for i in range(100)],
            "slowest": [
                SlowTask(task_id=f"{long}{i}", seconds=i, outcome="failed", excerpt="<&>" * 100) for i in range(100)
            ],
            "chain_heads": [ChainHead(task_id=f"{long}{i}", seq=i, row_hash="f" * 64) for i in range(100)],
        }
    )

    _, blocks = digest_blocks(report)

    assert_fits_a_message(blocks)
    assert "_… and " in texts(blocks)[4]


def test_an_empty_digest_says_so_in_every_section() -> None:
    fallback, blocks = digest_blocks(EMPTY_DIGEST)

    assert fallback == "daily digest, 2026-12-01: 0 tasks · 0 pending approvals · $0"
    assert texts(blocks)[2:] == [
        "*Tasks*\n_no tasks this period_",
        "*Approvals* · approved 0 · rejected 0 · cancelled 0 · voided 0 · expired 0 · median time to decision n/a\n"
        "_nothing pending_",
        "*Top tools*\n_no tool calls_",
        "*Cost by agent · $0 in all*\n_no model calls_",
        "*Cost by task type*\n_no model calls_",
        "*Guardrail blocks*\n_none_",
        "*Slowest tasks*\n_no tasks_",
        "*Audit chain heads*\n_no audit rows_",
    ]
    assert_fits_a_message(blocks)


@pytest.mark.parametrize("days", [0, 1, 7, 31])
def test_the_chart_is_a_deterministic_png_of_the_expected_size(days: int) -> None:
    report = realistic_digest()
    report = report.model_copy(update={"days": report.days[:days]})

    png = digest_chart_png(report)

    assert png == digest_chart_png(report.model_copy())
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size, image.mode) == ("PNG", (720, 260), "RGB")


def test_the_chart_draws_bars_and_the_cost_line() -> None:
    image = Image.open(io.BytesIO(digest_chart_png(realistic_digest()))).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=720 * 260) or []}

    assert (74, 144, 217) in colours  # the task bars
    assert (232, 116, 59) in colours  # the cost line
    assert digest_chart_png(realistic_digest()) != digest_chart_png(EMPTY_DIGEST)


def test_the_summary_names_the_models_that_ran_and_the_offline_model_as_free() -> None:
    claude = SUMMARY.model_copy(update={"models": ["claude-sonnet-4-6", "claude-haiku-4-5"]})
    offline = SUMMARY.model_copy(update={"models": ["offline"], "cost_usd": 0.0})

    assert texts(summary_blocks(claude)[1])[1].startswith("*Model calls*\n7 · `claude-sonnet-4-6`, `claude-haiku-4-5`")
    offline_fields = texts(summary_blocks(offline)[1])[1]
    assert offline_fields.startswith("*Model calls*\n7 · the offline model (free)")
    assert "*Cost*\n$0 " in offline_fields
