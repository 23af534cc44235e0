"""Run one official Sinch SDK end to end: its driver -> validating proxy -> emulator.

``run_sdk("python" | "node", workdir)`` starts a fresh :class:`~e2e.stack.Stack`, runs the
SDK's driver against the proxy's URL, stops the stack (so every finding and the HAR file
are flushed) and returns an :class:`SdkRun` with the driver's call log, the proxy's
findings, the recorded exchanges and the proxy's own count of checked flows. Used by
``python -m e2e`` and by ``tests/test_sdk_e2e.py`` / ``tests/test_sdk_node_e2e.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.contract import Contract
from conformance.findings import Finding, Kind
from conformance.findings_io import read_findings
from e2e.stack import Stack

__all__ = ["DRIVER_TIMEOUT", "NODE_DIR", "NOT_CHECKED", "PYTHON_DRIVER", "SdkRun",
           "finding_key", "finding_keys", "node_unavailable", "python_sdk_unavailable",
           "run_sdk"]

E2E_DIR = Path(__file__).resolve().parent
PYTHON_DRIVER = E2E_DIR / "python_sdk_driver.py"
NODE_DIR = E2E_DIR / "node"
NODE_DRIVER = NODE_DIR / "driver.mjs"
DRIVER_TIMEOUT = 120.0
NPM_TIMEOUT = 300.0
PYTHON_SDK_MAJOR = "2."
NOT_CHECKED = frozenset({Kind.VALIDATION_ERROR, Kind.BODY_SKIPPED})
_FLOWS = re.compile(r"sinch-conformance: (\d+) flows checked")


@dataclass
class SdkRun:
    """What one SDK did and what the proxy made of it."""

    sdk: str
    sdk_version: str
    workdir: Path
    exit_code: int
    calls: list[dict[str, Any]]
    findings: list[Finding]
    exchanges: list[dict[str, Any]]  # HAR entries, in order
    flows_checked: int | None  # from the proxy's shutdown summary
    proxy_exit: int | None
    driver_stderr: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def unexpected(self) -> list[dict[str, Any]]:
        """Calls that did not do what the driver expected (success or the named failure)."""
        return [c for c in self.calls if c["ok"] == bool(c.get("expected_failure"))]

    def problems(self) -> list[str]:
        """What is wrong with this run, one sentence each (empty: a good run)."""
        found = [f"{c['call']}: " + (c["error"] or "succeeded, expected to fail: "
                                     + str(c["expected_failure"])) for c in self.unexpected]
        if not self.calls:
            found.append(f"the driver recorded no calls (exit code {self.exit_code}); see "
                         f"{self.workdir / 'driver.stderr.log'}")
        elif self.exit_code != 0 and not self.unexpected:
            found.append(f"the driver exited with {self.exit_code}")
        if self.flows_checked != len(self.exchanges):
            found.append(f"the proxy checked {self.flows_checked} flows but recorded "
                         f"{len(self.exchanges)}")
        found += [f"not checked: {f.message}" for f in self.findings
                  if f.kind in NOT_CHECKED]
        return found

    def operations_answered(self, contract: Contract) -> Counter[str]:
        """operationId -> how many recorded exchanges of it the emulator answered 2xx."""
        done: Counter[str] = Counter()
        for entry in self.exchanges:
            request, status = entry["request"], entry["response"]["status"]
            parts = urlsplit(request["url"])
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            match = contract.match(request["method"], path)
            if match is not None and match.route is not None and 200 <= status < 300:
                done[match.route.operation_id] += 1
        return done


def python_sdk_unavailable(python: str = sys.executable) -> str | None:
    """Why the Python SDK cannot run with ``python``, or None when ``sinch`` 2.x imports."""
    probe = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('sinch'))"],
        capture_output=True, text=True, timeout=60)
    version = probe.stdout.strip()
    if probe.returncode != 0:
        return (f"the Sinch Python SDK is not installed for {python}; install it with "
                "pip install -e '.[sdk]' (or '.[dev]')")
    if not version.startswith(PYTHON_SDK_MAJOR):
        return f"sinch {version} is installed; the driver is written for sinch 2.x"
    return None


def node_unavailable(install: bool = True) -> str | None:
    """Why the Node SDK cannot run, or None once ``e2e/node/node_modules`` is in place
    (``npm ci`` from the committed lock file when it is missing and ``install``)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        return "node is not on PATH (the Node SDK test needs Node 18+ and npm)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True,
                             timeout=30).stdout.strip()
    if int(version.lstrip("v").split(".")[0] or 0) < 18:
        return f"node {version} is too old: @sinch/sdk-core needs Node 18+"
    if (NODE_DIR / "node_modules" / "@sinch" / "sdk-core").is_dir():
        return None
    if not install:
        return "e2e/node/node_modules is missing: run npm ci in e2e/node"
    if npm is None:
        return "npm is not on PATH, so e2e/node/node_modules cannot be installed"
    try:
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=NODE_DIR, capture_output=True, text=True,
                              timeout=NPM_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"npm ci in e2e/node took longer than {NPM_TIMEOUT:.0f} s"
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return f"npm ci in e2e/node failed: {' / '.join(tail)}"
    return None


