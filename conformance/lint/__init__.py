"""Spec lint: check the OpenAPI document against itself, before testing anything.

Every check is a small function ``rule(spec) -> Iterable[Finding]`` registered in
:data:`RULES` (a :class:`conformance.registry.Registry`, one entry per rule name, in the
order the rules run, which is the order of the findings); each finding is a ``spec_defect``
from source ``lint`` whose ``evidence["rule"]`` is the rule's name (``example-invalid``,
``oas-required``, ...). The rules live in :mod:`conformance.lint.rules`, one module per
family, and register themselves when this package imports them; the model they share
(:class:`~conformance.lint.model.Spec`) is in :mod:`conformance.lint.model`, the document
walkers in :mod:`conformance.lint.walk`.

:func:`lint_file` also puts each finding's file, line and column in its evidence
(:mod:`conformance.lint.locate`). :class:`~conformance.lint.settings.LintSettings` turn
rules off and change their severity; the ignore file (:mod:`conformance.lint.ignore`) and
the output formats (:mod:`conformance.lint.formats`) are applied by the ``lint`` command.

Lint reads the original spec as given: overlays are never applied here.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import conformance.lint.rules  # noqa: F401 - importing the rule modules registers them
from conformance.findings import Finding, Kind, Source
from conformance.lint.locate import locate, where
from conformance.lint.model import RULES, Rule, Spec
from conformance.lint.settings import LintSettings
from conformance.spec_loader import Positions, load_document_with_positions

__all__ = [
    "RULES",
    "LintSettings",
    "Rule",
    "Spec",
    "lint_document",
    "lint_file",
    "registered_rules",
    "rule_of",
    "summary_line",
    "text_line",
    "text_report",
]


def registered_rules(settings: LintSettings | None = None) -> list[Rule]:
    """Every rule in :data:`RULES` that runs in lint (and that ``settings`` leave on), in
    registration order."""
    return [entry.obj for entry in RULES.running_in("lint")
            if settings is None or settings.enabled(entry.name)]


def _names() -> dict[Any, str]:
    return {entry.obj: entry.name for entry in RULES}


def lint_document(doc: dict[str, Any], rules: Iterable[Rule] | None = None, *,
                  settings: LintSettings | None = None, positions: Positions | None = None,
                  file: str = "") -> list[Finding]:
    """All spec defects ``rules`` (default: :func:`registered_rules` of ``settings``) find in
    ``doc``, one per fingerprint, in rule order, with the severities of ``settings``; with
    ``positions`` (of ``file``), each carries its file, line and column."""
    spec = Spec(doc)
    names = _names()
    seen: set[str] = set()
    findings = []
    for rule in registered_rules(settings) if rules is None else rules:
        name = str(names.get(rule) or getattr(rule, "__name__", repr(rule)))
        for finding in _run(rule, name, spec):
            if finding.fingerprint not in seen:
                seen.add(finding.fingerprint)
                findings.append(finding)
    if settings is not None:
        findings = [_with_severity(f, settings) for f in findings]
    return locate(findings, positions, file) if positions is not None else findings


def _with_severity(finding: Finding, settings: LintSettings) -> Finding:
    rule = rule_of(finding)
    if rule not in settings.rules or finding.kind is not Kind.SPEC_DEFECT:
        return finding
    return dataclasses.replace(finding, severity=settings.severity(rule))


def _run(rule: Rule, name: str, spec: Spec) -> list[Finding]:
    """The rule's findings; a crash in one rule becomes a finding and never hides the rest."""
    try:
        return list(rule(spec))
    except Exception as exc:  # noqa: BLE001 - a lint bug is reported, not raised
        return [Finding.make(
            Kind.VALIDATION_ERROR, source=Source.LINT, schema_path=f"#{name}",
            message=f"Lint rule {name} failed ({type(exc).__name__}: {exc}), so its checks "
            "were skipped.", evidence={"rule": "lint-error"})]


def lint_file(path: str | Path, rules: Iterable[Rule] | None = None, *,
              settings: LintSettings | None = None) -> list[Finding]:
    """Lint the spec file at ``path``, each finding at its file:line:col; a missing or
    non-OpenAPI file raises UserError."""
    doc, positions = load_document_with_positions(path)
    return lint_document(doc, rules, settings=settings, positions=positions, file=str(path))


def rule_of(finding: Finding) -> str:
    return str(finding.evidence.get("rule", "?"))


def summary_line(findings: Iterable[Finding]) -> str:
    """``3 spec defects (by rule: example-invalid 2, unused-component 1)``."""
    counts = Counter(rule_of(f) for f in findings)
    total = sum(counts.values())
    noun = "spec defect" if total == 1 else "spec defects"
    if not total:
        return f"0 {noun}"
    by_rule = ", ".join(f"{rule} {n}" for rule, n in counts.most_common())
    return f"{total} {noun} (by rule: {by_rule})"


def text_line(finding: Finding) -> str:
    """``spec.yaml:12:5: unused-component [minor] Recipient is never used. (/components/…)``;
    without a position, ``/pointer: [minor] rule: message``."""
    if "position" not in finding.evidence:
        return f"{finding.location or '/'}: {rule_of(finding)} [{finding.severity}] " \
               f"{finding.message}"
    return (f"{where(finding)}: {rule_of(finding)} [{finding.severity}] {finding.message} "
            f"({finding.location or '/'})")


def text_report(findings: Sequence[Finding]) -> str:
    """One line per finding (:func:`text_line`), then the summary line."""
    return "\n".join([*(text_line(f) for f in findings), summary_line(findings)])
