"""Field types of the policy file: Slack ids and durations, validated with messages a person can act on.

Durations are written the way people say them (`90s`, `30m`, `24h`, `1h30m`, `2d`) or as a number of seconds,
and are written back in the same short form, so a dumped policy reads like the file it came from.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

from approvals.people import unqualified

__all__ = ["ChannelId", "Duration", "Principal", "format_duration", "is_group", "mention", "mentions"]

_PRINCIPAL = re.compile(r"(?:[TE][A-Z0-9]{2,}:)?[UWS][A-Z0-9]{2,}")
_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,}")
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}


def is_group(principal: str) -> bool:
    """Slack user-group ids start with S; user ids with U (or W on Enterprise Grid); either may follow a team."""
    return unqualified(principal).startswith("S")


def mention(principal: str) -> str:
    """How Slack mrkdwn names a user (`<@U1>`) or a user group (`<!subteam^S1>`), with or without its team."""
    slack_id = unqualified(principal)
    return f"<!subteam^{slack_id}>" if is_group(slack_id) else f"<@{slack_id}>"


def mentions(principals: list[str]) -> str:
    return ", ".join(mention(principal) for principal in principals) or "nobody"


def format_duration(value: timedelta | int) -> str:
    """`timedelta(hours=1, minutes=30)` (or 5400 seconds) as `1h30m`; hours stay hours (`24h` reads better)."""
    seconds = int(value.total_seconds()) if isinstance(value, timedelta) else value
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "".join(f"{amount}{unit}" for amount, unit in ((hours, "h"), (minutes, "m"), (seconds, "s")) if amount)
    return text or "0s"


def _principal(value: str) -> str:
    if not _PRINCIPAL.fullmatch(value):
        raise PydanticCustomError(
            "slack_principal",
            "'{value}' is not a Slack user id (U… or W…) or user group id (S…), alone (in the home workspace) or "
            "after a team id and a colon (T…:U…)",
            {"value": value},
        )
    return value


def _channel(value: str) -> str:
    if not _CHANNEL.fullmatch(value):
        raise PydanticCustomError(
            "slack_channel", "'{value}' is not a Slack channel id (like C0123456789)", {"value": value}
        )
    return value


def _duration(value: object) -> timedelta:
    seconds = _seconds(value)
    if seconds is None:
        raise PydanticCustomError(
            "duration",
            "{value} is not a duration: write e.g. 90s, 30m, 24h, 1h30m, 2d or a number of seconds",
            {"value": repr(value)},
        )
    if seconds <= 0 or seconds != int(seconds):
        raise PydanticCustomError("duration", "a duration must be a positive whole number of seconds")
    return timedelta(seconds=int(seconds))


def _seconds(value: object) -> float | None:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool):  # YAML's `yes` is no duration
        return None
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return None
    text = value.replace(" ", "")
    if text.isdigit():
        return int(text)
    found = _DURATION.fullmatch(text)
    if not text or found is None:
        return None
    return sum(int(amount) * _UNITS[unit] for amount, unit in zip(found.groups(), "dhms", strict=True) if amount)


Principal = Annotated[str, AfterValidator(_principal)]
"""A Slack user id or user-group id, as approvers, admins and escalation targets are named: bare for the home
workspace's, `T…:U…` for another workspace's (see `approvals.people`)."""
ChannelId = Annotated[str, AfterValidator(_channel)]
Duration = Annotated[
    timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, return_type=str, when_used="json")
]
