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
import re
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from conformance.processes import LoggedChild

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


def _url_from(child: LoggedChild, name: str, marker: str) -> str:
    """The loopback URL a child prints on its line with ``marker``."""
    line = child.first_line(lambda text: marker in text and _URL.search(text) is not None,
                            START_TIMEOUT)
    match = _URL.search(line) if line is not None else None
    if match is None:
        raise StackError(f"the {name} did not print its URL within {START_TIMEOUT:.0f} s "
                         f"(exit code {child.proc.poll()}); its output is in "
                         f"{child.log_path}")
    return match.group(0)


@dataclass
class Stack:
    """Emulator + validating proxy; ``with Stack(workdir) as stack:`` starts and stops both."""

    workdir: Path
    creds: Credentials = field(default_factory=Credentials)
    python: str = sys.executable
    emulator_url: str = ""
    proxy_url: str = ""
    proxy_exit: int | None = None
    _children: list[tuple[str, LoggedChild]] = field(default_factory=list)

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
        emulator = LoggedChild([
            self.python, "-m", "conformance", "emulator", "--host", "127.0.0.1", "--port",
            "0", "--project-id", c.project_id, "--key-id", c.key_id, "--key-secret",
            c.key_secret], self.workdir / "emulator.log", env=self._env())
        self._children.append(("emulator", emulator))
        self.emulator_url = _url_from(emulator, "emulator", "emulator on")
        proxy = LoggedChild([
            self.python, "-m", "conformance", "proxy", "--target", self.emulator_url,
            "--listen-host", "127.0.0.1", "--listen-port", "0", "--record",
            str(self.har_path), "--findings", str(self.findings_dir)],
            self.proxy_log, env=self._env())
        self._children.append(("proxy", proxy))
        self.proxy_url = _url_from(proxy, "proxy", "listening on")
        return self

    def stop(self) -> None:
        """Proxy first (SIGINT: it flushes findings, the HAR and its summary), then the
        emulator; each by its own PID."""
        for name, child in reversed(self._children):
            code = child.stop(signal.SIGINT, STOP_TIMEOUT, kill_wait=5)
            if name == "proxy":
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
