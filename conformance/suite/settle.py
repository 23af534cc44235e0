"""Re-read until a read agrees with a write, bounded: the one back-off of the consistency
window (``run --consistency-window``). A real API may be eventually consistent; a check
that compares a read with a write re-reads with this before it reports, and says how long
it waited, so lag is told apart from loss."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["FIRST_REREAD", "Settled", "settle"]

FIRST_REREAD = 0.1  # seconds before the first re-read; each next one waits twice as long
T = TypeVar("T")


@dataclass(frozen=True)
class Settled(Generic[T]):
    """What re-reading found: whether the read agreed with the write, what the last read
    gave, and how long it waited for it."""

    agreed: bool
    value: T
    waited: float
    reads: int

    def wait(self) -> str:
        """E.g. 'after 2.1 s of re-reads (5 reads)', for a finding's message."""
        return (f"after {self.waited:.1f} s of re-reads ({self.reads} reads)" if self.reads > 1
                else "at once (no consistency window)")


def settle(read: Callable[[], tuple[bool, T]], window: float) -> Settled[T]:
    """Call ``read`` until it agrees: re-read with exponential back-off (0.1 s, then twice
    as long each time) for at most ``window`` seconds."""
    started = time.monotonic()
    pause, reads = FIRST_REREAD, 1
    agreed, value = read()
    while not agreed:
        left = window - (time.monotonic() - started)
        if left <= 0:
            break
        time.sleep(min(pause, left))
        pause *= 2
        reads += 1
        agreed, value = read()
    return Settled(agreed, value, time.monotonic() - started, reads)
