"""The envelope ledger, on SQLite and PostgreSQL: an envelope is good for the invocation that first used it (and for
that invocation checking again), never for another; expired rows are purged."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from handlers.envelope_uses import EnvelopeLedger

NOW = 1_800_000_000.0


def test_an_envelope_is_good_for_the_invocation_that_used_it_first(db_engine: Engine) -> None:
    ledger = EnvelopeLedger(db_engine)
    assert ledger.claim("mac-a", "inv_1", expires_at=NOW + 660, now=NOW)
    assert ledger.claim("mac-a", "inv_1", expires_at=NOW + 660, now=NOW + 1), "the same call checking again"
    assert not ledger.claim("mac-a", "inv_2", expires_at=NOW + 660, now=NOW + 2), "a replay by another call"
    assert ledger.claim("mac-b", "inv_2", expires_at=NOW + 660, now=NOW + 2)


def test_expired_uses_are_purged_and_live_ones_kept(db_engine: Engine) -> None:
    ledger = EnvelopeLedger(db_engine, purge_every=4)
    for n in range(3):
        assert ledger.claim(f"old-{n}", f"inv_{n}", expires_at=NOW + 10, now=NOW)
    assert ledger.claim("live", "inv_live", expires_at=NOW + 1_000, now=NOW)
    assert ledger.count() == 4
    assert ledger.claim("late", "inv_late", expires_at=NOW + 1_000, now=NOW + 100)  # the fifth claim purges
    assert ledger.count() == 2
    assert not ledger.claim("live", "inv_other", expires_at=NOW + 1_000, now=NOW + 101), "a live use is kept"


def test_concurrent_uses_of_one_envelope_have_one_winner(db_engine: Engine) -> None:
    ledger = EnvelopeLedger(db_engine)
    results: list[bool] = []
    start = threading.Barrier(8)

    def claim(n: int) -> None:
        start.wait(timeout=10)
        results.append(ledger.claim("mac-x", f"inv_{n}", expires_at=NOW + 660, now=NOW))

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 7 + [True]
