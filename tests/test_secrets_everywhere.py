"""One unique secret in every place a credential can be; not one byte of it in any output.

The secret ``S`` (random, letters and digits only, so no encoding hides it) is the
emulator's key secret, and the test sends it through the validating proxy (``--record``)
in: an ``Authorization: Basic`` header, a Bearer token, an OAuth2 token request's
``client_secret`` (form) and its Basic header, an app's channel credentials
(``static_bearer.token``, ``static_token.token``, ``callback_secret``), a webhook's
``secret`` and ``client_credentials.client_secret``, a query string
(``?access_token=S``), a cookie; the emulator echoes several back in its answers. The
OAuth2 token the emulator issues for S is searched for too. Then ``sinch-conformance run``
(key secret S, OAuth2 and Basic), ``replay``, ``report`` (``--html`` when the pinned Allure
CLI is installed), ``drift --junit`` on findings and on the HAR. Every file under the
output directories and every captured console log is searched, as bytes, for S, for the
token, and for the Basic encodings that carry S: 0 hits.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from conformance.processes import LoggedChild
from tests.allure_support import allure_or_none

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SECRET = "Zq" + secrets.token_hex(16) + "Xv"  # unique to this run
PROJECT, KEY_ID = "secret-project", "secret-key-id"
TIMEOUT = 180.0


@dataclass
class Outputs:
    """Everything the tools wrote: directories and captured console logs."""

    root: Path
    planted: list[str] = field(default_factory=list)  # where S was put
    needles: dict[str, bytes] = field(default_factory=dict)  # what to search for
    commands: list[tuple[str, int]] = field(default_factory=list)  # (command, exit code)

    def plant(self, where: str) -> None:
        self.planted.append(where)

    def log(self, name: str) -> Path:
        return self.root / "console" / f"{name}.log"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    return {**env, "SINCH_PROJECT_ID": PROJECT, "SINCH_KEY_ID": KEY_ID,
            "SINCH_KEY_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}


def _cli(out: Outputs, name: str, *args: str, timeout: float = TIMEOUT) -> int:
    """Run ``sinch-conformance ARGS``; its stdout and stderr go to a console log."""
    with out.log(name).open("w", encoding="utf-8") as fh:
        proc = subprocess.run([sys.executable, "-m", "conformance", *args], stdout=fh,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              env=_env(), timeout=timeout, cwd=out.root)
    out.commands.append((" ".join(args[:1]), proc.returncode))
    return proc.returncode


_URL = re.compile(r"http://127\.0\.0\.1:\d+")


def _child(out: Outputs, name: str, args: list[str]) -> LoggedChild:
    """A long-running child (emulator, proxy) whose console goes to a log file."""
    return LoggedChild([sys.executable, "-m", "conformance", *args], out.log(name),
                       env=_env(), cwd=out.root)


def _url(child: LoggedChild, marker: str) -> str:
    line = child.first_line(lambda text: marker in text and _URL.search(text) is not None,
                            30.0)
    found = _URL.search(line) if line is not None else None
    if found is None:
        raise AssertionError(f"no {marker!r} line: {child.log_path.read_text()}")
    return found.group(0)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _traffic(out: Outputs, proxy: str) -> None:
    """Requests through the proxy carrying S in every credential place."""
    session = requests.Session()
    session.trust_env = False
    apps = f"{proxy}/v1/projects/{PROJECT}/apps"
    basic = {"Authorization": _basic(KEY_ID, SECRET)}

    session.get(apps, headers=basic, timeout=10).raise_for_status()
    out.plant("Authorization: Basic key_id:S")

    token = session.post(f"{proxy}/oauth2/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": KEY_ID, "client_secret": SECRET})
    token.raise_for_status()
    out.plant("OAuth2 token request: client_secret=S (form body)")
    access = token.json()["access_token"]
    out.needles["issued OAuth2 token"] = access.encode()
    session.post(f"{proxy}/oauth2/token", headers=basic, timeout=10,
                 data={"grant_type": "client_credentials"}).raise_for_status()
    out.plant("OAuth2 token request: Authorization Basic key_id:S")

    bearer = {"Authorization": f"Bearer {access}"}
    session.get(apps, headers=bearer, timeout=10).raise_for_status()
    resp = session.get(apps, headers={"Authorization": f"Bearer {SECRET}"}, timeout=10)
    assert resp.status_code == 401
    out.plant("Authorization: Bearer S (refused)")

    app = {"display_name": "secrets", "colour": "drift, so the body is evidence",
           "channel_credentials": [
               {"channel": "MESSENGER", "static_bearer": {"claimed_identity": "page",
                                                           "token": SECRET},
                "callback_secret": SECRET},
               {"channel": "VIBER", "static_token": {"token": SECRET},
                "callback_secret": SECRET}]}
    created = session.post(apps, json=app, headers=basic, timeout=10)
    assert created.status_code == 200, created.text
    out.plant("app body: channel_credentials[].static_bearer.token")
    out.plant("app body: channel_credentials[].static_token.token")
    out.plant("app body: channel_credentials[].callback_secret")
    app_id = created.json()["id"]
    bad = {**app, "display_name": 5}  # a violation: the body becomes evidence
    session.post(apps, json=bad, headers=bearer, timeout=10)

    hook = {"app_id": app_id, "target": "https://example.com/hook", "triggers":
            ["MESSAGE_DELIVERY"], "secret": SECRET, "shade": "drift",
            "client_credentials": {"client_id": "cid", "client_secret": SECRET,
                                   "endpoint": "https://example.com/token"}}
    resp = session.post(f"{proxy}/v1/projects/{PROJECT}/webhooks", json=hook,
                        headers=basic, timeout=10)
    assert resp.status_code == 200, resp.text
    out.plant("webhook body: secret")
    out.plant("webhook body: client_credentials.client_secret")

    session.get(f"{apps}?access_token={SECRET}", headers=bearer, timeout=10)
    out.plant("query string: ?access_token=S")
    session.get(f"{apps}/{app_id}", headers={**basic, "Cookie": f"session={SECRET}"},
                timeout=10).raise_for_status()
    out.plant("Cookie: session=S")
    session.get(f"{proxy}/v1/projects/{PROJECT}/nowhere?api_key={SECRET}",
                headers=bearer, timeout=10)
    out.plant("query string of an undocumented path: ?api_key=S")
    session.close()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    root = tmp_path_factory.mktemp("secrets")
    out = Outputs(root)
    (root / "console").mkdir()
    out.needles.update({
        "the secret": SECRET.encode(),
        "Basic key_id:S": base64.b64encode(f"{KEY_ID}:{SECRET}".encode()),
        "S, percent-encoded": quote(SECRET).encode(),
    })
    emulator = _child(out, "emulator", ["emulator", "--host", "127.0.0.1", "--port", "0",
                                        "--project-id", PROJECT, "--key-id", KEY_ID])
    proxy = None
    try:
        emu = _url(emulator, "emulator on")
        out.plant("emulator key secret (SINCH_KEY_SECRET), used by every run below")
        proxy = _child(out, "proxy", ["proxy", "--target", emu, "--listen-port", "0",
                                      "--record", str(root / "proxy" / "traffic.har"),
                                      "--findings", str(root / "proxy" / "findings")])
        (root / "proxy").mkdir()
        _traffic(out, _url(proxy, "listening on"))
        out.commands.append(("proxy", proxy.stop(signal.SIGINT) or 0))
        har = root / "proxy" / "traffic.har"
        for auth in ("oauth2", "basic"):
            _cli(out, f"run-{auth}", "run", "--target", emu, "--auth", auth,
                 "--token-url", f"{emu}/oauth2/token", "--rate-limit", "0",
                 "--max-examples", "1", "--seed", "3", "--progress", "plain",
                 "--out", str(root / f"run-{auth}"))
        _cli(out, "replay", "replay", str(har), "--findings", str(root / "replay"))
        _cli(out, "replay-json", "replay", str(har), "--json")
        for source in ("proxy", "run-oauth2", "run-basic", "replay"):
            _cli(out, f"report-{source}", "report", "--findings",
                 str(root / source / "findings") if source != "replay" else
                 str(root / "replay"), "--out", str(root / f"report-{source}"),
                 *(["--html"] if allure_or_none() is not None and source == "proxy" else []))
        _cli(out, "drift-findings", "drift", "--findings", str(root / "proxy" / "findings"),
             "--junit", str(root / "drift" / "junit.xml"), "--out", str(root / "drift"))
        _cli(out, "drift-har", "drift", str(har), "--junit",
             str(root / "drift-har" / "junit.xml"), "--out", str(root / "drift-har"),
             "--format", "json")
        yield out
    finally:
        if proxy is not None:
            proxy.stop(signal.SIGINT)
        emulator.stop(signal.SIGINT)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_every_output_was_produced(outputs: Outputs) -> None:
    """The search below means something only if the tools ran and wrote their outputs."""
    codes = dict(outputs.commands)
    assert all(code in (0, 1) for code in codes.values()), outputs.commands
    root = outputs.root
    assert (root / "proxy" / "traffic.har").stat().st_size > 1000
    assert list((root / "proxy" / "findings").glob("*.jsonl"))
    for run in ("run-oauth2", "run-basic"):
        assert list((root / run / "findings").glob("*.jsonl"))
        assert list((root / run / "allure-results").glob("*-result.json"))
        assert (root / run / "junit.xml").exists()
    assert list((root / "report-proxy" / "allure-results").glob("*-result.json"))
    if allure_or_none() is not None:
        assert (root / "report-proxy" / "allure-report" / "index.html").exists()
    for drift in ("drift", "drift-har"):
        assert (root / drift / "junit.xml").exists()
        assert (root / drift / "drift.md").exists() and (root / drift / "drift.json").exists()
    text = outputs.log("proxy").read_text(encoding="utf-8")
    assert "flows checked" in text  # the proxy's summary was printed


def test_the_secret_is_nowhere(outputs: Outputs) -> None:
    files = _files(outputs.root)
    hits = []
    for path in files:
        data = path.read_bytes()
        hits += [f"{path.relative_to(outputs.root)}: {name}"
                 for name, needle in outputs.needles.items() if needle in data]
    print(f"secrets planted in {len(outputs.planted)} places "
          f"({'; '.join(outputs.planted)}); {len(outputs.needles)} forms searched for in "
          f"{len(files)} files ({sum(p.stat().st_size for p in files)} bytes); "
          f"{len(hits)} hits")
    assert len(outputs.planted) >= 12
    assert len(files) >= 50
    assert not hits, hits


def test_redaction_left_a_mark(outputs: Outputs) -> None:
    """Secrets are replaced by ``***``, not dropped with their context, and the search
    above can find what is there (the project id, not a secret, is in many files)."""
    har = json.loads((outputs.root / "proxy" / "traffic.har").read_text(encoding="utf-8"))
    entries = har["log"]["entries"]
    auth = {h["value"] for e in entries for h in e["request"]["headers"]
            if h["name"].lower() == "authorization"}
    assert auth == {"Basic ***", "Bearer ***"}, auth
    bodies = " ".join((e["request"].get("postData") or {}).get("text", "") for e in entries)
    for field_ in ('"token": "***"', '"callback_secret": "***"', '"secret": "***"',
                   '"client_secret": "***"'):
        assert field_ in bodies, field_
    assert any(e["request"]["url"].endswith("?access_token=***") for e in entries)
    with_project = [p for p in _files(outputs.root) if PROJECT.encode() in p.read_bytes()]
    assert len(with_project) >= 10
