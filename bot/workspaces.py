"""Which bot token speaks for a workspace in OAuth mode: read from the installation store, cached briefly.

A task knows its workspace (`TaskRequest.team_id`); digests, paused-task alerts, user-group lookups and the
`post_message` tool do not, and go to the home workspace: OPSGATE_SLACK_HOME_TEAM, or the only workspace
installed (with several and no home set they fail, saying so).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.installations import SlackInstallations
from handlers.contracts import WorkspaceUnavailable

__all__ = ["TOKEN_TTL_S", "WorkspaceNotInstalled", "WorkspaceTokens"]

TOKEN_TTL_S = 30.0
"""How long a looked-up token is reused: an uninstall reaches this process's posts within it (a revoked token
fails at Slack meanwhile), a new install is seen at once (misses are not cached)."""


class WorkspaceNotInstalled(WorkspaceUnavailable):
    """opsgate has no bot token for the workspace: never installed there, or uninstalled since."""


class WorkspaceTokens:
    def __init__(
        self,
        store: SlackInstallations,
        *,
        home_team: str | None = None,
        ttl_s: float = TOKEN_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._home_team = home_team
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str | None, tuple[str, float]] = {}

    async def token_for(self, team_id: str | None) -> str:
        """The bot token of `team_id` (None or "": the home workspace); raises `WorkspaceNotInstalled`."""
        team = team_id or self._home_team
        cached = self._cache.get(team)
        now = self._clock()
        if cached is not None and now - cached[1] < self._ttl_s:
            return cached[0]
        token = await asyncio.to_thread(self._lookup, team)
        self._cache[team] = (token, now)
        return token

    def _lookup(self, team: str | None) -> str:
        if team is None:
            teams = self._store.installed_teams()
            if len(teams) != 1:
                found = f"{len(teams)} workspaces ({', '.join(teams)})" if teams else "no workspace"
                raise WorkspaceNotInstalled(
                    f"this message belongs to no workspace and opsgate is installed in {found}: set "
                    "OPSGATE_SLACK_HOME_TEAM to the team id that gets digests, alerts and user-group lookups"
                )
            team = teams[0]
        bot = self._store.bot_for_team(team)
        if bot is None or not bot.bot_token:
            raise WorkspaceNotInstalled(
                f"opsgate is not installed in workspace {team} (or was uninstalled): install it from /slack/install"
            )
        return bot.bot_token
