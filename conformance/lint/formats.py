"""The outputs of ``lint --format``, one entry per format in :data:`FORMATS` (a
:class:`conformance.registry.Registry`, where ``{"lint"}``): each turns a
:class:`~conformance.lint.report.LintReport` into the text printed on stdout.

==========  ===========================================================================
``text``    one ``file:line:col: rule [severity] message (pointer)`` line per finding
``json``    one Finding JSON object per line (the position is in ``evidence``)
``github``  GitHub workflow commands: an annotation per finding on its file and line
``sarif``   SARIF 2.1.0, for GitHub code scanning (:mod:`conformance.lint.sarif`)
``junit``   JUnit XML, one test case per rule
==========  ===========================================================================

Only ``text`` holds the summary and the stale ignore entries; with the others, the command
prints those on stderr so stdout stays machine-readable.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree as ET

from conformance.findings import Finding, Severity
from conformance.lint import text_line
from conformance.lint.locate import position_of, shown_path
from conformance.lint.model import RULES
from conformance.lint.report import LintReport
from conformance.lint.sarif import to_sarif
from conformance.lint.settings import LintSettings
from conformance.lint.severity import default_severity
from conformance.registry import Registry

__all__ = ["FORMATS", "rule_list", "rule_table", "to_github", "to_json", "to_junit", "to_text"]

Format = Callable[[LintReport], str]
FORMATS: Registry[Format] = Registry("lint format")

# Allure severity -> GitHub annotation level (and SARIF's, in sarif.py)
GITHUB_LEVEL = {Severity.BLOCKER: "error", Severity.CRITICAL: "error",
                Severity.NORMAL: "warning", Severity.MINOR: "notice", Severity.TRIVIAL: "notice"}


def to_text(report: LintReport) -> str:
    lines = [text_line(f) for f in report.findings] + report.stale_lines()
    return "\n".join([*lines, report.summary()]) + "\n"


def to_json(report: LintReport) -> str:
    return "".join(f.to_json() + "\n" for f in report.findings)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: Finding) -> str:
    rule = str(finding.evidence.get("rule", "?"))
    props = [f"title={_escape_property(f'{rule} [{finding.severity}]')}"]
    pos = position_of(finding)
    if pos is not None:
        props = [f"file={_escape_property(shown_path(pos.file))}", f"line={pos.line}",
                 f"col={pos.column}", *props]
    level = GITHUB_LEVEL.get(finding.severity, "warning")
    return f"::{level} {','.join(props)}::{_escape_data(finding.message)}"


def to_github(report: LintReport) -> str:
    return "".join(_annotation(f) + "\n" for f in report.findings)


def to_junit(report: LintReport) -> str:
    """A test case per rule that ran: failing when it has a new finding at or above the
    failing severity; the other findings (below it, or ignored) are in its system-out."""
    failing = {f.fingerprint for f in report.failing}
    ignored: dict[str, list[str]] = {}
    for finding, entry in report.ignored:
        ignored.setdefault(str(finding.evidence.get("rule")), []).append(
            f"ignored ({entry.reason}): {text_line(finding)}")
    cases = []
    for rule, findings in report.by_rule().items():
        case = ET.Element("testcase", classname="lint", name=rule)
        bad = [f for f in findings if f.fingerprint in failing]
        if bad:
            failure = ET.SubElement(case, "failure", type=str(bad[0].severity),
                                    message=f"{len(bad)} finding{'s' * (len(bad) != 1)}")
            failure.text = "\n".join(text_line(f) for f in bad)
        rest = [text_line(f) for f in findings if f.fingerprint not in failing]
        rest += ignored.get(rule, [])
        if rest:
            ET.SubElement(case, "system-out").text = "\n".join(rest)
        cases.append((case, bool(bad)))
    failures = str(sum(bad for _, bad in cases))
    suites = ET.Element("testsuites", name="sinch-conformance lint", tests=str(len(cases)),
                        failures=failures)
    suite = ET.SubElement(suites, "testsuite", name=f"lint {shown_path(report.spec)}",
                          tests=str(len(cases)), failures=failures, errors="0")
    suite.extend(case for case, _ in cases)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


FORMATS.add(to_text, "text", where={"lint"},
            doc="One file:line:col line per finding, then the summary (the default)")
FORMATS.add(to_json, "json", where={"lint"}, doc="One Finding JSON object per line")
FORMATS.add(to_github, "github", where={"lint"},
            doc="GitHub workflow annotations (::error file=..,line=..,col=..::message)")
FORMATS.add(to_sarif, "sarif", where={"lint"}, doc="SARIF 2.1.0 for GitHub code scanning")
FORMATS.add(to_junit, "junit", where={"lint"}, doc="JUnit XML, one test case per rule")


def rule_list(settings: LintSettings) -> list[dict[str, str]]:
    """Every rule: its name, the severity it runs at (``off`` when disabled), its default
    severity and its one-line description, in the order the rules run."""
    return [{"rule": e.name,
             "severity": str(settings.severity(e.name)) if settings.enabled(e.name) else "off",
             "default": str(default_severity(e.name)), "description": e.doc}
            for e in RULES.running_in("lint")]


def rule_table(settings: LintSettings) -> str:
    """``lint --list-rules``: one line per rule (configured ones say their default)."""
    rows = rule_list(settings)
    width = max(len(r["rule"]) for r in rows)
    lines = []
    for row in rows:
        changed = f" [default: {row['default']}]" if row["severity"] != row["default"] else ""
        lines.append(f"{row['rule']:<{width}}  {row['severity']:<8}  {row['description']}"
                     f"{changed}")
    where = f" (configured in {settings.source})" if settings.source else ""
    return "\n".join([*lines, f"{len(rows)} rules{where}"]) + "\n"
