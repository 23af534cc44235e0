"""What changed between two versions of one body schema, seen from the client.

Direction matters: in a *request* the client writes and the server reads, so anything the
new server no longer accepts is breaking (a new required field, a narrowed enum, a changed
type, a removed field); in a *response* the server writes and the client reads, so anything
the client may not expect is breaking (a removed field, a field that became optional, a
widened enum, a changed type). Shared components are compared once per body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.findings import json_pointer
from conformance.reports.schema_walk import Shape, shape

__all__ = ["Change", "diff_schema"]


@dataclass(frozen=True)
class Change:
    kind: str
    breaking: bool
    operation: str
    location: str
    message: str


Emit = Callable[[str, bool, tuple[str, ...], str], None]


def _covers(wide: set[str], narrow: set[str]) -> bool:
    """Every type of ``narrow`` is allowed by ``wide`` (a number also covers an integer)."""
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _types(old: Shape, new: Shape, request: bool, path: tuple[str, ...], emit: Emit) -> None:
    if not old.types or not new.types or old.types == new.types:
        return
    ok = _covers(new.types, old.types) if request else _covers(old.types, new.types)
    emit("type_changed", not ok, path, f"type changed from {'/'.join(sorted(old.types))} "
                                       f"to {'/'.join(sorted(new.types))}")


def _enums(old: Shape, new: Shape, request: bool, path: tuple[str, ...], emit: Emit) -> None:
    if old.enum == new.enum:
        return
    if old.enum is None or new.enum is None:
        narrowed = new.enum is not None
        what = "an enum was added" if narrowed else "the enum was removed"
    else:
        removed, added = sorted(map(str, old.enum - new.enum)), sorted(map(str, new.enum
                                                                             - old.enum))
        if removed:
            emit("enum_narrowed", request, path, f"enum value(s) removed: {', '.join(removed)}")
        if added:
            emit("enum_widened", not request, path, f"enum value(s) added: {', '.join(added)}")
        return
    emit("enum_narrowed" if narrowed else "enum_widened", request == narrowed, path, what)


def _properties(old: Shape, new: Shape, request: bool, path: tuple[str, ...],
                emit: Emit) -> list[str]:
    for name in sorted(set(old.properties) - set(new.properties)):
        emit("field_removed", True, (*path, name), "field removed")
    for name in sorted(set(new.properties) - set(old.properties)):
        required = name in new.required
        emit("required_field_added" if required else "field_added", request and required,
             (*path, name), "required field added" if required else "optional field added")
    common = sorted(set(old.properties) & set(new.properties))
    for name in common:
        was, now = name in old.required, name in new.required
        if was != now:
            kind = "field_became_required" if now else "field_became_optional"
            emit(kind, request == now, (*path, name), kind.replace("_", " "))
    return common


class _Differ:
    def __init__(self, old_doc: Any, new_doc: Any, request: bool, emit: Emit) -> None:
        self.old_doc, self.new_doc, self.request, self.emit = old_doc, new_doc, request, emit
        self.done: set[tuple[frozenset[str], frozenset[str]]] = set()

    def compare(self, old: list[Any], new: list[Any], path: tuple[str, ...]) -> None:
        so, sn = shape(self.old_doc, old), shape(self.new_doc, new)
        key = (frozenset(so.refs), frozenset(sn.refs))
        if ((so.refs or sn.refs) and key in self.done) or len(path) > 32:
            return
        self.done.add(key)
        _types(so, sn, self.request, path, self.emit)
        _enums(so, sn, self.request, path, self.emit)
        for name in _properties(so, sn, self.request, path, self.emit):
            self.compare(so.properties[name], sn.properties[name], (*path, name))
        if so.items and sn.items:
            self.compare(so.items, sn.items, (*path, "*"))


def diff_schema(old_doc: Any, old: Any, new_doc: Any, new: Any, *, request: bool,
                operation: str, base: str, prefix: str = "", subject: str = "") -> list[Change]:
    """Changes from ``old`` to ``new`` (schemas of ``old_doc`` / ``new_doc``); locations are
    ``base`` + a field pointer, e.g. ``request.body/recipient/contact_id``. Kinds start with
    ``prefix`` and messages with ``subject`` (by default: request/response body)."""
    out: list[Change] = []
    side = "request" if request else "response"
    prefix = prefix or side
    subject = subject or f"{side.capitalize()} body"

    def emit(kind: str, breaking: bool, path: tuple[str, ...], what: str) -> None:
        pointer = json_pointer(path)
        where = f" at `{pointer}`" if pointer else ""
        out.append(Change(f"{prefix}_{kind}", breaking, operation, base + pointer,
                          f"{subject}: {what}{where}."))

    _Differ(old_doc, new_doc, request, emit).compare([old], [new], ())
    return out
