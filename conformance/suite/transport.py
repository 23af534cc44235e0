"""How the suite's own requests reach the target: rate-limited, retried, recorded.

* :class:`TokenBucket`: one bucket per run, shared by every request the run sends
  (Schemathesis' calls and probes go through it too, see :mod:`conformance.suite.engine`).
* :class:`RetryPolicy`: back-off on 429 (honouring ``Retry-After``) and 5xx. A status that
  survives every retry is passed on (it is a finding), and :class:`RetryBreaker` stops
  retrying what is clearly not transient: an operation that failed with a 5xx after all its
  retries, or a target that keeps answering 429.
* :class:`Transport`: a ``requests`` session wrapper for the suite's own calls (token
  fetch, connection check, probes, cleanup); every exchange goes to ``on_exchange``.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from conformance.errors import UserError
from conformance.exchange.clients import from_requests
from conformance.exchange.model import Exchange

__all__ = ["MUTATING_METHODS", "RetryBreaker", "RetryPolicy", "TokenBucket",
           "Transport", "retry_after_seconds"]

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TokenBucket:
    """Token bucket: ``rate`` requests per second on average, bursts of at most ``burst``;
    and never more than ``rate`` (rounded down) in any ``1 + slack`` seconds.

    A bare token bucket lets ``rate + burst`` requests through in some one-second window
    (a late wake-up is credited back); the window log closes that gap, and ``slack``
    absorbs network jitter, so the *target* counts at most ``rate`` arrivals a second.
    :meth:`acquire` blocks until a token is free; it is safe to call from any thread.
    """

    def __init__(self, rate: float, burst: int = 1, *, slack: float = 0.05,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = max(1, int(burst))
        self.slack = slack
        self._clock, self._sleep = clock, sleep
        self._tokens = float(self.burst)
        self._updated = clock()
        # when the last ``max(rate, burst)`` requests left (planned, then actual)
        self._granted: deque[float] = deque(maxlen=max(self.burst, int(rate)))
        self._lock = threading.Lock()
        self.waited = 0.0

    def _reserve(self) -> float:
        """Take a token (possibly going into debt); the time to use it at."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            at = now if self._tokens >= 0 else now - self._tokens / self.rate
            if len(self._granted) == self._granted.maxlen:
                at = max(at, self._granted[0] + 1.0 + self.slack)
            if self._granted:
                at = max(at, self._granted[-1])
            self._granted.append(at)
            return at

    def acquire(self) -> None:
        at = self._reserve()
        delay = at - self._clock()
        if delay <= 0:
            return
        self.waited += delay
        self._sleep(delay)
        with self._lock:  # a late wake-up: the window counts from when it really left
            now = self._clock()
            for i in range(len(self._granted) - 1, -1, -1):
                if self._granted[i] == at:
                    self._granted[i] = max(at, now)
                    break


