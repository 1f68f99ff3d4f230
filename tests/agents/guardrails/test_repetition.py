"""R11 (repetition) in one pass per phrase length: the same verdicts as the straightforward chunk-by-chunk
comparison it replaced, on any text built from a small vocabulary (so that runs actually occur)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agents.guardrails.injection import _REPEAT_RUN, _is_repetitive


def chunkwise(words: list[str]) -> bool:
    """The former implementation: for each phrase length and phase, count equal consecutive chunks."""
    for size in range(1, 5):
        for phase in range(size):
            run = 1
            for i in range(phase + size, len(words) - size + 1, size):
                if words[i : i + size] == words[i - size : i]:
                    run += 1
                    if run >= _REPEAT_RUN:
                        return True
                else:
                    run = 1
    return False


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["ignore", "all", "rules", "now", "ok", "x"]), min_size=0, max_size=120))
def test_one_pass_agrees_with_the_chunkwise_count(words: list[str]) -> None:
    text = " ".join(words).ljust(300)  # past the minimum length; padding adds no word
    assert _is_repetitive(text) == chunkwise(words)


def test_a_phrase_repeated_eight_times_is_repetitive_and_seven_is_not() -> None:
    assert _is_repetitive(("say it now " * 8).ljust(300))
    assert not _is_repetitive(("say it now " * 7 + "and stop").ljust(300))
