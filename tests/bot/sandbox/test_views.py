"""views.open's trigger rules (issued, unused, younger than 3 s) and views.update, on the stepping clock."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from testkit.fakes import FakeClock


def modal(title: str = "Approve?", blocks: int = 1, **extra: Any) -> dict[str, Any]:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "restart *api*"}}
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [section] * blocks, **extra}


async def trigger_from_a_command(sandbox: Sandbox) -> str:
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="details")
    return reply.trigger_id


async def test_open_within_three_seconds_once(client: AsyncWebClient, sandbox: Sandbox, clock: FakeClock) -> None:
    trigger_id = await trigger_from_a_command(sandbox)
    clock.advance(2.9)

    opened = await client.views_open(trigger_id=trigger_id, view=modal())
    with pytest.raises(SlackApiError) as again:
        await client.views_open(trigger_id=trigger_id, view=modal())

    view = sandbox.state.views[opened["view"]["id"]]
    assert view.user == "U0ALICE"
    assert opened["view"]["title"]["text"] == "Approve?"
    assert again.value.response["error"] == "exchanged_trigger_id"


async def test_expired_and_unknown_triggers(client: AsyncWebClient, sandbox: Sandbox, clock: FakeClock) -> None:
    trigger_id = await trigger_from_a_command(sandbox)
    clock.advance(3.0)

    with pytest.raises(SlackApiError) as expired:
        await client.views_open(trigger_id=trigger_id, view=modal())
    with pytest.raises(SlackApiError) as unknown:
        await client.views_open(trigger_id="1234567890123.1234567890.feedface", view=modal())

    assert expired.value.response["error"] == "expired_trigger_id"
    assert unknown.value.response["error"] == "invalid_trigger_id"
    assert sandbox.state.views == {}


async def test_modals_take_a_hundred_blocks_not_more(client: AsyncWebClient, sandbox: Sandbox) -> None:
    await client.views_open(trigger_id=await trigger_from_a_command(sandbox), view=modal(blocks=100))
    with pytest.raises(SlackApiError) as caught:
        await client.views_open(trigger_id=await trigger_from_a_command(sandbox), view=modal(blocks=101))

    assert caught.value.response["error"] == "invalid_arguments"
    assert caught.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 101 items [json-pointer:/view/blocks]"
    ]


async def test_update_by_view_id_and_external_id(client: AsyncWebClient, sandbox: Sandbox) -> None:
    trigger_id = await trigger_from_a_command(sandbox)
    opened = await client.views_open(trigger_id=trigger_id, view=modal(external_id="approval-1"))
    view_id = opened["view"]["id"]

    await client.views_update(view_id=view_id, view=modal(title="Approved", external_id="approval-1"))
    by_external = await client.views_update(external_id="approval-1", view=modal(title="Done"))
    with pytest.raises(SlackApiError) as stale:
        await client.views_update(view_id=view_id, hash=opened["view"]["hash"], view=modal())
    with pytest.raises(SlackApiError) as missing:
        await client.views_update(view_id="V0NOPE", view=modal())

    assert by_external["view"]["id"] == view_id
    assert sandbox.state.views[view_id].view["title"]["text"] == "Done"
    assert sandbox.state.views[view_id].update_count == 2
    assert stale.value.response["error"] == "hash_conflict"
    assert missing.value.response["error"] == "not_found"
