"""What changed between two versions of one schema, graded from the client's side.

A schema is read as a :class:`View`: ``$ref``s followed, ``allOf`` parts merged (their
keywords, properties and ``required``; the first part to state a keyword wins, the same rule
on both sides), ``oneOf``/``anyOf`` branches kept apart. Two views are compared keyword by
keyword (:mod:`.schema_keywords`), then property by property, then ``items``,
``additionalProperties`` and the ``oneOf``/``anyOf`` branches matched by ``$ref`` (inline
ones by position), recursively. Each pair of schema nodes is compared once per body, so a
recursive schema ends.

Properties (``request`` / ``response`` grade, see :mod:`.diff_model`):

=================================  =========  ==========
property change                    request    response
=================================  =========  ==========
removed                            major      major
renamed (same schema, new name)    major      major
added, optional                    minor      minor
added, required                    major      minor
became required                    major      patch
became optional                    minor      major
=================================  =========  ==========

A rename is one removed and one added property of the same object whose schemas are equal
(``description``, ``title`` and examples aside) and whose schema no other removed or added
property of that object shares; it is reported once, at the new name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.findings import json_pointer
from conformance.reports.diff_model import Change, Effect, Grade, SpecFile, graded
from conformance.reports.schema_keywords import compare_keywords

__all__ = ["Emit", "Node", "View", "diff_schema", "same_shape", "view"]

Emit = Callable[[str, Grade, tuple[str, ...], "str | None", "str | None", str], None]
Node = tuple[Any, str]  # a schema and its JSON pointer
_MAX_DEPTH = 64
_DOCS = frozenset({"description", "title", "example", "examples", "$comment"})


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class View:
    pointer: str = ""
    keywords: dict[str, Node] = field(default_factory=dict)  # keyword -> value, pointer
    properties: dict[str, list[Node]] = field(default_factory=dict)
    required: dict[str, str] = field(default_factory=dict)  # name -> its entry's pointer
    branches: dict[str, dict[str, Node]] = field(default_factory=dict)  # oneOf -> key -> node


def _collect(spec: SpecFile, node: Any, pointer: str, out: View, depth: int) -> None:
    node, pointer = spec.deref(node, pointer)
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return
    out.pointer = out.pointer or pointer
    for key, value in node.items():
        if key not in ("properties", "required", "allOf", "oneOf", "anyOf", "$ref"):
            out.keywords.setdefault(key, (value, f"{pointer}/{_esc(key)}"))
    for name, sub in (node.get("properties") or {}).items():
        out.properties.setdefault(str(name), []).append(
            (sub, f"{pointer}/properties/{_esc(str(name))}"))
    for i, name in enumerate(node.get("required") or []):
        out.required.setdefault(str(name), f"{pointer}/required/{i}")
    for comb in ("allOf", "oneOf", "anyOf"):
        inline = 0
        for i, branch in enumerate(node.get(comb) or []):
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            if not isinstance(ref, str):
                ref, inline = f"[{inline}]", inline + 1
            out.branches.setdefault(comb, {}).setdefault(ref, (branch, f"{pointer}/{comb}/{i}"))
            if comb == "allOf":
                _collect(spec, branch, f"{pointer}/{comb}/{i}", out, depth + 1)


def view(spec: SpecFile, nodes: list[Node]) -> View:
    """The merged view of ``nodes`` (several: a property stated by several ``allOf`` parts)."""
    out = View()
    for node, pointer in nodes:
        _collect(spec, node, pointer, out, 0)
    return out


def same_shape(node: Any) -> str:
    if isinstance(node, dict):
        node = {k: v for k, v in node.items() if k not in _DOCS}
    return json.dumps(node, sort_keys=True, default=str)


class _Differ:
    def __init__(self, old: SpecFile, new: SpecFile, request: bool, emit: Emit) -> None:
        self.old, self.new, self.request, self.emit = old, new, request, emit
        self.done: set[tuple[str, str]] = set()

    def grade(self, effect: Effect) -> Grade:
        return graded(effect, self.request)

    def compare(self, old: list[Node], new: list[Node], path: tuple[str, ...]) -> None:
        vo, vn = view(self.old, old), view(self.new, new)
        key = (vo.pointer, vn.pointer)
        if key in self.done or len(path) > _MAX_DEPTH:
            return
        self.done.add(key)
        compare_keywords(vo, vn, self.request, path, self.emit)
        for name in self.properties(vo, vn, path):
            self.compare(vo.properties[name], vn.properties[name], (*path, name))
        for word, segment in (("items", "*"), ("additionalProperties", "{additional}")):
            (o, po), (n, pn) = vo.keywords.get(word, (None, "")), vn.keywords.get(word, (None, ""))
            if isinstance(o, dict) and isinstance(n, dict):
                self.compare([(o, po)], [(n, pn)], (*path, segment))
        self.branches(vo, vn, path)

    def properties(self, vo: View, vn: View, path: tuple[str, ...]) -> list[str]:
        removed = sorted(set(vo.properties) - set(vn.properties))
        added = sorted(set(vn.properties) - set(vo.properties))
        renamed = self.renames(vo, vn, removed, added)
        for name in removed:
            if name in renamed:
                new_name = renamed[name]
                self.emit("field_renamed", Grade.MAJOR, (*path, new_name), None,
                          vn.properties[new_name][0][1], f"field `{name}` renamed to "
                                                         f"`{new_name}`")
            else:
                self.emit("field_removed", graded(Effect.CHANGE, self.request), (*path, name),
                          vo.properties[name][0][1], None, "field removed")
        for name in added:
            if name in renamed.values():
                continue
            required = name in vn.required
            self.emit("required_field_added" if required else "field_added",
                      self.grade(Effect.NARROW if required else Effect.ADD), (*path, name),
                      None, vn.properties[name][0][1],
                      "required field added" if required else "optional field added")
        common = sorted(set(vo.properties) & set(vn.properties))
        for name in common:
            was, now = name in vo.required, name in vn.required
            if was != now:
                kind = "field_became_required" if now else "field_became_optional"
                self.emit(kind, self.grade(Effect.NARROW if now else Effect.WIDEN),
                          (*path, name), None,
                          vn.required[name] if now else vn.properties[name][0][1],
                          kind.replace("_", " "))
        return common

    @staticmethod
    def renames(vo: View, vn: View, removed: list[str], added: list[str]) -> dict[str, str]:
        def shapes(v: View, names: list[str]) -> dict[str, str]:
            return {n: same_shape(v.properties[n][0][0]) + str(n in v.required)
                    for n in names}

        old, new = shapes(vo, removed), shapes(vn, added)
        everyone = list(old.values()) + list(new.values())
        out = {}
        for name, s in old.items():
            if everyone.count(s) == 2 and s in new.values():
                out[name] = next(n for n, t in new.items() if t == s)
        return out

    def branches(self, vo: View, vn: View, path: tuple[str, ...]) -> None:
        for comb in ("oneOf", "anyOf", "allOf"):
            bo, bn = vo.branches.get(comb, {}), vn.branches.get(comb, {})
            where = (*path, comb)
            if comb != "allOf" and bool(bo) != bool(bn):  # a oneOf/anyOf where none was
                ptr = f"{(vn if bn else vo).pointer}/{comb}"
                self.emit(f"{comb}_{'added' if bn else 'removed'}",
                          self.grade(Effect.NARROW if bn else Effect.WIDEN), where,
                          None if bn else ptr, ptr if bn else None,
                          f"{comb} {'added' if bn else 'removed'}")
                continue
            # an allOf part adds constraints (narrows); a oneOf/anyOf branch adds values
            more = Effect.NARROW if comb == "allOf" else Effect.WIDEN
            less = Effect.WIDEN if comb == "allOf" else Effect.NARROW
            for key in sorted(set(bo) - set(bn)):
                if comb != "allOf" or not key.startswith("["):
                    self.emit(f"{comb}_branch_removed", self.grade(less), where, bo[key][1],
                              None, f"{comb} branch {key} removed")
            for key in sorted(set(bn) - set(bo)):
                if comb != "allOf" or not key.startswith("["):
                    self.emit(f"{comb}_branch_added", self.grade(more), where, None,
                              bn[key][1], f"{comb} branch {key} added")
            if comb == "allOf":
                continue  # its parts are merged into the view
            for key in sorted(set(bo) & set(bn)):
                self.compare([bo[key]], [bn[key]],
                             (*path, f"{comb}:{key.rsplit('/', 1)[-1]}"))


def diff_schema(old: SpecFile, old_node: Node, new: SpecFile, new_node: Node, *,
                request: bool, operation: str, base: str, prefix: str = "",
                subject: str = "") -> list[Change]:
    """Changes from ``old_node`` (in ``old``) to ``new_node`` (in ``new``); locations are
    ``base`` + a field pointer, e.g. ``request.body/recipient/contact_id``. Kinds start with
    ``prefix`` and messages with ``subject`` (by default: request/response body)."""
    out: list[Change] = []
    side = "request" if request else "response"
    prefix = prefix or side
    subject = subject or f"{side.capitalize()} body"

    def emit(kind: str, grade: Grade, path: tuple[str, ...], old_ptr: str | None,
             new_ptr: str | None, what: str) -> None:
        pointer = json_pointer(path)
        where = f" at `{pointer}`" if pointer else ""
        out.append(Change(f"{prefix}_{kind}", grade, operation, base + pointer,
                          f"{subject}: {what}{where}.", pointer=new_ptr or old_ptr or "",
                          removed=new_ptr is None))

    _Differ(old, new, request, emit).compare([old_node], [new_node], ())
    return out