def _driver_command(sdk: str, stack: Stack, out: Path, python: str) -> list[str]:
    c = stack.creds
    args = ["--base-url", stack.proxy_url, "--project-id", c.project_id, "--key-id",
            c.key_id, "--key-secret", c.key_secret, "--out", str(out)]
    if sdk == "python":
        return [python, str(PYTHON_DRIVER), *args]
    if sdk == "node":
        node = shutil.which("node") or "node"
        return [node, str(NODE_DRIVER), *args]
    raise ValueError(f"unknown SDK {sdk!r}: use 'python' or 'node'")


def _driver_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        env.pop(name, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def _har_entries(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return list((data.get("log") or {}).get("entries") or [])


def run_sdk(sdk: str, workdir: Path, python: str = sys.executable,
            timeout: float = DRIVER_TIMEOUT) -> SdkRun:
    """Drive ``sdk`` through a fresh proxy + emulator in ``workdir``; everything it
    started is stopped before this returns."""
    workdir.mkdir(parents=True, exist_ok=True)
    calls_path = workdir / "calls.json"
    stack = Stack(workdir)
    with stack:
        try:
            done = subprocess.run(_driver_command(sdk, stack, calls_path, python),
                                  capture_output=True, text=True, timeout=timeout,
                                  env=_driver_env(), stdin=subprocess.DEVNULL)
            code, stderr = done.returncode, done.stderr
        except subprocess.TimeoutExpired as exc:
            code = -1
            stderr = f"the {sdk} driver did not finish within {timeout:.0f} s\n{exc.stderr!r}"
    (workdir / "driver.stderr.log").write_text(stderr, encoding="utf-8")
    log = json.loads(calls_path.read_text(encoding="utf-8")) if calls_path.exists() else {}
    match = _FLOWS.search(stack.proxy_output())
    findings = read_findings(stack.findings_dir) if stack.findings_dir.exists() else []
    return SdkRun(sdk=sdk, sdk_version=str(log.get("sdk", "?")), workdir=workdir,
                  exit_code=code, calls=list(log.get("calls", [])), findings=findings,
                  exchanges=_har_entries(stack.har_path),
                  flows_checked=int(match.group(1)) if match else None,
                  proxy_exit=stack.proxy_exit, driver_stderr=stderr)


def finding_key(finding: Finding) -> tuple[str, str, str]:
    """(kind, where, location): the operationId, or for a request the spec has no
    operation for, its method and normalised path (ids as ``{id}``)."""
    where = finding.operation_id or f"{finding.method} {finding.path_template}"
    return str(finding.kind), where, finding.location


def finding_keys(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {finding_key(f) for f in findings}
