"""Child processes we start: stopped by their own PID, their output kept in a log file."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["LoggedChild", "stop_process"]


def stop_process(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM,
                 timeout: float = 30.0, kill_wait: float = 10.0) -> int | None:
    """Send ``sig`` to ``proc`` (if it still runs) and wait ``timeout`` seconds for it to
    end; then SIGKILL it and wait ``kill_wait`` more. Its exit code."""
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(kill_wait)
    return proc.returncode


class LoggedChild:
    """A child process in its own session (the emulator, the proxy, ...). A thread copies
    its output (stdout and stderr) to ``log_path`` and into a queue of lines, so nobody
    blocks reading it; :meth:`first_line` waits for a line such as "listening on ..."."""

    def __init__(self, args: Sequence[str], log_path: Path, *,
                 env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        self.log_path = log_path
        self._lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     text=True, env=None if env is None else dict(env),
                                     cwd=cwd, start_new_session=True)
        self._reader = threading.Thread(target=self._copy, daemon=True)
        self._reader.start()

    def _copy(self) -> None:
        assert self.proc.stdout is not None
        with self.log_path.open("w", encoding="utf-8") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                self._lines.put(line)

    def first_line(self, accept: Callable[[str], bool], timeout: float) -> str | None:
        """The first line of output that ``accept`` takes, waiting at most ``timeout``
        seconds; None when the child ended without printing one, or time ran out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    return None
                continue
            if accept(line):
                return line
        return None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0,
             kill_wait: float = 10.0) -> int | None:
        """:func:`stop_process`, then wait for the rest of the output to reach the log."""
        code = stop_process(self.proc, sig, timeout, kill_wait)
        self._reader.join(5)
        return code
