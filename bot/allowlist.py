"""Which Slack workspaces (and Enterprise Grid organizations) opsgate serves, checked on every request and install.

A signed request from a workspace that is not on the list is answered and dropped before any listener runs:
an event gets its 200 (so Slack does not redeliver it) and nothing else, a slash command an ephemeral refusal,
a click or a modal an empty 200. Nothing is started or stored. Each team the request names must be allowed: the
workspace it came from and, in a shared channel, the person's own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse

__all__ = ["NOT_ALLOWED", "TeamAllowlist", "allowlist_middleware"]

log = logging.getLogger(__name__)

NOT_ALLOWED = "opsgate does not serve this workspace. Ask the people who run opsgate to add it to their allowlist."


@dataclass(frozen=True)
class TeamAllowlist:
    """Allowed team ids (`T…`) and enterprise ids (`E…`); an allowed enterprise allows each of its workspaces."""

    teams: frozenset[str]
    enterprises: frozenset[str] = frozenset()

    def allows(self, team_id: object, enterprise_id: object = None) -> bool:
        """Only ids that are strings are ever allowed (a payload's id may be anything its sender wrote)."""
        team_ok = isinstance(team_id, str) and team_id in self.teams
        return team_ok or (isinstance(enterprise_id, str) and enterprise_id in self.enterprises)

    def refusal(self, body: dict[str, Any], context: AsyncBoltContext) -> str | None:
        """Why this request is not served (the first team that is not allowed), or None."""
        enterprise = context.enterprise_id
        if not self.allows(context.team_id, enterprise):
            return f"workspace {context.team_id or '(none)'} (enterprise {enterprise or '(none)'})"
        for team in people_teams(body):
            if not self.allows(team, enterprise):
                return f"a person of workspace {team}"
        return None


def people_teams(body: dict[str, Any]) -> list[str]:
    """The teams of the people a payload names (Slack Connect: someone of another workspace in a shared channel)."""
    teams = []
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("team_id"), str):
        teams.append(user["team_id"])
    event = body.get("event")
    if isinstance(event, dict) and isinstance(event.get("user_team"), str):
        teams.append(event["user_team"])
    return [team for team in teams if team]


def allowlist_middleware(allowed: TeamAllowlist) -> Callable[..., Awaitable[BoltResponse | None]]:
    """A Bolt global middleware: requests from other workspaces end here, acknowledged, with nothing done."""

    async def only_allowed_workspaces(
        body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        refusal = allowed.refusal(body, context)
        if refusal is None:
            await next()
            return None
        log.warning("ignored a %s request from %s: not on the allowlist", _kind(body), refusal)
        if "command" in body:
            answer = {"response_type": "ephemeral", "text": NOT_ALLOWED}
            return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
        return BoltResponse(status=200, body="")

    return only_allowed_workspaces


def _kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "slash command"
    kind = body.get("type")
    if kind == "event_callback" and isinstance(body.get("event"), dict):
        return f"{body['event'].get('type')} event"
    return str(kind or "unknown")
