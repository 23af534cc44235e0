"""Helpers for the suite's tests (no tests here): emulators to run against, the CLI.

* :class:`RecordingEmulator`: the emulator app served in this process by uvicorn, behind a
  middleware that records every request (method, path, arrival time);
* :func:`emulator_process`: the bundled emulator as a subprocess, as the suite starts it;
* :func:`run_cli`: ``python -m conformance run ...`` with a timeout.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import uvicorn

from conformance.emulator import EmulatorConfig, create_app
from conformance.suite.emulator_runner import EmulatorProcess
from conformance.suite.options import SuiteOptions
from conformance.suite.target import Credentials, Target

ROOT = Path(__file__).resolve().parent.parent
P = "/v1/projects/{project_id}"


@dataclass
class Arrival:
    method: str
    path: str
    at: float


@dataclass
class RecordingEmulator:
    credentials: Credentials
    arrivals: list[Arrival] = field(default_factory=list)
    base_url: str = ""
    _server: Any = None
    _thread: threading.Thread | None = None

    def _app(self) -> Any:
        config = EmulatorConfig(self.credentials.project_id, self.credentials.key_id,
                                self.credentials.key_secret)
        app = create_app(config)
        arrivals = self.arrivals

        async def recording(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                arrivals.append(Arrival(scope["method"], scope["path"], time.monotonic()))
            await app(scope, receive, send)

        return recording

    def __enter__(self) -> RecordingEmulator:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(self._app(), log_level="warning",
                                                     lifespan="off", http="h11"))
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[sock])), daemon=True)
        self._thread.start()
        for _ in range(100):
            if self._server.started:
                break
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def target(self, auth: str = "basic") -> Target:
        c = self.credentials
        return Target(self.base_url, Credentials(c.project_id, c.key_id, c.key_secret, auth,
                                                 self.base_url + "/oauth2/token"))


def credentials(secret: str = "suite-test-secret-0001", auth: str = "basic") -> Credentials:
    return Credentials("5d3c1b2a-0f4e-4a7b-9c8d-1e2f3a4b5c6d",
                       "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", secret, auth, "")


@contextmanager
def emulator_process(creds: Credentials | None = None, faults: Sequence[str] = (),
                     token_ttl: int = 3) -> Iterator[Target]:
    proc = EmulatorProcess(creds or credentials(), tuple(faults), token_ttl)
    try:
        yield proc.start()
    finally:
        proc.stop()


def options(target: Target, out: Path, **overrides: Any) -> SuiteOptions:
    values: dict[str, Any] = {"target": target, "out": out, "max_examples": 1, "seed": 5,
                              "rate_limit": None, "retries": 1, "shrink": False,
                              "phases": ("examples", "stateful")}
    values.update(overrides)
    return SuiteOptions(**values)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 240
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", "run", *args],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL, cwd=ROOT)


def api_lists(target: Target) -> dict[str, list[Any]]:
    """What the target holds: apps, contacts, conversations, webhooks (of every app)."""
    c = target.credentials
    s = requests.Session()
    s.auth = (c.key_id, c.key_secret)
    base = target.url(P)
    apps = s.get(f"{base}/apps", timeout=10).json().get("apps", [])
    out = {"apps": apps,
           "contacts": s.get(f"{base}/contacts", timeout=10).json().get("contacts", []),
           "conversations": s.get(f"{base}/conversations", params={"only_active": "false"},
                                  timeout=10).json().get("conversations", []),
           "webhooks": []}
    for app in apps:
        out["webhooks"] += s.get(f"{base}/apps/{app['id']}/webhooks", timeout=10
                                 ).json().get("webhooks", [])
    return out
