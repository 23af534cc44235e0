"""Where the add-on's checks run: a separate process (default) or a thread.

mitmproxy runs every flow on one asyncio loop in one Python process. Checking in a thread
of that process would take the GIL from the loop and slow every flow down; checking in a
child process does not. Both checkers have the same small interface:

* ``submit(item) -> bool``: hand over ``(WireCapture, request findings or None)``; never
  blocks; False when the queue (bounded in items and bytes) is full;
* ``join(timeout)``: wait until everything submitted so far is checked (tests);
* ``close(unchecked, dropped, timeout) -> str``: check what is queued, close the findings
  and HAR files, and return the summary table.

The child process is started with ``spawn`` (never ``fork``: mitmproxy's process has an
event loop and threads) and runs :func:`conformance.proxy.check_child.serve`.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import multiprocessing
import os
import pickle
import select
import struct
import threading
import uuid
from collections.abc import Callable
from typing import Any

from conformance.exchange.model import WireCapture
from conformance.findings import Finding
from conformance.proxy.check_child import CheckConfig, close_summary, open_pipeline, serve
from conformance.proxy.worker import CheckWorker

__all__ = ["CheckConfig", "Item", "ProcessChecker", "ThreadChecker", "make_checker"]

log = logging.getLogger("sinch_conformance")
Item = tuple[WireCapture, "list[Finding] | None"]
Emit = Callable[[str], None]
MAX_ITEMS = 4096
MAX_BYTES = 256 * 1024 * 1024
FLUSH_DELAY = 0.05  # seconds flows may wait to be sent in one batch
PIPE_BYTES = 1024 * 1024


def _size(item: Item) -> int:
    capture = item[0]
    return len(capture.request_raw or b"") + len(capture.response_raw or b"")


class ThreadChecker:
    """Checks on a thread of this process (simple; competes with mitmproxy for the GIL)."""

    def __init__(self, config: CheckConfig, emit: Emit) -> None:
        self.pipeline = open_pipeline(config, emit)
        self._worker: CheckWorker[Item] = CheckWorker(self._check, MAX_ITEMS)

    def _check(self, item: Item) -> None:
        self.pipeline.process_capture(*item)

    def submit(self, item: Item) -> bool:
        return self._worker.submit(item)

    def join(self, timeout: float = 30.0) -> None:
        self._worker.join()

    def close(self, unchecked: int = 0, dropped: int = 0, timeout: float = 60.0) -> str:
        if not self._worker.close(timeout):
            log.warning("sinch-conformance: stopped before every flow was checked")
        return close_summary(self.pipeline, unchecked, dropped)


def _widen_pipe(fd: int) -> None:
    """Room in the pipe for a whole batch (Linux gives 64 KiB, less than ten ListMessages
    pages): one write per batch instead of a partial write and another event-loop wake-up
    for every 64 KiB the child reads. Best effort: the limit for unprivileged processes
    is /proc/sys/fs/pipe-max-size (1 MiB by default); elsewhere the pipe stays as it is."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if setsize is None:
        return
    for size in (PIPE_BYTES, 256 * 1024):
        try:
            fcntl.fcntl(fd, setsize, size)
            return
        except OSError:
            continue


