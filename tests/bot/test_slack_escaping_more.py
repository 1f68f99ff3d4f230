"""The rest of opsgate's Slack texts under the property of `test_slack_escaping.py`: untrusted text in, nothing
live out (see that file's docstring; its strategy, its checks and opsgate's own sequences are shared from there).

Covered here, each with untrusted text in every field a person, the model or a tool can fill:
- cards and modals: the approval card in every state and tier (`bot.cards.approval_blocks`), the outcome question
  (`bot.cards.outcome_blocks`), the reject and confirm modals (`bot.modals`);
- reports: the trace summary's every field and the Details modal (`bot.reports.summary_blocks`, `details_view`),
  the digest (`bot.reports.digest_blocks`);
- what the requester is answered (ephemeral): `/ops` itself (`answer_ops`, `unknown_command`), a mention in a
  thread (`answer_mention`), `/ops status`, `/ops digest`, `/ops approvals`, a malformed task id, and every
  subcommand (`cancel`, `freeze`, `policy`, …) as `/ops` parses it from the person's words;
- what the Approval object posts and answers (`approvals.approval_machine`): reminders, escalations, the answers
  to votes and outcome answers, the typed-confirmation refusal;
- what a durable step posts in a task's thread: the run-and-log line (`handlers.gate_decision.logged_line`),
  failures (`handlers.failures.failure_text`, `handlers.telemetry_attributes.model_failure`), the root's waiting
  detail and progress (`handlers.task_root.shown_view` into `bot.blocks.root_blocks`), handoffs
  (`handlers.handoffs.Handoffs.delegate`), and the notifier's plain post (`bot.notifier.SlackNotifier.post`) with
  any text: the `post_message` tool and every alert go out through it (the ops and paused-invocation alerts, the
  digest's failure alert), here with the invalid-config alert `opsgate.alert_watch` composes.

The leaks they found are fixed, each with a plain example at the end of this file.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from agents.guardrails.verdicts import Action, InputVerdict
from agents.messages import ToolUseBlock
from agents.models.base import ModelError
from agents.slack_text import escape_answer
from agents.team import AgentResult
from approvals import ProposedAction, Tier
from approvals import approval_machine as machine
from approvals.approval_state import Answer, Approval, Ballot, PostInThread, Settle, Status, Transition
from approvals.audit import AuditRecord
from bot.blocks import reply_blocks, root_blocks
from bot.cards import approval_blocks
from bot.listeners.commands.ops import SlashCommand, answer_ops, unknown_command
from bot.listeners.commands.status import digest, status
from bot.listeners.commands.subcommands import not_a_task_id, waiting_on_me
from bot.listeners.events.mentions import answer_mention
from bot.modals import confirm_modal, reject_modal
from bot.notifier import SlackNotifier
from bot.reports import details_view, digest_blocks, summary_blocks
from handlers.alerts import paused_text
from handlers.contracts import (
    AGENT_RUN,
    AGENT_WORKER,
    TASK_RUN,
    TASK_WORKFLOW,
    ApprovalStat,
    ApprovalStatus,
    ApprovalWait,
    ChainHead,
    DigestReport,
    GuardrailCount,
    PendingApproval,
    SlowTask,
    StepNode,
    TaskCount,
    TaskPhase,
    TaskRequest,
    TaskStatusLine,
    TaskView,
    ThreadRef,
    ThreadTask,
    ToolStat,
    TraceSummary,
    UsageLine,
)
from handlers.contracts.ops import DigestRequest, PausedNotice
from handlers.contracts.report import SpanKind
from handlers.deps import TaskDeps
from handlers.digest import failed_digest_text
from handlers.failures import failure_text
from handlers.gate_decision import logged_line
from handlers.handoffs import Handoffs
from handlers.task_root import shown_view
from handlers.telemetry_attributes import model_failure
from opsgate.alert_watch import _config_text
from opsgate.policy_source import InvalidConfig
from testkit.fakes.bot import bot_deps
from testkit.fakes.restate_context import FakeContext
from testkit.fakes.thread import RecordingThread
from tests.approvals import approval_cases as cases
from tests.bot.test_slack_escaping import (
    APPROVER,
    CHANNEL,
    DECIDER,
    EXAMPLES,
    FENCE,
    GROUP,
    REQUESTER,
    UNTRUSTED,
    assert_only_ours,
    card,
    texts,
)

Blocks = list[dict[str, Any]]
TASK = "t-" + "a" * 20
WHEN = datetime(2026, 1, 1, 9, tzinfo=UTC)
THREAD = ThreadRef(channel=CHANNEL, ts="1.0")
KINDS: Sequence[SpanKind] = ("task", "agent", "chat", "tool", "handoff", "other")


def assert_text_only_ours(text: str) -> None:
    """A plain `text` reply (ephemeral answers, thread lines): nothing live, and no code fence at all."""
    assert_only_ours(text, [])
    assert FENCE not in text, text


def mrkdwn(fallback: str, blocks: Blocks) -> list[str]:
    """The texts Slack formats (plain_text shows every character as typed)."""
    return [text for kind, text in texts(fallback, blocks) if kind == "mrkdwn"]


def assert_no_fences(fallback: str, blocks: Blocks) -> None:
    for text in mrkdwn(fallback, blocks):
        assert FENCE not in text, text


def assert_blocks_only_ours(fallback: str, blocks: Blocks) -> None:
    assert_only_ours(fallback, blocks)
    assert_no_fences(fallback, blocks)


def assert_thread_line_only_ours(line: str) -> None:
    """A line a durable step posts in a thread, as `SlackNotifier.reply` posts it (`reply_blocks`)."""
    assert_blocks_only_ours(*reply_blocks(line))


# --- cards and modals --------------------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    UNTRUSTED,
    UNTRUSTED,
    st.sampled_from([Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL]),
    st.sampled_from(list(ApprovalStatus)),
    st.sampled_from(["action", "outcome"]),
)
def test_every_card_state_and_the_outcome_question_show_untrusted_text_as_text(
    untrusted: str, tool: str, tier: Tier, status: ApprovalStatus, kind: str
) -> None:
    shown = card(untrusted, status).model_copy(
        update={
            "tool": tool,
            "tier": tier,
            "confirm": tier is Tier.CRITICAL,
            "kind": kind,
            "uncertainty": untrusted,
            "rerun": kind == "outcome",
        }
    )
    fallback, blocks = approval_blocks(shown)

    assert_only_ours(fallback, blocks)
    for text in mrkdwn(fallback, blocks):  # only the arguments and the dry run are code blocks, whole
        body = text.removeprefix("*Dry run:*\n")
        if FENCE in body:
            assert body.startswith(FENCE) and body.endswith(FENCE) and body.count(FENCE) == 2, text


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, UNTRUSTED)
def test_the_reject_and_confirm_modals_show_untrusted_text_as_text(tool: str, target: str) -> None:
    shown = card(target, ApprovalStatus.PENDING).model_copy(update={"tool": tool, "target": target or None})
    for view in (reject_modal(shown, CHANNEL), confirm_modal(shown, CHANNEL)):
        assert_blocks_only_ours("", view["blocks"])


# --- reports -----------------------------------------------------------------------------------------------------


def summary(untrusted: str) -> TraceSummary:
    return TraceSummary(
        task_id=untrusted,
        outcome=untrusted,
        duration_s=12.0,
        model_calls=3,
        agents=[untrusted, "lead"],
        tool_calls=2,
        tool_errors=[f"{untrusted}: {untrusted}", untrusted],
        models=[untrusted, "offline"],
        approvals=[
            ApprovalWait(
                tool=untrusted,
                outcome=outcome,
                waited_s=30.0,
                deciders=[DECIDER],
                tier=untrusted,
                confidence=0.4,
                raised_from=untrusted,
            )
            for outcome in (untrusted, "pending", "approved")
        ],
        error=untrusted,
        spans_pending=1,
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, st.sampled_from(KINDS))
def test_the_whole_trace_summary_and_its_details_modal_show_untrusted_text_as_text(
    untrusted: str, kind: SpanKind
) -> None:
    assert_blocks_only_ours(*summary_blocks(summary(untrusted)))

    steps = [
        StepNode(span_id="s1", name=untrusted, kind=kind, start=WHEN, duration_ms=5.0),
        StepNode(
            span_id="s2", parent_id="s1", name=untrusted, start=WHEN, duration_ms=1.0, status="error", error=untrusted
        ),
    ]
    view = details_view(summary(untrusted), steps)
    assert_blocks_only_ours("", view["blocks"])


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED)
def test_the_digest_shows_untrusted_text_as_text(untrusted: str) -> None:
    usage = [UsageLine(name=untrusted, model_calls=2, input_tokens=10, output_tokens=5, cost_usd=0.5)]
    report = DigestReport(
        channel=CHANNEL,
        period_start=WHEN,
        period_end=WHEN,
        label="Daily digest · 2026-01-01 09:00 UTC",
        tasks=[TaskCount(outcome=untrusted, tasks=2), TaskCount(outcome="done", tasks=1)],
        approvals=ApprovalStat(
            pending=[PendingApproval(approval_id=untrusted, task_id=untrusted, tool=untrusted, age_s=60.0)],
            pending_total=3,
        ),
        top_tools=[ToolStat(tool=untrusted, calls=3, errors=1)],
        by_agent=usage,
        by_task_type=usage,
        guardrail_blocks=[GuardrailCount(rule=untrusted, blocks=2)],
        slowest=[SlowTask(task_id=untrusted, seconds=9.0, outcome=untrusted, excerpt=untrusted)],
        chain_heads=[ChainHead(task_id=untrusted, seq=4, row_hash="9f" * 32)],  # a hash opsgate computed
    )
    assert_blocks_only_ours(*digest_blocks(report))


# --- what the requester is answered (ephemeral) ------------------------------------------------------------------


def assert_answer_only_ours(text: str) -> None:
    """An answer to a command: nothing live and no code fence, the help opsgate wrote itself included (its
    placeholders, `/ops &lt;request&gt;`, `&lt;task id&gt;`, `&lt;tool&gt;`, are escaped like untrusted text)."""
    assert_text_only_ours(text)


@dataclass
class Guard:
    """The input guardrails, answering `action` for every text with `reasons` (the person's words may be in them)."""

    action: Action
    reasons: tuple[str, ...]

    def check(self, text: str, *, scope: bool = False) -> InputVerdict:
        return InputVerdict(action=self.action, text=text, reasons=self.reasons, rules=("R1 test",))


@dataclass
class Threads:
    """A thread whose earlier task asked and answered `text`."""

    text: str

    def thread_history(self, channel: str, thread_ts: str, limit: int = 5) -> list[ThreadTask]:
        return [ThreadTask(task_id="t-1", requester=REQUESTER, text=self.text, outcome=self.text, finished=True)]


@dataclass
class Reports:
    """`/ops status` reads this one line, whatever it asks for."""

    line: TaskStatusLine

    def status(self, task_id: str) -> TaskStatusLine | None:
        return self.line

    def recent(self, team_id: str, requester: str, limit: int = 10) -> list[TaskStatusLine]:
        return [self.line, self.line]

    def steps(self, task_id: str) -> list[StepNode]:
        return []

    def summary(self, task_id: str) -> TraceSummary | None:
        return None

    def request_text(self, task_id: str) -> str | None:
        return None


@dataclass
class PendingApprovals:
    """The audit log as `/ops approvals` reads it: the `requested` rows still pending."""

    rows: list[AuditRecord]

    def pending(self, limit: int = 200) -> list[AuditRecord]:
        return self.rows


def command(user: str = REQUESTER, text: str = "") -> SlashCommand:
    return SlashCommand(
        command="/ops", team_id="T0SANDBOX", channel_id=CHANNEL, user_id=user, trigger_id="1.2", text=text
    )


ACTIONS: Sequence[Action] = ("allow", "escalate", "out_of_scope", "block")


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, st.sampled_from(ACTIONS))
def test_what_ops_and_a_mention_answer_shows_untrusted_text_as_text(untrusted: str, action: Action) -> None:
    deps = bot_deps(guard=Guard(action, (untrusted, "R2 something else")), tasks=Threads(untrusted))
    word = "".join(untrusted.split()) or "x"
    # A request, one word, and every subcommand with a word of its own (as `/ops` parses it, `match_subcommand`).
    subcommands = [f"{name} {word}" for name in ("status", "digest", "cancel", "freeze", "policy")]
    asked = (untrusted, f"restart {untrusted} in staging", word, f"cancel t-{word}", *subcommands)

    async def answers() -> list[dict[str, Any]]:
        return [await answer_ops(command(text=text).model_dump(), deps) for text in asked]

    for answer in asyncio.run(answers()):
        assert_answer_only_ours(answer["text"])

    answered: dict[str, Any] = {}

    async def ack(**kwargs: Any) -> None:
        answered.update(kwargs)

    asyncio.run(unknown_command(cast(AsyncAck, ack), {"command": untrusted}))
    assert_answer_only_ours(answered["text"])

    event = {"user": APPROVER, "channel": CHANNEL, "ts": "2.0", "thread_ts": "1.0", "text": f"<@U0BOT> {untrusted}"}
    reply = asyncio.run(answer_mention({"team_id": "T0SANDBOX", "event_id": "Ev1"}, event, deps))
    assert reply is not None
    assert_answer_only_ours(reply)


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, st.sampled_from(["failed", "waiting_approval"]))
def test_ops_status_and_digest_answer_untrusted_text_as_text(untrusted: str, phase: str) -> None:
    async def answers() -> list[str]:
        said = [(await digest(command(), untrusted, bot_deps()))["text"]]
        for shown in (untrusted, phase):
            line = TaskStatusLine(
                task_id=untrusted,
                requester=REQUESTER,
                channel=CHANNEL,
                status=shown,
                created_at=WHEN,
                updated_at=WHEN,
                excerpt=untrusted,
                outcome=untrusted,
            )
            deps = bot_deps(reports=Reports(line))
            for who in (REQUESTER, DECIDER):  # the requester sees the task; someone else is told whose it is
                said += [(await status(command(who), argument, deps))["text"] for argument in ("", TASK, untrusted)]
        return said

    for answer in asyncio.run(answers()):
        assert_answer_only_ours(answer)


