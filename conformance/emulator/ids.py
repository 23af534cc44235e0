"""Sinch-looking identifiers and timestamps.

Sinch's resource ids are ULIDs: 26 upper-case Crockford base-32 characters, a 48-bit
millisecond timestamp followed by 80 random bits (``01EKA5GRPQ7ZFWNXMJ4HN5K3TQ``). The
factory here makes them monotonic within one emulator, so sorting by id is sorting by
creation. Timestamps are RFC 3339 in UTC with a ``Z`` and microseconds, as the API sends
them (``2020-11-17T16:05:51.724083Z``); the clock never returns the same instant twice, so
"newest first" orderings have no ties.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["CROCKFORD", "Clock", "IdFactory", "encode_ulid", "is_ulid", "rfc3339"]

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_MAX_RANDOM = (1 << _RANDOM_BITS) - 1


def encode_ulid(millis: int, randomness: int) -> str:
    """The 26-character ULID of a millisecond timestamp and 80 random bits."""
    value = ((millis & ((1 << 48) - 1)) << _RANDOM_BITS) | (randomness & _MAX_RANDOM)
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_ulid(text: str) -> bool:
    """True for a 26-character upper-case Crockford base-32 string (a Sinch-style id)."""
    return len(text) == 26 and all(c in CROCKFORD for c in text) and text[0] in "01234567"


def rfc3339(epoch: float) -> str:
    """``2024-06-18T12:34:56.123456Z`` for a POSIX timestamp."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Clock:
    """Wall-clock seconds that strictly increase (by at least a microsecond) per call."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self._last = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            value = max(self._source(), self._last + 1e-6)
            self._last = value
            return value

    def peek(self) -> float:
        """The current time without advancing the clock (for expiry checks)."""
        return max(self._source(), self._last)

    def stamp(self) -> str:
        return rfc3339(self.now())


class IdFactory:
    """Monotonic ULIDs: within one millisecond the random part counts up."""

    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self._clock = clock
        self._rng = rng
        self._last_ms = -1
        self._last_rand = 0
        self._lock = threading.Lock()

    def new(self) -> str:
        with self._lock:
            millis = int(self._clock.peek() * 1000)
            if millis <= self._last_ms:
                millis = self._last_ms
                rand = self._last_rand + 1
                if rand > _MAX_RANDOM:  # pragma: no cover - 2**80 ids in one ms
                    millis, rand = millis + 1, self._rng.getrandbits(_RANDOM_BITS - 1)
            else:
                rand = self._rng.getrandbits(_RANDOM_BITS - 1)  # headroom to count up
            self._last_ms, self._last_rand = millis, rand
            return encode_ulid(millis, rand)
