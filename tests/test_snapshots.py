"""Snapshot tests of what users read: any change to it shows up as a reviewed diff.

Each test runs the real command line (``python -m conformance ...``, a subprocess from an
empty temporary directory, ``NO_COLOR=1``, no ``SINCH_*``/``GITHUB_*`` variables) on fixed
input and compares its output with the snapshot stored by syrupy in
``tests/__snapshots__/test_snapshots.ambr`` (plain text, one ``# name:`` block per snapshot):

- ``lint``: the text output, the first lines of ``lint --json`` and ``--list-rules``;
- ``drift``: drift.md and the console, for a fixed HAR, fixed findings and a baseline;
- ``diff OLD NEW``: the Markdown for the packaged spec against a copy of it with one
  operation path renamed and one required request field added;
- ``run``: the console of a run against the bundled emulator with a fixed seed and a
  small budget;
- ``proxy``: the shutdown summary (lean master and ``--mitmdump``), after a few requests
  to the emulator and SIGINT;
- ``report``: the console, one Allure result JSON and its attachments for a fixed finding.

Only what legitimately varies between runs is normalised, by small regular expressions:
temporary paths, loopback ports, durations, call rates, console timestamps, the pid and time
stamp in findings file names, and the uuid, start/stop times and attachment file names of the Allure
result (those three happen to be derived from the finding, but are no promise). Every
process a test starts is stopped by its PID.

When an output changes on purpose, update the snapshots and review the diff:

    .venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update
    git diff tests/__snapshots__/

(``-k NAME`` updates only the selected tests.) A snapshot no test uses any more fails the
run of the whole file; ``--snapshot-update`` deletes it.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from syrupy.assertion import SnapshotAssertion

TIMEOUT = 240
BASE = "https://us.conversation.api.sinch.com"
TOKEN = "live-token-abcdef"
SEND = "/v1/projects/{project_id}/messages:send"


# ------------------------------------------------------------------ running the tool

def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINCH_", "GITHUB_"))}
    env["NO_COLOR"] = "1"
    return env


def _tool(*args: str) -> list[str]:
    return [sys.executable, "-m", "conformance", *args]


def sc(cwd: Path, *args: str) -> tuple[int, str, str]:
    """``sinch-conformance ARGS`` in ``cwd``: exit code, stdout, stderr."""
    done = subprocess.run(_tool(*args), cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


def console(code: int, out: str, err: str) -> str:
    """One text block for a snapshot: the exit code, then stdout and stderr as printed."""
    return f"exit {code}\n--- stdout\n{out}--- stderr\n{err}"


class Child:
    """A process of ours in its own session; a thread copies its merged stdout and stderr
    into a list and a queue, so reading never blocks. Stopped by its PID only."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(args, cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     text=True, start_new_session=True)
        self._reader = threading.Thread(target=self._copy, daemon=True)
        self._reader.start()

    def _copy(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            self._queue.put(line)

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        """The first match of ``pattern`` in a line of output (a bounded wait, not a
        timing assertion: it fails only when the line never comes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self._queue.empty():
                    break
                continue
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matching {pattern!r}; output:\n{''.join(self.lines)}")

    def stop(self, sig: int) -> int:
        """Send ``sig`` to our PID (if it still runs), wait for the end of its output."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._reader.join(10)
        return self.proc.returncode

    def output(self) -> str:
        return "".join(self.lines)


# ------------------------------------------------------------------ normalising

Rule = tuple[str, str]
FINDINGS_FILE: Rule = (r"\b(suite|proxy|replay|lint)-\d+-\d{8}T\d+Z\.jsonl\b",
                       r"\1-<pid>-<timestamp>.jsonl")
PORT: Rule = (r"\b127\.0\.0\.1:\d+\b", "127.0.0.1:<port>")
DURATION: Rule = (r"(?<=, )\d+(?:\.\d+)? s\b", "<t> s")
RATE: Rule = (r"\b\d+(?:\.\d+)? calls/s\b", "<n> calls/s")
CONSOLE_TIME: Rule = (r"(?m)^\[\d\d:\d\d:\d\d\.\d+\] ?", "")
ISO_TIME: Rule = (r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b", "<timestamp>")


def normalise(text: str, *rules: Rule, literal: dict[str, str] | None = None) -> str:
    """``literal`` replacements first (longest first), then each regex ``rules`` in turn."""
    for old in sorted(literal or {}, key=len, reverse=True):
        text = text.replace(old, (literal or {})[old])
    for pattern, repl in rules:
        text = re.sub(pattern, repl, text)
    return text


def tmp_literals(tmp: Path) -> dict[str, str]:
    return {str(tmp.resolve()): "<tmp>", str(tmp): "<tmp>"}


def packaged_spec() -> Path:
    return Path(str(importlib.resources.files("conformance.spec") / "conversation.yaml"))


# ------------------------------------------------------------------ fixtures

@pytest.fixture
def here(tmp_path: Path) -> Path:
    """An empty working directory, so every path the tool prints is relative to it."""
    work = tmp_path / "work"
    work.mkdir()
    return work


def _finding(kind: str, **fields: Any) -> Any:
    from conformance.findings import Finding  # lazily: a broken import fails one test

    fields.setdefault("target", BASE)
    fields.setdefault("run_id", "nightly-7")
    fields.setdefault("timestamp", "2026-05-01T02:03:04.000Z")
    return Finding.make(kind, **fields)


def write_findings(path: Path, findings: list[Any]) -> None:
    """Findings as the tools write them (one JSON line each), under a fixed file name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f.to_json() + "\n" for f in findings), encoding="utf-8")


# ------------------------------------------------------------------ lint

def _spec_literal() -> dict[str, str]:
    """The packaged spec's path (a checkout's or site-packages'), as lint prints it."""
    return {str(packaged_spec()): "<spec>"}


def test_lint_text(here: Path, snapshot: SnapshotAssertion) -> None:
    code, out, err = sc(here, "lint")
    assert code == 1
    assert normalise(console(code, out, err), literal=_spec_literal()) == snapshot
    assert list(here.iterdir()) == []  # lint writes nothing


def test_lint_json_first_lines(here: Path, snapshot: SnapshotAssertion) -> None:
    code, out, err = sc(here, "lint", "--json")
    assert code == 1
    head = "".join(out.splitlines(keepends=True)[:3])
    assert normalise(console(code, head, err), ISO_TIME, literal=_spec_literal()) == snapshot


def test_lint_list_rules(here: Path, snapshot: SnapshotAssertion) -> None:
    code, out, err = sc(here, "lint", "--list-rules")
    assert code == 0
    assert console(code, out, err) == snapshot


# ------------------------------------------------------------------ drift

def _har_entry(method: str, path: str, request: Any, status: int, response: Any
               ) -> dict[str, Any]:
    json_type = {"name": "Content-Type", "value": "application/json"}
    req: dict[str, Any] = {"method": method, "url": BASE + path,
                           "headers": [json_type,
                                       {"name": "Authorization", "value": f"Bearer {TOKEN}"}]}
    if request is not None:
        req["postData"] = {"mimeType": "application/json", "text": json.dumps(request)}
    return {"startedDateTime": "2026-05-01T00:00:00Z", "request": req,
            "response": {"status": status, "headers": [json_type],
                         "content": {"mimeType": "application/json",
                                     "text": json.dumps(response)}}}


HAR_ENTRIES = [
    _har_entry("GET", "/v1/projects/PRJ/apps/APP1", None, 200,
               {"id": "APP1", "display_name": "x", "queue_stats": {"a": 1},
                "rate_limits": {"outbound": 5}}),
    _har_entry("GET", "/v1/projects/PRJ/apps/NOPE", None, 404,
               {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}),
    _har_entry("POST", "/v1/projects/PRJ/contacts",
               {"channel_identities": [{"channel": "SMS", "identity": "+46700000001"}],
                "language": "EN_US", "mood": "happy"}, 200,
               {"id": "C1", "language": "EN_US",
                "channel_identities": [{"channel": "PIGEON", "identity": "+46700000001"}]}),
    _har_entry("GET", "/v1/projects/PRJ/apps?debug=1", None, 200, {"apps": []}),
    _har_entry("GET", "/v1/projects/PRJ/apps/APP1/stats", None, 200, {}),
]
BASELINE = """\
entries:
  - fingerprint: a11b19a6568eff99
    kind: undocumented_status
    operation_id: App_GetApp
    location: response.status
    reason: the emulator answers 404 for an unknown id; the spec documents none
  - fingerprint: "0000000000000000"
    kind: undocumented_field
    operation_id: App_GetApp
    location: response.body/gone
    reason: fixed upstream
"""


def drift_inputs(here: Path) -> None:
    """traffic.har (5 exchanges), findings/proxy.jsonl (3 findings), baseline.yaml (one
    entry still seen, one no longer seen)."""
    (here / "traffic.har").write_text(json.dumps(
        {"log": {"version": "1.2", "creator": {"name": "snapshot"}, "entries": HAR_ENTRIES}}))
    write_findings(here / "findings" / "proxy.jsonl", [
        _finding("undocumented_query_param", source="proxy", operation_id="App_ListApps",
                 method="GET", path_template="/v1/projects/{project_id}/apps",
                 location="request.query.debug",
                 message="Query parameter `debug` is not documented for App_ListApps."),
        _finding("response_body_schema", source="suite", status=200,
                 operation_id="Messages_SendMessage", method="POST", path_template=SEND,
                 location="response.body/accepted_time",
                 message="Response body at `/accepted_time` violates the schema: 5 is not "
                         "of type \"string\"."),
        _finding("body_skipped", source="proxy", operation_id="App_ListApps",
                 location="response.body", message="Body of 20 MB not checked."),
    ])
    (here / "baseline.yaml").write_text(BASELINE)


def test_drift_markdown_and_console(here: Path, snapshot: SnapshotAssertion) -> None:
    drift_inputs(here)
    code, out, err = sc(here, "drift", "traffic.har", "--findings", "findings",
                        "--baseline", "baseline.yaml", "--out", "out")
    assert code == 1
    md = (here / "out" / "drift.md").read_text(encoding="utf-8")
    assert TOKEN not in md + out + err
    literal = tmp_literals(here)
    assert normalise(md, literal=literal) == snapshot(name="drift.md")
    # stdout is drift.md itself (--format md): shown as such, unless that ever changes
    same = "<the same text as drift.md: see the snapshot [drift.md]>\n"
    shown = out.replace(md, same) if md else out
    assert console(code, normalise(shown, literal=literal), err) == snapshot(name="console")


# ------------------------------------------------------------------ diff

def test_diff_markdown(here: Path, snapshot: SnapshotAssertion) -> None:
    shutil.copy(packaged_spec(), here / "old.yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc = yaml.load((here / "old.yaml").read_text(encoding="utf-8"), Loader=loader)
    paths = doc["paths"]
    paths["/v1/projects/{project_id}/applications"] = paths.pop(
        "/v1/projects/{project_id}/apps")
    request = doc["components"]["schemas"]["SendMessageRequest"]
    request["properties"]["priority"] = {"type": "string", "description": "How urgent."}
    request["required"] = [*request.get("required", []), "priority"]
    doc["info"]["version"] = "1.1"
    (here / "new.yaml").write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML
    code, out, err = sc(here, "diff", "old.yaml", "new.yaml")
    assert code == 1
    assert console(code, normalise(out, literal=tmp_literals(here)), err) == snapshot


# ------------------------------------------------------------------ run

def test_run_console_against_the_emulator(here: Path, snapshot: SnapshotAssertion) -> None:
    code, out, err = sc(here, "run", "--seed", "1", "--max-examples", "1",
                        "--phases", "examples", "--no-probes", "--out", "out")
    assert code == 0, out[-3000:] + err[-3000:]
    text = normalise(console(code, out, err), PORT, DURATION, RATE, FINDINGS_FILE,
                     literal=tmp_literals(here))
    assert text == snapshot


# ------------------------------------------------------------------ proxy

@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[str]:
    """``sinch-conformance emulator --port 0``, stopped by its PID."""
    child = Child(_tool("emulator", "--port", "0", "--project-id", "p1", "--key-id", "k1",
                        "--key-secret", "snap-secret"), tmp_path)
    try:
        yield child.wait_for(r"emulator on (http://127\.0\.0\.1:\d+)").group(1)
    finally:
        child.stop(signal.SIGTERM)


def _shutdown_summary(output: str) -> str:
    """From the first VIOLATION line (printed as the checker gets to the flow) or the
    summary table on; the connection log of mitmproxy (which connection, in which order)
    is left out. Console timestamps must already be stripped."""
    lines = [line for line in output.splitlines(keepends=True)
             if not re.match(r"\[[\d.:]+\] (client|server) (connect|disconnect)", line)]
    start = next(i for i, line in enumerate(lines)
                 if line.startswith(("VIOLATION ", "sinch-conformance: ")) and
                 not line.startswith("sinch-conformance: checking "))
    return "".join(lines[start:])


@pytest.mark.parametrize("engine", [[], ["--mitmdump"]], ids=["lean", "mitmdump"])
def test_proxy_shutdown_summary(here: Path, emulator: str, engine: list[str],
                                snapshot: SnapshotAssertion) -> None:
    proxy = Child(_tool("proxy", "--target", emulator, "--listen-port", "0",
                        "--record", "rec.har", "--findings", "live", *engine), here)
    try:
        url = proxy.wait_for(r"listening on (http://127\.0\.0\.1:\d+) -> ").group(1)
        session = requests.Session()
        session.trust_env = False
        auth = ("k1", "snap-secret")
        apps = f"{url}/v1/projects/p1/apps"
        statuses = [
            session.get(apps, auth=auth, timeout=30).status_code,
            session.post(apps, auth=auth, timeout=30,
                         json={"display_name": "x", "channel_credentials": []}).status_code,
            session.post(apps, auth=auth, json={"bogus": 1}, timeout=30).status_code,
            session.get(f"{apps}/nope", auth=auth, timeout=30).status_code,
            session.get(f"{url}/v1/projects/p1/nowhere", auth=auth, timeout=30).status_code,
        ]
        session.close()
    finally:
        code = proxy.stop(signal.SIGINT)
    assert statuses == [200, 200, 400, 404, 404]
    assert code == 0, proxy.output()[-3000:]
    literal = {emulator.removeprefix("http://"): "127.0.0.1:<emulator>",
               url.removeprefix("http://"): "127.0.0.1:<proxy>", **tmp_literals(here)}
    text = normalise(proxy.output(), CONSOLE_TIME, literal=literal)
    assert normalise(_shutdown_summary(text), PORT, FINDINGS_FILE) == snapshot


# ------------------------------------------------------------------ report

CURL = (f"curl -X POST -H 'Authorization: Bearer {TOKEN}' "
        f"{BASE}/v1/projects/PRJ/messages:send")


def _allure(result: dict[str, Any], rename: Callable[[str], str]) -> dict[str, Any]:
    """The result with its uuid, start/stop and attachment file names normalised."""
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", result["uuid"])
    assert isinstance(result["start"], int) and isinstance(result["stop"], int)
    assert result["start"] <= result["stop"]
    result |= {"uuid": "<uuid>", "start": "<ms>", "stop": "<ms>"}
    for attachment in result.get("attachments", []):
        attachment["source"] = rename(attachment["source"])
    return result


def test_report_allure_result(here: Path, snapshot: SnapshotAssertion) -> None:
    write_findings(here / "findings" / "suite.jsonl", [_finding(
        "response_body_schema", source="suite", status=200,
        operation_id="Messages_SendMessage", method="POST", path_template=SEND,
        location="response.body/accepted_time", instance_path="/accepted_time",
        schema_path="/properties/accepted_time/type",
        message="Response body at `/accepted_time` violates the schema: 5 is not of type "
                "\"string\".",
        evidence={"request": {"method": "POST", "url": f"{BASE}/v1/projects/PRJ/messages:send",
                              "headers": {"Authorization": f"Bearer {TOKEN}",
                                          "Content-Type": "application/json"},
                              "body": {"app_id": "A1", "recipient": {"contact_id": "C1"}}},
                  "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                               "body": {"message_id": "M1", "accepted_time": 5}},
                  "curl": CURL},
        secrets=[TOKEN])])
    code, out, err = sc(here, "report", "--findings", "findings", "--out", "out")
    assert code == 0
    assert console(code, normalise(out, literal=tmp_literals(here)), err) == \
        snapshot(name="console")

    folder = here / "out" / "allure-results"
    [path] = folder.glob("*-result.json")
    result = json.loads(path.read_text(encoding="utf-8"))
    assert path.name == f"{result['uuid']}-result.json"
    names: dict[str, str] = {}

    def rename(source: str) -> str:
        assert (folder / source).is_file(), source
        return names.setdefault(source, f"<attachment {len(names) + 1}>{Path(source).suffix}")

    shown = json.dumps(_allure(result, rename), indent=2, ensure_ascii=False) + "\n"
    assert normalise(shown, literal=tmp_literals(here)) == snapshot(name="result.json")
    attachments = {names[s]: (folder / s).read_text(encoding="utf-8") for s in sorted(names)}
    assert TOKEN not in shown + "".join(attachments.values())
    assert attachments == snapshot(name="attachments")