def requested_row(tool: str, target: str | None, approvers: list[str], actor: str | None = None) -> AuditRecord:
    """The audit row of an approval asked for `tool` on `target`, waiting on `approvers` (`/ops approvals` reads it)."""
    detail = {
        "tool": tool,
        "target": target,
        "tier": "high",
        "approvers": approvers,
        "requester": REQUESTER,
        "channel": CHANNEL,
    }
    return AuditRecord(
        task_id=TASK,
        seq=1,
        approval_id="a-1",
        event="requested",
        actor=actor,
        detail=json.dumps(detail),
        dedupe_key="a-1:requested",
        at=WHEN,
        prev_hash="0" * 64,
        row_hash="1" * 64,
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, UNTRUSTED)
def test_ops_approvals_and_a_bad_task_id_answer_untrusted_text_as_text(tool: str, target: str) -> None:
    row = requested_row(tool, target or None, [APPROVER, GROUP], actor=REQUESTER)
    deps = bot_deps(audit=PendingApprovals([row, row]))
    assert_answer_only_ours(asyncio.run(waiting_on_me(command(APPROVER), "", deps))["text"])
    assert_answer_only_ours(asyncio.run(not_a_task_id(command(), target, deps))["text"])


# --- what the Approval object posts in the thread and answers the clicker ---------------------------------------


