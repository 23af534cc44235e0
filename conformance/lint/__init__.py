"""Spec lint: check the OpenAPI document against itself, before testing anything.

Every check is a small function ``rule(spec) -> Iterable[Finding]`` registered in
:data:`RULES` (a :class:`conformance.registry.Registry`; its order is the order of the
findings); each finding is a ``spec_defect`` from source ``lint`` whose ``evidence["rule"]``
names the sub-kind (``example-invalid``, ``oneof-ambiguous``, ...). The rules live in
:mod:`conformance.lint.rules`, one module per family, and register themselves when this
package imports them; the model they share (:class:`~conformance.lint.model.Spec`) is in
:mod:`conformance.lint.model`, the document walkers in :mod:`conformance.lint.walk`.

Lint reads the original spec as given: overlays are never applied here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import conformance.lint.rules  # noqa: F401 - importing the rule modules registers them
from conformance.findings import Finding, Kind, Source
from conformance.lint.model import RULES, Rule, Spec
from conformance.spec_loader import load_document

__all__ = [
    "RULES",
    "Rule",
    "Spec",
    "lint_document",
    "lint_file",
    "registered_rules",
    "rule_of",
    "summary_line",
    "text_report",
]


def registered_rules() -> list[Rule]:
    """Every rule in :data:`RULES` that runs in lint, in registration order."""
    return [entry.obj for entry in RULES.running_in("lint")]


def lint_document(doc: dict[str, Any], rules: Iterable[Rule] | None = None) -> list[Finding]:
    """All spec defects ``rules`` (default: :func:`registered_rules`) find in ``doc``, one per
    fingerprint, in rule order."""
    spec = Spec(doc)
    seen: set[str] = set()
    findings = []
    for rule in registered_rules() if rules is None else rules:
        for finding in _run(rule, spec):
            if finding.fingerprint not in seen:
                seen.add(finding.fingerprint)
                findings.append(finding)
    return findings


def _run(rule: Rule, spec: Spec) -> list[Finding]:
    """The rule's findings; a crash in one rule becomes a finding and never hides the rest."""
    try:
        return list(rule(spec))
    except Exception as exc:  # noqa: BLE001 - a lint bug is reported, not raised
        name = getattr(rule, "__name__", repr(rule))
        return [Finding.make(
            Kind.VALIDATION_ERROR, source=Source.LINT, schema_path=f"#{name}",
            message=f"Lint rule {name} failed ({type(exc).__name__}: {exc}), so its checks "
            "were skipped.", evidence={"rule": "lint-error"})]


def lint_file(path: str | Path, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Lint the spec file at ``path``; a missing or non-OpenAPI file raises UserError."""
    return lint_document(load_document(path), rules)


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


def text_report(findings: Sequence[Finding]) -> str:
    """One ``LOCATION: message`` line per finding, then the summary line."""
    lines = [f"{f.location or '/'}: {f.message}" for f in findings]
    return "\n".join([*lines, summary_line(findings)])
