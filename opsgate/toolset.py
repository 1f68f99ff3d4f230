"""Which tools a deployment offers: the built-in tools, served as an in-process MCP server, and the MCP servers
configured in `opsgate.yml`. Built here, in the composition root, from settings and the team configuration."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from agents.builtin import ChannelPoster, Inventory, SmtpSettings, builtin_tools
from agents.mcp import EgressPolicy, InProcessServer, McpServerConfig, build_builtin_server
from agents.tools import Tool
from approvals import ApprovalPolicy
from opsgate.policy_source import PolicySource
from opsgate.settings import Settings
from opsgate.teamconfig import TeamConfig

__all__ = ["builtin_toolset", "egress_policy", "live_policy", "mcp_servers", "trusting"]

ServerSource = InProcessServer | McpServerConfig


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    if settings.smtp_host is None:
        return None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
    )


def builtin_toolset(settings: Settings, team: TeamConfig, poster: ChannelPoster | None, engine: Engine) -> list[Tool]:
    """The built-in tools: the ops inventory (in opsgate's database, `engine`, so every replica shares it and its
    idempotency ledger), runbooks, and messages and email when a channel poster, an SMTP server and recipient
    domains are configured."""
    domains = team.tools.email_domains
    return builtin_tools(
        Inventory(engine),
        poster=poster,
        smtp=smtp_settings(settings) if domains else None,
        email_allowlist=domains,
    )


def mcp_servers(builtin: list[Tool], team: TeamConfig) -> list[ServerSource]:
    return [InProcessServer(name="builtin", server=build_builtin_server(builtin)), *team.mcp.servers]


def egress_policy(team: TeamConfig) -> EgressPolicy:
    return EgressPolicy(team.tools.egress())


def live_policy(settings: Settings, team: TeamConfig) -> Callable[[], ApprovalPolicy]:
    """The policy of the moment, re-read when `opsgate.yml` changes: the worker decides with it, and the bot
    answers who may cancel, freeze or see a task, and what `/ops policy` says, with the same."""
    return trusting(PolicySource(settings.config_file, team.policy), team)


def trusting(source: Callable[[], ApprovalPolicy], team: TeamConfig) -> Callable[[], ApprovalPolicy]:
    """The policy, with the MCP servers marked `trusted` added to the servers whose annotations count."""
    trusted = {server.name for server in team.mcp.servers if server.trusted}
    if not trusted:
        return source

    def current() -> ApprovalPolicy:
        policy = source()
        missing = sorted(trusted - set(policy.trusted_servers))
        return policy.model_copy(update={"trusted_servers": [*policy.trusted_servers, *missing]}) if missing else policy

    return current
