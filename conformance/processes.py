"""Stopping a child process we started, by its own PID."""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any

__all__ = ["stop_process"]


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
