"""Internal errors of a run: what failed, where, and the exception's one-line text.

Any of these makes ``sinch-conformance run`` exit 3
(:data:`conformance.errors.EXIT_RUN_FAILED`): a Schemathesis phase that ended in
``error``, the engine failing, a check or a probe that raised, a cleanup that could not
finish. The run goes on after one (the other phases, the probes and the cleanup still
run), but its verdict is incomplete, so it can never pass.

They are kept apart from *problems*: a request that timed out or found no server is the
target's doing, counted in the transport figures and reported, not held against the run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_MESSAGE", "RunError", "RunErrors", "describe", "one_line"]

MAX_MESSAGE = 300  # characters of an exception's text kept


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """The first non-empty line of ``text``, whitespace collapsed, at most ``limit`` long."""
    first = next((ln for ln in str(text).splitlines() if ln.strip()), "")
    line = " ".join(first.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def describe(exc: BaseException) -> str:
    """``Type: first line of the message`` of an exception."""
    text = one_line(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class RunError:
    what: str  # what failed: "coverage phase", "engine", "check contract_response", ...
    where: str  # the operation ("GET /v1/..."), probe, resource or stage it failed at
    message: str  # the exception's one-line text
    operation: str | None = None  # the operationId, when the error is tied to one
    count: int = 1  # how often the same error happened

    def line(self) -> str:
        times = f" ({self.count} times)" if self.count > 1 else ""
        return f"{self.what} at {self.where}: {self.message}{times}"

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "where": self.where, "message": self.message,
                "operation": self.operation, "count": self.count}


class RunErrors:
    """The internal errors of one run, one entry per (what, where, message); thread-safe."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, str], RunError] = {}
        self._lock = threading.Lock()

    def add(self, what: str, where: str, message: str, operation: str | None = None
            ) -> RunError:
        key = (what, where, one_line(message))
        with self._lock:
            known = self._items.get(key)
            if known is not None:
                known.count += 1
                return known
            error = self._items[key] = RunError(what, where, key[2], operation)
            return error

    def exception(self, what: str, where: str, exc: BaseException,
                  operation: str | None = None) -> RunError:
        return self.add(what, where, describe(exc), operation)

    def items(self) -> list[RunError]:
        with self._lock:
            return list(self._items.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