def approval(tool: str, target: str, tier: Tier = Tier.HIGH, **changes: Any) -> Approval:
    """The approval machine's shared case (`tests.approvals.approval_cases`), for the model's `tool` on `target`,
    approvers a person and a group, escalating to a decider, no card up yet."""
    asked = cases.decision(tier, approvers=[APPROVER, GROUP], quorum=1, escalate_to=DECIDER)
    action = ProposedAction(tool=tool, arguments={"service": target}, target=target or None)
    return cases.approval(
        tier, cards=(), requester=REQUESTER, channel=CHANNEL, action=action, decision=asked, **changes
    )


def said(transition: Transition) -> list[str]:
    """Every text of a transition: its posts in the thread (now or once settled) and its answers to the clicker."""
    effects, replies = list(transition.effects), [transition.reply]
    if isinstance(transition.then, Settle):
        effects += transition.then.after
        replies.append(transition.then.reply)
    posts = [effect.text for effect in effects if isinstance(effect, PostInThread)]
    return posts + [reply.message for reply in replies if reply is not None]


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, UNTRUSTED, st.sampled_from(["action", "outcome"]))
def test_reminders_escalations_and_answers_to_clicks_show_untrusted_text_as_text(
    tool: str, target: str, kind: str
) -> None:
    pending = approval(tool, target, kind=kind)
    critical = approval(tool, target, Tier.CRITICAL)
    final = replace(pending, status=Status.NOT_HAPPENED if kind == "outcome" else Status.REJECTED)
    final = replace(final, decided_by=(DECIDER,), reason=target)
    ballot = Ballot(voter=APPROVER, team="T0OPS", approve=True, confirmation=f"not {target}")
    transitions = [
        machine.remind(pending),
        machine.expire(pending),
        machine.vote(final, ballot),
        machine.vote(pending, ballot),
        machine.judge_vote(critical, ballot, "", "inv-1"),
        machine.answer(final, Answer(voter=APPROVER, team="T0OPS", answer="happened")),
        machine.answer(pending, Answer(voter=APPROVER, team="T0OPS", answer="rerun")),
    ]
    lines = [line for transition in transitions for line in said(transition)]

    assert any(":alarm_clock:" in line for line in lines) and any(":rotating_light:" in line for line in lines)
    for line in lines:  # in the thread through the notifier's reply, or ephemeral to the clicker: the same rules
        assert_thread_line_only_ours(line)