class ProcessChecker:
    """Checks in a child process, so validation never holds mitmproxy's GIL.

    ``submit`` appends to a deque; every ``FLUSH_DELAY`` what has piled up is pickled and
    written to a non-blocking pipe as one batch (``add_writer`` waits when the pipe is
    full). No thread of this process wakes up per flow, and the child, running at a lower
    priority, is woken once per batch rather than once per flow (a woken process can
    preempt mitmproxy on its core). Bounded by items and by bytes in flight. Outside an
    event loop (tests) batches are written at once.
    """

    def __init__(self, config: CheckConfig, emit: Emit) -> None:
        mp = multiprocessing.get_context("spawn")
        self._emit = emit
        self._pending: collections.deque[tuple[Any, ...]] = collections.deque()
        self._out = b""  # framed batch not yet written
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False
        self._submitted = 0  # bytes handed over (event loop thread only)
        self._done = mp.RawValue("q", 0)  # bytes checked (child only)
        self._events: dict[str, threading.Event] = {}
        self._summary: str | None = None
        self._closed = False
        self._alive = True  # cleared by the reader thread when the child is gone
        child_in, self._send = mp.Pipe(duplex=False)
        self._recv, child_out = mp.Pipe(duplex=False)
        self._proc = mp.Process(target=serve, name="sinch-check", daemon=True,
                                args=(config, child_in, child_out, self._done))
        self._proc.start()
        child_in.close()
        child_out.close()
        self._fd = self._send.fileno()
        os.set_blocking(self._fd, False)
        _widen_pipe(self._fd)
        self._reader = threading.Thread(target=self._read, name="sinch-check-results",
                                        daemon=True)
        self._reader.start()

    # ---------------------------------------------------------------- sending
    def _put(self, message: tuple[Any, ...]) -> None:
        self._pending.append(message)
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._flush(blocking=True)
            return
        self._scheduled = True
        loop.call_later(FLUSH_DELAY, self._flush)

    def _next_batch(self) -> bool:
        if self._out or not self._pending:
            return bool(self._out)
        batch = list(self._pending)
        self._pending.clear()
        data = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        self._out = struct.pack("!i", len(data)) + data  # multiprocessing's framing
        return True

    def _flush(self, blocking: bool = False) -> None:
        self._scheduled = False
        while self._next_batch():
            try:
                written = os.write(self._fd, self._out)
            except BlockingIOError:
                if blocking:
                    select.select([], [self._fd], [], 1.0)
                    continue
                self._wait_writable()
                return
            except OSError:  # the child is gone
                self._pending.clear()
                self._out = b""
                return
            self._out = self._out[written:]
        self._stop_waiting()

    def _wait_writable(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop.add_writer(self._fd, self._flush)

    def _stop_waiting(self) -> None:
        if self._loop is not None:
            self._loop.remove_writer(self._fd)
            self._loop = None

    # ---------------------------------------------------------------- results
    def _read(self) -> None:
        while True:
            try:
                message = self._recv.recv()
            except (EOFError, OSError):
                self._gone()
                return
            self._dispatch(message)
            if message[0] == "summary":
                return

    def _dispatch(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "line":
            self._emit(message[1])
        elif kind == "log":
            log.log(message[1], "%s", message[2])
        elif kind == "ack":
            self._events.pop(message[1], threading.Event()).set()
        elif kind == "summary":
            self._summary = message[1]
            self._release()

    def _gone(self) -> None:
        self._alive = False
        if not self._closed:
            log.warning("sinch-conformance: the checker process ended (exit code %s); flows "
                        "pass unchecked from now on", self._proc.exitcode)
        self._release()

    def _release(self) -> None:
        for event in list(self._events.values()):
            event.set()

    # ---------------------------------------------------------------- interface
    def submit(self, item: Item) -> bool:
        if self._closed or not self._alive:
            return False
        size = _size(item)
        in_flight = self._submitted - self._done.value
        if len(self._pending) >= MAX_ITEMS or in_flight + size > MAX_BYTES:
            return False
        self._submitted += size
        self._put(("flow", item, size))
        return True

    def join(self, timeout: float = 30.0) -> None:
        token = uuid.uuid4().hex
        event = self._events[token] = threading.Event()
        self._pending.append(("barrier", token))
        self._stop_waiting()
        self._flush(blocking=True)
        event.wait(timeout)

    def close(self, unchecked: int = 0, dropped: int = 0, timeout: float = 60.0) -> str:
        if not self._closed:
            self._closed = True
            if self._alive:
                self._pending.append(("close", unchecked, dropped))
                self._stop_waiting()
                self._flush(blocking=True)
            self._reader.join(timeout)
            self._proc.join(5.0)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(5.0)
            self._send.close()
            self._recv.close()
        if self._summary is None:
            log.warning("sinch-conformance: the checker process ended before every flow "
                        "was checked (exit code %s)", self._proc.exitcode)
            return "sinch-conformance: no summary (the checker process did not finish)"
        return self._summary


def make_checker(where: str, config: CheckConfig, emit: Emit) -> ThreadChecker | ProcessChecker:
    """The checker asked for; a thread when a child process cannot be started here."""
    if where == "process":
        try:
            return ProcessChecker(config, emit)
        except (OSError, RuntimeError) as exc:
            log.warning("sinch-conformance: cannot start the checker process (%s); checking "
                        "in a thread instead", exc)
    return ThreadChecker(config, emit)
