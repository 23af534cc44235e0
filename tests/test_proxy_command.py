"""`sinch-conformance proxy`: clear errors for user mistakes, and a real run."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import requests

from conformance.cli import main
from tests.aids.fakeapi import FakeSinch
from tests.aids.proxy_cli import proxy_command


@pytest.mark.parametrize(("args", "needle"), [
    (["--target", "ftp://example.org"], "not an http:// or https:// URL"),
    (["--target", "us.conversation.api.sinch.com"], "not an http:// or https:// URL"),
    (["--target", "https://example.org/v1"], "has a path"),
    (["--target", "http://127.0.0.1:99999"], "invalid port"),
    (["--target", "http://127.0.0.1:1", "--max-body", "huge"], "not a size"),
    (["--target", "http://127.0.0.1:1", "--listen-port", "70000"], "not a port number"),
    (["--target", "http://127.0.0.1:1", "--base-path", "proxy"], "does not start with '/'"),
    (["--target", "http://127.0.0.1:1", "--spec", "/no/such/spec.yaml"], "does not exist"),
])
def test_user_mistakes_are_one_sentence_errors(capsys: pytest.CaptureFixture[str],
                                               args: list[str], needle: str) -> None:
    assert main(["proxy", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err
    assert "tip: " in err and "Traceback" not in err


def test_a_port_in_use_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["proxy", "--target", "http://127.0.0.1:1",
                     "--listen-port", str(port)]) == 2
    assert f"port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("engine", [[], ["--mitmdump"]], ids=["lean", "mitmdump"])
def test_runs_the_proxy_prints_the_url_and_stops_on_sigint(tmp_path: Path,
                                                           engine: list[str]) -> None:
    with FakeSinch() as api, proxy_command(api.url, tmp_path, *engine) as proxy:
        session = requests.Session()
        session.trust_env = False
        response = session.get(f"{proxy.url}/v1/projects/p/apps/bad-type", timeout=10)
        assert response.status_code == 200
        rest = proxy.stop()
    proc = proxy.proc
    assert proc.returncode == 0, rest
    assert "1 flows checked, 1 with violations" in rest
    assert "VIOLATION GET /v1/projects/p/apps/bad-type" in rest
    har = json.loads((tmp_path / "rec.har").read_text())
    assert len(har["log"]["entries"]) == 1
    assert list((tmp_path / "findings").glob("proxy-*.jsonl"))
