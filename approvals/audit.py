"""The audit log: every approval request, vote, refusal, outcome and execution, as append-only rows chained per task.

Each row carries the hash of the previous row of its task (64 zeros for the first), and its own hash covers its
content and that link, so an edited, deleted or reordered row breaks the chain where it happened. Deleting the
newest rows of a task leaves a shorter chain that still verifies: that is why `heads()` exists, for the digest to
publish the chain heads somewhere the database's owner cannot rewrite.

Rows come from durable steps, which run at least once, so `append` is idempotent by a caller-chosen `dedupe_key`.
Appends to one task take turns (PostgreSQL: an advisory lock; SQLite: its write lock, taken first), so concurrent
workers build one gapless chain. The log never redacts for you: `detail` must arrive redacted.

Rows name people only by pseudonym (see `approvals.pseudonyms`): `append` swaps the Slack user ids of the actor,
the dedupe key and `detail` for pseudonyms before the row is hashed, and `rows` and `pending` swap them back for
the readers, except for people since erased. So the hash covers no personal data, an export verifies without any,
and erasing a person (`forget`) changes no row. Retention removes whole chains only (`expire_chains`): a chain
missing its oldest rows would not verify, and one missing its newest would hide what happened last.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel

from approvals import pseudonyms
from approvals.sqltypes import UTCDateTime, utc_now

__all__ = [
    "GENESIS_HASH",
    "AuditEvent",
    "AuditLog",
    "AuditRecord",
    "ChainProblem",
    "DedupeKeyConflictError",
    "row_hash_for",
]

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 0x6F70_6175  # "opau": the first key of the two-key advisory lock, the task's hash is the second
_NO_DETAIL: Mapping[str, Any] = MappingProxyType({})
_MAX_ATTEMPTS = 3


class AuditEvent(StrEnum):
    """What happened; `detail` says the rest (tool, tier, reason, choice…), already redacted."""

    REQUESTED = "requested"  # an approval was asked for: the action, its hash, tier, approvers, quorum, expiry
    VOTE = "vote"  # an eligible approver approved or rejected; with a quorum, not yet the outcome
    REFUSED = "refused"  # a click or command changed nothing: not an approver, self-approval, already decided…
    APPROVED = "approved"  # the approval's outcome: the quorum approved
    REJECTED = "rejected"  # the approval's outcome: rejected, with the reason that goes back to the agent
    EXPIRED = "expired"  # the approval's outcome: nobody decided before its expiry
    CANCELLED = "cancelled"  # the approval's outcome: `/ops cancel` ended the task while it waited
    EXECUTED = "executed"  # the action ran and returned (also medium actions that run and are logged)
    EXECUTION_FAILED = "execution_failed"  # the action ran and failed; retryable or fatal is in `detail`
    VOIDED = "voided"  # the action or its matched rule changed between decision and execution: asked again
    OUTCOME_UNKNOWN = "outcome_unknown"  # an at-most-once call was interrupted: a human must find out what happened
    RESOLVED = "resolved"  # a human settled an unknown outcome (done or not done, and who said so)
    FROZEN = "frozen"  # the action was refused at once because opsgate was frozen
    REMINDED = "reminded"  # the approvers were reminded before expiry
    ESCALATED = "escalated"  # the escalation target was pinged on expiry
    GUARDRAIL = "guardrail"  # a guardrail's verdict: stage (input, output, tool_output), action, rules; no text
    FORGED = "forged"  # a wake-up or call that did not come from where it claims (e.g. an awakeable resolved by hand)
    FREEZE = "freeze"  # a policy admin switched the freeze on or off


_RAN_EVENTS = (AuditEvent.EXECUTED, AuditEvent.EXECUTION_FAILED, AuditEvent.OUTCOME_UNKNOWN)
"""An action ran, or may have: each such row carries the gate's `action_hash`, `tier` and `approval_id`."""
_APPROVED_TIERS = ("high", "critical")
_FINAL_EVENTS = (
    AuditEvent.APPROVED,
    AuditEvent.REJECTED,
    AuditEvent.EXPIRED,
    AuditEvent.CANCELLED,
    AuditEvent.VOIDED,
    AuditEvent.RESOLVED,  # an outcome question (`approvals.outcomes`) was answered
)


