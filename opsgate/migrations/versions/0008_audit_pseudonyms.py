"""The audit log names people by pseudonym, so one person can be erased without breaking a chain.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

Adds `audit_pseudonyms` (pseudonym → Slack id) and rewrites the existing rows the way `AuditLog.append` now writes
them: the Slack user ids in actor, dedupe key and detail become pseudonyms. The row hash keeps its documented form
(sha256 of [task_id, seq, approval_id, event, actor, detail, at, prev_hash]); it is recomputed along each rewritten
chain, so every chain that verified before verifies after. A chain that did not verify before is not re-hashed, or
the rewrite would launder the tampering: its ids become pseudonyms all the same, and it stays broken. Chain heads
published before this revision no longer match; compare them with `opsgate audit verify` before upgrading.

The rules and the hash are spelled out here rather than imported from `approvals`, as in 0002: this revision keeps
doing what it did when the application moves on. The downgrade puts back the Slack ids that still have a mapping
(erased people keep their pseudonyms) and re-hashes the same way.
"""

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
GENESIS_HASH = "0" * 64
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
PERSON_FIELDS = frozenset({"requester", "approvers", "voter", "by", "decided_by", "to"})
MENTION = re.compile(r"<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>")
PSEUDONYM_IN_TEXT = re.compile(r"(?<![0-9A-Za-z-])p-[0-9a-f]{24}(?![0-9a-f])")
CHAINS_PER_BATCH = 500

audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("task_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("approval_id", sa.String),
    sa.column("event", sa.String),
    sa.column("actor", sa.String),
    sa.column("detail", sa.Text),
    sa.column("dedupe_key", sa.String),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("prev_hash", sa.String),
    sa.column("row_hash", sa.String),
)
mapping = sa.table(
    "audit_pseudonyms",
    sa.column("pseudonym", sa.String),
    sa.column("slack_id", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "audit_pseudonyms",
        sa.Column("pseudonym", sa.String(length=26), nullable=False),
        sa.Column("slack_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym"),
        sa.UniqueConstraint("slack_id", name="uq_audit_pseudonyms_slack_id"),
    )
    connection = op.get_bind()
    known: dict[str, str] = {}

    def pseudonym_of(slack_id: str) -> str:
        if slack_id not in known:
            known[slack_id] = f"p-{secrets.token_hex(12)}"
            row = {"pseudonym": known[slack_id], "slack_id": slack_id, "created_at": datetime.now(UTC)}
            connection.execute(sa.insert(mapping).values(row))
        return known[slack_id]

    _rewrite_chains(connection, lambda row: _pseudonymise(row, pseudonym_of))


def downgrade() -> None:
    connection = op.get_bind()
    names = {
        pseudonym: slack_id
        for pseudonym, slack_id in connection.execute(sa.select(mapping.c.pseudonym, mapping.c.slack_id))
    }

    def restore(row: dict[str, Any]) -> dict[str, Any]:
        def back(text: str | None) -> str | None:
            return PSEUDONYM_IN_TEXT.sub(lambda found: names.get(found[0], found[0]), text) if text else text

        return {
            **row,
            "actor": back(row["actor"]),
            "detail": back(row["detail"]),
            "dedupe_key": back(row["dedupe_key"]),
        }

    _rewrite_chains(connection, restore)
    op.drop_table("audit_pseudonyms")


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _row_hash(row: dict[str, Any]) -> str:
    at = row["at"] if row["at"].tzinfo else row["at"].replace(tzinfo=UTC)  # SQLite gives UTC without an offset
    fields = [row["task_id"], row["seq"], row["approval_id"], row["event"], row["actor"], row["detail"]]
    spelled = [*fields, at.astimezone(UTC).isoformat(timespec="microseconds"), row["prev_hash"]]
    return hashlib.sha256(_canonical_json(spelled).encode()).hexdigest()


def _swap(value: Any, replace: Callable[[str], str], person: bool = False) -> Any:
    if isinstance(value, dict):
        return {key: _swap(item, replace, key in PERSON_FIELDS) for key, item in value.items()}
    if isinstance(value, list):
        return [_swap(item, replace, person) for item in value]
    if isinstance(value, str):
        if person and SLACK_USER_ID.fullmatch(value):
            return replace(value)
        return MENTION.sub(lambda found: f"<@{replace(found[1])}>", value)
    return value


def _pseudonymise(row: dict[str, Any], replace: Callable[[str], str]) -> dict[str, Any]:
    actor = row["actor"]
    if actor is not None and SLACK_USER_ID.fullmatch(actor):
        actor = replace(actor)
    key = ":".join(replace(part) if SLACK_USER_ID.fullmatch(part) else part for part in row["dedupe_key"].split(":"))
    try:
        parsed = json.loads(row["detail"])
    except ValueError:  # not JSON: someone wrote it by hand, and the chain says so; leave it as it is
        parsed = swapped = None
    else:
        swapped = _swap(parsed, replace)
    detail = row["detail"] if swapped == parsed else _canonical_json(swapped)
    return {**row, "actor": actor, "dedupe_key": key, "detail": detail}


def _rewrite_chains(connection: sa.Connection, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Apply `rewrite` to every row, chain by chain, re-hashing each chain that verified before."""
    task_ids = list(connection.execute(sa.select(audit.c.task_id).distinct().order_by(audit.c.task_id)).scalars())
    broken = []
    for start in range(0, len(task_ids), CHAINS_PER_BATCH):
        batch = task_ids[start : start + CHAINS_PER_BATCH]
        query = sa.select(audit).where(audit.c.task_id.in_(batch)).order_by(audit.c.task_id, audit.c.seq)
        chains: dict[str, list[dict[str, Any]]] = {}
        for row in connection.execute(query).mappings():
            chains.setdefault(row["task_id"], []).append(dict(row))
        for task_id, rows in chains.items():
            intact = _intact(rows)
            if not intact:
                broken.append(task_id)
            for change in _rewritten(rows, rewrite, rehash=intact):
                connection.execute(sa.update(audit).where(audit.c.id == change.pop("id")).values(change))
    if broken:
        log.warning(
            "audit log: %d chain(s) did not verify before this migration and were not re-hashed: %s",
            len(broken),
            ", ".join(broken[:20]) + (" …" if len(broken) > 20 else ""),
        )


def _intact(rows: list[dict[str, Any]]) -> bool:
    previous = GENESIS_HASH
    for seq, row in enumerate(rows, start=1):
        if row["seq"] != seq or row["prev_hash"] != previous or row["row_hash"] != _row_hash(row):
            return False
        previous = row["row_hash"]
    return True


def _rewritten(
    rows: list[dict[str, Any]], rewrite: Callable[[dict[str, Any]], dict[str, Any]], *, rehash: bool
) -> list[dict[str, Any]]:
    """The changed columns (and id) of each row that changes."""
    changes = []
    previous = GENESIS_HASH
    for row in rows:
        new = rewrite(row)
        if rehash:
            new = {**new, "prev_hash": previous}
            new["row_hash"] = _row_hash(new)
            previous = new["row_hash"]
        changed = {name: value for name, value in new.items() if value != row[name]}
        if changed:
            changes.append({"id": row["id"], **changed})
    return changes
