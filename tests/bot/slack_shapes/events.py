"""Events API deliveries: `event_callback` envelopes with many event types and message subtypes,
`url_verification`, `app_rate_limited`, a redelivery, and the `ssl_check` form."""

from __future__ import annotations

import json
from typing import Any

from tests.bot.slack_shapes.common import (
    APP,
    BOT_ID,
    BOT_USER,
    CHANNEL,
    FORM,
    JSON,
    LATER,
    TEAM,
    TOKEN,
    TS,
    USER,
    Shape,
    text_blocks,
)


def _envelope(event: dict[str, Any], event_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "token": TOKEN,
        "team_id": TEAM,
        "context_team_id": TEAM,
        "context_enterprise_id": None,
        "api_app_id": APP,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1732500042,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id.lower()}",
        **extra,
    }


def _message(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "user": USER,
        "text": text,
        "blocks": text_blocks(text),
        "ts": LATER,
        "team": TEAM,
        "channel": CHANNEL,
        "event_ts": LATER,
        "channel_type": "channel",
        **extra,
    }


EVENTS: dict[str, dict[str, Any]] = {
    "message": _message("is the api healthy?", client_msg_id="5b1c0e2a-6bd3-4f9f-9c56-1e0a0c4f7d11"),
    "message in a thread": _message("and staging?", thread_ts=TS, parent_user_id=BOT_USER),
    "message.im": _message("hello", channel="D0ALICE", channel_type="im"),
    "message.mpim": _message("hi all", channel="G0GROUP", channel_type="mpim"),
    "message_changed": {
        "type": "message",
        "subtype": "message_changed",
        "message": {**_message("restart api (edited)"), "edited": {"user": USER, "ts": LATER}, "ts": TS},
        "previous_message": {**_message("restart api"), "ts": TS},
        "channel": CHANNEL,
        "hidden": True,
        "ts": LATER,
        "event_ts": LATER,
        "channel_type": "channel",
    },
    "message_deleted": {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": TS,
        "previous_message": {**_message("oops"), "ts": TS},
        "channel": CHANNEL,
        "ts": LATER,
        "event_ts": LATER,
        "channel_type": "channel",
    },
    "message_replied": {
        "type": "message",
        "subtype": "message_replied",
        "hidden": True,
        "message": {**_message("root"), "ts": TS, "thread_ts": TS, "reply_count": 2, "latest_reply": LATER},
        "channel": CHANNEL,
        "ts": LATER,
        "event_ts": LATER,
        "channel_type": "channel",
    },
    "bot_message (another bot)": {
        "type": "message",
        "subtype": "bot_message",
        "text": "Deploy finished",
        "username": "ci",
        "bot_id": "B0CI",
        "ts": LATER,
        "channel": CHANNEL,
        "event_ts": LATER,
        "channel_type": "channel",
    },
    "bot_message (our own bot)": _message("On it", user=BOT_USER, bot_id=BOT_ID, app_id=APP),
    "channel_join": _message(f"<@{USER}> has joined the channel", subtype="channel_join", inviter="U0BOB"),
    "channel_leave": _message(f"<@{USER}> has left the channel", subtype="channel_leave"),
    "channel_topic": _message("set the channel topic: incidents", subtype="channel_topic", topic="incidents"),
    "channel_purpose": _message("set the channel purpose: ops", subtype="channel_purpose", purpose="ops"),
    "thread_broadcast": _message("also sent to the channel", subtype="thread_broadcast", thread_ts=TS),
    "me_message": _message("is restarting things", subtype="me_message"),
    "file_share": _message(
        "the logs",
        subtype="file_share",
        files=[{"id": "F0LOGS", "name": "api.log", "mimetype": "text/plain", "size": 1200}],
        upload=False,
        display_as_bot=False,
    ),
    "pinned_item": _message(f"<@{USER}> pinned a message", subtype="pinned_item", item_type="C"),
    "ekm_access_denied": {
        "type": "message",
        "subtype": "ekm_access_denied",
        "user": "U00",
        "text": "Your admins have suspended everyone's access to this content.",
        "ts": LATER,
        "channel": CHANNEL,
        "event_ts": LATER,
        "channel_type": "channel",
    },
    "app_mention at the top level": {
        "type": "app_mention",
        "user": USER,
        "text": f"<@{BOT_USER}> hello",
        "ts": LATER,
        "channel": CHANNEL,
        "event_ts": LATER,
        "blocks": text_blocks("hello"),
    },
    "reaction_added": {
        "type": "reaction_added",
        "user": USER,
        "reaction": "eyes",
        "item_user": BOT_USER,
        "item": {"type": "message", "channel": CHANNEL, "ts": TS},
        "event_ts": LATER,
    },
    "reaction_removed": {
        "type": "reaction_removed",
        "user": USER,
        "reaction": "eyes",
        "item_user": BOT_USER,
        "item": {"type": "message", "channel": CHANNEL, "ts": TS},
        "event_ts": LATER,
    },
    "member_joined_channel": {
        "type": "member_joined_channel",
        "user": BOT_USER,
        "channel": CHANNEL,
        "channel_type": "C",
        "team": TEAM,
        "inviter": USER,
        "event_ts": LATER,
    },
    "member_left_channel": {
        "type": "member_left_channel",
        "user": USER,
        "channel": CHANNEL,
        "channel_type": "C",
        "team": TEAM,
        "event_ts": LATER,
    },
    "channel_created": {
        "type": "channel_created",
        "channel": {"id": "C0NEW", "name": "incident-42", "created": 1732500042, "creator": USER},
        "event_ts": LATER,
    },
    "channel_rename": {
        "type": "channel_rename",
        "channel": {"id": CHANNEL, "name": "ops-old", "created": 1732400000},
        "event_ts": LATER,
    },
    "channel_archive": {"type": "channel_archive", "channel": CHANNEL, "user": USER, "event_ts": LATER},
    "app_home_opened (home)": {
        "type": "app_home_opened",
        "user": USER,
        "channel": "D0ALICE",
        "tab": "home",
        "view": {"id": "V0HOME", "team_id": TEAM, "type": "home", "blocks": [], "callback_id": "", "hash": "1.a"},
        "event_ts": LATER,
    },
    "app_home_opened (messages)": {
        "type": "app_home_opened",
        "user": USER,
        "channel": "D0ALICE",
        "tab": "messages",
        "event_ts": LATER,
    },
    "team_join": {
        "type": "team_join",
        "user": {"id": "U0NEW", "team_id": TEAM, "name": "newcomer", "deleted": False, "is_bot": False},
        "event_ts": LATER,
    },
    "user_change": {
        "type": "user_change",
        "user": {"id": USER, "team_id": TEAM, "name": "alice", "profile": {"status_emoji": ":palm_tree:"}},
        "cache_ts": 1732500042,
        "event_ts": LATER,
    },
    "subteam_updated": {
        "type": "subteam_updated",
        "subteam": {"id": "S0SRE", "team_id": TEAM, "handle": "sre", "users": [USER], "user_count": 1},
        "event_ts": LATER,
    },
    "emoji_changed": {
        "type": "emoji_changed",
        "subtype": "add",
        "name": "shipit",
        "value": "https://x",
        "event_ts": LATER,
    },
    "pin_added": {
        "type": "pin_added",
        "user": USER,
        "channel_id": CHANNEL,
        "item": {"type": "message", "channel": CHANNEL, "message": {"ts": TS, "text": "runbook"}},
        "event_ts": LATER,
    },
    "link_shared": {
        "type": "link_shared",
        "channel": CHANNEL,
        "user": USER,
        "message_ts": LATER,
        "unfurl_id": "C0OPS.1732500042.000200.abc",
        "source": "conversations_history",
        "links": [{"domain": "grafana.example.com", "url": "https://grafana.example.com/d/api"}],
        "event_ts": LATER,
    },
    "file_shared": {
        "type": "file_shared",
        "file_id": "F0LOGS",
        "user_id": USER,
        "file": {"id": "F0LOGS"},
        "channel_id": CHANNEL,
        "event_ts": LATER,
    },
    "dnd_updated_user": {
        "type": "dnd_updated_user",
        "user": USER,
        "dnd_status": {"dnd_enabled": True, "next_dnd_start_ts": 1732550000, "next_dnd_end_ts": 1732580000},
        "event_ts": LATER,
    },
    "assistant_thread_started": {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": USER,
            "context": {"channel_id": CHANNEL, "team_id": TEAM, "enterprise_id": None},
            "channel_id": "D0ALICE",
            "thread_ts": TS,
        },
        "event_ts": LATER,
    },
    "assistant_thread_context_changed": {
        "type": "assistant_thread_context_changed",
        "assistant_thread": {
            "user_id": USER,
            "context": {"channel_id": "C0OTHER", "team_id": TEAM, "enterprise_id": None},
            "channel_id": "D0ALICE",
            "thread_ts": TS,
        },
        "event_ts": LATER,
    },
    "agent_session_stopped": {
        "type": "agent_session_stopped",
        "user": USER,
        "channel": "D0ALICE",
        "thread_ts": TS,
        "event_ts": LATER,
    },
    "function_executed": {
        "type": "function_executed",
        "function": {"id": "Fn0RESTART", "callback_id": "restart_service", "title": "Restart", "app_id": APP},
        "inputs": {"service": "api"},
        "function_execution_id": "Fx0001",
        "workflow_execution_id": "Wx0001",
        "event_ts": LATER,
        "bot_access_token": "xwfp-unused",
    },
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [BOT_USER]}},
    "app_uninstalled": {"type": "app_uninstalled"},
}


def event_shapes() -> list[Shape]:
    shapes = [
        Shape(f"event {name}", json.dumps(_envelope(event, f"Ev{i:04d}")).encode(), JSON)
        for i, (name, event) in enumerate(EVENTS.items())
    ]
    retried = _envelope(EVENTS["reaction_added"], "Ev9001")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    shapes.append(Shape("event redelivered (X-Slack-Retry-Num)", json.dumps(retried).encode(), JSON, retry))
    shared = _envelope(
        {**_message("from a partner"), "user_team": TEAM, "source_team": TEAM}, "Ev9002", is_ext_shared_channel=True
    )
    shapes.append(Shape("event message in a shared channel", json.dumps(shared).encode(), JSON))
    challenge = {
        "token": TOKEN,
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    shapes.append(Shape("url_verification", json.dumps(challenge).encode(), JSON))
    limited = {
        "token": TOKEN,
        "type": "app_rate_limited",
        "team_id": TEAM,
        "minute_rate_limited": 1732500000,
        "api_app_id": APP,
    }
    shapes.append(Shape("app_rate_limited", json.dumps(limited).encode(), JSON))
    shapes.append(Shape("ssl_check", f"ssl_check=1&token={TOKEN}".encode(), FORM))
    return shapes
