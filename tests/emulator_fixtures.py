"""Helpers shared by the emulator tests: an in-process emulator, a world of resources,
a real uvicorn subprocess, and the contract check of every answer."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from spec_paths import FIXTURES, ROOT

from conformance.contract import Contract
from conformance.emulator import EmulatorConfig, create_app
from conformance.findings import Finding, Kind
from conformance.processes import stop_process
from tests.aids.inprocess import InProcessClient, InProcessResponse

PROJECT = "3f2a1c9e-6d0b-4c53-9b1e-0f6c2d7a8e41"
KEY_ID = "8e7c51a2-3b4d-4f60-a1c2-9d8e7f6a5b4c"
SECRET = "emulator-test-secret"
START_LINE = re.compile(r"on (http://\S+)\s+project_id=(\S+)\s+key_id=(\S+)")


def config(**overrides: Any) -> EmulatorConfig:
    values: dict[str, Any] = {"project_id": PROJECT, "key_id": KEY_ID, "key_secret": SECRET,
                              "seed": 7}
    values.update(overrides)
    return EmulatorConfig(**values)


def client(**overrides: Any) -> InProcessClient:
    cfg = config(**overrides)
    return InProcessClient(create_app(cfg), auth=(cfg.key_id, cfg.key_secret))


def p(path: str = "", project: str = PROJECT) -> str:
    """The URL of a project-scoped path: p('/contacts') -> /v1/projects/<id>/contacts."""
    return f"/v1/projects/{project}{path}"


def findings_of(resp: InProcessResponse, *, allow_404: bool = True) -> list[Finding]:
    """Contract findings for one in-process answer; the known 404 drift left out."""
    found = Contract.default().validate_response(resp.method, resp.url, resp.status_code,
                                                 resp.headers, resp.content, source="suite")
    return [f for f in found if not (allow_404 and resp.status_code == 404
                                     and f.kind == Kind.UNDOCUMENTED_STATUS)]


def fixture_json(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text())


SMS_APP = {"display_name": "Test app", "channel_credentials": [
    {"channel": "SMS", "static_bearer": {"claimed_identity": "plan", "token": "t0k3n"}}]}
SMS_ID = {"channel": "SMS", "identity": "+46700000009"}  # a contact needs one identity
TEXT = {"omni_template": {"template_id": "welcome", "version": "1"}}  # see README: AppMessage


@dataclass
class World:
    """A small set of related resources created through the API."""

    c: InProcessClient
    app: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)
    conversation: dict[str, Any] = field(default_factory=dict)
    message_id: str = ""
    webhook: dict[str, Any] = field(default_factory=dict)


def ok(resp: InProcessResponse) -> Any:
    assert resp.status_code == 200, (resp.status_code, resp.content[:500])
    return resp.json()


def make_world(c: InProcessClient, project: str = PROJECT) -> World:
    w = World(c)
    w.app = ok(c.post(p("/apps", project), json=SMS_APP))
    w.contact = ok(c.post(p("/contacts", project), json={
        "channel_identities": [{"channel": "SMS", "identity": "+46700000001"}],
        "language": "EN_US", "display_name": "Ada", "channel_priority": ["SMS"]}))
    sent = ok(c.post(p("/messages:send", project), json={
        "app_id": w.app["id"], "recipient": {"contact_id": w.contact["id"]},
        "message": {"message": TEXT}, "message_metadata": "m1"}))
    w.message_id = sent["message_id"]
    listed = ok(c.get(p("/conversations", project), params={
        "contact_id": w.contact["id"], "only_active": "true"}))
    w.conversation = listed["conversations"][0]
    w.webhook = ok(c.post(p("/webhooks", project), json={
        "app_id": w.app["id"], "target": "https://example.com/hook",
        "triggers": ["MESSAGE_DELIVERY"], "target_type": "HTTP"}))
    return w


# ---------------------------------------------------------------- a real server

@dataclass
class Served:
    url: str
    project_id: str
    key_id: str
    key_secret: str | None
    line: str
    pid: int


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()  # type: ignore
                                                        ), daemon=True)
    reader.start()
    reader.join(timeout)
    if not box or not box[0]:
        raise RuntimeError(f"the emulator printed no start line within {timeout}s")
    return box[0].strip()


@contextmanager
def running_emulator(*args: str, timeout: float = 20.0) -> Iterator[Served]:
    """``sinch-conformance emulator --port 0 ARGS`` as a subprocess, stopped by its PID."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    proc = subprocess.Popen([sys.executable, "-m", "conformance", "emulator", "--port", "0",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, cwd=ROOT, env=env)
    try:
        line = _read_line(proc, timeout)
        m = START_LINE.search(line)
        assert m, line
        secret = re.search(r"key_secret=(\S+)", line)
        yield Served(m.group(1), m.group(2), m.group(3), secret.group(1) if secret else None,
                     line, proc.pid)
    finally:
        stop_process(proc, signal.SIGTERM, timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
