"""Column types shared by every table opsgate owns.

They live in `approvals`, the lowest package that stores rows, so that the domain's own tables (approval records,
the audit log) and the handlers' tables (tasks) use one definition without the domain importing `handlers`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = ["UTCDateTime", "utc_now"]


def utc_now() -> datetime:
    """The default clock of the stores: aware UTC, the only kind of time `UTCDateTime` accepts."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, also on SQLite, which stores no offset.

    Naive times are refused rather than guessed at: a wrong zone in an approval or audit record is worse than an
    error at the write that made it.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
