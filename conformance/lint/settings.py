"""What a team configures about lint, from ``[tool.sinch-conformance.lint]`` in
pyproject.toml or ``[lint]`` in sinch-conformance.toml (see :mod:`conformance.config`)::

    [tool.sinch-conformance.lint]
    fail-on = "normal"                  # exit 1 only for findings this severe or more
    ignore-file = ".sinch-lint-ignore.yaml"

    [tool.sinch-conformance.lint.rules]
    unused-component = "off"            # or false: the rule does not run
    duplicate-title = "trivial"         # a severity: blocker, critical, normal, minor, trivial
    oneof-ambiguous = "on"              # or true: on, at its default severity

A rule name, a key or a value the tool does not know is one error naming it and the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.config import Section, check_keys
from conformance.errors import UserError
from conformance.findings import Severity
from conformance.lint.severity import default_severity

__all__ = ["LintSettings", "parse_severity", "settings_from"]

_SCHEMA = {"fail-on": str, "ignore-file": str, "rules": dict}
_OFF = None


@dataclass(frozen=True)
class LintSettings:
    """Per-rule severities (``None``: the rule is off), the failing severity, the ignore
    file, and where they came from."""

    rules: Mapping[str, Severity | None] = field(default_factory=dict)
    fail_on: Severity = Severity.TRIVIAL  # the default: any finding fails
    ignore_file: Path | None = None
    source: str = ""

    def enabled(self, rule: str) -> bool:
        return self.rules.get(rule, default_severity(rule)) is not _OFF

    def severity(self, rule: str) -> Severity:
        return self.rules.get(rule) or default_severity(rule)


def parse_severity(value: str, what: str) -> Severity:
    """``value`` as a Severity; a UserError naming ``what`` when it is none."""
    try:
        return Severity(value.lower())
    except ValueError:
        raise UserError(f"{what} is {value!r}, not a severity (one of "
                        f"{', '.join(s.value for s in Severity)})",
                        tip="use one of the severities it lists") from None


def _rule_value(section: Section, rule: str, value: object) -> Severity | None:
    if value is True or value == "on":
        return default_severity(rule)
    if value is False or value == "off":
        return _OFF
    if isinstance(value, str):
        try:
            return Severity(value.lower())
        except ValueError:
            pass
    raise section.error(f"rules.{rule}", f"is {value!r}; use \"off\", \"on\", true, false or "
                                         f"a severity ({', '.join(s.value for s in Severity)})")


def settings_from(section: Section, known_rules: Iterable[str]) -> LintSettings:
    """The settings of a ``lint`` section, checked against ``known_rules``."""
    check_keys(section, _SCHEMA)
    known = list(known_rules)
    rules: dict[str, Severity | None] = {}
    for rule, value in dict(section.values.get("rules", {})).items():
        if rule not in known:
            raise section.error(f"rules.{rule}", "names no lint rule (`sinch-conformance "
                                                 "lint --list-rules` lists them)")
        rules[rule] = _rule_value(section, rule, value)
    fail_on = Severity.TRIVIAL
    if "fail-on" in section.values:
        try:
            fail_on = Severity(str(section.values["fail-on"]).lower())
        except ValueError:
            raise section.error("fail-on", f"is {section.values['fail-on']!r}, not a severity "
                                f"({', '.join(s.value for s in Severity)})") from None
    ignore = section.values.get("ignore-file")
    return LintSettings(rules, fail_on, section.resolve(ignore) if ignore else None,
                        section.where() if section.file else "")