class AuditRecord(SQLModel, table=True):
    """One audit row; `row_hash` is sha256 over its content and `prev_hash` (see `row_hash_for`). No foreign
    key to `tasks`: the audit trail must outlive any clean-up of task records."""

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "seq", name="uq_audit_log_task_id_seq"),  # also the index on task_id
        sa.UniqueConstraint("dedupe_key", name="uq_audit_log_dedupe_key"),
        sa.Index("ix_audit_log_event_at", "event", "at"),  # the digest counts a period's decisions
        sa.Index("ix_audit_log_approval_id", "approval_id"),  # an approval's request and its outcome
        sa.CheckConstraint(
            "event IN (" + ", ".join(f"'{event.value}'" for event in AuditEvent) + ")", name="ck_audit_log_event"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(max_length=64, sa_type=sa.String(64))
    seq: int = Field(sa_type=sa.Integer, description="1, 2, 3… within the task.")
    approval_id: str | None = Field(default=None, max_length=64, sa_type=sa.String(64))
    event: str = Field(max_length=32, sa_type=sa.String(32))
    actor: str | None = Field(default=None, max_length=64, sa_type=sa.String(64), description='Slack id or "opsgate".')
    detail: str = Field(sa_type=sa.Text, description="Canonical JSON, redacted by the caller.")
    dedupe_key: str = Field(max_length=255, sa_type=sa.String(255))
    at: datetime = Field(sa_type=UTCDateTime())
    prev_hash: str = Field(max_length=64, sa_type=sa.String(64))
    row_hash: str = Field(max_length=64, sa_type=sa.String(64))


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """Where a chain is broken, in words for the person who runs `opsgate audit verify`."""

    task_id: str
    seq: int
    problem: str


class DedupeKeyConflictError(ValueError):
    """A dedupe key was reused for a different event: two callers share a key namespace, a bug to fix, not retry."""


_audit: sa.Table = SQLModel.metadata.tables["audit_log"]
_Row: TypeAlias = "sa.Row[*tuple[Any, ...]]"
_LIMITS = {"event": 32, "dedupe_key": 255}  # the others are 64
_PERSONAL_COLUMNS = (_audit.c.actor, _audit.c.detail, _audit.c.dedupe_key)


def _canonical_json(value: Any) -> str:
    """One spelling per value (sorted keys, no spaces, UTF-8 kept), so equal details hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def row_hash_for(record: AuditRecord | _Row) -> str:
    """sha256 (hex) of the JSON array [task_id, seq, approval_id, event, actor, detail, at, prev_hash], with `at` in
    ISO 8601 UTC to the microsecond: a documented form, so anyone can re-verify an exported log. It hashes the row
    as stored (`rows(stored=True)`, or a dump of the table), where people appear only as pseudonyms."""
    at = record.at.astimezone(UTC).isoformat(timespec="microseconds")
    fields = [record.task_id, record.seq, record.approval_id, record.event, record.actor, record.detail, at]
    return hashlib.sha256(_canonical_json([*fields, record.prev_hash]).encode()).hexdigest()


class AuditLog:
    """Appends to and checks the audit chains; synchronous, because it runs inside durable steps."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        if engine.dialect.name not in ("postgresql", "sqlite"):
            raise ValueError(f"AuditLog supports PostgreSQL and SQLite, not {engine.dialect.name}")
        self._engine = engine
        self._clock = clock

    def append(
        self,
        task_id: str,
        event: AuditEvent,
        *,
        dedupe_key: str,
        approval_id: str | None = None,
        actor: str | None = None,
        detail: Mapping[str, Any] = _NO_DETAIL,
    ) -> AuditRecord:
        """Add a row at the end of the task's chain, or return the row already written under `dedupe_key`.

        A replay with the same key returns the stored row even if `detail` differs (the first write wins);
        the same key for another task, event, approval or actor raises `DedupeKeyConflictError`. The row comes back
        as `rows` gives it: with Slack ids, though it is stored with pseudonyms.
        """
        kind = AuditEvent(event).value
        given = {"task_id": task_id, "approval_id": approval_id, "event": kind, "actor": actor}
        for name, value in {**given, "dedupe_key": dedupe_key}.items():
            limit = _LIMITS.get(name, 64)
            if value is not None and not 0 < len(value) <= limit:
                raise ValueError(f"audit {name} must be 1 to {limit} characters, got {value!r}")
        _canonical_json(dict(detail))  # refuses what JSON cannot spell before the database is touched
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                with self._engine.begin() as connection:
                    self._take_turn(connection, task_id)
                    now = functools.cache(self._now)  # one reading: the row's time, and its new people's
                    row = (actor, dict(detail), dedupe_key)
                    named, plain, key = pseudonyms.pseudonymise(connection, row, now=now)
                    if len(key) > _LIMITS["dedupe_key"]:
                        raise ValueError(f"audit dedupe_key {dedupe_key!r} is over 255 characters once pseudonymised")
                    wanted = {**given, "actor": named}
                    stored = connection.execute(sa.select(_audit).where(_audit.c.dedupe_key == key)).first()
                    if stored is not None:
                        return _readable(connection, [_replayed(stored, wanted, dedupe_key)])[0]
                    newest = sa.select(_audit.c.seq, _audit.c.row_hash).where(_audit.c.task_id == task_id)
                    head = connection.execute(newest.order_by(_audit.c.seq.desc()).limit(1)).first()
                    seq, prev_hash = (head.seq + 1, head.row_hash) if head else (1, GENESIS_HASH)
                    text = _canonical_json(plain)
                    fields = {**wanted, "seq": seq, "detail": text, "dedupe_key": key, "prev_hash": prev_hash}
                    record = AuditRecord.model_validate({**fields, "at": now(), "row_hash": ""})  # hashed below
                    record.row_hash = row_hash_for(record)
                    insert = sa.insert(_audit).values(record.model_dump(exclude={"id"})).returning(_audit.c.id)
                    record.id = connection.execute(insert).scalar_one()
                    return _readable(connection, [record])[0]
            except sa.exc.IntegrityError:
                # Only the same key written for another task at the same moment gets here; the next turn sees it.
                if attempt == _MAX_ATTEMPTS:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def rows(self, task_id: str, *, stored: bool = False) -> list[AuditRecord]:
        """The task's chain, oldest first, with Slack ids for pseudonyms (`stored`: as stored and hashed)."""
        query = sa.select(_audit).where(_audit.c.task_id == task_id).order_by(_audit.c.seq)
        with self._engine.connect() as connection:
            records = [AuditRecord.model_validate(row._mapping) for row in connection.execute(query)]
            return records if stored else _readable(connection, records)

    def heads(self) -> dict[str, str]:
        """task_id → hash of its newest row: publishing these pins every chain, so truncation shows too."""
        last = sa.select(_audit.c.task_id, sa.func.max(_audit.c.seq).label("seq")).group_by(_audit.c.task_id).subquery()
        newest = sa.and_(_audit.c.task_id == last.c.task_id, _audit.c.seq == last.c.seq)
        query = sa.select(_audit.c.task_id, _audit.c.row_hash).join(last, newest)
        with self._engine.connect() as connection:
            return {task_id: row_hash for task_id, row_hash in connection.execute(query)}

    def pending(self, limit: int = 200) -> list[AuditRecord]:
        """The `requested` rows of approvals with no outcome yet, oldest first (for `/ops approvals`)."""
        finished = sa.select(_audit.c.approval_id).where(
            _audit.c.event.in_([e.value for e in _FINAL_EVENTS]), _audit.c.approval_id.is_not(None)
        )
        query = (
            sa.select(_audit)
            .where(_audit.c.event == AuditEvent.REQUESTED.value, _audit.c.approval_id.not_in(finished))
            .order_by(_audit.c.at, _audit.c.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return _readable(
                connection, [AuditRecord.model_validate(row._mapping) for row in connection.execute(query)]
            )

    def totals(self) -> tuple[int, int]:
        """(chains, rows) in the log, for the summary line of `opsgate audit verify`."""
        query = sa.select(sa.func.count(sa.distinct(_audit.c.task_id)), sa.func.count())
        with self._engine.connect() as connection:
            chains, rows = connection.execute(query).one()
        return int(chains), int(rows)

    def verify(self, task_id: str | None = None) -> list[ChainProblem]:
        """Every break in the chain of `task_id`, or of all tasks: hashes recomputed, seq gaps, broken links."""
        query = sa.select(_audit).order_by(_audit.c.task_id, _audit.c.seq)
        if task_id is not None:
            query = query.where(_audit.c.task_id == task_id)
        problems: list[ChainProblem] = []
        previous: _Row | None = None
        with self._engine.connect() as connection:
            for row in connection.execution_options(yield_per=1000).execute(query):
                if previous is not None and previous.task_id != row.task_id:
                    previous = None
                problems.extend(ChainProblem(row.task_id, row.seq, problem) for problem in _breaks(previous, row))
                previous = row
        return problems

    def unapproved(self, task_id: str | None = None) -> list[ChainProblem]:
        """Every high or critical action that ran (or may have) without an approval of that very action in its
        task's chain: an approval id, a `requested` row under it with the same `action_hash`, and an `approved`
        outcome not voided since. Rows from before executions carried their tier are not checked."""
        events = [*_RAN_EVENTS, AuditEvent.REQUESTED, AuditEvent.APPROVED, AuditEvent.VOIDED]
        query = sa.select(_audit.c.task_id, _audit.c.seq, _audit.c.approval_id, _audit.c.event, _audit.c.detail)
        query = query.where(_audit.c.event.in_([event.value for event in events]))
        if task_id is not None:
            query = query.where(_audit.c.task_id == task_id)
        problems: list[ChainProblem] = []
        with self._engine.connect() as connection:
            rows = connection.execution_options(yield_per=1000).execute(query.order_by(_audit.c.task_id, _audit.c.seq))
            for _, task_rows in itertools.groupby(rows, key=lambda row: row.task_id):
                problems.extend(_unapproved_in(list(task_rows)))
        return problems

    def expire_chains(
        self, before: datetime, *, keep: Collection[str] = (), batch: int = 100, dry_run: bool = False
    ) -> tuple[int, int]:
        """Delete every chain whose newest row is older than `before`, except the chains of `keep` (live tasks):
        whole chains only, `batch` chains per transaction, each under its append lock. (chains, rows) deleted,
        or that would be with `dry_run`."""
        expired = _expired(before, keep)
        if dry_run:
            counted = sa.select(sa.func.count(sa.distinct(_audit.c.task_id)), sa.func.count())
            with self._engine.connect() as connection:
                chains, rows = connection.execute(counted.where(_audit.c.task_id.in_(expired))).one()
            return int(chains), int(rows)
        chains = rows = 0
        while True:
            with self._engine.begin() as connection:
                doomed = list(connection.execute(expired.order_by(_audit.c.task_id).limit(batch)).scalars())
                if not doomed:
                    return chains, rows
                for task_id in doomed:  # in order, so two purges never wait on each other in a cycle
                    self._take_turn(connection, task_id)
                # Under the locks: a chain that grew meanwhile is young again, and stays.
                gone = list(connection.execute(expired.where(_audit.c.task_id.in_(doomed))).scalars())
                if gone:
                    rows += connection.execute(sa.delete(_audit).where(_audit.c.task_id.in_(gone))).rowcount
                    chains += len(gone)

    def forget(self, slack_id: str, *, dry_run: bool = False) -> int:
        """Erase a person from the log: delete their pseudonym's mapping, so the rows that name them keep an
        unlinkable pseudonym and every chain still verifies. Returns how many rows name them."""
        with self._engine.begin() as connection:
            pseudonym = pseudonyms.forget(connection, slack_id, dry_run=dry_run)
            if pseudonym is None:
                return 0
            names = sa.or_(
                _audit.c.actor == pseudonym,
                _audit.c.detail.contains(pseudonym, autoescape=True),
                _audit.c.dedupe_key.contains(pseudonym, autoescape=True),
            )
            return int(connection.execute(sa.select(sa.func.count()).where(names)).scalar_one())

    def rows_naming(self, text: str) -> list[tuple[str, int]]:
        """(task_id, seq) of the rows whose stored actor, detail or dedupe key contains `text` (as a whole word):
        for erasure, the rows that name someone in a way the pseudonyms did not catch, which no one may edit."""
        word = re.compile(rf"(?<![0-9A-Za-z]){re.escape(text)}(?![0-9A-Za-z])")
        found = sa.or_(*(column.contains(text, autoescape=True) for column in _PERSONAL_COLUMNS))
        query = sa.select(_audit.c.task_id, _audit.c.seq, *_PERSONAL_COLUMNS).where(found)
        with self._engine.connect() as connection:
            hits = connection.execute(query.order_by(_audit.c.task_id, _audit.c.seq)).all()
        return [(row.task_id, row.seq) for row in hits if any(word.search(value or "") for value in row[2:])]

    def pseudonyms_in_use(self, *, expiring: datetime | None = None, keep: Collection[str] = ()) -> set[str]:
        """Every pseudonym a row holds (one pass over the log), for sweeping the mappings of expired chains; with
        `expiring`, only those of the chains `expire_chains(expiring, keep=keep)` would keep (for a dry run)."""
        used: set[str] = set()
        query = sa.select(*_PERSONAL_COLUMNS)
        if expiring is not None:
            query = query.where(_audit.c.task_id.not_in(_expired(expiring, keep)))
        with self._engine.connect() as connection:
            for row in connection.execution_options(yield_per=1000).execute(query):
                for value in row:
                    used |= pseudonyms.pseudonyms_in(value)
        return used

    def _now(self) -> datetime:
        now = self._clock()  # read under the chain's lock, so times grow with seq (given a clock that does)
        if now.tzinfo is None:
            raise ValueError(f"the audit clock gave a naive datetime {now!r}: give timezone-aware times")
        return now.astimezone(UTC)

    def _take_turn(self, connection: Connection, task_id: str) -> None:
        """Serialize appends to one chain until the transaction ends, so two writers never read the same head."""
        if connection.dialect.name == "postgresql":
            lock = sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(:task_id))")
            connection.execute(lock, {"key": AUDIT_LOCK_KEY, "task_id": task_id})
        else:
            # BEGIN IMMEDIATE by other means: a write that changes nothing takes SQLite's write lock (waiting up to
            # the busy timeout) before the head is read, so the read cannot go stale before the insert.
            connection.execute(sa.update(_audit).where(sa.false()).values(seq=_audit.c.seq))


def _expired(before: datetime, keep: Collection[str]) -> sa.Select[str]:
    """The task ids of the chains whose newest row is older than `before`, but for those in `keep`."""
    expired = sa.select(_audit.c.task_id).group_by(_audit.c.task_id).having(sa.func.max(_audit.c.at) < before)
    return expired.where(_audit.c.task_id.not_in(sorted(keep))) if keep else expired


def _readable(connection: Connection, records: list[AuditRecord]) -> list[AuditRecord]:
    """The records with Slack ids where they hold pseudonyms (of people not erased)."""
    restore = pseudonyms.readable(connection, (text for r in records for text in (r.actor, r.detail, r.dedupe_key)))
    return [
        record.model_copy(
            update={
                "actor": restore(record.actor),
                "detail": restore(record.detail),
                "dedupe_key": restore(record.dedupe_key),
            }
        )
        for record in records
    ]


def _replayed(stored: _Row, wanted: Mapping[str, str | None], dedupe_key: str) -> AuditRecord:
    differs = [name for name, value in wanted.items() if stored._mapping[name] != value]
    if differs:
        raise DedupeKeyConflictError(f"dedupe key {dedupe_key!r} already names another row (its {', '.join(differs)})")
    return AuditRecord.model_validate(stored._mapping)


def _unapproved_in(rows: list[_Row]) -> list[ChainProblem]:
    """The problems of one task's rows (oldest first) for `AuditLog.unapproved`."""
    requested: dict[str, str] = {}
    outcome: dict[str, str] = {}
    ran: list[tuple[_Row, dict[str, Any]]] = []
    for row in rows:
        detail = _detail_of(row)
        if row.event == AuditEvent.REQUESTED.value and row.approval_id is not None:
            requested[row.approval_id] = str(detail.get("action_hash", ""))
        elif row.event in (AuditEvent.APPROVED.value, AuditEvent.VOIDED.value) and row.approval_id is not None:
            outcome[row.approval_id] = row.event
        elif row.event in _RAN_EVENTS and detail.get("tier") in _APPROVED_TIERS:
            ran.append((row, detail))
    problems = []
    for row, detail in ran:
        what = f"{row.event}: a {detail['tier']} action ({detail.get('tool', 'unknown tool')})"
        approval_id = row.approval_id
        if approval_id is None:
            problem = f"{what} ran without an approval id"
        elif approval_id not in requested:
            problem = f"{what} names approval {approval_id}, which this task never requested"
        elif requested[approval_id] != detail.get("action_hash"):
            problem = f"{what} differs from what approval {approval_id} asked about: their action_hash differ"
        elif outcome.get(approval_id) != AuditEvent.APPROVED.value:
            state = "was voided" if approval_id in outcome else "has no approved outcome"
            problem = f"{what} names approval {approval_id}, which {state}"
        else:
            continue
        problems.append(ChainProblem(row.task_id, row.seq, problem))
    return problems


def _detail_of(row: _Row) -> dict[str, Any]:
    """The row's detail as JSON; {} for text that is not a JSON object (an altered row: `verify` reports it)."""
    try:
        detail = json.loads(row.detail)
    except ValueError:
        return {}
    return detail if isinstance(detail, dict) else {}


def _breaks(previous: _Row | None, row: _Row) -> list[str]:
    found = []
    expected_seq, expected_prev = (previous.seq + 1, previous.row_hash) if previous is not None else (1, GENESIS_HASH)
    if row.seq != expected_seq:
        found.append(f"expected seq {expected_seq}, found {row.seq}: rows missing or reordered")
    if row.prev_hash != expected_prev:
        found.append("prev_hash does not match the hash of the row before it")
    if row.row_hash != row_hash_for(row):
        found.append("row_hash does not match the row's content: the row was altered")
    return found
