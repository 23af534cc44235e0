"""A background thread that checks flows after mitmproxy has passed them on.

Hooks hand items over with :meth:`CheckWorker.submit`, which never blocks: when the
bounded queue is full it returns False and the caller records that the flow was not
checked. One thread keeps findings, HAR entries and console lines in flow order.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["CheckWorker"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_STOP = object()


class CheckWorker(Generic[T]):
    """Run ``handle(item)`` for each submitted item on one daemon thread, in order."""

    def __init__(self, handle: Callable[[T], None], maxsize: int = 10_000,
                 name: str = "sinch-check") -> None:
        self._handle = handle
        self._queue: queue.Queue[object] = queue.Queue(maxsize)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._closed = False

    def submit(self, item: T) -> bool:
        """Queue an item; False (and nothing queued) when the queue is full or closed."""
        if self._closed:
            return False
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            return False
        return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self._handle(item)  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - the thread must outlive any bad item
                log.exception("sinch-conformance: checking a flow failed")
            finally:
                self._queue.task_done()

    def pending(self) -> int:
        return self._queue.qsize()

    def join(self) -> None:
        """Wait until every item submitted so far has been handled (tests, shutdown)."""
        self._queue.join()

    def close(self, timeout: float = 30.0) -> bool:
        """Check what is queued, then stop; False when that took longer than ``timeout``."""
        if not self._closed:
            self._closed = True
            try:
                self._queue.put(_STOP, timeout=timeout)
            except queue.Full:
                return False
        self._thread.join(timeout)
        return not self._thread.is_alive()
