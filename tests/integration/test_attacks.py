"""An outsider on the real stack (restate-server, worker, bot, sandbox): whoever reaches Restate's ingress, the
worker's port or the bot's port without opsgate's keys can act for nobody.

Each test is an attack that worked before the security issue, done as the attacker would do it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from approvals.audit import AuditLog
from bot.blocks import CANCEL_ACTION as CANCEL
from bot.blocks import RETRY_ACTION as RETRY
from bot.launcher import Launch, TaskLauncher
from bot.sandbox import SandboxState, new_trigger_id, sign_request
from bot.sandbox.records import Message
from bot.sandbox.signing import TIMESTAMP_HEADER
from handlers.contracts import (
    APPROVAL_OBJECT,
    APPROVAL_VOTE,
    BREAKERS,
    FROZEN,
    SET_FROZEN,
    SWITCHES_KEY,
    SWITCHES_OBJECT,
    TASK_CANCEL,
    TASK_RUN,
    TASK_WORKFLOW,
    WORKER_HEALTH,
    FreezeChange,
    TaskRequest,
    VoteRequest,
    VoteResult,
    task_id_for,
)
from handlers.contracts.envelope import MAX_LIFETIME_S, SKEW_S, Actor, Keyring, sealed_header
from handlers.switches import FREEZE_AUDIT_CHAIN
from opsgate.db import create_db_engine
from tests.integration.flows import attach
from tests.integration.harness import SECRET, Stack, envelope_headers, signed_call
from tests.integration.test_approvals import (
    APPROVE,
    card_for,
    click,
    executions,
    latest_ephemeral,
    request_action,
    wait_card,
)

pytestmark = pytest.mark.integration

BOB = Actor(team="T0SANDBOX", user="U0BOB")
CAROL = Actor(team="T0SANDBOX", user="U0CAROL")  # a policy admin
JSON = {"content-type": "application/json"}


def approval_id_of(card: Message) -> str:
    for block in card.blocks or []:
        for element in block.get("elements", []) if isinstance(block, dict) else []:
            if isinstance(element, dict) and element.get("action_id") == APPROVE:
                return str(element["value"])
    raise AssertionError("the card has no Approve button")


def audit_events(stack: Stack, task_id: str) -> list[str]:
    engine = create_db_engine(f"sqlite:///{stack.config_file.parent / 'opsgate.db'}")
    try:
        return [row.event for row in AuditLog(engine).rows(task_id)]
    finally:
        engine.dispose()


async def wait_audit(stack: Stack, task_id: str, event: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if event in audit_events(stack, task_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {event!r} audit row for {task_id} within {timeout:g} s: {audit_events(stack, task_id)}")


async def awakeable_of(stack: Stack, approval_id: str) -> str:
    """What an attacker can derive (the id comes from the waiting invocation's id); the test reads it from the
    Approval object's state through the admin API to do the same."""
    query = {
        "query": "SELECT value_utf8 FROM state WHERE service_name = 'Approval' "
        f"AND service_key = '{approval_id}' AND key = 'approval'"
    }
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(
            f"{stack.restate.admin_url}/query", json=query, headers={"accept": "application/json"}
        )
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    awakeable: str = json.loads(row["value_utf8"])["request"]["awakeable_id"]
    return awakeable


async def still_pending(stack: Stack, card: Message) -> bool:
    message = next(m for m in stack.sandbox.state.messages_in("C0OPS") if m.ts == card.ts)
    return APPROVE in json.dumps(message.blocks)


async def forge_approval(stack: Stack, approval_id: str) -> None:
    """Resolve the waiting task's awakeable by hand, with an outcome that says approved."""
    awakeable = await awakeable_of(stack, approval_id)
    forged = {"status": "approved", "decided_by": ["U0BOB"], "reason": "", "action_hash": "anything"}
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(f"{stack.restate.ingress_url}/restate/awakeables/{awakeable}/resolve", json=forged)
    assert response.status_code < 300, response.text  # Restate accepts it: the defence is the gate's


async def waiting_card(stack: Stack, probe_name: str) -> tuple[str, Message, str, str, str]:
    """Alice asks for a high action: its task id, its card, the approval id, Bob's vote as the bot sends it (its
    body) and the ingress URL it goes to."""
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[act:{probe_name}:restart_service] go"
    )
    card = await wait_card(stack, probe_name)
    approval_id = approval_id_of(card)
    vote = VoteRequest(voter="U0BOB", approve=True).model_dump_json()
    url = f"{stack.restate.ingress_url}/{APPROVAL_OBJECT}/{approval_id}/{APPROVAL_VOTE}"
    return task_id_for("T0SANDBOX", reply.trigger_id), card, approval_id, vote, url


