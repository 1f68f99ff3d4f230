"""The OAuth installation store, state store and token resolver on real SQLite and PostgreSQL, migrated."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy.engine import Engine

from bot.installations import InstallationUnreadable, OAuthStates, SlackInstallations
from bot.workspaces import WorkspaceNotInstalled, WorkspaceTokens
from opsgate.db import create_db_engine, upgrade_database
from opsgate.settings import Settings, SettingsError
from opsgate.slack import BOT_SCOPES, install_scopes, installation_store, oauth_install, slack_client
from testkit.fakes.clock import FakeClock

CLIENT_ID = "1111.2222"
KEY = "installations-test-key"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("OPSGATE_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    upgrade_database(db_url)
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SlackInstallations:
    return SlackInstallations(CLIENT_ID, engine, token_key=KEY)


def install(store: SlackInstallations, team_id: str, token: str, *, installed_at: float | None = None) -> None:
    store.save(
        Installation(
            app_id="A0APP",
            team_id=team_id,
            team_name=f"team {team_id}",
            bot_token=token,
            bot_id=f"B{team_id}",
            bot_user_id=f"U{team_id}",
            bot_scopes="commands,chat:write",
            user_id="U0ALICE",
            installed_at=installed_at or time.time(),
        )
    )


def test_tokens_are_stored_encrypted_and_read_back_in_clear(store: SlackInstallations, engine: Engine) -> None:
    install(store, "T0ONE", "xoxb-one-secret")

    bot = store.find_bot(enterprise_id=None, team_id="T0ONE")
    assert bot is not None
    assert (bot.bot_token, bot.bot_user_id, bot.bot_id) == ("xoxb-one-secret", "UT0ONE", "BT0ONE")
    with engine.connect() as connection:
        stored = [
            *connection.execute(sa.text("SELECT bot_token FROM slack_bots")).scalars(),
            *connection.execute(sa.text("SELECT bot_token FROM slack_installations")).scalars(),
        ]
    assert len(stored) == 2
    assert all(token.startswith("gAAAA") and "xoxb" not in token for token in stored)  # Fernet, not the token


def test_another_key_cannot_read_the_tokens(store: SlackInstallations, engine: Engine) -> None:
    install(store, "T0ONE", "xoxb-one-secret")
    assert store.bot_for_team("T0ONE") is not None  # a statement compiled with this key must not serve the other

    with pytest.raises(InstallationUnreadable, match="OPSGATE_VAULT_KEY"):
        SlackInstallations(CLIENT_ID, engine, token_key="another key").bot_for_team("T0ONE")


def test_the_newest_install_of_a_team_wins_and_uninstall_removes_it(store: SlackInstallations) -> None:
    install(store, "T0ONE", "xoxb-old", installed_at=time.time() - 60)
    install(store, "T0ONE", "xoxb-new")
    install(store, "T0TWO", "xoxb-two")

    assert store.installed_teams() == ["T0ONE", "T0TWO"]
    bot = store.bot_for_team("T0ONE")
    assert bot is not None
    assert bot.bot_token == "xoxb-new"

    store.delete_bot(enterprise_id=None, team_id="T0ONE")
    store.delete_installation(enterprise_id=None, team_id="T0ONE")

    assert store.bot_for_team("T0ONE") is None
    assert store.installed_teams() == ["T0TWO"]


def test_another_apps_installs_are_not_seen(store: SlackInstallations, engine: Engine) -> None:
    install(SlackInstallations("9999.9999", engine, token_key=KEY), "T0ONE", "xoxb-other-app")

    assert store.installed_teams() == []
    assert store.bot_for_team("T0ONE") is None


def test_a_state_checks_out_with_its_key_only(engine: Engine) -> None:
    states = OAuthStates(KEY)
    state = states.issue()

    assert states.consume(state) is True
    assert OAuthStates(KEY).consume(state) is True  # another replica with the same key
    assert OAuthStates("another key").consume(state) is False
    nonce, issued, mac = state.split(".")
    altered = [
        f"{nonce[:-1]}{'A' if nonce[-1] != 'A' else 'B'}.{issued}.{mac}",
        f"{nonce}.{int(issued) - 1}.{mac}",
        f"{nonce}.{issued}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        f"{nonce}.{issued}",
        "forged-" + state,
        "",
        "²." * 3,
    ]
    assert [states.consume(forged) for forged in altered] == [False] * len(altered)


def test_a_state_expires(engine: Engine) -> None:
    clock = FakeClock(start=1_900_000_000.0)
    states = OAuthStates(KEY, expiration_seconds=600, clock=clock)
    kept, lapsed = states.issue(), states.issue()

    clock.advance(599)
    assert states.consume(kept) is True
    clock.advance(2)
    assert states.consume(lapsed) is False
    future = OAuthStates(KEY, clock=lambda: clock() + 3600).issue()
    assert states.consume(future) is False  # issued an hour from now: not by this deployment's clocks


def test_issuing_states_writes_nothing(engine: Engine) -> None:
    """`/slack/install` is public: each page view used to insert a row."""
    states = OAuthStates(KEY)
    issued = {states.issue() for _ in range(500)}

    assert len(issued) == 500
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM slack_oauth_states")).scalar() == 0


async def test_tokens_resolve_by_team_and_are_cached_briefly(store: SlackInstallations) -> None:
    install(store, "T0ONE", "xoxb-one")
    install(store, "T0TWO", "xoxb-two")
    clock = FakeClock()
    tokens = WorkspaceTokens(store, ttl_s=30, clock=clock)

    assert await tokens.token_for("T0ONE") == "xoxb-one"
    assert await tokens.token_for("T0TWO") == "xoxb-two"

    store.delete_bot(enterprise_id=None, team_id="T0ONE")
    assert await tokens.token_for("T0ONE") == "xoxb-one"  # within the cache's 30 s
    clock.advance(31)
    with pytest.raises(WorkspaceNotInstalled, match="not installed in workspace T0ONE"):
        await tokens.token_for("T0ONE")


async def test_a_new_install_is_seen_at_once(store: SlackInstallations) -> None:
    tokens = WorkspaceTokens(store, clock=FakeClock())
    with pytest.raises(WorkspaceNotInstalled):
        await tokens.token_for("T0ONE")

    install(store, "T0ONE", "xoxb-one")

    assert await tokens.token_for("T0ONE") == "xoxb-one"


async def test_posts_of_no_workspace_go_to_the_only_one_or_the_home_team(store: SlackInstallations) -> None:
    with pytest.raises(WorkspaceNotInstalled, match="no workspace"):
        await WorkspaceTokens(store).token_for(None)
    install(store, "T0ONE", "xoxb-one")
    assert await WorkspaceTokens(store).token_for(None) == "xoxb-one"
    assert await WorkspaceTokens(store).token_for("") == "xoxb-one"

    install(store, "T0TWO", "xoxb-two")

    with pytest.raises(WorkspaceNotInstalled, match="OPSGATE_SLACK_HOME_TEAM"):
        await WorkspaceTokens(store).token_for(None)
    assert await WorkspaceTokens(store, home_team="T0TWO").token_for(None) == "xoxb-two"


def oauth_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_client_id": CLIENT_ID,
        "slack_client_secret": "client-secret",
        "slack_signing_secret": "0123456789abcdef0123456789abcdef",
        "vault_key": "a-vault-key-of-its-own",
        "slack_home_team": "T0SANDBOX",
        "slack_allowed_teams": "T0SECOND",
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def test_single_token_mode_stays_the_default() -> None:
    settings = Settings(slack_bot_token="xoxb-one")  # type: ignore[arg-type]

    assert (settings.slack_oauth, settings.sandbox) == (False, False)
    assert oauth_install(settings, create_db_engine("sqlite://")) is None
    assert slack_client(settings).token == "xoxb-one"


def test_oauth_mode_is_no_sandbox_and_needs_its_secrets(engine: Engine) -> None:
    settings = oauth_settings()
    assert (settings.slack_oauth, settings.sandbox) == (True, False)
    assert slack_client(settings).token is None  # each call names its workspace's token
    assert install_scopes(settings) == list(BOT_SCOPES)
    assert install_scopes(oauth_settings(slack_install_scopes="commands, chat:write")) == ["commands", "chat:write"]

    with pytest.raises(SettingsError, match="OPSGATE_SLACK_CLIENT_SECRET"):
        oauth_install(oauth_settings(slack_client_secret=None), engine)
    with pytest.raises(SettingsError, match="unset SLACK_BOT_TOKEN"):
        oauth_install(oauth_settings(slack_bot_token="xoxb-one"), engine)
    with pytest.raises(SettingsError, match="http mode"):
        oauth_install(oauth_settings(slack_mode="socket"), engine)
    with pytest.raises(SettingsError, match="OPSGATE_SLACK_ALLOWED_TEAMS is not set"):
        oauth_install(oauth_settings(slack_allowed_teams=None), engine)
    flow = oauth_install(oauth_settings(), engine)
    assert flow is not None
    assert flow.allowed.teams == {"T0SANDBOX", "T0SECOND"}  # the home team and the list
    with pytest.raises(SettingsError, match="OPSGATE_VAULT_KEY is not set"):  # not the signing secret's
        installation_store(oauth_settings(vault_key=None), engine)
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        _ = oauth_settings(slack_signing_secret=None).signing_secret


def test_the_install_flow_asks_for_the_manifests_scopes_on_slack_or_the_sandbox(engine: Engine) -> None:
    on_slack = oauth_install(oauth_settings(slack_redirect_uri="https://ops.example.com/slack/oauth_redirect"), engine)
    assert on_slack is not None
    assert on_slack.settings.authorization_url == "https://slack.com/oauth/v2/authorize"
    assert on_slack.settings.redirect_uri == "https://ops.example.com/slack/oauth_redirect"
    assert list(on_slack.settings.scopes or []) == list(BOT_SCOPES)
    assert (on_slack.install_path, on_slack.redirect_uri_path) == ("/slack/install", "/slack/oauth_redirect")

    on_sandbox = oauth_install(oauth_settings(slack_api_url="http://127.0.0.1:3100/api"), engine)
    assert on_sandbox is not None
    assert on_sandbox.settings.authorization_url == "http://127.0.0.1:3100/oauth/v2/authorize"


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    for name in ("OPSGATE_SLACK_CLIENT_ID", "OPSGATE_SLACK_REDIRECT_URI", "OPSGATE_SLACK_HOME_TEAM"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-one")
    settings = Settings()
    assert (settings.slack_oauth, settings.slack_redirect_uri, settings.slack_home_team) == (False, None, None)

    with_oauth = oauth_settings(slack_bot_token="")  # SLACK_BOT_TOKEN passed through empty beside OAuth
    assert oauth_install(with_oauth, engine) is not None


async def test_the_doctor_reports_oauth_installs() -> None:
    from opsgate.doctor import Status, check_slack, describe_settings

    assert "Slack: OAuth installs, http mode" in describe_settings(oauth_settings()).detail
    [fine] = await check_slack(oauth_settings(), timeout=1)
    assert (fine.status, fine.detail) == (Status.OK, "OAuth installs: each workspace adds opsgate from /slack/install")
    [missing] = await check_slack(oauth_settings(slack_client_secret=None), timeout=1)
    assert missing.status == Status.FAIL
    assert "OPSGATE_SLACK_CLIENT_SECRET" in missing.detail
