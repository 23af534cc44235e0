"""``lint --format sarif``: a SARIF 2.1.0 log for GitHub code scanning (``upload-sarif``).

One run; the rules that ran are ``tool.driver.rules`` (id, one-line description, default
level); every new finding is a result at its file, line and column (uri relative to the
current directory, the repository root in CI), with its JSON pointer as the logical
location and its fingerprint as a partial fingerprint. Findings the ignore file accepts are
results too, with an external suppression carrying the reason, as SARIF intends; ignore
entries no longer found are tool execution notifications. tests/test_lint_formats.py
validates the output against the official SARIF 2.1.0 schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from conformance import __version__
from conformance.findings import Finding, Severity
from conformance.lint.locate import position_of, shown_path
from conformance.lint.model import RULES
from conformance.lint.report import LintReport
from conformance.lint.severity import default_severity

__all__ = ["SARIF_SCHEMA", "to_sarif"]

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
LEVEL = {Severity.BLOCKER: "error", Severity.CRITICAL: "error", Severity.NORMAL: "warning",
         Severity.MINOR: "note", Severity.TRIVIAL: "note"}


def _uri(file: str) -> str:
    shown = shown_path(file)
    if Path(shown).is_absolute():
        return Path(shown).as_uri()
    return quote(shown, safe="/")


def _rule(name: str, severity: Severity) -> dict[str, Any]:
    doc = RULES[name].doc if name in RULES else "A lint rule that failed to run."
    return {"id": name, "shortDescription": {"text": doc},
            "defaultConfiguration": {"level": LEVEL[severity]},
            "properties": {"severity": str(severity)}}


def _result(finding: Finding, index: dict[str, int], reason: str | None) -> dict[str, Any]:
    rule = str(finding.evidence.get("rule", "lint-error"))
    location: dict[str, Any] = {"logicalLocations": [
        {"fullyQualifiedName": finding.location or "/", "kind": "object"}]}
    pos = position_of(finding)
    if pos is not None:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": _uri(pos.file)},
            "region": {"startLine": pos.line, "startColumn": pos.column}}
    result: dict[str, Any] = {
        "ruleId": rule, "ruleIndex": index[rule], "level": LEVEL[finding.severity],
        "message": {"text": finding.message}, "locations": [location],
        "partialFingerprints": {"sinchConformanceFingerprint/v1": finding.fingerprint},
        "properties": {"severity": str(finding.severity)},
    }
    if reason is not None:
        result["suppressions"] = [{"kind": "external", "justification": reason}]
    return result


def to_sarif(report: LintReport) -> str:
    every = [*report.findings, *(f for f, _ in report.ignored)]
    names = list(report.rules)
    names += [n for n in dict.fromkeys(str(f.evidence.get("rule", "lint-error")) for f in every)
              if n not in names]
    index = {name: i for i, name in enumerate(names)}
    rules = [_rule(n, report.settings.severity(n) if n in RULES else default_severity(n))
             for n in names]
    results = [_result(f, index, None) for f in report.findings]
    results += [_result(f, index, entry.reason) for f, entry in report.ignored]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if report.stale:
        invocation["toolExecutionNotifications"] = [
            {"level": "warning", "message": {"text": line}} for line in report.stale_lines()]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "sinch-conformance lint", "version": __version__,
                            "rules": rules}},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": results,
    }]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
