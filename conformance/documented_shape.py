"""What a schema documents about the objects it describes, for the contract's drift checks.

:func:`documented_nodes` reads a schema (through the one walker,
:mod:`conformance.schema_walk`) into a graph of :class:`DocumentedNode`: at each object, the
property names that any branch of the schema declares, which of them are read-only, what
additional properties and array items hold. :meth:`DocumentedNode.walk` reports what a
document has beyond that (undocumented fields; read-only properties in a request) as
:class:`SchemaIssue`; :func:`documented_shape` is the same graph as one JSON schema, so that
jsonschema-rs can say in one call that there is nothing to report (the fast path of
:class:`conformance.schemas.CompiledSchema`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from conformance.schema_walk import components_root, deref, flatten

__all__ = ["DocumentedNode", "SchemaIssue", "documented_nodes", "documented_shape"]

# The order this module has always read combinators in: which ``items`` a node takes when
# several branches declare them, and the order additional-property schemas are walked in.
_ORDER = ("oneOf", "anyOf", "allOf")


class SchemaIssue(NamedTuple):
    """One thing wrong with a document: a violation or drift, before it becomes a Finding."""

    drift: str | None  # None: a violation; "field", "enum", "readonly"; "skipped": not checked
    instance_path: tuple[str | int, ...]
    schema_path: tuple[str | int, ...]
    message: str


class DocumentedNode:
    """What the spec documents about the objects (and arrays) one schema describes, all
    combinator branches merged: the property names any branch declares, which of them are
    read-only, what additional properties may hold, and what array items hold.

    Nodes form a graph (recursive schemas are cycles). A property or item whose schema
    documents no properties at any depth is ``None``: nothing under it can be drift."""

    __slots__ = ("children", "extras", "items", "read_only", "report")

    def __init__(self) -> None:
        self.children: dict[str, DocumentedNode | None] = {}
        self.read_only: frozenset[str] = frozenset()
        self.report = False  # names outside ``children`` are undocumented
        self.extras: list[DocumentedNode] = []  # additionalProperties that document fields
        self.items: DocumentedNode | None = None

    def walk(self, doc: Any, path: tuple[str | int, ...], out: list[SchemaIssue],
             request: bool, depth: int = 0) -> None:
        """Append an issue for every undocumented (and, in a request, read-only) property
        of ``doc`` under this node."""
        if depth > 64:
            return
        if isinstance(doc, dict):
            children = self.children
            for name, value in doc.items():
                if name not in children:
                    if self.report:
                        out.append(SchemaIssue("field", (*path, name), ("properties",),
                                               f"`{name}` is not a documented property"))
                    for extra in self.extras:
                        extra.walk(value, (*path, name), out, request, depth + 1)
                    continue
                if request and name in self.read_only:
                    out.append(SchemaIssue("readonly", (*path, name),
                                           ("properties", name, "readOnly"),
                                           f"`{name}` is read-only and must not be sent"))
                child = children[name]
                if child is not None and isinstance(value, dict | list):
                    child.walk(value, (*path, name), out, request, depth + 1)
        elif isinstance(doc, list) and self.items is not None:
            for i, value in enumerate(doc):
                if isinstance(value, dict | list):
                    self.items.walk(value, (*path, i), out, request, depth + 1)


def documented_nodes(schema: Any, components: Mapping[str, Any]) -> DocumentedNode | None:
    """The node graph of a schema (None when it documents no property anywhere)."""
    root = components_root(components)
    nodes: dict[int, DocumentedNode | None] = {}
    alive: list[Any] = []  # merged property schemas are made here; keep their ids unique

    def build(sub: Any) -> DocumentedNode | None:
        key = id(sub)
        if key in nodes:
            return nodes[key]
        alive.append(sub)
        declared: dict[str, list[Any]] = {}
        extra: list[Any] = []
        items = None
        for part in flatten(root, sub, order=_ORDER):
            props = part.get("properties")
            for name, prop in (props.items() if isinstance(props, dict) else ()):
                declared.setdefault(name, []).append(prop)
            if isinstance(part.get("additionalProperties"), dict | bool):
                extra.append(part["additionalProperties"])
            if items is None and isinstance(part.get("items"), dict):
                items = part["items"]
        if not declared and not extra and items is None:
            nodes[key] = None
            return None
        node = nodes[key] = DocumentedNode()  # registered before its children: cycles end here
        node.read_only = frozenset(
            name for name, subs in declared.items()
            if any(isinstance(r := deref(root, s), dict) and r.get("readOnly") is True
                   for s in subs))
        node.report = bool(declared) and all(e is False for e in extra)
        node.children = {name: build(subs[0] if len(subs) == 1 else {"anyOf": subs})
                         for name, subs in declared.items()}
        node.extras = [n for e in extra if isinstance(e, dict) and (n := build(e)) is not None]
        node.items = build(items) if items is not None else None
        if not node.children and not node.extras and node.items is None and not node.report:
            nodes[key] = None  # only `additionalProperties: true`; a cycle may still hold
        return nodes[key]  # the node, which then simply constrains nothing

    return build(schema)


def documented_shape(root: DocumentedNode | None, *, request: bool) -> dict[str, Any]:
    """A JSON schema that accepts exactly the documents in which :meth:`DocumentedNode.walk` finds
    nothing: each node becomes one entry of ``$defs`` (recursive schemas stay finite),
    with its documented names as ``properties`` and ``additionalProperties: false`` where
    other names are undocumented; read-only properties are ``false`` in a request.
    Types, ``required`` and branch counts are left to the lenient schema."""
    names: dict[int, str] = {}
    defs: dict[str, Any] = {}
    pending: list[DocumentedNode] = []

    def ref(node: DocumentedNode | None) -> Any:
        if node is None:
            return True
        if id(node) not in names:
            names[id(node)] = f"n{len(names)}"
            pending.append(node)
        return {"$ref": f"#/$defs/{names[id(node)]}"}

    if root is None:
        return {"$defs": {}}
    ref(root)
    while pending:
        node = pending.pop()
        out: dict[str, Any] = {}
        if node.children:
            out["properties"] = {}
            for name, child in node.children.items():
                inner = ref(child)
                if request and name in node.read_only:
                    inner = False if inner is True else {"allOf": [False, inner]}
                out["properties"][name] = inner
        if node.report:
            out["additionalProperties"] = False
        elif node.extras:
            extras = [ref(e) for e in node.extras]
            out["additionalProperties"] = extras[0] if len(extras) == 1 else {"allOf": extras}
        if node.items is not None:
            out["items"] = ref(node.items)
        defs[names[id(node)]] = out
    return {"$ref": "#/$defs/n0", "$defs": defs}
