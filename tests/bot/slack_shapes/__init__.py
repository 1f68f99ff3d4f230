"""Requests as Slack sends them to an app, one per shape, for tests/bot/test_slack_payload_shapes.py.

Written after Slack's documentation and the payloads in bolt-python's `tests/scenario_tests/` (events and their
message subtypes, interactions of every type, legacy dialogs and attachments, slash commands): what a workspace
may send the bot whether or not a listener handles it. Every `response_url` is on loopback where nothing
listens (none of these shapes is answered through it), so nothing can leave the machine.
"""

from __future__ import annotations

from bot.sandbox.payloads import slash_command_body
from tests.bot.slack_shapes.common import BOT_ID, BOT_USER, CHANNEL, DEAD_URL, FORM, TEAM, TRIGGER, TS, USER, Shape
from tests.bot.slack_shapes.events import event_shapes
from tests.bot.slack_shapes.interactions import click, interaction_payloads, interaction_shapes

__all__ = [
    "BOT_ID",
    "BOT_USER",
    "CHANNEL",
    "TEAM",
    "TS",
    "UNKNOWN_TASK",
    "USER",
    "Shape",
    "all_shapes",
    "click",
    "interaction_payloads",
    "slash",
]


def slash(text: str, response_url: str, trigger_id: str, command: str = "/ops") -> bytes:
    return slash_command_body(
        user_id=USER, channel_id=CHANNEL, text=text, response_url=response_url, trigger_id=trigger_id, command=command
    )


UNKNOWN_TASK = "t-" + "0" * 20
COMMANDS = {
    "/ops help": "help",
    f"/ops cancel {UNKNOWN_TASK} (no such task)": f"cancel {UNKNOWN_TASK}",
    "/ops cancel t-123 (not a task id)": "cancel t-123",
    "/ops cancel (no id)": "cancel",
    "/ops freeze (no switch)": "freeze",
    "/ops freeze sometimes": "freeze sometimes",
    "/ops policy (no tool)": "policy",
    "/ops status t-zz": "status t-zz",
    "/ops digest later": "digest later",
}


def command_shapes() -> list[Shape]:
    shapes = [
        Shape(name, slash(text, DEAD_URL, f"{TRIGGER}{i}"), FORM) for i, (name, text) in enumerate(COMMANDS.items())
    ]
    shapes.append(Shape("/deploy (not ours)", slash("api", DEAD_URL, TRIGGER, command="/deploy"), FORM))
    return shapes


def all_shapes() -> list[Shape]:
    return [*event_shapes(), *interaction_shapes(), *command_shapes()]
