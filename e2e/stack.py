"""The emulator behind the validating proxy, as two child processes on loopback.

``Stack`` starts ``python -m conformance emulator --port 0`` and ``python -m conformance
proxy --target <emulator> --listen-port 0 --record <har> --findings <dir>`` (the same
commands a user runs), reads the URL each prints, and on ``stop()`` ends the proxy with
SIGINT by its PID (it forwards the signal to mitmdump, which drains its checker, writes
the HAR file and prints its summary) and then the emulator. Every wait is bounded.

An SDK driver is then pointed at ``stack.proxy_url`` for both the OAuth2 token request and
the Conversation API, so every exchange passes through the add-on.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from conformance.processes import stop_process

__all__ = ["Credentials", "Stack", "StackError"]

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
_URL = re.compile(r"http://127\.0\.0\.1:\d+")


class StackError(RuntimeError):
    """A child process did not start or stop as expected; the message says which."""


@dataclass(frozen=True)
class Credentials:
    """Fixed test credentials (never real ones): the names the Sinch SDKs use."""

    project_id: str = "sdk-e2e-project"
    key_id: str = "sdk-e2e-key-id"
    key_secret: str = "sdk-e2e-key-secret"


class _Child:
    """A child process whose output lines are collected by a thread (no blocking reads)."""

    def __init__(self, name: str, args: list[str], log_path: Path, env: dict[str, str]):
        self.name = name
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.log_path = log_path
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True, env=env,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.log_path.open("w", encoding="utf-8") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                self.output.append(line)
                self.lines.put(line)

    def wait_for_url(self, marker: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            match = _URL.search(line)
            if marker in line and match:
                return match.group(0)
        raise StackError(f"the {self.name} did not print its URL within {timeout:.0f} s "
                         f"(exit code {self.proc.poll()}); its output is in {self.log_path}")

    def stop(self, sig: int, timeout: float) -> int:
        """Send ``sig`` to this child's PID; SIGKILL it if it has not exited in time."""
        code = stop_process(self.proc, sig, timeout, kill_wait=5)
        self._reader.join(5)
        return code


@dataclass
class Stack:
    """Emulator + validating proxy; ``with Stack(workdir) as stack:`` starts and stops both."""

    workdir: Path
    creds: Credentials = field(default_factory=Credentials)
    python: str = sys.executable
    emulator_url: str = ""
    proxy_url: str = ""
    proxy_exit: int | None = None
    _children: list[_Child] = field(default_factory=list)

    @property
    def findings_dir(self) -> Path:
        return self.workdir / "findings"

    @property
    def har_path(self) -> Path:
        return self.workdir / "traffic.har"

    @property
    def proxy_log(self) -> Path:
        return self.workdir / "proxy.log"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("SINCH_PROJECT_ID", "SINCH_KEY_ID", "SINCH_KEY_SECRET"):
            env.pop(name, None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> Stack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        c = self.creds
        emulator = _Child("emulator", [
            self.python, "-m", "conformance", "emulator", "--host", "127.0.0.1", "--port",
            "0", "--project-id", c.project_id, "--key-id", c.key_id, "--key-secret",
            c.key_secret], self.workdir / "emulator.log", self._env())
        self._children.append(emulator)
        self.emulator_url = emulator.wait_for_url("emulator on", START_TIMEOUT)
        proxy = _Child("proxy", [
            self.python, "-m", "conformance", "proxy", "--target", self.emulator_url,
            "--listen-host", "127.0.0.1", "--listen-port", "0", "--record",
            str(self.har_path), "--findings", str(self.findings_dir)],
            self.proxy_log, self._env())
        self._children.append(proxy)
        self.proxy_url = proxy.wait_for_url("listening on", START_TIMEOUT)
        return self

    def stop(self) -> None:
        """Proxy first (SIGINT: it flushes findings, the HAR and its summary), then the
        emulator; each by its own PID."""
        for child in reversed(self._children):
            code = child.stop(signal.SIGINT, STOP_TIMEOUT)
            if child.name == "proxy":
                self.proxy_exit = code
        self._children.clear()

    def proxy_output(self) -> str:
        return self.proxy_log.read_text(encoding="utf-8") if self.proxy_log.exists() else ""

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
