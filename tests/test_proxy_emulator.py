"""mitmdump + the add-on in front of the real emulator: clean traffic is clean, and every
fault the proxy can observe in a single flow gives exactly the finding it should.

Faults not listed in FAULT_REQUESTS need state or knowledge a proxy does not have (wrong
credentials accepted, a deleted resource still readable, pages that repeat or skip items):
the suite catches those. Skipped when the emulator cannot be started.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.findings import Finding
from conformance.findings_io import read_findings
from conformance.processes import stop_process
from conformance.proxy.launcher import Mitmdump, free_port, mitmdump_args

pytestmark = pytest.mark.slow

PROJECT, KEY_ID, KEY_SECRET = "proxy-proj", "proxy-key", "proxy-key-secret-5d1c"
APP = {"display_name": "Proxy test app", "channel_credentials": [
    {"channel": "SMS", "static_bearer": {"claimed_identity": "me", "token": "tok-77aa"}}]}


@dataclass
class Setup:
    base: str
    session: requests.Session
    findings_dir: Path
    app_id: str
    webhook_id: str
    message_id: str

    def url(self, tail: str) -> str:
        return f"{self.base}/v1/projects/{PROJECT}{tail}"

    def findings_since(self, before: set[str]) -> list[Finding]:
        return [f for f in self._all() if _key(f) not in before]

    def keys(self) -> set[str]:
        return {_key(f) for f in self._all()}

    def _all(self) -> list[Finding]:
        return read_findings(self.findings_dir) if self.findings_dir.exists() else []

    def settle(self, timeout: float = 20.0) -> None:
        """Wait until a marker flow (a 404 for an undocumented path) has been checked."""
        marker = f"/marker-{uuid.uuid4().hex[:8]}"
        self.session.get(f"{self.base}{marker}", timeout=10)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(marker in str(f.evidence.get("request", {}).get("url", ""))
                   for f in self._all()):
                return
            time.sleep(0.05)
        raise AssertionError("the proxy did not check the marker flow in time")


def _key(f: Finding) -> str:
    return f"{f.timestamp}|{f.fingerprint}|{f.evidence.get('request', {}).get('url')}"


def _start_emulator() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", "emulator", "--port", "0", "--project-id",
         PROJECT, "--key-id", KEY_ID, "--key-secret", KEY_SECRET],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        text=True, start_new_session=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if match is None:
        _stop(proc)
        pytest.skip(f"the emulator did not start (it printed {line.strip()!r})")
    return proc, match.group(0)


def _stop(proc: subprocess.Popen[Any]) -> None:
    stop_process(proc, signal.SIGTERM, timeout=15, kill_wait=5)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    tmp = tmp_path_factory.mktemp("emulator")
    emulator, upstream = _start_emulator()
    try:
        port = free_port()
        args = mitmdump_args(mode=f"reverse:{upstream}", listen_host="127.0.0.1",
                             listen_port=port, options={"sinch_findings_dir": tmp / "f"})
        with (tmp / "mitmdump.log").open("w") as log, Mitmdump(
                args, port, stdout=log, stderr=subprocess.STDOUT):
            session = requests.Session()
            session.trust_env = False
            session.auth = (KEY_ID, KEY_SECRET)
            yield _seed(f"http://127.0.0.1:{port}", session, tmp / "f")
    finally:
        _stop(emulator)


def _seed(base: str, session: requests.Session, findings: Path) -> Setup:
    def post(tail: str, body: dict[str, Any]) -> dict[str, Any]:
        response = session.post(f"{base}/v1/projects/{PROJECT}{tail}", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return dict(response.json())

    app_id = str(post("/apps", APP)["id"])
    webhook = post("/webhooks", {"app_id": app_id, "target": "https://example.com/hook",
                                 "target_type": "HTTP", "triggers": ["MESSAGE_INBOUND"]})
    sent = post("/messages:send", {
        "app_id": app_id, "message": {"explicit_channel_message": {"SMS": {"text": "hi"}}},
        "recipient": {"identified_by": {"channel_identities": [
            {"channel": "SMS", "identity": "+46701234567"}]}}})
    return Setup(base, session, findings, app_id, str(webhook["id"]),
                 str(sent["message_id"]))


def test_conforming_emulator_traffic_gives_no_finding(setup: Setup) -> None:
    for tail in (f"/apps/{setup.app_id}", "/apps", f"/webhooks/{setup.webhook_id}",
                 f"/messages/{setup.message_id}", "/messages?page_size=5"):
        assert setup.session.get(setup.url(tail), timeout=30).status_code == 200
    setup.settle()
    kinds = {str(f.kind) for f in setup.findings_since(set())}
    assert kinds == {"operation_undocumented"}  # only the settle markers


# fault -> (method, path tail with {app}/{webhook}/{message}, body, auth?, expected kinds)
FAULT_REQUESTS: dict[str, tuple[str, str, Any, bool, set[str]]] = {
    "missing-required-field": ("GET", "/webhooks/{webhook}", None, True,
                               {"response_body_schema"}),
    "wrong-type": ("GET", "/webhooks/{webhook}", None, True, {"response_body_schema"}),
    "null-value": ("GET", "/webhooks/{webhook}", None, True, {"response_body_schema"}),
    "enum-outside-spec": ("GET", "/webhooks/{webhook}", None, True,
                          {"undocumented_enum_value"}),
    "undocumented-field": ("GET", "/apps/{app}", None, True, {"undocumented_field"}),
    "bad-timestamp": ("GET", "/messages/{message}", None, True, {"response_body_schema"}),
    "undocumented-status": ("GET", "/apps/{app}", None, True,
                            {"response_status_undocumented"}),
    "wrong-content-type": ("GET", "/apps/{app}", None, True, {"response_content_type"}),
    "error-body-shape": ("GET", "/apps/{app}", None, False, {"response_body_schema"}),
    "server-error": ("POST", "/apps", {**APP, "display_name": "Café app"}, True,
                     {"server_error"}),
    "rate-limited": ("GET", "/apps/{app}", None, True, {"undocumented_status"}),
    "invalid-body-accepted": ("POST", "/apps", {"display_name": 5}, True,
                              {"request_body_schema", "negative_data_accepted"}),
}


@pytest.mark.parametrize("fault", list(FAULT_REQUESTS))
def test_each_observable_fault_gives_exactly_its_finding(setup: Setup, fault: str) -> None:
    method, tail, body, auth, expected = FAULT_REQUESTS[fault]
    tail = tail.format(app=setup.app_id, webhook=setup.webhook_id, message=setup.message_id)
    setup.settle()
    before = setup.keys()
    response = setup.session.request(
        method, setup.url(tail), json=body, timeout=30, auth=None if auth else ("", ""),
        headers={"X-Emulator-Fault": fault})
    assert response.status_code > 0
    setup.settle()
    kinds = {str(f.kind) for f in setup.findings_since(before)} - {"operation_undocumented"}
    assert kinds == expected, (response.status_code, response.text[:300])


def test_the_fault_catalogue_names_the_kinds_we_expect() -> None:
    faults = pytest.importorskip("conformance.emulator.faults")
    for name, (*_, expected) in FAULT_REQUESTS.items():
        assert faults.FAULTS[name].finding in expected, name
