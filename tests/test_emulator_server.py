"""The emulator over real HTTP: `sinch-conformance emulator --port 0` as a subprocess on
127.0.0.1, driven with requests, stopped by its PID."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests
from emulator_fixtures import ROOT, SMS_ID, Served, running_emulator

from conformance.contract import Contract
from conformance.emulator import CATALOGUE
from conformance.findings import Kind
from tests.aids.workload import Workload


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with running_emulator() as s:
        yield s


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", "emulator", *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          stdin=subprocess.DEVNULL)


def test_start_line_names_url_project_key_and_generated_secret(served: Served) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served.url)
    assert int(served.url.rsplit(":", 1)[1]) > 0
    assert served.key_secret and served.line.count("\n") == 0
    assert f"token_url={served.url}/oauth2/token" in served.line


def test_basic_and_oauth2_over_http(served: Served) -> None:
    base = f"{served.url}/v1/projects/{served.project_id}"
    basic = (served.key_id, served.key_secret or "")
    assert requests.get(f"{base}/apps", timeout=5).status_code == 401
    assert requests.get(f"{base}/apps", auth=basic, timeout=5).json() == {"apps": []}
    token = requests.post(f"{served.url}/oauth2/token", auth=basic, timeout=5,
                          data={"grant_type": "client_credentials"}).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    app = requests.post(f"{base}/apps", headers=bearer, timeout=5, json={
        "display_name": "http", "channel_credentials": []}).json()
    sent = requests.post(f"{base}/messages:send", headers=bearer, timeout=5, json={
        "app_id": app["id"], "message": {"message": {"omni_template": {
            "template_id": "t", "version": "1"}}},
        "recipient": {"identified_by": {"channel_identities": [
            {"channel": "SMS", "identity": "+4670"}]}}})
    assert sent.status_code == 200 and sent.headers["content-type"] == "application/json"
    got = requests.get(f"{base}/messages/{sent.json()['message_id']}", headers=bearer,
                       timeout=5)
    assert got.json()["channel_identity"]["identity"] == "+4670"


def test_workload_over_http_keeps_the_contract(served: Served) -> None:
    contract = Contract.default()
    work = Workload(served.project_id, seed=99)
    with requests.Session() as session:
        session.auth = (served.key_id, served.key_secret or "")
        for i in range(150):
            step = work.step(work.operations[i % 33] if i < 33 else None)
            resp = session.request(step.method, served.url + step.path, json=step.body,
                                   timeout=5)
            found = contract.validate_response(step.method, step.path, resp.status_code,
                                               dict(resp.headers), resp.content,
                                               source="suite")
            drift_404 = resp.status_code == 404 and all(
                f.kind == Kind.UNDOCUMENTED_STATUS for f in found)
            assert resp.status_code in (200, 400, 404) and (not found or drift_404), (
                step, resp.status_code, resp.content, found)
            work.observe(step, resp.status_code, resp.json())


def test_fault_header_over_http(served: Served) -> None:
    url = f"{served.url}/v1/projects/{served.project_id}/apps"
    auth = (served.key_id, served.key_secret or "")
    resp = requests.get(url, auth=auth, headers={"X-Emulator-Fault": "wrong-content-type"},
                        timeout=5)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    assert requests.get(url, auth=auth, timeout=5).headers["content-type"] == \
        "application/json"


def test_fault_flag_and_given_credentials_are_not_echoed() -> None:
    args = ("--project-id", "p-1", "--key-id", "k-1", "--key-secret", "s3cret",
            "--fault", "wrong-type,undocumented-status")
    with running_emulator(*args) as s:
        assert "s3cret" not in s.line and s.key_secret is None
        assert "faults=undocumented-status,wrong-type" in s.line
        resp = requests.post(f"{s.url}/v1/projects/p-1/contacts", auth=("k-1", "s3cret"),
                             json={"channel_identities": [SMS_ID], "language": "EN"}, timeout=5)
        assert resp.status_code == 202 and resp.json()["id"] == 12345


def test_list_faults_prints_one_line_per_fault() -> None:
    proc = cli("--list-faults")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == [f.name for f in CATALOGUE]
    assert all(f.finding in line for f, line in zip(CATALOGUE, lines, strict=True))


def test_unknown_fault_is_a_user_error() -> None:
    proc = cli("--fault", "no-such-fault")
    assert proc.returncode == 2
    assert "error: unknown emulator fault(s): no-such-fault" in proc.stderr
    assert "--list-faults" in proc.stderr and "Traceback" not in proc.stderr


def test_busy_port_is_a_user_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = cli("--port", str(port))
    assert proc.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.dumps(port)
