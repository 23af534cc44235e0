"""The suite against an unreliable target: 429s, 5xx bursts, timeouts, a target that
disappears, and Ctrl-C.

The target is the bundled emulator behind a small fault-injecting HTTP server of our own,
the *gate*: this file run as a script (``python tests/test_reliability_suite.py --gate
...``), started as a child process and stopped (or killed, to make the target disappear)
by its PID. The gate forwards every request to the emulator unless its rule says
otherwise (rules act on requests with valid credentials: the key's Basic header or a
token the gate saw issued), and logs each arrival (monotonic time, method, path, what it
did, the id of a resource a create returned). From that log the tests measure:

* the arrival rate: never more than ``--rate-limit`` in any one-second window (+1);
* retries: a request answered 429/5xx arrives again, after ``Retry-After`` when given;
* cleanup: every resource a create returned is the target of a later DELETE.

``sinch-conformance run`` is started as a child process each time (a small budget), its
exit code and console output checked, and its reports parsed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conformance.processes import stop_process

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve()
RATE = 20.0  # the --rate-limit of every run here (requests per second; Sinch allows 25)
RUN_TIMEOUT = 120.0
CREATE_PATHS = re.compile(r"/v1/projects/[^/]+/(apps|contacts|conversations|webhooks|"
                          r"messages:send)$")


# ====================================================================== the gate (child)
@dataclass
class Rule:
    """What the gate does to the n-th request it counts (1-based)."""

    every: int = 0  # act on every n-th counted arrival (0: never)
    status: int = 429
    retry_after: str | None = None
    burst: int = 1  # act on this many consecutive counted arrivals from there
    delay: float = 0.0  # wait this long, then forward, instead of answering ``status``
    only: str = ""  # regex on "METHOD /path": count and act on these requests only
    authenticated_only: bool = True  # leave requests with wrong or no credentials alone
    unauthorized_as_429: int = 0  # the upstream's first N 401 answers become 429s

    def acts_on(self, n: int) -> bool:
        return bool(self.every) and n > self.burst and (n - 1) % self.every < self.burst


class Gate(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int] = ("127.0.0.1", 0)
    rule = Rule()
    log_path = ""
    counter = 0
    unauthorized = 0
    valid_auth: set[str] = set()  # the key's Basic header, and every token issued
    lock = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _log(self, action: str, created: str = "", body: bytes = b"") -> None:
        """One line: time, method, path, action, created id, digest of body and auth."""
        what = hashlib.sha256(body + (self.headers.get("Authorization") or "").encode())
        with self.lock, open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{time.monotonic():.6f}\t{self.command}\t{self.path}\t{action}\t"
                     f"{created}\t{what.hexdigest()[:12]}\n")

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rule, n = self.rule, 0
        counted = not rule.authenticated_only or \
            self.headers.get("Authorization") in self.valid_auth
        if counted and (not rule.only or re.search(rule.only, f"{self.command} {self.path}")):
            with self.lock:
                Gate.counter += 1
                n = Gate.counter
        if n and rule.acts_on(n) and not rule.delay:
            self._log(str(rule.status), body=body)
            self._answer(rule.status, json.dumps({"code": rule.status, "message": "gate",
                                                  "status": "UNAVAILABLE"}).encode(),
                         {"Retry-After": rule.retry_after} if rule.retry_after else {})
            return
        late = bool(n and rule.acts_on(n))
        if late:
            self._log(f"delay {rule.delay}", body=body)
            time.sleep(rule.delay)
        else:
            self._log("forward", body=body)
        self._forward(body, late)

    def _forward(self, body: bytes, late: bool) -> None:
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection", "content-length")}
        try:
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError:
            self._answer(502, b'{"code":502}', {})
            return
        finally:
            conn.close()
        if self.path.startswith("/oauth2/token") and resp.status == 200:
            with self.lock:
                Gate.valid_auth.add("Bearer " + json.loads(data).get("access_token", ""))
        if self.command == "POST" and resp.status == 200 and \
                CREATE_PATHS.search(self.path.split("?")[0]):
            try:
                doc = json.loads(data)
                self._log("created-late" if late else "created",
                          str(doc.get("id") or doc.get("message_id") or ""))
            except ValueError:
                pass
        if resp.status == 401 and self._throttle_401():
            self._log("note: 429 instead of 401")
            self._answer(429, b'{"code":429,"message":"gate","status":"RESOURCE_EXHAUSTED"}',
                         {"Retry-After": "0"})
            return
        self._answer(resp.status, data, {k: v for k, v in resp.getheaders()
                                         if k.lower() in ("content-type", "retry-after",
                                                          "www-authenticate", "allow")})

    def _throttle_401(self) -> bool:
        with self.lock:
            if Gate.unauthorized < self.rule.unauthorized_as_429:
                Gate.unauthorized += 1
                return True
        return False

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if "content-type" not in {k.lower() for k in headers}:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = \
        _handle


def serve_gate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gate", action="store_true")
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--rule", default="{}")
    args = parser.parse_args(argv)
    host, _, port = args.upstream.removeprefix("http://").partition(":")
    Gate.upstream = (host, int(port))
    Gate.rule = Rule(**json.loads(args.rule))
    Gate.log_path = args.log
    basic = f"{os.environ['SINCH_KEY_ID']}:{os.environ['SINCH_KEY_SECRET']}".encode()
    Gate.valid_auth = {"Basic " + base64.b64encode(basic).decode()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gate)
    server.daemon_threads = True
    print(f"gate on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


# ====================================================================== the tests' side
@dataclass
class Arrival:
    at: float
    method: str
    path: str
    action: str  # forward, delay S, a status the gate answered; created[-late], note: ...
    created: str = ""
    digest: str = ""  # of the body and the Authorization header

    @property
    def request(self) -> tuple[str, str, str]:
        return self.method, self.path, self.digest

    @property
    def is_request(self) -> bool:
        return not self.action.startswith(("created", "note"))


def read_arrivals(path: Path) -> list[Arrival]:
    out = []
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 6:
            out.append(Arrival(float(parts[0]), *parts[1:]))
    return out


def max_in_window(arrivals: list[Arrival], window: float = 1.0) -> int:
    """The most requests that arrived within any ``window`` seconds."""
    times = sorted(a.at for a in arrivals if a.is_request)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class Proc:
    """A child process, output to a file, stopped by its own PID."""

    def __init__(self, args: list[str], out: Path, env: dict[str, str] | None = None) -> None:
        self.out = out
        self._fh = out.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(args, stdout=self._fh, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env,
                                     start_new_session=True)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text())
            if match:
                return match.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} not printed by {self.proc.args!r}: {self.text()}")

    def text(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"{self.proc.args[:4]!r} did not end within {timeout} s"
                                 ) from None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop_process(self.proc, sig, timeout=10)
        self._fh.close()


@dataclass
class Creds:
    project_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    key_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    key_secret: str = field(default_factory=lambda: "s3cr3t-" + uuid.uuid4().hex)


def _env(creds: Creds) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    return {**env, "SINCH_PROJECT_ID": creds.project_id, "SINCH_KEY_ID": creds.key_id,
            "SINCH_KEY_SECRET": creds.key_secret, "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Creds]]:
    tmp = tmp_path_factory.mktemp("suite-emulator")
    creds = Creds()
    proc = Proc([sys.executable, "-m", "conformance.suite.emulator_main", "--host",
                 "127.0.0.1", "--port", "0", "--token-ttl", "600"], tmp / "emulator.out",
                _env(creds))
    try:
        url = proc.wait_for(r"emulator on (http://127\.0\.0\.1:\d+)")
        yield url, creds
    finally:
        proc.stop()


@dataclass
class RunResult:
    code: int
    console: str
    out: Path
    arrivals: list[Arrival]
    interrupted_at: float | None = None

    def findings(self) -> list[Any]:
        from conformance.findings_io import read_findings

        directory = self.out / "findings"
        return read_findings(directory) if directory.exists() else []


def run_suite(tmp: Path, emulator: tuple[str, Creds], rule: Rule, *,
              extra: tuple[str, ...] = (), kill_gate_after: int | None = None,
              sigint_after: int | None = None) -> RunResult:
    """One ``sinch-conformance run`` through a gate with ``rule``; every process stopped.

    ``kill_gate_after``/``sigint_after``: SIGKILL the gate / SIGINT the run once that many
    requests have arrived."""
    url, creds = emulator
    log = tmp / "arrivals.tsv"
    gate = Proc([sys.executable, str(HERE), "--gate", "--upstream", url, "--log", str(log),
                 "--rule", json.dumps(rule.__dict__)], tmp / "gate.out", _env(creds))
    run: Proc | None = None
    interrupted_at = None
    try:
        target = gate.wait_for(r"gate on (http://127\.0\.0\.1:\d+)")
        run = Proc([sys.executable, "-m", "conformance", "run", "--target", target,
                    "--auth", "oauth2", "--token-url", f"{target}/oauth2/token",
                    "--rate-limit", f"{RATE:g}", "--max-examples", "1", "--seed", "7",
                    "--progress", "plain", "--out", str(tmp / "out"), *extra],
                   tmp / "run.out", _env(creds))
        started = time.monotonic()
        while run.proc.poll() is None and time.monotonic() < started + RUN_TIMEOUT:
            arrived = len(read_arrivals(log))
            if kill_gate_after is not None and gate.proc.poll() is None and \
                    arrived >= kill_gate_after:
                gate.stop(signal.SIGKILL)  # the target disappears
            if sigint_after is not None and interrupted_at is None and \
                    arrived >= sigint_after:
                interrupted_at = time.monotonic()
                os.kill(run.proc.pid, signal.SIGINT)
            time.sleep(0.05)
        code = run.wait(10)
    finally:
        if run is not None:
            run.stop()
        gate.stop()
    return RunResult(code, run.text(), tmp / "out", read_arrivals(log), interrupted_at)


def assert_rate_limited(result: RunResult) -> None:
    peak = max_in_window(result.arrivals)
    assert peak <= RATE + 1, f"{peak} requests arrived within one second"


def assert_cleaned_up(result: RunResult) -> None:
    """Every resource a create returned was the target of a later DELETE."""
    created = [a for a in result.arrivals if a.action == "created" and a.created]
    deleted = {a.path.split("?")[0].rsplit("/", 1)[-1] for a in result.arrivals
               if a.method == "DELETE"}
    assert created, "the run created nothing"
    missing = [a.created for a in created if a.created not in deleted]
    assert not missing, f"created but never deleted: {missing}"


def assert_reports_valid(out: Path) -> None:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "operations" in summary
    results = list((out / "allure-results").glob("*-result.json"))
    assert results, "no Allure results"
    for path in (out / "allure-results").glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    ET.parse(out / "junit.xml")


def retried_after(result: RunResult, status: str) -> list[float]:
    """For each arrival answered ``status`` by the gate: seconds until the same request
    (method, path, body and credentials) arrived again."""
    gaps = []
    arrivals = [a for a in result.arrivals if a.is_request]
    for i, a in enumerate(arrivals):
        if a.action != status:
            continue
        again = next((b for b in arrivals[i + 1:] if b.request == a.request), None)
        if again is not None:
            gaps.append(again.at - a.at)
    return gaps


# ====================================================================== scenarios
BASE = ("--phases", "examples", "--no-probes")
CONTACT_CREATE = r"^POST /v1/projects/[^/]+/contacts$"
SCENARIOS: dict[str, tuple[Rule, tuple[str, ...], dict[str, Any]]] = {
    # every 7th request 429 without Retry-After; the first 401 (an auth check's request)
    # answered 429 too, as a gateway that throttles before it authenticates
    "throttled": (Rule(every=7, status=429, unauthorized_as_429=1), (), {}),
    "retry-after": (Rule(every=9, status=429, retry_after="1"), (), {}),
    # bursts of two 503s: the retry after them gets through
    "5xx-bursts": (Rule(every=20, status=503, burst=2), (), {}),
    # a burst of four 503s: the first try and its 3 retries fail, the run gives up on it
    "5xx-outlasting": (Rule(every=40, status=503, burst=4), (), {}),
    # every 2nd contact create answered after 2.5 s, the run's timeout is 1 s
    "timeouts": (Rule(every=2, delay=2.5, only=CONTACT_CREATE),
                 ("--request-timeout", "1"), {}),
    "disappears": (Rule(), (), {"kill_gate_after": 40}),
    "sigint": (Rule(), (), {"sigint_after": 45}),
}


@pytest.fixture(scope="module")
def scenario(emulator: tuple[str, Creds], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """scenario(name) -> its RunResult (each scenario runs once per module)."""
    cache: dict[str, RunResult] = {}

    def get(name: str) -> RunResult:
        if name not in cache:
            rule, extra, kwargs = SCENARIOS[name]
            cache[name] = run_suite(tmp_path_factory.mktemp(name), emulator, rule,
                                    extra=(*BASE, *extra), **kwargs)
        return cache[name]

    return get


def _summary(result: RunResult) -> dict[str, Any]:
    return json.loads((result.out / "summary.json").read_text(encoding="utf-8"))


def _attempts(result: RunResult) -> int:
    """The most arrivals in a row of one request (method, path, body, credentials)."""
    best, run, last = 0, 0, None
    for a in (a for a in result.arrivals if a.is_request):
        run = run + 1 if a.request == last else 1
        last = a.request
        best = max(best, run)
    return best


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_run_keeps_the_rate_limit_and_ends_cleanly(scenario: Any, name: str) -> None:
    """Retries, cleanup and all: never more than --rate-limit requests arrive in any
    second, no traceback, reports that parse."""
    result = scenario(name)
    print(f"{name}: exit {result.code}, {sum(a.is_request for a in result.arrivals)} "
          f"requests, peak {max_in_window(result.arrivals)} in 1 s")
    assert max_in_window(result.arrivals) <= RATE
    assert "Traceback" not in result.console, result.console[-3000:]
    assert_reports_valid(result.out)
    result.findings()  # every line parses


@pytest.mark.parametrize("name", ["throttled", "retry-after", "5xx-bursts"])
def test_transient_errors_are_retried_within_the_limit(scenario: Any, name: str) -> None:
    result = scenario(name)
    status = SCENARIOS[name][0].status
    gaps = retried_after(result, str(status))
    answered = sum(a.action == str(status) for a in result.arrivals)
    assert answered and len(gaps) == answered, f"a request answered {status} was not retried"
    assert _attempts(result) <= 1 + 3  # --retries 3 (the default)
    assert result.code in (0, 1)
    assert "server_error" not in {str(f.kind) for f in result.findings()}
    assert_cleaned_up(result)


def test_retry_after_is_honoured(scenario: Any) -> None:
    gaps = retried_after(scenario("retry-after"), "429")
    assert gaps and min(gaps) >= 0.9, gaps


def test_5xx_that_outlasts_the_retries_is_reported(scenario: Any) -> None:
    result = scenario("5xx-outlasting")
    assert _attempts(result) == 4  # the first try and 3 retries, then it gives up
    assert "server_error" in {str(f.kind) for f in result.findings()}
    assert result.code == 1
    assert_cleaned_up(result)


def test_throttled_auth_check_is_not_a_violation(scenario: Any) -> None:
    result = scenario("throttled")
    bogus = [f for f in result.findings() if str(f.kind) == "auth_ignored"]
    assert not bogus, [f.message for f in bogus]


def test_retries_are_reported(scenario: Any) -> None:
    result = scenario("throttled")
    summary = json.dumps(_summary(result)["run"])
    assert re.search(r"retr", result.console, re.I) or "retr" in summary


def test_timeouts_are_reported_and_seen_creates_cleaned_up(scenario: Any) -> None:
    result = scenario("timeouts")
    assert result.code in (0, 1)
    assert "timed out" in result.console
    assert any(a.action.startswith("delay") for a in result.arrivals)
    assert_cleaned_up(result)  # every create whose answer the run saw


def test_creates_that_timed_out_are_cleaned_up(scenario: Any) -> None:
    result = scenario("timeouts")
    late = [a.created for a in result.arrivals if a.action == "created-late"]
    deleted = {a.path.rsplit("/", 1)[-1] for a in result.arrivals if a.method == "DELETE"}
    assert late and set(late) <= deleted, late


def test_target_disappearing_is_reported_with_what_was_left_behind(scenario: Any) -> None:
    result = scenario("disappears")
    assert "stopped responding" in result.console or "cannot connect" in result.console
    seen = [a.created for a in result.arrivals if a.action == "created"]
    deleted = {a.path.rsplit("/", 1)[-1] for a in result.arrivals if a.method == "DELETE"}
    left = [ident for ident in seen if ident not in deleted]
    assert left, "the target disappeared before anything was left behind"
    failed = " ".join(_summary(result)["run"]["cleanup"]["failed"])
    for ident in left:  # named in summary.json and on the console
        assert ident in failed and ident in result.console, ident


def test_target_disappearing_exits_2(scenario: Any) -> None:
    assert scenario("disappears").code == 2


def test_sigint_writes_findings_and_reports_and_cleans_up(scenario: Any) -> None:
    result = scenario("sigint")
    assert result.code == 130
    assert result.interrupted_at is not None
    assert "interrupted" in result.console
    found = result.findings()
    assert found, "no findings written"
    summary = _summary(result)
    assert {f.fingerprint for f in found} == {f["fingerprint"] for f in summary["findings"]}
    assert_cleaned_up(result)
    after = [a for a in result.arrivals if a.method == "DELETE" and a.is_request
             and a.at > result.interrupted_at]
    assert after, "no DELETE after the interrupt"
    assert _summary(result)["run"]["stop_reason"] == "interrupted"


if __name__ == "__main__":
    sys.exit(serve_gate(sys.argv[1:]))
