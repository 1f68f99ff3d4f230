"""No message opsgate posts carries a mention, broadcast, link or code fence that opsgate did not put there.

The real builders get arbitrary untrusted text built from the pieces of known attacks; what they post may hold
only opsgate's own `<…>` sequences (the trusted ids passed in, the channel it links, the dates it formats), and
each code block ends where the builder ends it. Here: the approval card (`bot.cards.approval_blocks`), the thread
root with its status detail (`bot.blocks.root_blocks`), the model's answer (`escape_answer` into `reply_blocks`),
the tool-error line (`handlers.telemetry_attributes.tool_error_notice`) and the trace summary
(`bot.reports.summary_blocks`); and a fullwidth `＜!channel＞` sent through the real bot reaches the thread root as
typed, not as a live broadcast. Every other builder of text opsgate posts, shows in a modal or answers
ephemerally is in `test_slack_escaping_more.py`, which shares this file's strategy and checks.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.slack_text import escape_answer
from agents.tools import ToolResult
from approvals import Tier
from bot.blocks import reply_blocks, root_blocks
from bot.cards import approval_blocks
from bot.notifier import SlackNotifier
from bot.reports import summary_blocks
from bot.sandbox import Sandbox
from handlers.contracts import ApprovalCard, ApprovalStatus, ApprovalWait, TaskPhase, TaskView, TraceSummary, Vote
from handlers.telemetry_attributes import tool_error_notice
from testkit.fakes.bot import bot_client, bot_deps, slack_client, slash, team_guard
from testkit.fakes.worker import FakeWorker

EXAMPLES = max(30, int(os.environ.get("OPSGATE_FUZZ_EXAMPLES", "300")) // 3)
FRAGMENTS = [
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<!subteam^S0EVIL>",
    "<!date^1^{time}|x>",
    "<@U0EVIL>",
    "<#C1|x>",
    "<https://evil.example|approved by security>",
    "<mailto:a@evil.example|mail>",
    "https://evil.example/login",
    "＜!channel＞",
    "＜@U0EVIL＞",
    "﹤!here﹥",
    "```",
    "`",
    "&lt;!channel&gt;",
    "&",
    "\u200b",
    "\u2060",
    "\n",
    "> ",
    "*APPROVED*",
]
UNTRUSTED = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=10).map("".join)
REQUESTER, APPROVER, GROUP, DECIDER = "U0ALICE", "U0CAROL", "S0ONCALL", "U0BOB"
CHANNEL = "C0OPS"
OURS = {f"<@{REQUESTER}>", f"<@{APPROVER}>", f"<!subteam^{GROUP}>", f"<@{DECIDER}>", f"<#{CHANNEL}>"}
"""The trusted ids opsgate mentions: people and groups it names, the channel it links (a status line, a digest)."""
DATE = re.compile(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9: -]+UTC>")
FENCE = "```"
LIVE_LINK = re.compile(r"(?i)\b(?:https?|ftp)://|\bmailto:(?!\u2060)")


def texts(fallback: str, blocks: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(kind, text) of every text object Slack renders, and of the fallback that notifications show."""
    yield "mrkdwn", fallback

    def walk(value: Any) -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str):
                yield value["type"], value["text"]
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    yield from walk(blocks)


def assert_only_ours(fallback: str, blocks: list[dict[str, Any]]) -> None:
    for kind, text in texts(fallback, blocks):
        if kind == "plain_text":  # Slack parses no `<…>` there (emoji only)
            continue
        rest = DATE.sub("", text)
        for token in OURS:
            rest = rest.replace(token, "")
        assert "<" not in rest and ">" not in rest.replace("> ", "").replace("\n>", ""), text
        assert LIVE_LINK.search(rest) is None, text


