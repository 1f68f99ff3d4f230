"""The policy the output guardrails enforce: argument allow/deny lists, budgets, and where data may go.

Hosts and paths are globs (`*.internal.example.com`, `/var/log/**`); a denylist match blocks, and a value
outside a non-empty allowlist escalates (a human may still approve it). SQL is checked by statement kind, only
to give a clear error: read-only access itself is enforced by a read-only connection, not by parsing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ArgumentRules", "BudgetRules", "CostRate", "ExfiltrationRules", "OutputPolicy", "Rate"]

DEFAULT_DENIED_HOSTS = ["169.254.169.254", "metadata.google.internal", "metadata.azure.com", "fd00:ec2::254"]
DEFAULT_DENIED_PATHS = [
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/sudoers.d/**",
    "/root/**",
    "**/.ssh/**",
    "**/.aws/credentials",
    "**/.kube/config",
    "**/.docker/config.json",
    "**/.netrc",
    "**/.git-credentials",
    "/proc/*/environ",
    "/var/run/secrets/**",
    "/run/secrets/**",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rate(_Model):
    limit: int = Field(ge=1)
    window_s: float | None = Field(default=3600.0, gt=0, description="None counts over the key's lifetime.")


class CostRate(_Model):
    limit_usd: float = Field(gt=0, description="US dollars, priced from each call's tokens and its model's rates.")
    window_s: float | None = Field(default=86_400.0, gt=0, description="None counts over the key's lifetime.")


DAY_S = 86_400.0


class ArgumentRules(_Model):
    hosts_allow: list[str] = Field(default_factory=list, description="Host globs; empty allows any host.")
    hosts_deny: list[str] = Field(default_factory=lambda: list(DEFAULT_DENIED_HOSTS))
    paths_allow: list[str] = Field(default_factory=list, description="Path globs; empty allows any path.")
    paths_deny: list[str] = Field(default_factory=lambda: list(DEFAULT_DENIED_PATHS))
    sql_statements: list[str] | None = Field(
        default=None, description="Allowed statement kinds, e.g. ['select', 'explain']; None skips the check."
    )
    host_fields: list[str] = Field(
        default_factory=lambda: ["host", "hostname", "server", "endpoint", "url", "uri", "address", "domain"]
    )
    path_fields: list[str] = Field(
        default_factory=lambda: ["path", "file", "filename", "dir", "directory", "folder", "source", "destination"]
    )
    command_fields: list[str] = Field(default_factory=lambda: ["command", "cmd", "script", "shell", "args"])
    sql_fields: list[str] = Field(default_factory=lambda: ["sql", "query", "statement", "statements"])


class BudgetRules(_Model):
    """What a task, a person and a channel may spend: tool calls, model tokens (input, output and cached, all
    counted) and their cost. A window of `DAY_S` is a UTC day; `None` counts over a task's life. Every limit is
    checked before each model call and each tool call; `null` turns one off."""

    calls_per_user: Rate | None = Rate(limit=300, window_s=3600.0)
    calls_per_tool: Rate | None = None
    calls_per_task: Rate | None = Rate(limit=100, window_s=None)
    tokens_per_task: Rate | None = Rate(limit=500_000, window_s=None)
    tokens_per_user: Rate | None = Rate(limit=5_000_000, window_s=DAY_S)
    tokens_per_channel: Rate | None = Rate(limit=20_000_000, window_s=DAY_S)
    cost_per_task: CostRate | None = CostRate(limit_usd=5.0, window_s=None)
    cost_per_user: CostRate | None = CostRate(limit_usd=50.0, window_s=DAY_S)
    cost_per_channel: CostRate | None = CostRate(limit_usd=200.0, window_s=DAY_S)


class ExfiltrationRules(_Model):
    destinations_allow: list[str] = Field(
        default_factory=list, description="Globs of hosts, email domains (`*@example.com`) and channel ids."
    )
    recipient_fields: list[str] = Field(
        default_factory=lambda: ["to", "cc", "bcc", "recipient", "recipients", "email", "webhook", "url", "channel"]
    )
    bulk_chars: int = Field(default=20_000, ge=1, description="A payload this long counts as bulk data.")
    bulk_pii: int = Field(default=10, ge=1, description="This many personal-data values count as bulk data.")


class OutputPolicy(_Model):
    arguments: ArgumentRules = ArgumentRules()
    tools: dict[str, ArgumentRules] = Field(default_factory=dict, description="Per-tool rules replacing the default.")
    budgets: BudgetRules = BudgetRules()
    exfiltration: ExfiltrationRules = ExfiltrationRules()
    max_argument_chars: int = Field(default=200_000, ge=1, description="Largest arguments (as JSON) checked at all.")

    def rules_for(self, tool: str) -> ArgumentRules:
        return self.tools.get(tool, self.arguments)
