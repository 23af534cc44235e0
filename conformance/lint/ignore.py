"""The ignore file: lint findings a team has accepted, one entry per fingerprint, each with
its reason, so CI fails only on new findings::

    entries:
      - fingerprint: 3f2a9c0d1e4b5a67
        rule: unused-component
        location: /components/schemas/Recipient
        reason: kept for the SDK generator; see ticket 123.

Only ``fingerprint`` and ``reason`` matter; ``rule`` and ``location`` are for the reviewer.
``lint --update-ignore`` rewrites the file to this run: entries still found keep their
reason, new ones get ``reason: "TODO: review"``, entries no longer found are dropped (and
until then every run reports them). The format is the drift baseline's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from conformance.accepted import TODO_REASON, FileKind, load_entries, save_entries
from conformance.findings import Finding

__all__ = ["DEFAULT_IGNORE_FILE", "TODO_REASON", "Accepted", "Sorted", "load_ignore",
           "save_ignore", "sort_out", "updated"]

DEFAULT_IGNORE_FILE = ".sinch-lint-ignore.yaml"
_KIND = FileKind(
    file="the ignore file", entry_of="the ignore file", accepted="finding",
    update_flag="--update-ignore", path_flag="--ignore-file",
    missing_tip="create it with --update-ignore, or check --ignore-file",
    header="""\
# Accepted findings of `sinch-conformance lint`: one entry per fingerprint. lint does not
# fail on these and reports entries no longer found, so this file can shrink. Replace every
# "TODO: review" with the reason the finding is accepted; `lint --update-ignore` rewrites it.
""")


@dataclass(frozen=True)
class Accepted:
    fingerprint: str
    rule: str
    location: str
    reason: str

    @classmethod
    def of(cls, finding: Finding, reason: str = TODO_REASON) -> Accepted:
        return cls(finding.fingerprint, str(finding.evidence.get("rule", "?")), finding.location,
                   reason)


@dataclass
class Sorted:
    """Findings split by the ignore file."""

    new: list[Finding] = field(default_factory=list)
    ignored: list[tuple[Finding, Accepted]] = field(default_factory=list)
    stale: list[Accepted] = field(default_factory=list)  # entries that matched nothing


def load_ignore(path: str | Path, *, missing_ok: bool = False) -> list[Accepted]:
    """The entries of an ignore file (a missing file is empty when ``missing_ok``)."""
    return [Accepted(str(raw["fingerprint"]), str(raw.get("rule", "")),
                     str(raw.get("location", "")), str(raw["reason"]))
            for raw in load_entries(_KIND, path, missing_ok=missing_ok)]


def sort_out(findings: Iterable[Finding], entries: Iterable[Accepted]) -> Sorted:
    """Which findings are new, which the ignore file accepts, which entries are stale."""
    by_fp = {e.fingerprint: e for e in entries}
    out, seen = Sorted(), set()
    for finding in findings:
        entry = by_fp.get(finding.fingerprint)
        if entry is None:
            out.new.append(finding)
        else:
            out.ignored.append((finding, entry))
            seen.add(entry.fingerprint)
    out.stale = [e for e in by_fp.values() if e.fingerprint not in seen]
    return out


def updated(findings: Iterable[Finding], entries: Iterable[Accepted]) -> list[Accepted]:
    """The ignore file for this run: every finding, with its reviewed reason if it has one."""
    reasons = {e.fingerprint: e.reason for e in entries}
    out = {f.fingerprint: Accepted.of(f, reasons.get(f.fingerprint, TODO_REASON))
           for f in findings}
    return sorted(out.values(), key=lambda e: (e.rule, e.location, e.fingerprint))


def save_ignore(path: str | Path, entries: list[Accepted]) -> None:
    """Write the ignore file (and its folder when missing)."""
    save_entries(_KIND, path, [asdict(e) for e in entries])