def card(untrusted: str, status: ApprovalStatus) -> ApprovalCard:
    final = status is not ApprovalStatus.PENDING
    return ApprovalCard(
        approval_id="a-1",
        task_id="t-1",
        tier=Tier.CRITICAL,
        tool="post_message",
        arguments={"channel": untrusted, "text": untrusted, "nested": {"list": [untrusted]}},
        target=untrusted or None,
        rationale=untrusted,
        confidence=0.8,
        reversible=False,
        reasons=["Matches rule `deploys`.", untrusted],
        preview=untrusted or None,
        requester=REQUESTER,
        approvers=[APPROVER, GROUP],
        quorum=1,
        confirm=True,
        expires_at=1_767_225_600.0,
        votes=[Vote(voter=DECIDER, approve=False, reason=untrusted, at=1_767_225_000.0)] if final else [],
        status=status,
        decided_by=[DECIDER] if final else [],
        decided_at=1_767_225_000.0 if final else None,
        reason=untrusted,
        masked={"<EMAIL_1>": untrusted},
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, st.sampled_from([ApprovalStatus.PENDING, ApprovalStatus.REJECTED]))
def test_the_approval_card_shows_untrusted_text_as_text(untrusted: str, status: ApprovalStatus) -> None:
    fallback, blocks = approval_blocks(card(untrusted, status))

    assert_only_ours(fallback, blocks)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    arguments = next(s for s in sections if s.startswith(FENCE))
    assert arguments.endswith(FENCE) and arguments.count(FENCE) == 2
    if untrusted:
        dry_run = next(s for s in sections if s.startswith("*Dry run:*"))
        assert dry_run.endswith(FENCE) and dry_run.count(FENCE) == 2
    others = [text for _, text in texts(fallback, blocks) if text not in (arguments,) and "*Dry run:*" not in text]
    assert all(FENCE not in text for text in others)
    assert f"<@{REQUESTER}>" in json.dumps(blocks) and f"<!subteam^{GROUP}>" in json.dumps(blocks)


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, UNTRUSTED)
def test_the_thread_root_the_answer_and_tool_errors_show_it_as_text(untrusted: str, answer: str) -> None:
    view = TaskView(
        task_id="t-1",
        requester=REQUESTER,
        request=untrusted or "x",
        phase=TaskPhase.RUNNING,
        detail="`kubectl_get`" + untrusted,
    )
    fallback, blocks = root_blocks(view)
    assert_only_ours(fallback, blocks)
    assert all(FENCE not in text for _, text in texts(fallback, blocks))  # the status detail's too

    assert_only_ours(*reply_blocks(escape_answer(answer)))
    notice = tool_error_notice("kubectl_get", ToolResult(content=untrusted, is_error=True), "e-0123456789")
    assert_only_ours(*reply_blocks(notice))
    assert FENCE not in notice


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED)
def test_the_trace_summary_shows_it_as_text(untrusted: str) -> None:
    summary = TraceSummary(
        task_id="t-1",
        outcome="failed",
        duration_s=12.0,
        model_calls=3,
        agents=["lead", untrusted],
        tool_calls=2,
        tool_errors=[f"kubectl_get: {untrusted}", untrusted],
        approvals=[ApprovalWait(tool=untrusted, outcome="rejected", waited_s=30.0, deciders=[DECIDER, untrusted])],
        error=untrusted,
    )
    fallback, blocks = summary_blocks(summary)

    assert_only_ours(fallback, blocks)
    assert all(FENCE not in text for _, text in texts(fallback, blocks))


# --- the fullwidth broadcast through the real bot ---------------------------------------------------------------


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    running = Sandbox(signing_secret="unused", rate_limit=False)
    await running.start()
    yield running
    await running.stop()


async def test_a_fullwidth_channel_ping_reaches_the_thread_root_as_typed_not_live(sandbox: Sandbox) -> None:
    launcher = FakeWorker()
    request = "restart the api in staging ＜!channel＞ and tell ＜@U0BOSS＞ it is <!here> done"
    async with bot_client(bot_deps(launcher, guard=team_guard())) as bot:
        ack = await slash(bot, request, user_id=REQUESTER)

    assert ack.status_code == 200 and ack.json()["text"].startswith("On it")
    [launched] = launcher.launched
    assert launched.text == request  # the model and the thread see what was typed, not its NFKC form
    notifier = SlackNotifier(slack_client(sandbox))
    view = TaskView(task_id=launched.task_id, requester=REQUESTER, request=launched.text, phase=TaskPhase.QUEUED)
    await notifier.post_root("C0OPS", view)

    [root] = sandbox.state.messages_in("C0OPS")
    posted = json.dumps({"text": root.text, "blocks": root.blocks}, ensure_ascii=False)
    for live in ("<!channel>", "<@U0BOSS>", "<!here>"):
        assert live not in posted
    assert "＜!channel＞" in posted and "&lt;!here&gt;" in posted
    assert f"<@{REQUESTER}>" in posted  # opsgate's own mention of the requester stays live
