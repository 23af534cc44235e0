"""The default severity of each lint rule, and the order of severities.

Severities are Allure's (:class:`~conformance.findings.Severity`), most severe first. A rule
not listed here gets the ``spec_defect`` default, ``normal``. A team changes them per rule in
its configuration (:mod:`conformance.lint.settings`); this table is only the default.
"""

from __future__ import annotations

from conformance.findings import Severity

__all__ = ["DEFAULT_SEVERITY", "SEVERITIES", "default_severity", "at_least"]

# Most severe first; the index is the rank.
SEVERITIES: tuple[Severity, ...] = tuple(Severity)

DEFAULT_SEVERITY: dict[str, Severity] = {
    **dict.fromkeys((
        "oneof-ambiguous", "required-undefined", "ref-unresolved", "schema-invalid",
        "path-param-undeclared", "oas-required", "oas-type", "oas-enum", "oas-format",
        "oas-unknown-field", "oas-one-of", "oas-schema", "tag-duplicate", "security-undefined",
    ), Severity.CRITICAL),
    **dict.fromkeys((
        "unused-component", "duplicate-description", "duplicate-example", "duplicate-title",
        "copied-description", "description-names-other", "limit-not-in-schema",
        "required-mismatch", "type-missing", "ref-external", "map-values-undefined",
        "example-undocumented-field", "tag-undefined", "parameter-description",
    ), Severity.MINOR),
}


def default_severity(rule: str) -> Severity:
    return DEFAULT_SEVERITY.get(rule, Severity.NORMAL)


def at_least(severity: Severity | str, threshold: Severity | str) -> bool:
    """True when ``severity`` is ``threshold`` or more severe (``critical`` >= ``minor``)."""
    return SEVERITIES.index(Severity(severity)) <= SEVERITIES.index(Severity(threshold))
