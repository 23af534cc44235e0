"""Spec changes as Markdown, JSON and JUnit XML (one test case per change, failing when
breaking): the same three outputs as the drift report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from conformance.reports.output import Case, code, junit_xml, table
from conformance.reports.schema_diff import Change

if TYPE_CHECKING:
    from conformance.contract import Contract

__all__ = ["to_json", "to_junit", "to_markdown"]


def _spec(contract: Contract) -> dict[str, str]:
    return {"file": contract.source, "title": contract.title, "version": contract.version,
            "hash": contract.spec_hash}


def to_json(old: Contract, new: Contract, changes: Sequence[Change]) -> str:
    breaking = sum(1 for c in changes if c.breaking)
    data = {"old": _spec(old), "new": _spec(new),
            "summary": {"breaking": breaking, "non_breaking": len(changes) - breaking},
            "changes": [asdict(c) for c in changes]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _rows(changes: Sequence[Change]) -> list[list[str]]:
    return [[c.operation, c.kind, c.location or "-", c.message] for c in changes]


def to_markdown(old: Contract, new: Contract, changes: Sequence[Change]) -> str:
    breaking = [c for c in changes if c.breaking]
    other = [c for c in changes if not c.breaking]
    lines = [f"## Spec diff: {len(breaking)} breaking, {len(other)} non-breaking", "",
             f"{code(old.source)} ({old.version}, {code(old.spec_hash)}) → "
             f"{code(new.source)} ({new.version}, {code(new.spec_hash)})", ""]
    if not changes:
        lines.append("✅ No change in operations, parameters or bodies.")
    headers = ["Operation", "Change", "Location", "Detail"]
    if breaking:
        lines += ["### ❌ Breaking", ""] + table(headers, _rows(breaking)) + [""]
    if other:
        lines += ["### Non-breaking", ""] + table(headers, _rows(other)) + [""]
    return "\n".join(lines).rstrip() + "\n"


def to_junit(changes: Sequence[Change]) -> str:
    cases = [Case(c.operation, f"{c.kind} {c.location or '-'}",
                  failure=c.message if c.breaking else None,
                  output="" if c.breaking else c.message) for c in changes]
    return junit_xml("sinch-conformance diff", cases)
