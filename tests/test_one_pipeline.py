"""One exchange pipeline: `replay`, `drift` and the live proxy give identical findings
(fingerprint, kind, message) on the same traffic, because all three go through
``conformance.exchange.check_exchange``.

Two recordings: Sinch's SDK fixtures turned into a HAR (drift and violations of every
kind), and the HAR that `run --record` writes of the suite's own run against the emulator.
The live proxy sees the same traffic: each recorded request is sent through
`sinch-conformance proxy` to an upstream on 127.0.0.1 that answers with the recorded
response.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance.cli import main
from conformance.findings_io import read_findings
from conformance.processes import LoggedChild
from tests.test_drift import fixtures_har

pytestmark = pytest.mark.slow

Key = tuple[str, str, str]  # fingerprint, kind, message
_HOP = {"content-length", "content-encoding", "transfer-encoding", "connection", "host",
        "keep-alive"}


def _answered(har: Path, out: Path) -> Path:
    """The recording without entries that got no response (the proxy cannot replay those)."""
    data = json.loads(har.read_text(encoding="utf-8"))
    data["log"]["entries"] = [e for e in data["log"]["entries"]
                              if int((e.get("response") or {}).get("status") or 0) > 0]
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def _body(holder: dict[str, Any], encoding_key: str) -> bytes:
    text = holder.get("text")
    if text is None:
        return b""
    if holder.get(encoding_key) == "base64" or holder.get("encoding") == "base64":
        return base64.b64decode(text)
    return str(text).encode("utf-8")


class _Upstream(ThreadingHTTPServer):
    """Answers each request with the next recorded response, in order."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__(("127.0.0.1", 0), _Replayer)
        self.responses = [e["response"] for e in entries]
        self.next = 0
        self.lock = threading.Lock()


class _Replayer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Upstream

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        with self.server.lock:
            response = self.server.responses[self.server.next]
            self.server.next += 1
        body = _body(response.get("content") or {}, "encoding")
        self.send_response(int(response["status"]), response.get("statusText") or None)
        for header in response.get("headers") or []:
            if header["name"].lower() not in _HOP:
                self.send_header(header["name"], header["value"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


def _send_through(proxy_port: int, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        request = entry["request"]
        parts = urlsplit(request["url"])
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = _body(request.get("postData") or {}, "_encoding")
        conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=30)
        try:
            conn.putrequest(request["method"], path, skip_accept_encoding=True)
            for header in request.get("headers") or []:
                if header["name"].lower() not in _HOP:
                    conn.putheader(header["name"], header["value"])
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            conn.getresponse().read()
        finally:
            conn.close()


def _live(har: Path, work: Path) -> list[Key]:
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    upstream = _Upstream(entries)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    findings = work / "live-findings"
    proxy = LoggedChild([sys.executable, "-m", "conformance", "proxy", "--target",
                         f"http://127.0.0.1:{upstream.server_address[1]}", "--listen-port",
                         "0", "--findings", str(findings)], work / "proxy.log")
    try:
        line = proxy.first_line(lambda s: "listening on http://" in s, 120)
        assert line, proxy.log_path.read_text()
        port = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        assert port, line
        _send_through(int(port.group(1)), entries)
    finally:
        assert proxy.stop(signal.SIGINT) == 0, proxy.log_path.read_text()[-3000:]
        upstream.shutdown()
        upstream.server_close()
    assert upstream.next == len(entries)
    return [(f.fingerprint, str(f.kind), f.message) for f in read_findings(findings)]


def _replay(har: Path, capsys: pytest.CaptureFixture[str]) -> list[Key]:
    code = main(["replay", str(har), "--json"])
    lines = [json.loads(x) for x in capsys.readouterr().out.split("\n") if x.strip()]
    assert code == (1 if lines else 0)
    return [(f["fingerprint"], f["kind"], f["message"]) for f in lines]


def _groups(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "fingerprint" in node and "kind" in node and "message" in node:
            yield node
        for value in node.values():
            yield from _groups(value)
    elif isinstance(node, list):
        for value in node:
            yield from _groups(value)


def _drift(har: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> set[Key]:
    main(["drift", str(har), "--out", str(out), "--format", "json"])
    capsys.readouterr()
    data = json.loads((out / "drift.json").read_text(encoding="utf-8"))
    return {(g["fingerprint"], g["kind"], g["message"]) for g in _groups(data["operations"])}


def _first_per_fingerprint(keys: list[Key]) -> set[Key]:
    seen: dict[str, Key] = {}
    for key in keys:
        seen.setdefault(key[0], key)
    return set(seen.values())


@pytest.fixture(scope="module")
def suite_har(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("suite")
    done = subprocess.run([sys.executable, "-m", "conformance", "run", "--max-examples", "1",
                           "--phases", "examples,stateful", "--seed", "5", "--progress",
                           "plain", "--out", str(work / "out"), "--record",
                           str(work / "run.har")], capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    return work / "run.har"


@pytest.mark.parametrize("source", ["sdk-fixtures", "suite-run"])
def test_replay_drift_and_the_live_proxy_agree(source: str, request: pytest.FixtureRequest,
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    if source == "sdk-fixtures":
        recorded = fixtures_har(tmp_path / "fixtures.har")
    else:
        recorded = request.getfixturevalue("suite_har")
    har = _answered(recorded, tmp_path / "answered.har")
    replayed = _replay(har, capsys)
    assert replayed, "the recording must give findings, or the comparison proves nothing"
    live = _live(har, tmp_path)
    assert sorted(live) == sorted(replayed)
    assert _drift(har, tmp_path / "drift", capsys) == _first_per_fingerprint(replayed)
    if source == "sdk-fixtures":  # the checks drift used to skip now run there too
        assert {"negative_data_accepted", "request_body_schema",
                "undocumented_field"} <= {k for _, k, _ in replayed}


def test_the_run_recording_replays_to_the_runs_response_findings(
        suite_har: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every response finding of the run is found again by replaying its recording (replay
    also judges the requests, which the suite generates invalid on purpose)."""
    run_findings = {(f.fingerprint, str(f.kind)) for f in
                    read_findings(suite_har.parent / "out" / "findings")
                    if f.location.startswith("response") and f.kind != "negative_data_accepted"}
    replayed = {(fp, kind) for fp, kind, _ in _replay(suite_har, capsys)}
    assert run_findings and run_findings <= replayed
    text = suite_har.read_text(encoding="utf-8")
    assert '"Authorization"' in text or '"authorization"' in text
    assert "Basic ***" in text or "Bearer ***" in text
