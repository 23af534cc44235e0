"""The findings of one message: a collector that fills in the operation's context and
counts repeats, and the Findings that schema issues and unparsable JSON bodies become.

:mod:`conformance.validation` runs the checks of one request or response into one
:class:`MessageFindings`; :meth:`MessageFindings.result` is what they found.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from conformance.findings import Finding, Kind, json_pointer, utc_now

if TYPE_CHECKING:
    from conformance.contract import Operation
    from conformance.schemas import SchemaIssue

__all__ = ["MessageFindings", "parse_json", "schema_findings"]


def _norm(path: tuple[str | int, ...]) -> str:
    """JSON pointer with array indices as '*', so list items share one fingerprint."""
    return json_pointer("*" if isinstance(p, int) else p for p in path)


class MessageFindings:
    """Collects findings for one message, with the operation context filled in.

    Occurrences are counted by what makes a fingerprint within one message (kind,
    location, schema path; the operation and status are the same for all), and each
    Finding is built once, at the end: twenty list items with the same drift cost one
    Finding, not twenty."""

    def __init__(self, ctx: dict[str, Any], op: Operation | None, method: str,
                 template: str | None, status: int | None) -> None:
        self.ctx, self.op, self.method, self.template, self.status = ctx, op, method, \
            template, status
        self.items: dict[tuple[Kind, str, str], tuple[str, str]] = {}
        self.counts: dict[tuple[Kind, str, str], int] = {}

    def again(self, kind: Kind, location: str, schema_path: str) -> bool:
        """Count one more occurrence if this finding is already made (True), so the
        caller can skip building its message."""
        key = (kind, location, schema_path)
        if key in self.counts:
            self.counts[key] += 1
            return True
        return False

    def add(self, kind: Kind, message: str, *, location: str, instance_path: str = "",
            schema_path: str = "") -> None:
        if not self.again(kind, location, schema_path):
            key = (kind, location, schema_path)
            self.counts[key] = 1
            self.items[key] = (message, instance_path)

    def result(self) -> list[Finding]:
        out = []
        op_id = self.op.operation_id if self.op else None
        now = utc_now() if self.items else ""  # one message, one moment
        for key, (message, instance_path) in self.items.items():
            kind, location, schema_path = key
            n = self.counts[key]
            out.append(Finding.make(
                kind, message=f"{message} ({n} occurrences)" if n > 1 else message,
                location=location, instance_path=instance_path, schema_path=schema_path,
                operation_id=op_id, method=self.method, path_template=self.template,
                status=self.status, timestamp=now, **self.ctx))
        return out


_ISSUE_KINDS: dict[str | None, Kind] = {
    "field": Kind.UNDOCUMENTED_FIELD, "enum": Kind.UNDOCUMENTED_ENUM_VALUE,
    "skipped": Kind.BODY_SKIPPED, "readonly": Kind.READONLY_IN_REQUEST}


def schema_findings(out: MessageFindings, issues: list[SchemaIssue], side: str, base: str) -> None:
    body_kind = Kind.REQUEST_BODY_SCHEMA if side == "request" else Kind.RESPONSE_BODY_SCHEMA
    label = "Request" if side == "request" else "Response"
    made: dict[tuple[Any, ...], tuple[str, str]] = {}  # list items repeat: text built once
    for issue in issues:
        kind = _ISSUE_KINDS.get(issue.drift, body_kind)  # drift None: a violation
        key = (kind, issue.schema_path,
               *["*" if isinstance(p, int) else p for p in issue.instance_path])
        texts = made.get(key)
        if texts is None:
            texts = made[key] = (f"{side}.body{_norm(issue.instance_path)}",
                                 base + json_pointer(issue.schema_path))
        location, schema_path = texts
        if out.again(kind, location, schema_path):
            continue
        pointer = json_pointer(issue.instance_path)
        where = pointer or "/"
        if kind is Kind.UNDOCUMENTED_FIELD:
            message = f"{label} body has field `{where}`, which the spec does not document."
        elif kind is Kind.UNDOCUMENTED_ENUM_VALUE:
            message = f"{label} body at `{where}`: received {issue.message}."
        elif kind is Kind.BODY_SKIPPED:
            message, pointer = f"{label} body not validated: {issue.message}.", ""
        elif kind is Kind.READONLY_IN_REQUEST:
            message = (f"Request body sends read-only property `{where}`; the spec marks it "
                       "readOnly, so clients must not send it.")
        else:
            message = f"{label} body at `{where}` violates the schema: {issue.message}."
        out.add(kind, message, location=location, instance_path=pointer,
                schema_path=schema_path)


def parse_json(out: MessageFindings, raw: bytes, side: str) -> tuple[bool, Any]:
    kind = Kind.REQUEST_BODY_SCHEMA if side == "request" else Kind.RESPONSE_BODY_SCHEMA
    try:
        return True, json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = ("not UTF-8" if isinstance(exc, UnicodeDecodeError)
                  else "nested too deeply to parse" if isinstance(exc, RecursionError)
                  else str(exc))
        out.add(kind, f"{side.capitalize()} body is not valid JSON ({reason}); "
                      f"received {len(raw)} bytes.", location=f"{side}.body")
        return False, None
