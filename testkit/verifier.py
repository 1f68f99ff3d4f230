"""A worker's envelope check for a handler served in a test or a benchmark: the keyring the caller signs with, and
an envelope ledger on a SQLite file of its own (the production worker's is in its main database)."""

from __future__ import annotations

from pathlib import Path

from handlers.contracts.envelope import Keyring
from handlers.envelope_uses import EnvelopeLedger
from handlers.verified import Verifier
from opsgate.db import create_db_engine, init_schema

__all__ = ["verifier_in"]


def verifier_in(directory: Path, keyring: Keyring) -> Verifier:
    directory.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(f"sqlite:///{directory / 'envelopes.db'}")
    init_schema(engine)
    return Verifier(keyring, EnvelopeLedger(engine))
