"""The in-memory budget ledger: sliding windows, lifetime counts, atomic check-and-spend."""

from __future__ import annotations

from agents.guardrails import BudgetLedger, InMemoryBudgetLedger, Spend


def test_try_spend_refuses_past_the_limit_and_the_window_slides() -> None:
    ledger: BudgetLedger = InMemoryBudgetLedger()

    spends = [ledger.try_spend("calls:user:U1", 1, limit=2, window_s=10, now=t) for t in (0.0, 1.0, 2.0)]
    after_window = ledger.try_spend("calls:user:U1", 1, limit=2, window_s=10, now=10.5)

    assert spends == [Spend(True, 1, 2), Spend(True, 2, 2), Spend(False, 2, 2)]
    assert after_window == Spend(True, 2, 2)


def test_lifetime_counts_never_expire() -> None:
    ledger = InMemoryBudgetLedger()

    ledger.add("tokens:task:t1", 700, window_s=None, now=0.0)
    ledger.add("tokens:task:t1", 700, window_s=None, now=1e9)

    assert ledger.used("tokens:task:t1", window_s=None, now=2e9) == 1400
    assert ledger.used("tokens:task:t2", window_s=None, now=2e9) == 0


def test_amounts_larger_than_one_are_counted_whole() -> None:
    ledger = InMemoryBudgetLedger()

    assert ledger.try_spend("k", 5, limit=8, window_s=60, now=0.0).allowed
    assert not ledger.try_spend("k", 4, limit=8, window_s=60, now=1.0).allowed
    assert ledger.try_spend("k", 3, limit=8, window_s=60, now=2.0) == Spend(True, 8, 8)