async def test_a_vote_posted_to_the_ingress_without_the_bots_key_changes_nothing(stack: Stack, probe_name: str) -> None:
    task_id, card, approval_id, vote, url = await waiting_card(stack, probe_name)
    stranger = Keyring.generate()  # a key of the attacker's own
    attempts: list[dict[str, str]] = [
        {"content-type": "application/json"},
        envelope_headers(stranger, BOB, APPROVAL_OBJECT, approval_id, APPROVAL_VOTE, vote),
        # the bot's envelope for another approval, and for another body, replayed here
        envelope_headers(stack.keyring, BOB, APPROVAL_OBJECT, "a-other", APPROVAL_VOTE, vote),
        envelope_headers(
            stack.keyring, BOB, APPROVAL_OBJECT, approval_id, APPROVAL_VOTE, vote.replace("true", "false")
        ),
    ]
    async with httpx.AsyncClient(timeout=10) as client:
        for headers in attempts:
            answer = await client.post(url, content=vote, headers=headers)
            assert answer.status_code >= 400 and "refused" in answer.text, answer.text
    assert executions(stack, probe_name) == 0
    assert await still_pending(stack, card)
    await click(stack, "U0BOB", card, APPROVE)  # the real click still works, once
    assert (await attach(stack, task_id))["phase"] == "done"
    assert executions(stack, probe_name) == 1


async def test_a_captured_envelope_is_good_for_one_call(stack: Stack, probe_name: str) -> None:
    """Someone who copies a request the bot sent (a proxy's log, a misrouted copy) and sends it again, within the
    envelope's ten minutes, is refused as a replay; the copied call itself counted once."""
    task_id, card, approval_id, vote, url = await waiting_card(stack, probe_name)
    captured = envelope_headers(stack.keyring, BOB, APPROVAL_OBJECT, approval_id, APPROVAL_VOTE, vote)
    async with httpx.AsyncClient(timeout=10) as client:
        first = await client.post(url, content=vote, headers=captured)
        assert first.status_code == 200 and VoteResult.model_validate_json(first.text).accepted, first.text
        for headers in (captured, {**captured, "idempotency-key": "another"}):
            again = await client.post(url, content=vote, headers=headers)
            assert again.status_code == 401 and "replayed envelope" in again.text, again.text
    assert (await attach(stack, task_id))["phase"] == "done"
    assert executions(stack, probe_name) == 1
    assert not await still_pending(stack, card), "the copied vote decided the card once"


async def forged_then_approved(stack: Stack, probe_name: str, directive: str) -> tuple[str, dict[str, Any]]:
    """A task asks for an approval; someone resolves its awakeable by hand: nothing runs, the card stays pending,
    the audit says forged. Then Bob's real click runs it once. The task id and its outcome."""
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[{directive}:{probe_name}:restart_service] go"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    card = await wait_card(stack, probe_name)
    await forge_approval(stack, approval_id_of(card))
    await wait_audit(stack, task_id, "forged")
    assert executions(stack, probe_name) == 0
    assert await still_pending(stack, card)
    await click(stack, "U0BOB", card, APPROVE)  # the gate waits again, and hears the real decision
    outcome = await attach(stack, task_id, timeout=60)
    assert outcome["phase"] == "done"
    assert executions(stack, probe_name) == 1
    return task_id, outcome