# --- what a durable step posts in a task's thread ----------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, st.sampled_from([Tier.LOW, Tier.MEDIUM, Tier.HIGH]))
def test_run_and_log_lines_and_failures_show_untrusted_text_as_text(untrusted: str, tier: Tier) -> None:
    decision = approval(untrusted, untrusted, tier).decision.model_copy(
        update={
            "reasons": [untrusted, "Matches rule `restart`.", f"A guardrail asks for a person to look: {untrusted}"]
        }
    )
    assert_thread_line_only_ours(logged_line(ToolUseBlock(id="c-1", name=untrusted, input={}), decision))

    failures = [
        failure_text("The task failed", untrusted, "e-0123456789"),
        failure_text("The db agent failed", model_failure(ModelError(untrusted, retryable=True)), "e-0123456789"),
        failure_text("The task failed", model_failure(ModelError(untrusted, retryable=False, kind="auth")), "e-1"),
    ]
    for failure in failures:  # as the workflow posts it: escaped as an answer would be
        assert_thread_line_only_ours(escape_answer(failure))


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, UNTRUSTED)
def test_the_root_shows_the_tools_it_runs_and_waits_on_as_text(tool: str, specialist: str) -> None:
    running = TaskView(
        task_id="t-1",
        requester=REQUESTER,
        request=tool or "x",
        phase=TaskPhase.RUNNING,
        detail=f"`{tool}`",  # the agent loop's progress: the tool the model just proposed, before any gate
        step=2,
        max_steps=10,
    )
    assert_blocks_only_ours(*root_blocks(running))

    waiting = {  # the gate's reason (`…` needs approval), a specialist's with its task type (handlers.agent_worker)
        "": f"`{tool}` needs approval",
        "db": f"`{tool}` needs approval ({specialist})",
        "ops": f"`{specialist}` rejected ({tool})",
    }
    assert_blocks_only_ours(*root_blocks(shown_view(running, waiting)))


