"""The baseline: a reviewed YAML file of accepted drift, one entry per fingerprint.

::

    entries:
      - fingerprint: 3f2a9c0d1e4b5a67
        kind: undocumented_field
        operation_id: Messages_SendMessage
        location: response.body/accepted_time
        reason: Sinch returns it since 2024; asked them to document it (ticket 123).

Only ``fingerprint`` and ``reason`` matter to the gate; the rest is there for the reviewer.
``--update-baseline`` rewrites the file to this run: entries still seen keep their reason,
new ones get ``reason: "TODO: review"``, entries no longer seen are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from conformance.accepted import FileKind, load_entries, save_entries
from conformance.reports.drift import TODO_REASON, DriftReport, Entry

__all__ = ["TODO_REASON", "Entry", "apply", "load", "save", "updated"]

_KIND = FileKind(
    file="the baseline file", entry_of="the baseline", accepted="drift",
    update_flag="--update-baseline", path_flag="--baseline",
    missing_tip="create it with --update-baseline, or drop --baseline",
    header="""\
# Accepted spec drift for `sinch-conformance drift --baseline`: one entry per fingerprint.
# `drift` fails only on findings not listed here and reports entries no longer seen, so this
# file can shrink. Replace every "TODO: review" with the reason the drift is accepted.
""")


def load(path: str | Path, *, missing_ok: bool = False) -> list[Entry]:
    """The entries of a baseline file (a missing file is empty when ``missing_ok``)."""
    return [Entry(str(raw["fingerprint"]), str(raw.get("kind", "")),
                  str(raw.get("operation_id", "")), str(raw.get("location", "")),
                  str(raw["reason"]))
            for raw in load_entries(_KIND, path, missing_ok=missing_ok)]


def apply(report: DriftReport, entries: Iterable[Entry], source: str) -> None:
    """Mark accepted groups and list the entries no longer seen, in place."""
    by_fp = {e.fingerprint: e for e in entries}
    seen = set()
    for group in report.groups:
        entry = by_fp.get(group.fingerprint)
        if entry is not None:
            group.accepted_reason = entry.reason
            seen.add(entry.fingerprint)
    report.fixed = [e for e in by_fp.values() if e.fingerprint not in seen]
    report.baseline = source


def updated(report: DriftReport, entries: Iterable[Entry]) -> list[Entry]:
    """The baseline for this run: every gating group, with its reviewed reason if it has one."""
    reasons = {e.fingerprint: e.reason for e in entries}
    out = [Entry.of(g, reasons.get(g.fingerprint, TODO_REASON)) for g in report.groups
           if g.gates]
    return sorted(out, key=lambda e: (e.operation_id, e.kind, e.location, e.fingerprint))


def save(path: str | Path, entries: list[Entry]) -> None:
    """Write the baseline (and its folder when missing)."""
    save_entries(_KIND, path, [asdict(e) for e in entries])