async def test_a_forged_awakeable_resolution_runs_nothing_in_the_lead_agent(stack: Stack, probe_name: str) -> None:
    task_id, outcome = await forged_then_approved(stack, probe_name, "act")
    assert "restart_service done" in outcome["answer"]
    events = [e for e in audit_events(stack, task_id) if e != "guardrail"]
    assert events == ["requested", "forged", "vote", "approved", "executed"]


async def test_a_forged_awakeable_resolution_runs_nothing_in_a_specialist(stack: Stack, probe_name: str) -> None:
    task_id, _ = await forged_then_approved(stack, probe_name, "hand-act")  # the research specialist asks
    assert "forged" in audit_events(stack, task_id)


async def test_starting_cancelling_or_unfreezing_through_the_ingress_is_refused(stack: Stack, probe_name: str) -> None:
    task_id = f"t-forged{probe_name}"
    request = TaskRequest(
        task_id=task_id,
        team_id="T0SANDBOX",
        channel_id="C0OPS",
        user_id="U0CAROL",
        text=f"[act:{probe_name}:restart_service] go",
    ).model_dump_json()
    ingress = stack.restate.ingress_url
    async with httpx.AsyncClient(timeout=10) as client:
        started = await client.post(
            f"{ingress}/{TASK_WORKFLOW}/{task_id}/{TASK_RUN}",
            content=request,
            headers={"content-type": "application/json"},
        )
        assert started.status_code >= 400 and "refused" in started.text, started.text
        # Signed for someone else than the request names: refused too.
        alice = Actor(team="T0SANDBOX", user="U0ALICE")
        other = f"{task_id}b"
        body = request.replace(task_id, other)
        headers = envelope_headers(stack.keyring, alice, TASK_WORKFLOW, other, TASK_RUN, body)
        mismatched = await client.post(f"{ingress}/{TASK_WORKFLOW}/{other}/{TASK_RUN}", content=body, headers=headers)
        assert mismatched.status_code >= 400 and "refused" in mismatched.text, mismatched.text
        for path, body in [
            (f"{TASK_WORKFLOW}/{task_id}/{TASK_CANCEL}", ""),
            (f"{SWITCHES_OBJECT}/{SWITCHES_KEY}/{SET_FROZEN}", json.dumps({"frozen": False, "by": "U0CAROL"})),
            (f"{SWITCHES_OBJECT}/{SWITCHES_KEY}/{FROZEN}", ""),
            (f"{WORKER_HEALTH}/{BREAKERS}", ""),
        ]:
            answer = await client.post(f"{ingress}/{path}", content=body, headers=JSON if body else {})
            assert answer.status_code >= 400 and "refused" in answer.text, (path, answer.text)
    assert stack.store.get(task_id) is None  # nothing recorded, nothing posted
    assert not any(task_id in json.dumps(m.blocks) for m in stack.sandbox.state.messages_in("C0OPS"))
    assert executions(stack, probe_name) == 0