async def handed_off(agent: str, objective: str) -> list[str]:
    ctx = FakeContext()
    result = AgentResult(task_id="t-1.1.1", agent=agent, status="done", summary=objective)
    ctx.on_call(AGENT_WORKER, AGENT_RUN, result.model_dump_json().encode())
    thread = RecordingThread()
    request = TaskRequest(task_id="t-1", team_id="T0", channel_id=CHANNEL, user_id=REQUESTER, text="go")
    deps = cast(TaskDeps, SimpleNamespace(notifier=thread))
    handoffs = Handoffs(ctx.context, request, deps, THREAD, [agent, "db"], lambda text: text)
    tasks = [{"agent": agent, "objective": objective or "x"}, {"agent": "db", "objective": f"check {objective}"}]
    await handoffs.delegate(1, ToolUseBlock(id="c-1", name="delegate", input={"tasks": tasks}))
    return thread.replies


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, UNTRUSTED)
def test_handoffs_show_the_specialists_and_their_objectives_as_text(agent: str, objective: str) -> None:
    [line] = asyncio.run(handed_off(agent or "ops", objective))

    assert line.startswith("Handing off:")
    assert_thread_line_only_ours(line)


@dataclass
class Client:
    """Slack's `chat.postMessage`, recorded."""

    posted: list[dict[str, Any]] = field(default_factory=list)

    async def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.posted.append(kwargs)
        return {"channel": kwargs["channel"], "ts": "1.1"}


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED)
def test_the_notifiers_plain_post_and_the_alerts_show_untrusted_text_as_text(untrusted: str) -> None:
    client = Client()
    notifier = SlackNotifier(cast(AsyncWebClient, client))
    problems = (f"policy.approvers.0: '{untrusted}' is not a Slack user id", untrusted) * 6
    config_alert = _config_text(InvalidConfig(path=Path(f"/etc/{untrusted}.yml"), version="v1", problems=problems))
    start = datetime(2026, 12, 7, tzinfo=UTC)
    # No admin URL here: its link in the commands is opsgate's own (the plain example below shows it).
    paused = paused_text(PausedNotice(invocation_id=untrusted, target=untrusted))
    digest = DigestRequest(channel=untrusted, period_start=start, period_end=start, label=untrusted)
    failed = failed_digest_text(digest, "3 tries", untrusted)
    # The model's `post_message` text goes out through the plain post (escaped as a model's answer); every alert
    # (the paused and config alerts, the digest's failure alert) through `post_notice`, as composed: each escapes
    # its untrusted parts where it puts them in.
    asyncio.run(notifier.post(CHANNEL, untrusted))
    for text in (config_alert, paused, failed):
        asyncio.run(notifier.post_notice(CHANNEL, text))
    for posted in client.posted:
        assert_only_ours(posted["text"], posted["blocks"])
    assert FENCE not in client.posted[1]["text"]  # the config alert's untrusted parts are escaped where inserted


