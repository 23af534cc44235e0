"""One lint run as the outputs see it: the findings, split by the ignore file, and the
verdict (exit 1 only for a new finding at or above the failing severity)."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.findings import Finding
from conformance.lint import rule_of, summary_line
from conformance.lint.ignore import Accepted, Sorted, sort_out
from conformance.lint.settings import LintSettings
from conformance.lint.severity import at_least

__all__ = ["LintReport", "build_report"]


@dataclass(frozen=True)
class LintReport:
    spec: str  # the file linted, as given
    findings: list[Finding]  # the new ones: not in the ignore file
    ignored: list[tuple[Finding, Accepted]] = field(default_factory=list)
    stale: list[Accepted] = field(default_factory=list)
    settings: LintSettings = field(default_factory=LintSettings)
    ignore_file: str = ""  # "" when none is used
    rules: tuple[str, ...] = ()  # the rules that ran

    @property
    def failing(self) -> list[Finding]:
        """The new findings at or above the failing severity: what makes lint exit 1."""
        return [f for f in self.findings if at_least(f.severity, self.settings.fail_on)]

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def stale_lines(self) -> list[str]:
        return [f"{self.ignore_file}: entry {e.fingerprint} ({e.rule} at {e.location or '/'}) "
                "matches no finding any more; --update-ignore drops it" for e in self.stale]

    def summary(self) -> str:
        """``90 spec defects (by rule: ...)``, then what was ignored, stale and failing."""
        parts = [summary_line(self.findings)]
        if self.ignored:
            parts.append(f"{len(self.ignored)} ignored by {self.ignore_file}")
        if self.stale:
            noun = "entry" if len(self.stale) == 1 else "entries"
            parts.append(f"{len(self.stale)} ignore {noun} no longer found")
        if self.findings and self.settings.fail_on != "trivial":
            parts.append(f"{len(self.failing)} at or above {self.settings.fail_on}")
        return "; ".join(parts)

    def by_rule(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {name: [] for name in self.rules}
        for finding in self.findings:
            out.setdefault(rule_of(finding), []).append(finding)
        return out


def build_report(spec: str, findings: list[Finding], settings: LintSettings,
                 accepted: list[Accepted], ignore_file: str,
                 rules: tuple[str, ...] = ()) -> LintReport:
    split: Sorted = sort_out(findings, accepted)
    return LintReport(spec, split.new, split.ignored, split.stale, settings, ignore_file, rules)