async def test_the_worker_serves_only_requests_signed_by_restate(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        discover = await client.get(f"{stack.worker.url}/discover")
        invoke = await client.post(
            f"{stack.worker.url}/invoke/{APPROVAL_OBJECT}/{APPROVAL_VOTE}",
            content=b"{}",
            headers={"content-type": "application/vnd.restate.invocation.v5"},
        )
    assert discover.status_code == 401, discover.text
    assert invoke.status_code == 401, invoke.text


# A valid body for every handler the ingress may call; a new public handler must be added here (and verify the
# bot's envelope), or be ingress-private.
EXAMPLE_BODIES: dict[tuple[str, str], Any] = {
    ("TaskWorkflow", "run"): {
        "task_id": "t-example",
        "team_id": "T0SANDBOX",
        "channel_id": "C0OPS",
        "user_id": "U0ALICE",
        "text": "what runs in staging?",
    },
    ("TaskWorkflow", "info"): None,
    ("TaskWorkflow", "cancel"): None,
    ("Approval", "vote"): {"voter": "U0BOB", "approve": True},
    ("Approval", "get"): None,
    ("Approval", "answer"): {"answer": "not_happened"},
    ("Switches", "set_frozen"): {"frozen": False, "by": "U0CAROL"},
    ("Switches", "frozen"): None,
    ("WorkerHealth", "breakers"): None,
    ("Digest", "post"): {
        "channel": "C0OPS",
        "period_start": "2026-01-01T00:00:00Z",
        "period_end": "2026-01-02T00:00:00Z",
        "label": "forged",
    },
    ("PausedAlert", "notify"): {"invocation_id": "inv_forged", "target": "Flaky/boom", "channel": "C0OPS"},
    ("OpsAlert", "notify"): {"kind": "config", "text": "forged", "channel": "C0OPS"},
}


async def test_every_handler_the_ingress_reaches_refuses_a_caller_without_the_bots_key(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        services = (await client.get(f"{stack.restate.admin_url}/services")).json()["services"]
        public = [
            (service["name"], handler["name"], service["ty"])
            for service in services
            for handler in service["handlers"]
            if service.get("public", True) and handler.get("public", True)
        ]
        assert ("Approval", "open") not in {(s, h) for s, h, _ in public}  # worker-only handlers are private
        assert {(s, h) for s, h, _ in public} == set(EXAMPLE_BODIES), "a public handler without a refusal test"
        for service, handler, kind in public:
            body = EXAMPLE_BODIES[(service, handler)]
            key = "" if kind == "Service" else "k-forged-example/"
            answer = await client.post(
                f"{stack.restate.ingress_url}/{service}/{key}{handler}",
                content=json.dumps(body) if body is not None else b"",
                headers={"content-type": "application/json"} if body is not None else {},
            )
            assert answer.status_code >= 400 and "refused" in answer.text, (service, handler, answer.text)


async def test_a_timestamp_header_of_unicode_digits_is_401_not_500(stack: Stack) -> None:
    body = b"command=%2Fops&text=hello&team_id=T0SANDBOX&channel_id=C0OPS&user_id=U0ALICE&trigger_id=1.2.x"
    headers: dict[str, str | bytes] = {**sign_request(SECRET, body, "²")}  # signed over the header's text
    headers[TIMESTAMP_HEADER] = "²".encode("latin-1")  # as a client puts it on the wire
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.post(stack.bot.events_url, content=body, headers=headers)
    assert answer.status_code == 401, answer.text


async def test_a_fullwidth_broadcast_in_a_request_reaches_the_thread_as_text(stack: Stack) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text="＜!channel＞ <!here> what services are running in staging?"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    await attach(stack, task_id)
    thread = [m for m in stack.sandbox.state.messages_in("C0OPS") if task_id in json.dumps(m.blocks)]
    assert thread
    for message in thread:
        posted = json.dumps(message.blocks) + message.text
        assert "<!channel>" not in posted and "<!here>" not in posted, posted


async def test_an_approver_cannot_approve_their_own_action_through_someone_elses_retry(
    stack: Stack, probe_name: str
) -> None:
    """Bob asks, cancels; Alice clicks Retry; the retried action is still Bob's too, so Bob cannot approve it."""
    await request_action(stack, probe_name, "restart_service", user="U0BOB")
    card = await wait_card(stack, probe_name)
    root = await stack.sandbox.wait_for(
        lambda s: next(
            (m for m in s.messages_in("C0OPS") if m.ts == card.thread_ts and CANCEL in json.dumps(m.blocks)), None
        ),
        timeout=15,
    )
    await click(stack, "U0BOB", root, CANCEL)
    retry_root = await stack.sandbox.wait_for(
        lambda s: next((m for m in s.messages_in("C0OPS") if m.ts == root.ts and RETRY in json.dumps(m.blocks)), None),
        timeout=15,
    )
    seen = len(stack.sandbox.state.ephemerals_for("C0OPS", "U0ALICE"))
    await click(stack, "U0ALICE", retry_root, RETRY)

    def retried(state: SandboxState) -> str | None:
        said = [e.text for e in state.ephemerals_for("C0OPS", "U0ALICE")[seen:] if "On it" in e.text]
        return said[-1] if said else None

    new_task = (await stack.sandbox.wait_for(retried, timeout=15)).split("task `")[1].split("`")[0]
    again = await stack.sandbox.wait_for(
        lambda s: next(
            (m for m in s.messages_in("C0OPS") if m.ts != card.ts and m is card_for(s, probe_name, APPROVE)), None
        ),
        timeout=40,
    )
    await click(stack, "U0BOB", again, APPROVE)
    assert "you requested this action" in await latest_ephemeral(stack, "U0BOB", "requested this action")
    assert executions(stack, probe_name) == 0
    assert await still_pending(stack, again)
    await click(stack, "U0CAROL", again, APPROVE)  # someone outside the chain may
    assert (await attach(stack, new_task))["phase"] == "done"
    assert executions(stack, probe_name) == 1


@pytest.mark.parametrize("secret", ["", "short"])
async def test_the_bot_refuses_to_start_with_an_empty_or_short_signing_secret(
    stack: Stack, tmp_path: Path, secret: str
) -> None:
    """With "" the bot took requests signed with an empty key: anyone could click as any approver."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-a-real-looking-token",
        "SLACK_SIGNING_SECRET": secret,
        "OPSGATE_SLACK_API_URL": "https://slack.example.com/api",  # Slack for real: no sandbox leniency
        "OPSGATE_DATA_DIR": str(tmp_path),
        "OPSGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "OPSGATE_RESTATE_INGRESS_URL": stack.restate.ingress_url,
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "opsgate", "bot"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "SLACK_SIGNING_SECRET" in done.stderr
    assert not (tmp_path / "bot.db").exists()  # refused before anything was stored


def freeze_change(stack: Stack, frozen: bool, issued_at: float) -> tuple[str, dict[str, str]]:
    """Switches/set_frozen for Carol as the bot signs it, issued at `issued_at` by the envelope's clock: the body
    and headers, to post now or to keep and replay later."""
    body = FreezeChange(frozen=frozen, by=CAROL.user).model_dump_json()
    sealed = sealed_header(
        stack.keyring,
        CAROL,
        service=SWITCHES_OBJECT,
        key=SWITCHES_KEY,
        handler=SET_FROZEN,
        body=body,
        nonce=new_trigger_id(issued_at),
        now=issued_at,
    )
    return body, {**JSON, **sealed}


async def post_freeze_change(stack: Stack, change: tuple[str, dict[str, str]]) -> httpx.Response:
    body, headers = change
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"{stack.restate.ingress_url}/{SWITCHES_OBJECT}/{SWITCHES_KEY}/{SET_FROZEN}", content=body, headers=headers
        )


async def is_frozen(stack: Stack) -> bool:
    engine = stack.engine()
    try:
        return await engine.frozen(actor=CAROL, nonce=new_trigger_id(time.time()))
    finally:
        await engine.aclose()


async def test_an_older_unfreeze_replayed_after_a_newer_freeze_is_refused(stack: Stack) -> None:
    """An "off" the bot signed for an admin earlier (still within its lifetime), captured and posted after a newer
    "on", must not lift the freeze."""
    now = time.time()
    captured_off = freeze_change(stack, False, now - 30)
    applied_on = await post_freeze_change(stack, freeze_change(stack, True, now))
    try:
        assert applied_on.status_code == 200, applied_on.text
        replayed = await post_freeze_change(stack, captured_off)
        assert replayed.status_code == 409 and "a newer change was applied already" in replayed.text, replayed.text
        assert await is_frozen(stack)
    finally:
        lifted = await post_freeze_change(stack, freeze_change(stack, False, time.time()))
    assert lifted.status_code == 200, lifted.text
    assert not await is_frozen(stack)


def freeze_rows(stack: Stack) -> list[tuple[str, str | None, dict[str, Any]]]:
    engine = create_db_engine(f"sqlite:///{stack.config_file.parent / 'opsgate.db'}")
    try:
        rows = AuditLog(engine).rows(FREEZE_AUDIT_CHAIN)
    finally:
        engine.dispose()
    return [(row.event, row.actor, json.loads(row.detail or "{}")) for row in rows]


async def test_freezing_and_unfreezing_are_audited_with_who_and_which_workspace(stack: Stack) -> None:
    before = len(freeze_rows(stack))
    for frozen in (True, False):
        answer = await post_freeze_change(stack, freeze_change(stack, frozen, time.time()))
        assert answer.status_code == 200, answer.text
    assert freeze_rows(stack)[before:] == [
        ("freeze", "U0CAROL", {"frozen": True, "team": "T0SANDBOX"}),
        ("freeze", "U0CAROL", {"frozen": False, "team": "T0SANDBOX"}),
    ]


async def test_a_vote_signed_for_an_approver_of_another_workspace_is_refused(stack: Stack, probe_name: str) -> None:
    """User ids are unique only within a workspace: U0BOB of another workspace the bot serves (so the bot signs
    for him) is not the approver U0BOB of the workspace the approval belongs to."""
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[act:{probe_name}:restart_service] go"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    card = await wait_card(stack, probe_name)
    approval_id = approval_id_of(card)
    vote = VoteRequest(voter="U0BOB", approve=True).model_dump_json()
    other_bob = Actor(team="T0ELSEWHERE", user="U0BOB")
    answer = await signed_call(
        stack.restate.ingress_url, stack.keyring, other_bob, APPROVAL_OBJECT, approval_id, APPROVAL_VOTE, vote
    )
    assert answer.status_code == 200, answer.text
    result = VoteResult.model_validate_json(answer.text)
    assert not result.accepted and "not in the workspace this approval belongs to" in result.message, result
    assert executions(stack, probe_name) == 0
    assert await still_pending(stack, card)
    assert "vote" not in audit_events(stack, task_id)
    await click(stack, "U0BOB", card, APPROVE)  # Bob of this workspace decides, once
    assert (await attach(stack, task_id))["phase"] == "done"
    assert executions(stack, probe_name) == 1


@pytest.mark.slow
async def test_a_task_resumed_after_its_envelope_expired_keeps_the_verdict_it_started_with(
    own_stack: Stack, probe_name: str
) -> None:
    """The envelope is checked once, as the run's first journaled step: a task that waits on an approver longer
    than an envelope lives, and is then replayed by a restarted worker, reuses that verdict instead of refusing
    to go on."""
    stack, expires_in = own_stack, 10.0
    issued_at = time.time() - MAX_LIFETIME_S - SKEW_S + expires_in  # refused from `expires_in` seconds on
    launcher = TaskLauncher(stack.restate.ingress_url, keyring=stack.keyring, clock=lambda: issued_at)
    request = TaskRequest(
        task_id=task_id_for("T0SANDBOX", new_trigger_id(time.time())),
        team_id="T0SANDBOX",
        channel_id="C0OPS",
        user_id="U0ALICE",
        text=f"[act:{probe_name}:restart_service] go",
    )
    try:
        assert await launcher.launch(request) is Launch.ACCEPTED
    finally:
        await launcher.aclose()
    card = await wait_card(stack, probe_name)  # the run was verified, and waits on Bob
    await asyncio.sleep(max(0.0, issued_at + MAX_LIFETIME_S + SKEW_S + 1 - time.time()))  # the envelope expires
    await stack.restart_worker()  # nothing of the first worker's memory is left: the next attempt replays the journal
    await click(stack, "U0BOB", card, APPROVE)
    try:
        outcome = await attach(stack, request.task_id)
    except httpx.TimeoutException:  # a check repeated on replay refuses, and the replay no longer matches its journal
        refusals = [line for line in stack.worker.log_file.read_text().splitlines() if "refused a call" in line]
        raise AssertionError(f"the task never finished after the restart: {refusals[-1:]}") from None
    assert outcome["phase"] == "done", outcome
    assert executions(stack, probe_name) == 1