def test_an_alert_is_escaped_once_and_its_commands_stay_copyable() -> None:
    """The alerts went out through the model's post: escaped twice (`&amp;lt;` shown) and a word joiner put into
    the URL of the command to copy."""
    client = Client()
    notifier = SlackNotifier(cast(AsyncWebClient, client))
    invocation = "inv_1fFbSDtQmGLr3sWtJnnTq06Fs2VhXuJ99T"
    notice = PausedNotice(
        invocation_id=invocation, target=f"{TASK_WORKFLOW}/{TASK_RUN}", admin_url="http://restate:9070"
    )
    asyncio.run(notifier.post_notice(CHANNEL, paused_text(notice)))
    problems = ("policy.approvers.0: '<@U0EVIL>' is not a Slack user id",)
    alert = _config_text(InvalidConfig(path=Path("/etc/opsgate.yml"), version="v1", problems=problems))
    asyncio.run(notifier.post_notice(CHANNEL, alert))
    paused, config = (posted["text"] for posted in client.posted)
    assert f"`curl -X PATCH http://restate:9070/invocations/{invocation}/resume`" in paused
    assert "\u2060" not in paused
    assert "&lt;@U0EVIL&gt;" in config and "&amp;" not in config
    forged = paused_text(PausedNotice(invocation_id="x; rm -rf /", target="t", admin_url="http://restate:9070"))
    assert "`curl -X PATCH http://restate:9070/invocations/&lt;id&gt;/resume`" in forged, (
        "a strange id joins no command"
    )


