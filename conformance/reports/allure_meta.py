"""The report-wide Allure files: ``categories.json``, ``environment.properties``,
``executor.json``.

Categories match the ``[category]`` prefix that :mod:`.allure` puts at the start of every
status message (``messageRegex`` is a full match in Allure 2 and a search in Allure 3; the
anchored ``^\\[drift\\] .*`` works in both). The executor comes from GitHub Actions'
variables when they are set, so the report links back to the CI run. With a suite run's
summary (what ``summary.json`` holds) the environment starts with the run's own lines
(``target``, ``suite.run_id``, ``suite.seed``, ...).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from conformance.findings import CATEGORIES, Finding
from conformance.reports.allure_labels import NOT_CHECKED, RUN_ERROR

if TYPE_CHECKING:
    from conformance.contract import Contract

__all__ = ["categories", "environment", "executor", "meta_files", "suite_environment"]

# category -> statuses it applies to (drift and "not checked" are written as broken)
_BROKEN = {"drift", NOT_CHECKED}
_TOOLS = ("sinch-conformance", "schemathesis", "hypothesis", "mitmproxy", "jsonschema-rs",
          "allure-pytest")


def categories() -> list[dict[str, object]]:
    """One Allure category per Finding category, matched on the message prefix."""
    out: list[dict[str, object]] = []
    for name in CATEGORIES:
        status = "broken" if name in _BROKEN else "failed"
        out.append({"name": name.capitalize(), "matchedStatuses": [status],
                    "messageRegex": rf"^\[{name}\] .*"})
    # the suite's internal errors: the run itself failed there
    out.append({"name": "Run errors", "matchedStatuses": ["broken"],
                "messageRegex": rf"^\[{RUN_ERROR}\] .*"})
    out.append({"name": "Other failures", "matchedStatuses": ["failed", "broken"]})
    return out


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _escape(value: str) -> str:
    """A value for a Java .properties line: backslashes and line breaks escaped."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def environment(findings: Iterable[Finding], contract: Contract | None,
                allure_version: str | None = None) -> dict[str, str]:
    """Target, spec (title, version, hash, overlays), runs and tool versions."""
    items = list(findings)
    env: dict[str, str] = {}
    targets = sorted({f.target for f in items if f.target})
    runs = sorted({f.run_id for f in items if f.run_id})
    env["target"] = ", ".join(targets) or "unknown"
    if contract is not None:
        env["spec.title"] = contract.title
        env["spec.version"] = contract.version
        env["spec.hash"] = contract.spec_hash
        env["spec.file"] = contract.source
        env["spec.overlays"] = ", ".join(sorted({a.overlay for a in contract.overlays})) or "none"
    env["runs"] = ", ".join(runs[-5:]) or "none"
    env["sources"] = ", ".join(sorted({f.source for f in items})) or "none"
    env["python"] = platform.python_version()
    for dist in _TOOLS:
        env[dist] = _version(dist)
    if allure_version:
        env["allure"] = allure_version
    return env


def executor(variables: Mapping[str, str]) -> dict[str, object]:
    """Allure's executor info from GitHub Actions variables, or a local one."""
    run_id = variables.get("GITHUB_RUN_ID")
    repo = variables.get("GITHUB_REPOSITORY")
    if not (run_id and repo):
        return {"name": "local", "type": "local", "buildName": "local run"}
    server = variables.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    number = variables.get("GITHUB_RUN_NUMBER", run_id)
    workflow = variables.get("GITHUB_WORKFLOW", "CI")
    out: dict[str, object] = {
        "name": "GitHub Actions", "type": "github", "url": f"{server}/{repo}",
        "buildOrder": int(number) if number.isdigit() else 0,
        "buildName": f"{workflow} #{number}",
        "buildUrl": f"{server}/{repo}/actions/runs/{run_id}",
        "reportName": "Sinch Conversation API conformance",
    }
    if variables.get("ALLURE_REPORT_URL"):
        out["reportUrl"] = variables["ALLURE_REPORT_URL"]
    return out


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def suite_environment(summary: Mapping[str, Any] | None) -> dict[str, str]:
    """The lines of a suite run (its summary's ``run``): target, run id, seed, calls,
    operations exercised, internal errors, budget; none without a run."""
    run = (summary or {}).get("run")
    if not isinstance(run, Mapping):
        return {}
    return {"target": _text(run.get("target")), "suite.run_id": _text(run.get("run_id")),
            "suite.seed": _text(run.get("seed")), "suite.calls": _text(run.get("calls")),
            "suite.operations": f"{run.get('operations_exercised')}/"
                                f"{run.get('operations_total')}",
            "suite.errors": _text(run.get("error_count")),
            "suite.max_examples": _text(run.get("max_examples")),
            "suite.readonly": _text(run.get("readonly"))}


def meta_files(findings: Iterable[Finding], contract: Contract | None,
               variables: Mapping[str, str], allure_version: str | None = None,
               summary: Mapping[str, Any] | None = None) -> dict[str, bytes]:
    """File name -> content for the three report-wide files; ``summary`` (a suite run's)
    puts the run's lines first in the environment."""
    suite = suite_environment(summary)
    env = {**suite, **{k: v for k, v in environment(findings, contract,
                                                   allure_version).items() if k not in suite}}
    props = "".join(f"{k}={_escape(v)}\n" for k, v in env.items())
    return {
        "categories.json": json.dumps(categories(), indent=2).encode(),
        "environment.properties": props.encode("utf-8"),
        "executor.json": json.dumps(executor(variables), indent=2).encode(),
    }
