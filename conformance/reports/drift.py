"""Drift per operation and per field: what traffic and findings show that the spec does not.

Findings are grouped by fingerprint (one line per distinct problem, however often seen) and
filed per operation in buckets: undocumented fields, enum values, query parameters, statuses
and paths, violations, and checks that did not run. With recorded traffic, each operation
also lists the documented fields the traffic never used. The gate: a group whose fingerprint
is not in the baseline is *new*; the checks that did not run never gate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.accepted import TODO_REASON
from conformance.findings import Finding, Kind
from conformance.reports.fields import documented_fields
from conformance.reports.traffic import REQUEST_BODY

if TYPE_CHECKING:
    from conformance.contract import Contract

__all__ = ["BUCKETS", "TODO_REASON", "DriftReport", "Entry", "Group", "OperationDrift",
           "aggregate"]


# bucket -> (title, kinds); a kind in no bucket is a violation
BUCKETS: dict[str, tuple[str, frozenset[Kind]]] = {
    "fields": ("Undocumented fields", frozenset({Kind.UNDOCUMENTED_FIELD})),
    "enum_values": ("Undocumented enum values", frozenset({Kind.UNDOCUMENTED_ENUM_VALUE})),
    "query_params": ("Undocumented query parameters",
                     frozenset({Kind.UNDOCUMENTED_QUERY_PARAM})),
    "statuses": ("Undocumented statuses", frozenset({Kind.UNDOCUMENTED_STATUS,
                                                     Kind.RESPONSE_STATUS_UNDOCUMENTED})),
    "paths": ("Undocumented paths", frozenset({Kind.OPERATION_UNDOCUMENTED})),
    "not_checked": ("Not checked", frozenset({Kind.VALIDATION_ERROR, Kind.BODY_SKIPPED})),
}
VIOLATIONS = ("violations", "Violations")
NEVER_SEEN_NOTE = ("Documented fields never seen need recorded traffic: pass HAR files "
                   "(findings alone do not say which fields were present).")


def bucket_of(kind: Kind) -> str:
    return next((b for b, (_, kinds) in BUCKETS.items() if kind in kinds), VIOLATIONS[0])


@dataclass
class Group:
    """All findings with one fingerprint."""

    first: Finding
    count: int = 0
    sources: set[str] = field(default_factory=set)
    accepted_reason: str | None = None  # set when the baseline accepts it

    @property
    def fingerprint(self) -> str:
        return self.first.fingerprint

    @property
    def bucket(self) -> str:
        return bucket_of(self.first.kind)

    @property
    def gates(self) -> bool:
        return self.bucket != "not_checked"

    @property
    def is_new(self) -> bool:
        return self.gates and self.accepted_reason is None


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    kind: str
    operation_id: str
    location: str
    reason: str

    @classmethod
    def of(cls, group: Group, reason: str = TODO_REASON) -> Entry:
        f = group.first
        operation = f.operation_id or f"{f.method or '?'} {f.path_template or '?'}"
        return cls(f.fingerprint, str(f.kind), operation, f.location, reason)


@dataclass
class OperationDrift:
    key: str  # operationId, or "METHOD /path" for an undocumented operation
    method: str
    path_template: str
    documented: bool
    calls: int | None = None
    groups: list[Group] = field(default_factory=list)
    never_seen: dict[str, list[str]] | None = None  # part -> documented fields never used

    def bucket(self, name: str) -> list[Group]:
        return [g for g in self.groups if g.bucket == name]


@dataclass
class DriftReport:
    operations: dict[str, OperationDrift]
    spec: dict[str, str]
    inputs: list[str]
    notes: list[str] = field(default_factory=list)
    fixed: list[Entry] = field(default_factory=list)  # baseline entries no longer seen
    baseline: str | None = None

    @property
    def groups(self) -> list[Group]:
        return [g for op in self.operations.values() for g in op.groups]

    @property
    def new(self) -> list[Group]:
        return [g for g in self.groups if g.is_new]


def _operation_key(f: Finding) -> str:
    return f.operation_id or f"{f.method or '?'} {f.path_template or '?'}"


def _never_seen(contract: Contract, op_id: str, used: Mapping[str, set[str]]
                ) -> dict[str, list[str]]:
    op = contract.operations[op_id]
    out: dict[str, list[str]] = {}
    for part, fields_used in sorted(used.items()):
        if part == REQUEST_BODY:
            schema = next(iter(op.request_content.values()), None)
        else:
            status = part.removeprefix("response.").removesuffix(".body")
            schema = next(iter(op.responses.get(status, {}).values()), None)
        if schema is not None:
            missing = documented_fields(contract.document, schema,
                                        request=part == REQUEST_BODY) - fields_used
            out[part] = sorted(missing)
    return out


def aggregate(findings: Iterable[Finding], contract: Contract, *, inputs: list[str],
              calls: Mapping[str, int] | None = None,
              used: Mapping[str, Mapping[str, set[str]]] | None = None) -> DriftReport:
    """Group findings per operation and fingerprint; with ``used`` (from traffic), list the
    documented fields never seen for every operation the traffic called."""
    operations: dict[str, OperationDrift] = {}
    groups: dict[str, Group] = {}
    for f in findings:
        key = _operation_key(f)
        op = operations.get(key)
        if op is None:
            op = operations[key] = OperationDrift(key, f.method or "", f.path_template or "",
                                                  f.operation_id in contract.operations)
        group = groups.get(f.fingerprint)
        if group is None:
            group = groups[f.fingerprint] = Group(f)
            op.groups.append(group)
        group.count += 1
        group.sources.add(f.source)
    for op_id, n in (calls or {}).items():
        known = contract.operations.get(op_id)
        if known is not None:
            op = operations.setdefault(op_id, OperationDrift(
                op_id, known.method, known.path_template, True))
            op.calls = n
    notes = [] if used is not None else [NEVER_SEEN_NOTE]
    for op_id, parts in (used or {}).items():
        if op_id in operations and op_id in contract.operations:
            operations[op_id].never_seen = _never_seen(contract, op_id, parts)
    for op in operations.values():
        op.groups.sort(key=lambda g: (g.bucket, g.first.location, g.first.status or 0))
    spec = {"title": contract.title, "version": contract.version, "hash": contract.spec_hash}
    return DriftReport(dict(sorted(operations.items())), spec, inputs, notes)