# --- the leaks these properties found, as plain examples --------------------------------------------------------


def test_ops_approvals_shows_the_models_tool_and_target_as_code_not_live() -> None:
    """`/ops approvals` put the tool and target of the audit row between backticks as they were: a target of
    `<!channel>` or a tool that closes the backtick and goes on with a mention or a link was live."""
    row = requested_row("restart` <@U0EVIL> `", "<https://evil.example|approved by security>", [APPROVER])
    text = asyncio.run(waiting_on_me(command(APPROVER), "", bot_deps(audit=PendingApprovals([row]))))["text"]

    assert "<@U0EVIL>" not in text and "<https://" not in text
    assert "`restartˋ &lt;@U0EVIL&gt; ˋ` on `&lt;https:\u2060//evil.example|approved by security&gt;`" in text
    assert f"for <@{REQUESTER}> in <#{CHANNEL}>" in text  # opsgate's own mention and channel stay live
    assert_answer_only_ours(text)


def test_the_roots_status_shows_a_tool_name_with_a_fence_as_text() -> None:
    """The root's status showed the model's proposed tool name between backticks, escaped as an answer (links and
    mentions only): a name holding ``` opened a code block there. Its backticks are kept, no fence forms."""
    for name, shown in (("kubectl_get", "`kubectl_get`"), ("a```b", "`a`\u200b`\u200b`b`")):
        view = TaskView(task_id="t-1", requester=REQUESTER, request="x", phase=TaskPhase.RUNNING, detail=f"`{name}`")
        fallback, blocks = root_blocks(view)

        assert blocks[1]["text"]["text"] == f":gear: *Running* · \u200b{shown}\u200b"
        assert_blocks_only_ours(fallback, blocks)


def test_a_url_after_a_dot_a_dash_or_a_plus_is_not_live() -> None:
    """`agents.slack_text` took `.https` for the scheme (a scheme may hold `.`, `-` and `+`), found none starting at
    a word, and left `https://…` after a `.`, `-` or `+` live: in a card, a modal, `/ops status` and every post."""
    for glued in (".", "-", "+", "1.", "x."):
        url = f"{glued}https://evil.example/login"
        line = TaskStatusLine(
            task_id=url, requester=REQUESTER, channel=CHANNEL, status=url, created_at=WHEN, updated_at=WHEN, excerpt=url
        )
        answer = asyncio.run(status(command(), "", bot_deps(reports=Reports(line))))["text"]
        shown = card(url, ApprovalStatus.PENDING).model_copy(update={"tool": url})

        assert "https://" not in answer and f"{glued}https:\u2060//evil.example/login" in answer
        assert_answer_only_ours(answer)
        assert_only_ours(*approval_blocks(shown))
        assert_blocks_only_ours("", reject_modal(shown, CHANNEL)["blocks"])
