"""The workspaces that installed opsgate (OAuth mode): slack_sdk's SQLAlchemy installation store on opsgate's own
database, with every token encrypted at rest, and the install links' states, signed rather than stored.

The tables are slack_sdk's own (`build_bots_table`, ...), registered with opsgate's models so the migrations and
the schema test cover them (the OAuth states table of migration 0009 is no longer written); only the token columns
are wider, to hold a Fernet token (an encrypted `xoxb-` token is about 165 characters, a rotating one about 300).
Tokens are sealed with a key derived from OPSGATE_VAULT_KEY: a copy of the database or a backup holds no usable
token. The bot and every worker need the same key; after changing it, each workspace installs again.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Dialect, Engine
from sqlmodel import SQLModel

__all__ = [
    "STATE_TTL_S",
    "TOKEN_COLUMNS",
    "InstallationUnreadable",
    "OAuthStates",
    "SlackInstallations",
    "installation_tables",
]

BOTS_TABLE, INSTALLATIONS_TABLE, STATES_TABLE = "slack_bots", "slack_installations", "slack_oauth_states"
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
TOKEN_LENGTH = 1000
STATE_TTL_S = 600  # Slack's own codes live 10 minutes; an install link lasts as long
_CLOCK_SKEW_S = 60
_STATE = re.compile(r"(?P<nonce>[A-Za-z0-9_-]{22})\.(?P<issued>[0-9]{1,12})\.(?P<mac>[A-Za-z0-9_-]{43})")
log = logging.getLogger(__name__)


class InstallationUnreadable(Exception):
    """A stored token does not open with this process's key (OPSGATE_VAULT_KEY changed)."""


def installation_tables(
    metadata: sa.MetaData, token_type: sa.types.TypeEngine[str] | None = None
) -> tuple[sa.Table, sa.Table, sa.Table]:
    """slack_sdk's bots, installations and OAuth state tables in `metadata`, token columns widened (or sealed)."""
    bots = SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
    installations = SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
    states = SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES_TABLE)
    for table in (bots, installations):
        for name in TOKEN_COLUMNS:
            if name in table.c:
                table.c[name].type = token_type or sa.String(TOKEN_LENGTH)
    return bots, installations, states


installation_tables(SQLModel.metadata)  # the schema, beside the models (see opsgate.db.model_metadata)


class SealedToken(sa.TypeDecorator[str]):
    """A token column that stores the token encrypted (Fernet) and reads it back in clear with the same key."""

    impl = sa.String
    cache_ok = True  # `fernet` is part of the cache key, so stores with different keys never share statements

    def __init__(self, fernet: Fernet) -> None:
        super().__init__(TOKEN_LENGTH)
        self.fernet = fernet

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.fernet.encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return self.fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise InstallationUnreadable(
                "a stored Slack token does not open with this key: OPSGATE_VAULT_KEY differs from the one it was "
                "installed with (before opsgate required a key of its own, that was SLACK_SIGNING_SECRET); set it "
                "back, or install the app in that workspace again from /slack/install"
            ) from None


def token_fernet(key_material: str) -> Fernet:
    """The tokens' own key, derived from the vault key material (a different key from the pseudonym vault's)."""
    digest = hashlib.sha256(b"opsgate-slack-tokens:" + key_material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class SlackInstallations(SQLAlchemyInstallationStore, AsyncInstallationStore):
    """slack_sdk's SQLAlchemy store with sealed tokens; Bolt's asyncio app calls its `async_*` twins, which run the
    same synchronous queries in a thread."""

    def __init__(self, client_id: str, engine: Engine, *, token_key: str) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.metadata = sa.MetaData()
        self.bots, self.installations, _ = installation_tables(self.metadata, SealedToken(token_fernet(token_key)))

    def bot_for_team(self, team_id: str) -> Bot | None:
        """The newest bot of a workspace, whatever its enterprise (a task knows its team id only)."""
        c = self.bots.c
        query = (
            self.bots.select()
            .where(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(c.installed_at.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else self.build_bot_entity(row)

    def installed_teams(self) -> list[str]:
        """The workspaces that have a bot token, in id order."""
        c = self.bots.c
        query = (
            sa.select(c.team_id)
            .where(c.client_id == self.client_id, c.team_id.is_not(None), c.bot_token.is_not(None))
            .distinct()
            .order_by(c.team_id)
        )
        with self.engine.connect() as connection:
            return [str(team) for team in connection.execute(query).scalars()]

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        find = functools.partial(
            self.find_bot, enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return await asyncio.to_thread(find)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        find = functools.partial(
            self.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return await asyncio.to_thread(find)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(functools.partial(self.delete_bot, enterprise_id=enterprise_id, team_id=team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        delete = functools.partial(
            self.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )
        await asyncio.to_thread(delete)


class OAuthStates(AsyncOAuthStateStore):
    """The `state` of each install link, signed instead of stored: `/slack/install` is public, and a row per page
    view let anyone fill the database. A state is `nonce.issued_at.mac` (HMAC-SHA256 under a key derived from the
    vault key); Bolt also sets it as a cookie and checks the redirect carries the same, which binds it to the
    browser that started the install. It is refused when forged, altered, or older than `expiration_seconds`.
    A replayed redirect passes the state but not Slack: an authorization code works once. Time comes from `clock`,
    so expiry is tested without waiting."""

    def __init__(
        self, key: str, *, expiration_seconds: int = STATE_TTL_S, clock: Callable[[], float] = time.time
    ) -> None:
        if not key:
            raise ValueError("the OAuth state key must not be empty")
        self._key = hashlib.sha256(b"opsgate-oauth-state:" + key.encode()).digest()
        self.expiration_seconds = expiration_seconds
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        signed = f"{secrets.token_urlsafe(16)}.{int(self._clock())}"
        return f"{signed}.{self._mac(signed)}"

    def consume(self, state: str) -> bool:
        match = _STATE.fullmatch(state)
        if match is None or not hmac.compare_digest(match["mac"], self._mac(f"{match['nonce']}.{match['issued']}")):
            return False
        age = self._clock() - int(match["issued"])
        return -_CLOCK_SKEW_S <= age < self.expiration_seconds

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return self.issue()

    async def async_consume(self, state: str) -> bool:
        return self.consume(state)

    def _mac(self, signed: str) -> str:
        digest = hmac.new(self._key, signed.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
