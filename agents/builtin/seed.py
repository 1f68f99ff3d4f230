"""The small, realistic data set a new inventory starts with (times relative to now); the tables are in `schema`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

__all__ = ["ENVIRONMENTS", "SEVERITIES", "seed", "stamp"]

ENVIRONMENTS = ("production", "staging", "dev")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")


# name, owner team, production replicas, five releases (production runs the first three, staging up to the
# fourth, dev up to the fifth)
_SERVICES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("api", "platform", 6, ("v2.13.4", "v2.14.0", "v2.14.1", "v2.15.0-rc.1", "v2.15.0-rc.2")),
    ("web", "frontend", 5, ("v3.3.5", "v3.3.6", "v3.3.7", "v3.4.0", "v3.4.1-dev")),
    ("billing", "payments", 3, ("v1.9.1", "v1.9.2", "v1.9.3", "v1.10.0", "v1.10.1-dev")),
    ("search", "discovery", 4, ("v4.1.2", "v4.1.3", "v4.2.0", "v4.2.1", "v4.3.0-dev")),
    ("auth", "identity", 3, ("v5.0.8", "v5.0.9", "v5.1.0", "v5.1.1", "v5.2.0-dev")),
    ("notifications", "messaging", 2, ("v0.8.0", "v0.8.1", "v0.9.0", "v0.9.1", "v0.10.0-dev")),
)
_STATUS = {("search", "production"): "degraded", ("notifications", "dev"): "stopped"}
_DEPLOYERS = ("deploy-bot", "U0ALICE001", "U0BOB00001")

# service, environment, severity, status, title, opened days ago, resolved days ago, notes (author, text)
_INCIDENTS: tuple[tuple[str, str, str, str, str, float, float | None, tuple[tuple[str, str], ...]], ...] = (
    (
        "search", "production", "SEV2", "open", "p99 latency above 2 s on /search since the index rebuild", 0.2, None,
        (
            ("U0ALICE001", "Latency rose right after the nightly index rebuild; CPU on search pods at 90%."),
            ("U0BOB00001", "Rebuild paused. Considering scaling search@production from 4 to 6 replicas."),
        ),
    ),
    (
        "billing", "production", "SEV3", "mitigated", "Payment webhook retries piling up in the queue", 1.5, None,
        (
            ("U0CAROL001", "Provider had a partial outage; retries are draining at about 200 per minute."),
        ),
    ),
    (
        "api", "production", "SEV1", "resolved", "5xx spike on checkout after the v2.14.0 deploy", 9.0, 8.9,
        (
            ("U0ALICE001", "Error rate 12% on POST /orders; v2.14.0 deployed 20 minutes earlier."),
            ("U0ALICE001", "Rolled forward to v2.14.1 with the connection-pool fix; errors back under 0.1%."),
        ),
    ),
    (
        "auth", "staging", "SEV4", "open", "Session tokens in staging expire after 5 minutes instead of 60", 3.0, None,
        (("U0DAVE0001", "Config drift suspected: TOKEN_TTL is 300 in the staging secret."),),
    ),
    (
        "web", "production", "SEV3", "resolved", "CDN cache hit ratio dropped to 40% after a header change", 20.0, 19.5,
        (("U0BOB00001", "Reverted the Vary: Cookie header; hit ratio back to 92%."),),
    ),
)  # fmt: skip


def stamp(moment: datetime) -> str:
    """The inventory's time format: UTC, to the second, sortable as text."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed(connection: sa.Connection, now: datetime) -> None:
    """Fills an empty inventory; the caller holds the write transaction."""
    for name, team, production_replicas, releases in _SERVICES:
        for offset, environment in enumerate(ENVIRONMENTS):
            deployed = releases[offset : offset + 3]
            replicas = {"production": production_replicas, "staging": 2, "dev": 1}[environment]
            status = _STATUS.get((name, environment), "running")
            target = {"name": name, "environment": environment}
            connection.execute(
                sa.text(
                    "INSERT INTO services (name, environment, version, replicas, owner_team, status, updated_at) "
                    "VALUES (:name, :environment, :version, :replicas, :team, :status, :at)"
                ),
                {**target, "version": deployed[-1], "replicas": replicas, "team": team, "status": status,
                 "at": stamp(now - timedelta(days=2))},
            )  # fmt: skip
            for age, version in zip((30, 14, 3 + offset), deployed, strict=True):
                connection.execute(
                    sa.text(
                        "INSERT INTO deployments (service, environment, version, kind, deployed_by, deployed_at) "
                        "VALUES (:name, :environment, :version, 'deploy', :by, :at)"
                    ),
                    {**target, "version": version, "by": _DEPLOYERS[age % 3],
                     "at": stamp(now - timedelta(days=age, hours=offset))},
                )  # fmt: skip
    for service, environment, severity, status, title, opened, resolved, notes in _INCIDENTS:
        incident_id = connection.execute(
            sa.text(
                "INSERT INTO incidents (service, environment, severity, status, title, opened_by, opened_at, "
                "resolved_at) VALUES (:service, :environment, :severity, :status, :title, :by, :opened, :resolved) "
                "RETURNING id"
            ),
            {
                "service": service,
                "environment": environment,
                "severity": severity,
                "status": status,
                "title": title,
                "by": notes[0][0],
                "opened": stamp(now - timedelta(days=opened)),
                "resolved": None if resolved is None else stamp(now - timedelta(days=resolved)),
            },
        ).scalar_one()
        for index, (author, note) in enumerate(notes):
            connection.execute(
                sa.text(
                    "INSERT INTO incident_notes (incident_id, author, note, created_at) "
                    "VALUES (:incident, :author, :note, :at)"
                ),
                {"incident": incident_id, "author": author, "note": note,
                 "at": stamp(now - timedelta(days=opened, minutes=-20 * (index + 1)))},
            )  # fmt: skip
