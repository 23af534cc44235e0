"""`sinch-conformance replay`: HAR and flow files, exit codes, --json output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mitmproxy import http, io
from mitmproxy.addons.savehar import SaveHar
from mitmproxy.test import tflow

from conformance.cli import main
from conformance.contract import Contract
from conformance.exchange.checks import CheckContext, check_exchange
from conformance.exchange.flows import capture_flow
from conformance.exchange.har import HarWriter
from conformance.exchange.model import Exchange, to_exchange
from conformance.findings import Finding
from tests.aids.fakeapi import app_body

URL = "https://us.conversation.api.sinch.com/v1/projects/p1/apps"
JSON = (("Content-Type", "application/json"),)


def good() -> Exchange:
    return Exchange("GET", f"{URL}/a", (), status=200, response_headers=JSON,
                    response_body=json.dumps(app_body("a")).encode())


def bad() -> Exchange:
    return Exchange("GET", f"{URL}/a?colour=1", (), status=200, response_headers=JSON,
                    response_body=json.dumps(app_body("a", display_name=3)).encode())


def record(path: Path, *exchanges: Exchange) -> Path:
    writer = HarWriter(path)
    for ex in exchanges:
        writer.add(ex)
    writer.close()
    return path


def replay_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[
        int, list[Finding]]:
    code = main(["replay", str(path), "--json", *extra])
    out = capsys.readouterr().out
    return code, [Finding.from_json(line) for line in out.splitlines()]


def test_clean_recording_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", str(record(tmp_path / "r.har", good(), good()))])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 flows checked, 0 with violations" in out


def test_findings_exit_1_and_json_is_one_finding_per_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, findings = replay_json(record(tmp_path / "r.har", good(), bad()), capsys)
    assert code == 1
    assert {str(f.kind) for f in findings} == {"response_body_schema",
                                               "undocumented_query_param"}
    assert {f.source for f in findings} == {"replay"}


def test_drift_alone_also_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drift = Exchange("GET", f"{URL}/a", (), status=200, response_headers=JSON,
                     response_body=json.dumps(app_body("a", colour="x")).encode())
    code, findings = replay_json(record(tmp_path / "r.har", drift), capsys)
    assert code == 1 and [str(f.kind) for f in findings] == ["undocumented_field"]


def test_text_output_lists_violations_and_the_summary(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(record(tmp_path / "r.har", bad()))]) == 1
    out = capsys.readouterr().out
    assert out.startswith("VIOLATION GET /v1/projects/p1/apps/a?colour=1 -> 200 App_GetApp:")
    assert "response_body_schema" in out.splitlines()[-2] or "response_body_schema" in out


@pytest.mark.parametrize("content", [None, "not json at all", '{"no": "log"}', "\x00\x01"])
def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 content: str | None) -> None:
    path = tmp_path / "r.har"
    if content is not None:
        path.write_text(content)
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "tip: " in err


def test_hosts_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = Exchange("GET", "https://example.org/v1/projects/p1/apps/a", (), status=200,
                     response_headers=JSON, response_body=b"[]")
    path = record(tmp_path / "r.har", other, good())
    code, findings = replay_json(path, capsys, "--hosts", "*.conversation.api.sinch.com")
    assert code == 0 and findings == []
    code, findings = replay_json(path, capsys)
    assert code == 1 and findings


def _flows() -> list[http.HTTPFlow]:
    out = []
    for body, query in ((app_body("a"), ""), (app_body("a", display_name=3), "?colour=1")):
        req = http.Request.make("GET", f"{URL}/a{query}")
        resp = http.Response.make(200, json.dumps(body), {"Content-Type": "application/json"})
        out.append(tflow.tflow(req=req, resp=resp))
    return out


def _direct(flows: list[http.HTTPFlow]) -> set[str]:
    ctx = CheckContext(Contract.default(), "proxy")
    return {f.fingerprint for flow in flows
            for f in check_exchange(ctx, to_exchange(capture_flow(flow), 1 << 20))}


def test_mitmproxy_flow_files_are_read(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    flows = _flows()
    path = tmp_path / "flows.mitm"
    with path.open("wb") as fh:
        writer = io.FlowWriter(fh)
        for flow in flows:
            writer.add(flow)
    code, findings = replay_json(path, capsys)
    assert code == 1
    assert {f.fingerprint for f in findings} == _direct(flows)


def test_other_tools_har_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows = _flows()
    path = tmp_path / "mitm.har"
    path.write_text(json.dumps(SaveHar().make_har(flows)))
    code, findings = replay_json(path, capsys)
    assert code == 1
    assert {f.fingerprint for f in findings} == _direct(flows)


def test_runs_as_a_console_command(tmp_path: Path) -> None:
    path = record(tmp_path / "r.har", bad())
    proc = subprocess.run([sys.executable, "-m", "conformance", "replay", str(path), "--json"],
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    assert all(json.loads(line)["source"] == "replay" for line in proc.stdout.splitlines())
