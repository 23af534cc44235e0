"""The suite end to end against the emulator: a clean run, read-only, the rate limit,
cleanup (after findings and after Ctrl-C), exit codes, and no secret in any output."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from test_suite_support import (
    ROOT,
    RecordingEmulator,
    api_lists,
    credentials,
    emulator_process,
    options,
    run_cli,
)

from conformance.contract import Contract
from conformance.findings import DRIFT_KINDS
from conformance.findings_io import read_findings
from conformance.suite.runner import run_suite
from conformance.suite.transport import MUTATING_METHODS

pytestmark = pytest.mark.slow
OPERATIONS = set(Contract.default().operations)


def _env(creds: object | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    if creds is not None:
        env.update(SINCH_PROJECT_ID=creds.project_id, SINCH_KEY_ID=creds.key_id,  # type: ignore[attr-defined]
                   SINCH_KEY_SECRET=creds.key_secret)  # type: ignore[attr-defined]
    env.update(extra)
    return env


def test_clean_run_exercises_every_operation(tmp_path: Path) -> None:
    proc = run_cli("--out", str(tmp_path), "--max-examples", "2", "--seed", "11",
                   "--progress", "plain", env=_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    ops = summary["operations"]
    assert set(ops) == OPERATIONS
    assert all(o["calls"] > 0 for o in ops.values()), {k for k, o in ops.items() if not o["calls"]}
    assert summary["run"]["violations"] == 0 and summary["run"]["stateful_sequences"] > 0
    assert sum(1 for o in ops.values() if o["sequences"]) >= 15
    assert "33/33 operations exercised" in proc.stdout
    assert {f.kind for f in read_findings(tmp_path / "findings")} <= DRIFT_KINDS
    assert "Conversation_InjectMessage" in proc.stdout and "message_conversation_id" in proc.stdout
    results = [json.loads(p.read_text()) for p in (tmp_path / "allure-results").glob(
        "*-result.json")]
    assert results and all({"name": "epic", "value": "suite"} in r["labels"] for r in results)
    assert any(a["name"] == "Sample response" for r in results for a in r["attachments"])
    assert (tmp_path / "allure-results" / "environment.properties").exists()
    cases = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    assert {c.get("name") for c in cases} == OPERATIONS


@pytest.fixture(scope="module")
def shared_emulator() -> object:
    with emulator_process(credentials("matrix-secret-0002"), token_ttl=2) as target:
        yield target


def _fault_names() -> list[str]:
    from conformance.emulator import FAULTS

    return sorted(FAULTS)


@pytest.mark.parametrize("fault", _fault_names())
def test_every_fault_is_found_by_its_catalogued_kind(fault: str, shared_emulator: object,
                                                     tmp_path: Path) -> None:
    from conformance.emulator import FAULTS

    if fault == "read-lag":  # it copies the whole state per write: a fresh, small one
        with emulator_process(credentials("matrix-secret-0003"), token_ttl=2) as fresh:
            opts = options(fresh, tmp_path, headers=(("X-Emulator-Fault", fault),))
            result = run_suite(opts, io.StringIO(), "quiet")
    else:
        opts = options(shared_emulator, tmp_path,  # type: ignore[arg-type]
                       headers=(("X-Emulator-Fault", fault),))
        result = run_suite(opts, io.StringIO(), "quiet")
    kinds = {str(f.kind) for f in result.summary.findings}
    if fault == "read-lag":  # a lag inside the consistency window is no defect
        assert not result.summary.violations, (fault, kinds)
    else:
        assert FAULTS[fault].finding in kinds, (fault, kinds)


def test_readonly_sends_no_mutating_request(tmp_path: Path) -> None:
    with RecordingEmulator(credentials()) as emu:
        opts = options(emu.target(), tmp_path, readonly=True, max_examples=2,
                       phases=("examples", "coverage", "fuzzing", "stateful"))
        result = run_suite(opts, io.StringIO(), "quiet")
    api = [a for a in emu.arrivals if a.path.startswith("/v1/")]
    assert api and not [a for a in api if a.method in MUTATING_METHODS]
    assert result.summary.exercised == sum(1 for o in Contract.default().operations.values()
                                           if o.method == "GET")


def test_rate_limit_is_honoured_across_all_requests(tmp_path: Path) -> None:
    rate = 20
    with RecordingEmulator(credentials()) as emu:
        opts = options(emu.target("oauth2"), tmp_path, rate_limit=rate, probes=False,
                       phases=("examples",))
        run_suite(opts, io.StringIO(), "quiet")
    times = sorted(a.at for a in emu.arrivals)
    assert len(times) > 2 * rate
    # This emulator runs in a thread of the test process, so the GIL can delay when it
    # logs an arrival by tens of ms; the strict one-second check against a server in a
    # process of its own is in test_reliability_suite.py. Here: any 0.95 s.
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + 0.95) <= rate
    assert (len(times) - 1) / (times[-1] - times[0]) <= rate


def test_cleanup_deletes_everything_after_a_failing_run(tmp_path: Path) -> None:
    creds = credentials("cleanup-secret-0003")
    with emulator_process(creds, faults=("wrong-content-type",)) as target:
        proc = run_cli("--target", target.base_url, "--auth", "basic", "--out", str(tmp_path),
                       "--max-examples", "1", "--phases", "examples,stateful",
                       "--rate-limit", "0", env=_env(creds))
        assert proc.returncode == 1, proc.stderr[-2000:]
        summary = json.loads((tmp_path / "summary.json").read_text())
        assert summary["run"]["cleanup"]["created"] > 0
        assert api_lists(target) == {"apps": [], "contacts": [], "conversations": [],
                                     "webhooks": []}


def test_interrupt_cleans_up_and_exits_130(tmp_path: Path) -> None:
    creds = credentials("interrupt-secret-0004")
    with emulator_process(creds) as target:
        cmd = [sys.executable, "-m", "conformance", "run", "--target", target.base_url,
               "--auth", "basic", "--out", str(tmp_path), "--max-examples", "50",
               "--rate-limit", "0", "--progress", "plain"]
        proc = subprocess.Popen(cmd, env=_env(creds), cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not api_lists(target)["apps"]:
            time.sleep(0.2)
        assert api_lists(target)["apps"], "the run created nothing to clean up"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err[-2000:]
        assert "interrupted" in err
        assert api_lists(target)["apps"] == [] and api_lists(target)["contacts"] == []


def _user_error(proc: subprocess.CompletedProcess[str], match: str) -> None:
    assert proc.returncode == 2, proc.stdout[-1000:] + proc.stderr[-1000:]
    assert match in proc.stderr and "tip:" in proc.stderr and "Traceback" not in proc.stderr


def test_exit_2_for_usage_and_connection_errors(tmp_path: Path) -> None:
    creds = credentials("exit-secret-0005")
    out = ["--out", str(tmp_path)]
    _user_error(run_cli("--target", "http://127.0.0.1:9", *out, env=_env(creds)),
                "cannot connect")
    _user_error(run_cli("--target", "https://example.invalid", *out, env=_env()),
                "needs credentials")
    _user_error(run_cli("--emulator-fault", "no-such-fault", *out, env=_env()),
                "unknown emulator fault")
    _user_error(run_cli("--phases", "examples,smoke", *out, env=_env()), "unknown phase")
    with emulator_process(creds) as target:
        wrong = _env(creds, SINCH_KEY_SECRET="not-the-secret")
        _user_error(run_cli("--target", target.base_url, "--auth", "basic", *out, env=wrong),
                    "refused the credentials (401)")
        _user_error(run_cli("--target", target.base_url, "--auth", "oauth2", "--token-url",
                            target.base_url + "/oauth2/token", *out, env=wrong),
                    "refused the key id and secret")
        _user_error(run_cli("--target", target.base_url, "--auth", "oauth2", "--token-url",
                            "http://127.0.0.1:9/oauth2/token", *out, env=_env(creds)),
                    "(the OAuth2 token URL)")
        _user_error(run_cli("--target", target.base_url + "/nope", "--auth", "basic", *out,
                            env=_env(creds)), "does not serve the Conversation API")


def test_fail_on_drift_and_emulator_fault_flag(tmp_path: Path) -> None:
    small = ["--max-examples", "1", "--phases", "examples", "--no-probes"]
    clean = run_cli("--out", str(tmp_path / "a"), *small, env=_env())
    assert clean.returncode == 0, clean.stderr[-2000:]
    drift = run_cli("--out", str(tmp_path / "b"), "--fail-on", "drift", *small, env=_env())
    assert drift.returncode == 1 and "0 violation(s)" in drift.stdout
    faulty = run_cli("--out", str(tmp_path / "c"), "--emulator-fault", "server-error",
                     "--max-examples", "1", "--phases", "examples", env=_env())
    assert faulty.returncode == 1
    assert "FINDING Server error" in faulty.stderr and "reproduce: curl" in faulty.stderr


def test_no_secret_reaches_any_output(tmp_path: Path) -> None:
    secret = "planted-Secret-" + os.urandom(6).hex()
    creds = credentials(secret)
    with emulator_process(creds, faults=("invalid-body-accepted",)) as target:
        proc = run_cli("--target", target.base_url, "--auth", "basic", "--out", str(tmp_path),
                       "--max-examples", "1", "--phases", "examples,stateful", "--rate-limit",
                       "0", "--progress", "plain", env=_env(creds))
    assert proc.returncode == 1, proc.stderr[-2000:]
    basic = base64.b64encode(f"{creds.key_id}:{secret}".encode()).decode()
    needles = (secret, basic, requests.utils.quote(secret))
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 10
    for blob, where in [(proc.stdout, "stdout"), (proc.stderr, "stderr")] + [
            (p.read_text(errors="replace"), str(p)) for p in files]:
        assert not any(n in blob for n in needles), where
    assert "Basic ***" in "".join(p.read_text() for p in (tmp_path / "findings").glob("*"))