def retry_after_seconds(value: str | None, cap: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delay or HTTP date), at most ``cap``."""
    if not value:
        return None
    try:
        return max(0.0, min(cap, float(value)))
    except ValueError:
        pass
    try:
        return max(0.0, min(cap, parsedate_to_datetime(value).timestamp() - time.time()))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    backoff: float = 0.1  # first delay; doubles each attempt, with jitter
    max_delay: float = 10.0
    retry_on: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def delay(self, attempt: int, status: int, retry_after: str | None,
              rng: random.Random) -> float:
        if status == 429:
            asked = retry_after_seconds(retry_after, self.max_delay)
            if asked is not None:
                return asked
        base = min(self.max_delay, self.backoff * 2 ** attempt)
        return base * (0.5 + rng.random() / 2)


class RetryBreaker:
    """Remembers what is not worth retrying.

    * a 5xx that survived every retry: that operation (``key``) is not retried again, its
      errors are not transient; once ``dead_limit`` operations did that, no 5xx is;
    * a 429 that survived every retry ``limit`` times in a row: the target keeps throttling,
      so 429s are passed on at once for ``cooldown`` seconds, then retried again.
    """

    def __init__(self, limit: int = 2, cooldown: float = 60.0, dead_limit: int = 3,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.dead_limit = dead_limit
        self.cooldown = cooldown
        self._clock = clock
        self._dead: set[str] = set()
        self._throttled = 0
        self._open_until = 0.0
        self._lock = threading.Lock()
        self.gave_up = 0

    def allows(self, key: str, status: int) -> bool:
        with self._lock:
            if status == 429:
                return self._clock() >= self._open_until
            return key not in self._dead and len(self._dead) < self.dead_limit

    def exhausted(self, key: str, status: int) -> None:
        with self._lock:
            self.gave_up += 1
            if status != 429:
                self._dead.add(key)
                return
            self._throttled += 1
            if self._throttled >= self.limit:
                self._open_until = self._clock() + self.cooldown
                self._throttled = 0

    def recovered(self) -> None:
        """A retry got through: the target is not throttling (any more)."""
        with self._lock:
            self._throttled = 0


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


class Transport:
    """The suite's own HTTP client: one bucket, one retry policy, one breaker per run."""

    def __init__(self, bucket: TokenBucket | None = None, policy: RetryPolicy | None = None,
                 *, timeout: float = 30.0, readonly: bool = False,
                 on_exchange: Callable[[Exchange], object] | None = None,
                 seed: int | None = None, headers: Mapping[str, str] | None = None) -> None:
        self.bucket = bucket
        self.policy = policy or RetryPolicy()
        self.breaker = RetryBreaker()
        self.timeout = timeout
        self.readonly = readonly
        self.on_exchange = on_exchange
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.retried = 0  # requests sent again after a 429/5xx
        self.waited = 0.0  # seconds slept before those retries
        self.unreachable = 0  # requests to ``target`` that could not connect
        self.target = ""  # base URL of the target (a token URL elsewhere is not counted)
        self.timed_out = 0  # requests without an answer within ``timeout``
        # called with (method, url, body) of a request that got no answer in time
        self.on_unanswered: Callable[[str, str, bytes], object] | None = None
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
                json: Any = None, data: Any = None, origin: str = "probe",
                record: bool = True, key: str | None = None,
                api_call: bool = True) -> requests.Response:
        """Send one request (rate-limited, retried); UserError when the target is
        unreachable. ``record=False`` keeps it out of findings; ``api_call=False`` marks a
        request that is not an API operation (the token fetch), allowed in read-only runs."""
        if self.readonly and api_call and method.upper() in MUTATING_METHODS:
            raise RuntimeError(f"read-only run must not send {method} {url}")
        prepared = self.session.prepare_request(requests.Request(
            method.upper(), url, headers=dict(headers or {}), json=json, data=data))
        resp = self.send(prepared, key=key or url)
        if record and self.on_exchange is not None:
            self.on_exchange(from_requests(resp, origin))
        return resp

    def send(self, prepared: requests.PreparedRequest, *, key: str) -> requests.Response:
        resp = self._send_once(prepared)
        return self.retry(resp, key=key) or resp

    def retry(self, resp: requests.Response, *, key: str) -> requests.Response | None:
        """The response after retrying a 429/5xx (None when no retry was made)."""
        return self.retry_prepared(resp.request, resp.status_code,
                                   resp.headers.get("Retry-After"), key=key)

    def retry_prepared(self, prepared: requests.PreparedRequest, status: int,
                       retry_after: str | None, *, key: str) -> requests.Response | None:
        """Re-send ``prepared`` while it gets a retryable status, with back-off; the last
        response, or None when the status is not retried (``key`` names the operation)."""
        if status not in self.policy.retry_on or not self.breaker.allows(key, status):
            return None
        resp = None
        for attempt in range(self.policy.retries):
            with self._rng_lock:
                delay = self.policy.delay(attempt, status, retry_after, self._rng)
            time.sleep(delay)
            self.waited += delay
            self.retried += 1
            resp = self._send_once(prepared.copy())
            status, retry_after = resp.status_code, resp.headers.get("Retry-After")
            if status not in self.policy.retry_on:
                self.breaker.recovered()
                return resp
        self.breaker.exhausted(key, status)
        return resp

    def _send_once(self, prepared: requests.PreparedRequest) -> requests.Response:
        if self.bucket is not None:
            self.bucket.acquire()
        try:
            return self.session.send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.ConnectionError as exc:
            if str(prepared.url).startswith(self.target):
                self.unreachable += 1
            raise UserError(f"cannot connect to {str(prepared.url).split('?')[0]} "
                            f"({_reason(exc)})",
                            tip="check --target (is the server running and the URL right?)"
                            ) from None
        except requests.Timeout:
            self.timed_out += 1
            if self.on_unanswered is not None:
                self.on_unanswered(str(prepared.method), str(prepared.url),
                                   _body_bytes(prepared.body))
            raise UserError(f"{prepared.method} {str(prepared.url).split('?')[0]} timed out after "
                            f"{self.timeout:g} s",
                            tip="check --target, or the target is overloaded") from None


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host",
                   "timed out", "Temporary failure in name resolution",
                   "nodename nor servname"):
        if marker in text:
            return marker.lower()
    return exc.__class__.__name__
