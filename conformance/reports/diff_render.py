"""Spec changes as Markdown, JSON, JUnit XML (one test case per change, failing at or above
the gate) and GitHub workflow annotations (``::error file=..,line=..,col=..::``, one per
change: an error at or above the gate, else a warning for minor and a notice for patch).
Every change names the file, line and column of its node."""

from __future__ import annotations

import json
from collections.abc import Sequence

from conformance.reports.diff_model import Change, Grade, SpecFile
from conformance.reports.output import Case, code, junit_xml, table

__all__ = ["to_github", "to_json", "to_junit", "to_markdown"]

_SECTIONS = ((Grade.MAJOR, "❌ Major (breaking)"), (Grade.MINOR, "Minor"), (Grade.PATCH, "Patch"))


def _spec(spec: SpecFile) -> dict[str, str]:
    return {"file": spec.source, "title": spec.title, "version": spec.version,
            "hash": spec.spec_hash}


def _counts(changes: Sequence[Change]) -> dict[str, int]:
    out = {g.label: sum(1 for c in changes if c.grade is g) for g in Grade}
    major = out["major"]
    return {"major": major, "minor": out["minor"], "patch": out["patch"], "breaking": major,
            "non_breaking": len(changes) - major}


def _position(c: Change) -> str:
    return f"{c.file}:{c.line}:{c.column}"


def to_json(old: SpecFile, new: SpecFile, changes: Sequence[Change], *,
            version_problem: str | None = None) -> str:
    data = {"old": _spec(old), "new": _spec(new), "summary": _counts(changes),
            "version_problem": version_problem, "changes": [c.as_dict() for c in changes]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_markdown(old: SpecFile, new: SpecFile, changes: Sequence[Change], *,
                version_problem: str | None = None) -> str:
    n = _counts(changes)
    lines = [f"## Spec diff: {n['major']} major, {n['minor']} minor, {n['patch']} patch", "",
             f"{code(old.source)} ({old.version}, {code(old.spec_hash)}) → "
             f"{code(new.source)} ({new.version}, {code(new.spec_hash)})", ""]
    if version_problem:
        lines += [f"❌ {version_problem}.", ""]
    if not changes:
        lines.append("✅ No change in operations, parameters, bodies, security or servers.")
    headers = ["Operation", "Change", "Location", "Detail", "Where"]
    for grade, title in _SECTIONS:
        rows = [[c.operation, c.kind, c.location or "-", c.message, _position(c)]
                for c in changes if c.grade is grade]
        if rows:
            lines += [f"### {title}", ""] + table(headers, rows) + [""]
    return "\n".join(lines).rstrip() + "\n"


def to_junit(changes: Sequence[Change], fail_on: Grade = Grade.MAJOR) -> str:
    cases = []
    for c in changes:
        text = f"{c.grade.label}: {c.message} ({_position(c)})"
        failing = c.grade >= fail_on
        cases.append(Case(c.operation, f"{c.kind} {c.location or '-'}",
                          failure=text if failing else None, output="" if failing else text))
    return junit_xml("sinch-conformance diff", cases)


def _escape(text: str, prop: bool = False) -> str:
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def to_github(changes: Sequence[Change], fail_on: Grade = Grade.MAJOR) -> str:
    lines = []
    for c in changes:
        level = "error" if c.grade >= fail_on else (
            "warning" if c.grade is Grade.MINOR else "notice")
        title = _escape(f"{c.grade.label} change: {c.kind}", prop=True)
        lines.append(f"::{level} file={_escape(c.file, prop=True)},line={c.line},"
                     f"col={c.column},title={title}::"
                     + _escape(f"{c.operation}: {c.message}"))
    return "".join(line + "\n" for line in lines)
