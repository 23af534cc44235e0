"""`sinch-conformance proxy`: clear errors for user mistakes, and a real run."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conformance.cli import main
from tests.aids.fakeapi import FakeSinch


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
    with FakeSinch() as api:
        proc = subprocess.Popen(
            [sys.executable, "-m", "conformance", "proxy", "--target", api.url,
             "--listen-port", "0", "--record", str(tmp_path / "rec.har"),
             "--findings", str(tmp_path / "findings"), *engine],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            stdin=subprocess.DEVNULL)
        try:
            url = None
            assert proc.stdout is not None
            for line in proc.stdout:
                match = re.search(r"listening on (http://127\.0\.0\.1:\d+) -> ", line)
                if match:
                    url = match.group(1)
                    break
            assert url, "the command never printed its listen URL"
            session = requests.Session()
            session.trust_env = False
            response = session.get(f"{url}/v1/projects/p/apps/bad-type", timeout=10)
            assert response.status_code == 200
            os.kill(proc.pid, signal.SIGINT)
            rest, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
    assert proc.returncode == 0, rest
    assert "1 flows checked, 1 with violations" in rest
    assert "VIOLATION GET /v1/projects/p/apps/bad-type" in rest
    har = json.loads((tmp_path / "rec.har").read_text())
    assert len(har["log"]["entries"]) == 1
    assert list((tmp_path / "findings").glob("proxy-*.jsonl"))
