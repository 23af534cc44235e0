"""A real mitmproxy with the add-on in front of a canned loopback API (no emulator needed):
every test runs against mitmdump (``mitmdump -s``) and against the lean master that
``sinch-conformance proxy`` runs.

Every process is started on free loopback ports and stopped by its own PID. Findings are
written by the add-on's background thread in flow order, so each check ends with a
*barrier* request whose finding is known: once it is in the file, so is everything sent
before it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.exchange.har import read_har
from conformance.findings import Finding
from conformance.findings_io import read_findings
from conformance.proxy.launcher import COMMANDS, Mitmdump, free_port
from tests.aids.fakeapi import VARIANTS, FakeSinch

pytestmark = pytest.mark.slow

# Put on PYTHONPATH as sitecustomize.py, so it runs in mitmdump and in its checker
# process: makes the validator crash for project "crash-*".
CRASHER = '''
from conformance.contract import Contract
_original = Contract.validate_response
def _crashing(self, method, url, *args, **kwargs):
    if "/projects/crash-" in url:
        raise RuntimeError("planted validator bug")
    return _original(self, method, url, *args, **kwargs)
Contract.validate_response = _crashing
'''
SECRETS = {"auth": "hdr-secret-7c1d", "query": "qs-secret-52ab", "body": "body-secret-9e0f",
           "cookie": "cookie-secret-31aa", "response": "resp-secret-4f9a"}


class Live:
    """A running proxy and its upstream, with helpers to send and to read findings."""

    def __init__(self, upstream: FakeSinch, proxy: Mitmdump, findings: Path, har: Path,
                 log: Path) -> None:
        self.upstream, self.proxy, self.findings_dir, self.har, self.log = (
            upstream, proxy, findings, har, log)
        self.base = f"http://127.0.0.1:{proxy.port}"
        self.session = requests.Session()
        self.session.trust_env = False

    def url(self, project: str, tail: str = "") -> str:
        return f"{self.base}/v1/projects/{project}/apps{tail}"

    def barrier(self, timeout: float = 20.0) -> None:
        project = f"barrier-{uuid.uuid4().hex[:8]}"
        self.session.get(self.url(project, "/bad-type"), timeout=10)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(project in _url(f) for f in self.all_findings()):
                return
            time.sleep(0.05)
        raise AssertionError("the proxy did not check the barrier flow in time")

    def all_findings(self) -> list[Finding]:
        return read_findings(self.findings_dir) if self.findings_dir.exists() else []

    def findings(self, project: str) -> list[Finding]:
        self.barrier()
        return [f for f in self.all_findings() if f"/projects/{project}/" in _url(f)
                or _url(f).endswith(f"/projects/{project}/apps")
                or f"/projects/{project}/apps?" in _url(f)]


def _url(finding: Finding) -> str:
    return str(finding.evidence.get("request", {}).get("url", ""))


def _project() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


def start_proxy(tmp: Path, upstream: FakeSinch, runner: str, *, mode: str | None = None,
                options: dict[str, object] | None = None) -> tuple[Mitmdump, Path]:
    inject = tmp / "inject"
    inject.mkdir(exist_ok=True)
    (inject / "sitecustomize.py").write_text(CRASHER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(inject), *filter(None, [os.environ.get("PYTHONPATH")])])}
    port = free_port()
    log = tmp / "mitmdump.log"
    args = COMMANDS[runner](
        mode=mode or f"reverse:{upstream.url}", listen_host="127.0.0.1", listen_port=port,
        options={"sinch_findings_dir": tmp / "findings", "sinch_record": tmp / "rec.har",
                 **(options or {})})
    fh = log.open("w")
    proxy = Mitmdump(args, port, stdout=fh, stderr=subprocess.STDOUT, env=env)
    proxy.start()
    return proxy, log


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeSinch]:
    with FakeSinch() as api:
        yield api


@pytest.fixture(scope="module", params=sorted(COMMANDS))
def runner(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def live(upstream: FakeSinch, runner: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp(f"live-{runner}")
    proxy, log = start_proxy(tmp, upstream, runner)
    try:
        yield Live(upstream, proxy, tmp / "findings", tmp / "rec.har", log)
    finally:
        proxy.stop()


def test_conforming_traffic_gives_no_finding(live: Live) -> None:
    project = _project()
    valid = {"display_name": "My app", "channel_credentials": [
        {"channel": "SMS", "static_bearer": {"claimed_identity": "me", "token": "t"}}]}
    responses = [
        live.session.get(live.url(project)),
        live.session.get(live.url(project, "/ok")),
        live.session.get(live.url(project, "/chunked")),
        live.session.post(live.url(project), json=valid),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert live.findings(project) == []


VIOLATIONS = {
    "bad-type": {"response_body_schema"},
    "extra-field": {"undocumented_field"},
    "bad-enum": {"undocumented_enum_value"},
    "status-418": {"undocumented_status"},
    "server-error": {"response_status_undocumented", "server_error"},
    "html": {"response_content_type"},
    "truncated": {"response_body_schema"},
    "gzip": {"undocumented_field"},
    "br": {"undocumented_field"},
    "bomb": {"body_skipped"},
    "big": {"body_skipped"},
    "chunked-big": {"body_skipped"},
}


@pytest.mark.parametrize("variant", list(VIOLATIONS))
def test_each_upstream_violation_gives_exactly_its_finding(live: Live, variant: str) -> None:
    project = _project()
    response = live.session.get(live.url(project, f"/{variant}"), stream=True)
    raw = response.raw.read(decode_content=False)
    if variant in VARIANTS:
        assert raw == VARIANTS[variant][2]  # the client got the upstream's exact bytes
    assert {str(f.kind) for f in live.findings(project)} == VIOLATIONS[variant]


BAD_REQUESTS: dict[str, tuple[str, str, dict[str, Any], set[str]]] = {
    "body schema": ("POST", "", {"json": {"display_name": 5, "channel_credentials": []}},
                    {"request_body_schema", "negative_data_accepted"}),
    "missing required": ("POST", "", {"json": {"display_name": "x"}},
                         {"request_body_schema", "negative_data_accepted"}),
    "content type": ("POST", "", {"data": b"display_name=x",
                                  "headers": {"Content-Type": "text/plain"}},
                     {"request_content_type", "negative_data_accepted"}),
    "undocumented field": ("PATCH", "/ok", {"json": {"colour": "x", "display_name": "y"}},
                           {"undocumented_field"}),
    "undocumented query": ("GET", "/ok?colour=blue", {}, {"undocumented_query_param"}),
    "undocumented method": ("PUT", "/ok", {"json": {}}, {"operation_undocumented"}),
}


@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_each_bad_request_gives_exactly_its_finding(live: Live, name: str) -> None:
    method, tail, kwargs, expected = BAD_REQUESTS[name]
    project = _project()
    live.session.request(method, live.url(project, tail), **kwargs)
    kinds = {str(f.kind) for f in live.findings(project)}
    assert kinds == expected


def test_bodies_and_headers_arrive_byte_identical(live: Live) -> None:
    project = _project()
    body = b'{ "display_name" : "caf\xc3\xa9  \\u00e9",\n"channel_credentials":[]  }'
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Odd-Header": "a\tb  c",
               "Accept-Encoding": "identity", "Authorization": "Basic a2V5OnNlY3JldA=="}
    response = live.session.post(live.url(project), data=body, headers=headers, stream=True)
    raw = response.raw.read(decode_content=False)
    received = live.upstream.last
    assert received.body == body
    sent = list(response.request.headers.items())
    assert [h for h in received.headers if h[0] != "Host"] == sent  # reverse mode sets Host
    assert json.loads(raw)["display_name"] == "Conformance demo app"
    gz = live.session.get(live.url(project, "/gzip"), stream=True)
    assert gz.raw.read(decode_content=False) == VARIANTS["gzip"][2]
    assert gz.headers["Content-Encoding"] == "gzip"


def test_a_planted_secret_appears_in_no_finding_har_or_log(live: Live) -> None:
    project = _project()
    live.session.post(
        live.url(project, f"?access_token={SECRETS['query']}"),
        json={"display_name": 1, "channel_credentials": [
            {"channel": "SMS", "callback_secret": SECRETS["body"],
             "static_bearer": {"claimed_identity": "me", "token": 31337313}}]},
        headers={"Authorization": f"Bearer {SECRETS['auth']}",
                 "Cookie": f"session={SECRETS['cookie']}"})
    live.session.get(live.url(project, "/leaky"),
                     headers={"Authorization": f"Bearer {SECRETS['auth']}"})
    findings = live.findings(project)
    assert {str(f.kind) for f in findings} >= {"request_body_schema", "response_body_schema"}
    har_text = live.har.read_text()
    assert project in har_text
    texts = {"findings": "\n".join(f.to_json() for f in live.all_findings()),
             "har": har_text, "log": live.log.read_text()}
    for where, text in texts.items():
        for secret in (*SECRETS.values(), "31337313", "12345678"):
            assert secret not in text, f"{secret} leaked into the {where}"


def test_the_add_on_survives_a_crash_in_its_own_validation(live: Live) -> None:
    project = f"crash-{uuid.uuid4().hex[:8]}"
    response = live.session.get(live.url(project, "/bad-type"), stream=True)
    assert response.status_code == 200
    assert response.raw.read(decode_content=False) == VARIANTS["bad-type"][2]
    findings = live.findings(project)
    assert [str(f.kind) for f in findings] == ["validation_error"]
    assert "planted validator bug" in findings[0].message
    again = live.session.get(live.url(_project(), "/ok"))  # still proxying and checking
    assert again.status_code == 200


def test_live_and_replay_agree(upstream: FakeSinch, runner: str, tmp_path: Path) -> None:
    proxy, _ = start_proxy(tmp_path, upstream, runner)
    try:
        session = requests.Session()
        session.trust_env = False
        base = f"http://127.0.0.1:{proxy.port}/v1/projects/agree/apps"
        for variant in [*VIOLATIONS, "ok", "leaky"]:
            session.get(f"{base}/{variant}?t=1")
        session.post(base, json={"display_name": 2, "channel_credentials": []},
                     headers={"Authorization": "Bearer x-secret-1234"})
        session.post(base, data=b"token=abcd", headers={"Content-Type": "text/plain"})
    finally:
        assert proxy.stop() == 0
    live_prints = {f.fingerprint for f in read_findings(tmp_path / "findings")}
    assert read_har(tmp_path / "rec.har", 1 << 20).recovered is False
    proc = subprocess.run(
        [*_python(), "-m", "conformance", "replay", str(tmp_path / "rec.har"), "--json"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    replayed = {json.loads(line)["fingerprint"] for line in proc.stdout.splitlines()}
    assert live_prints and replayed == live_prints


def _python() -> list[str]:
    import sys

    return [sys.executable]


def test_regular_proxy_mode_checks_only_the_sinch_hosts(upstream: FakeSinch, runner: str,
                                                        tmp_path: Path) -> None:
    upstream_port = upstream.url.rsplit(":", 1)[1]
    proxy, _ = start_proxy(tmp_path, upstream, runner, mode="regular",
                           options={"sinch_hosts": f"127.0.0.1:{upstream_port}"})
    try:
        with FakeSinch() as other:
            session = requests.Session()
            session.trust_env = False
            proxies = {"http": f"http://127.0.0.1:{proxy.port}"}
            checked = session.get(f"{upstream.url}/v1/projects/reg/apps/bad-type",
                                  proxies=proxies)
            passed = session.get(f"{other.url}/v1/projects/reg/apps/bad-type",
                                 proxies=proxies, stream=True)
            assert passed.raw.read(decode_content=False) == VARIANTS["bad-type"][2]
            assert checked.status_code == passed.status_code == 200
            assert other.count == 1
    finally:
        proxy.stop()
    findings = read_findings(tmp_path / "findings")
    assert [(str(f.kind), f.target) for f in findings] == [("response_body_schema",
                                                            upstream.url)]


def test_enforce_mode_answers_invalid_requests_itself(upstream: FakeSinch, runner: str,
                                                      tmp_path: Path) -> None:
    proxy, _ = start_proxy(tmp_path, upstream, runner, options={"sinch_enforce": True})
    try:
        session = requests.Session()
        session.trust_env = False
        base = f"http://127.0.0.1:{proxy.port}/v1/projects/enf/apps"
        before = upstream.count
        rejected = session.post(base, json={"display_name": 5})
        assert upstream.count == before  # never forwarded
        assert rejected.status_code == 400
        assert rejected.headers["X-Sinch-Conformance"] == "enforced"
        assert rejected.json()["status"] == "INVALID_ARGUMENT"
        accepted = session.post(base, json={"display_name": "x", "channel_credentials": []})
        assert accepted.status_code == 200 and upstream.count == before + 1
    finally:
        proxy.stop()
    findings = read_findings(tmp_path / "findings")
    assert {str(f.kind) for f in findings} == {"request_body_schema"}  # type and required
