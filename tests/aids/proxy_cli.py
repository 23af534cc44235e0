"""`sinch-conformance proxy` as a child process for tests: started on a free port in front of
``target``, recording to ``<dir>/rec.har`` and ``<dir>/findings``; :attr:`url` is the listen
URL it printed. ``stop()`` sends SIGINT and returns what it printed; on the way out a proxy
still running is killed by its PID."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ProxyCommand", "proxy_command"]


class ProxyCommand:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.url = ""
        assert proc.stdout is not None
        for line in proc.stdout:
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+) -> ", line)
            if match:
                self.url = match.group(1)
                break
        assert self.url, "the command never printed its listen URL"

    def stop(self) -> str:
        """SIGINT, then everything it printed after its listen line."""
        os.kill(self.proc.pid, signal.SIGINT)
        rest, _ = self.proc.communicate(timeout=60)
        return rest


@contextmanager
def proxy_command(target: str, out: Path, *args: str) -> Iterator[ProxyCommand]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", "proxy", "--target", target,
         "--listen-port", "0", "--record", str(out / "rec.har"),
         "--findings", str(out / "findings"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        stdin=subprocess.DEVNULL)
    try:
        yield ProxyCommand(proc)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
