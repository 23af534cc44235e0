"""The consistency window's re-read: exponential back-off, bounded by the window, and a
message that says how long it waited."""

from __future__ import annotations

from conformance.suite.settle import FIRST_REREAD, settle


def test_agreeing_read_is_not_repeated() -> None:
    calls: list[int] = []
    result = settle(lambda: (calls.append(1) or True, "v"), window=5.0)
    assert result.agreed and result.value == "v" and len(calls) == 1
    assert result.wait() == "at once (no consistency window)"


def test_read_that_catches_up_within_the_window_agrees() -> None:
    answers = iter([False, False, True])
    result = settle(lambda: (next(answers), None), window=5.0)
    assert result.agreed and result.reads == 3
    assert result.waited >= FIRST_REREAD * 3  # 0.1 s, then 0.2 s


def test_read_that_never_agrees_stops_at_the_window_and_says_so() -> None:
    reads: list[int] = []
    result = settle(lambda: (reads.append(1) is not None, len(reads)), window=0.35)
    assert not result.agreed and result.value == len(reads) == result.reads
    assert 2 <= result.reads <= 4  # 0.1 + 0.2, then the rest of the window
    assert result.wait().startswith("after 0.") and f"({result.reads} reads)" in result.wait()


def test_zero_window_reads_once() -> None:
    result = settle(lambda: (False, 1), window=0.0)
    assert not result.agreed and result.reads == 1
