"""A :class:`~conformance.reports.drift.DriftReport` as Markdown (for ``$GITHUB_STEP_SUMMARY``),
JSON (for machines) and JUnit XML (one test case per fingerprint, failing when new)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from conformance.reports.drift import BUCKETS, VIOLATIONS, DriftReport, Group, OperationDrift
from conformance.reports.output import Case, code, junit_xml, table

__all__ = ["to_json", "to_junit", "to_markdown"]

MAX_ITEMS = 20  # per bucket and operation in Markdown; the JSON has everything
MAX_NEW = 50
MAX_NEVER_SEEN = 30
_ORDER = ["fields", "enum_values", "query_params", "statuses", "paths", VIOLATIONS[0],
          "not_checked"]
_TITLES = {**{b: t for b, (t, _) in BUCKETS.items()}, VIOLATIONS[0]: VIOLATIONS[1]}
_SHORT = {"fields": "Fields", "enum_values": "Enum values", "query_params": "Query params",
          "statuses": "Statuses", "paths": "Paths", VIOLATIONS[0]: "Violations"}


def _state(g: Group) -> str:
    if not g.gates:
        return "not gating"
    return "new" if g.accepted_reason is None else "accepted"


def _group_json(g: Group) -> dict[str, Any]:
    f = g.first
    return {"fingerprint": f.fingerprint, "kind": str(f.kind), "category": f.category,
            "severity": str(f.severity), "location": f.location, "status": f.status,
            "count": g.count, "sources": sorted(g.sources), "message": f.message,
            "curl": f.evidence.get("curl"), "state": _state(g), "reason": g.accepted_reason}


def _operation_json(op: OperationDrift) -> dict[str, Any]:
    out: dict[str, Any] = {"operation": op.key, "method": op.method,
                           "path_template": op.path_template, "documented": op.documented,
                           "calls": op.calls}
    for bucket in _ORDER:
        out[bucket] = [_group_json(g) for g in op.bucket(bucket)]
    out["never_seen"] = op.never_seen
    return out


def _summary(report: DriftReport) -> dict[str, int]:
    groups = report.groups
    return {"operations": len(report.operations), "findings": len(groups),
            "new": len(report.new),
            "accepted": sum(1 for g in groups if g.accepted_reason is not None),
            "fixed": len(report.fixed),
            "not_checked": sum(1 for g in groups if not g.gates)}


def to_json(report: DriftReport) -> str:
    data = {"spec": report.spec, "inputs": report.inputs, "baseline": report.baseline,
            "summary": _summary(report),
            "operations": [_operation_json(op) for op in report.operations.values()],
            "new": [g.fingerprint for g in report.new],
            "fixed": [asdict(e) for e in report.fixed], "notes": report.notes}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _item(g: Group) -> str:
    f = g.first
    where = f.location or "-"
    status = f" ({f.status})" if f.status is not None and f.location != "response.status" \
        else ""
    mark = {"new": " **new**", "accepted": "", "not gating": ""}[_state(g)]
    return f"{code(where)}{status} ×{g.count}{mark}: {f.message}"


def _overview(report: DriftReport) -> list[str]:
    headers = ["Operation", "Calls", *(_SHORT[b] for b in _ORDER[:-1]), "Never seen", "New"]
    rows = []
    for op in report.operations.values():
        never = "-" if op.never_seen is None else sum(len(v) for v in op.never_seen.values())
        rows.append([op.key, "-" if op.calls is None else op.calls,
                     *(len(op.bucket(b)) for b in _ORDER[:-1]), never,
                     sum(1 for g in op.groups if g.is_new)])
    return table(headers, rows)


def _roots(names: list[str]) -> list[tuple[str, int]]:
    """Never-seen fields with their never-seen descendants folded in: (pointer, nested)."""
    out: list[tuple[str, int]] = []
    for name in sorted(names):
        if out and name.startswith(out[-1][0] + "/"):
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((name, 0))
    return out


def _never_seen_md(never_seen: dict[str, list[str]]) -> list[str]:
    total = sum(len(v) for v in never_seen.values())
    lines = [f"- Documented fields never seen ({total}):"]
    for part, names in never_seen.items():
        roots = _roots(names)
        shown = ", ".join(code(n) + (f" (+{k} nested)" if k else "")
                          for n, k in roots[:MAX_NEVER_SEEN])
        more = f" … and {len(roots) - MAX_NEVER_SEEN} more" if len(roots) > MAX_NEVER_SEEN \
            else ""
        lines.append(f"  - {part}: {shown or 'none'}{more}")
    return lines


def _operation_md(op: OperationDrift) -> list[str]:
    where = f" — {op.method} {op.path_template}" if op.documented else ""
    new = sum(1 for g in op.groups if g.is_new)
    lines = [f"<details><summary><b>{op.key}</b>{where}: {len(op.groups)} finding(s), "
             f"{new} new</summary>", ""]
    for bucket in _ORDER:
        groups = op.bucket(bucket)
        if not groups:
            continue
        lines.append(f"- **{_TITLES[bucket]}** ({len(groups)}):")
        lines += [f"  - {_item(g)}" for g in groups[:MAX_ITEMS]]
        if len(groups) > MAX_ITEMS:
            lines.append(f"  - … and {len(groups) - MAX_ITEMS} more (see drift.json)")
    if op.never_seen:
        lines += _never_seen_md(op.never_seen)
    return lines + ["", "</details>", ""]


def to_markdown(report: DriftReport) -> str:
    s = _summary(report)
    spec = report.spec
    lines = [f"## Spec drift: {s['new']} new, {s['accepted']} accepted, {s['fixed']} fixed", ""]
    baseline = code(report.baseline) if report.baseline else "none"
    lines.append(f"Spec {spec['title']} {spec['version']} ({code(spec['hash'])}) · inputs: "
                 f"{', '.join(code(i) for i in report.inputs) or 'none'} · baseline: {baseline}")
    lines.append("")
    lines.append(f"❌ {s['new']} finding(s) not in the baseline." if s["new"]
                 else "✅ No new drift.")
    lines.append("")
    if report.operations:
        lines += _overview(report) + [""]
    if report.new:
        lines += ["### New: not in the baseline", ""]
        lines += table(["Kind", "Operation", "Location", "Seen", "Fingerprint", "Message"],
                       [[str(g.first.kind), g.first.operation_id or "-", g.first.location,
                         g.count, g.fingerprint, g.first.message]
                        for g in report.new[:MAX_NEW]])
        if len(report.new) > MAX_NEW:
            lines.append(f"\n… and {len(report.new) - MAX_NEW} more (see drift.json)")
        lines.append("")
    if report.operations:
        lines += ["### Per operation", ""]
        for op in report.operations.values():
            lines += _operation_md(op)
    if report.fixed:
        lines += ["### Fixed: baseline entries no longer seen (remove them)", ""]
        lines += table(["Fingerprint", "Kind", "Operation", "Location", "Reason"],
                       [[e.fingerprint, e.kind, e.operation_id, e.location, e.reason]
                        for e in report.fixed])
        lines.append("")
    lines += [f"> {note}" for note in report.notes]
    return "\n".join(lines).rstrip() + "\n"


def to_junit(report: DriftReport) -> str:
    cases = []
    for op in report.operations.values():
        for g in op.groups:
            f = g.first
            name = f"{f.kind} {f.location or '-'}" + (f" [{f.status}]" if f.status else "")
            failure = f"new {f.title.lower()}: {f.message}" if g.is_new else None
            output = f"fingerprint {g.fingerprint}; seen {g.count} time(s)"
            if g.accepted_reason:
                output += f"; accepted: {g.accepted_reason}"
            skipped = "not checked" if not g.gates else None
            cases.append(Case(op.key, name, failure, skipped, output))
    for e in report.fixed:
        cases.append(Case(e.operation_id or "baseline", f"{e.kind} {e.location or '-'}",
                          skipped=f"no longer seen: remove {e.fingerprint} from the baseline"))
    return junit_xml("sinch-conformance drift", cases)
