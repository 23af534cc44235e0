"""Compile the spec's JSON schemas once, and check documents against them fast.

Every schema is compiled with jsonschema-rs (JSON Schema 2020-12, the dialect of
OpenAPI 3.1) into three validators:

* *lenient*: the schema exactly as the spec says it, plus the OpenAPI formats
  (``int32``/``int64`` ranges, ``byte``); its errors are violations, except ``enum``
  misses, which are drift (an API adding an enum value is drift, not breakage);
* *documented*: the shape of what the spec documents and nothing else (built by
  :func:`_documented_shape`): at each object, the property names that any branch of the
  schema declares (``additionalProperties: false`` over their union) and, for requests,
  ``false`` for ``readOnly`` properties. Its errors are drift: undocumented fields, and
  read-only properties sent by a client. It never looks at types, ``required`` or
  ``oneOf`` counts, so adding it to the lenient schema only ever narrows what passes;
* *clean*: both of them in one ``allOf``, the fast path. One call into Rust says whether
  a document has nothing to report, which is the common case for conforming traffic; only
  when it rejects a document do the other two say exactly what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any, NamedTuple

import jsonschema_rs

__all__ = ["CompiledSchema", "SchemaError", "SchemaIssue", "SchemaSet"]

INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_COMBINATORS = ("oneOf", "anyOf", "allOf")


def _is_byte(value: str) -> bool:
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        try:  # protobuf JSON also accepts the URL-safe alphabet
            base64.urlsafe_b64decode(value.encode("ascii"))
            return all(c.isalnum() or c in "-_=" for c in value)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return False
    return True


_FORMATS = {"byte": _is_byte, "int32": lambda s: True, "int64": lambda s: True}


class SchemaError(Exception):
    """The spec holds a schema that cannot be compiled (bad $ref, bad regex, ...)."""


class SchemaIssue(NamedTuple):
    """One thing wrong with a document: a violation or drift, before it becomes a Finding."""

    drift: str | None  # None: a violation; "field", "enum", "readonly"; "skipped": not checked
    instance_path: tuple[str | int, ...]
    schema_path: tuple[str | int, ...]
    message: str


def _openapi_semantics(node: Any) -> Any:
    """Copy of a schema tree with OpenAPI's meaning made explicit for a JSON Schema
    validator: format int32/int64 bound integer values, and a string schema that documents
    its values only in ``x-enumDescriptions`` (the spec does this for ProcessingMode and
    others) gets them as its ``enum`` — a value outside them is reported as drift."""
    if isinstance(node, dict):
        out = {k: _openapi_semantics(v) for k, v in node.items()}
        fmt = node.get("format")
        if fmt in INT_RANGES and node.get("type") in ("integer", "number", None):
            lo, hi = INT_RANGES[fmt]
            out.setdefault("minimum", lo)
            out.setdefault("maximum", hi)
        described = node.get("x-enumDescriptions")
        if isinstance(described, dict) and "enum" not in node and node.get("type") == "string":
            out["enum"] = list(described)
        return out
    if isinstance(node, list):
        return [_openapi_semantics(v) for v in node]
    return node


def _compile(schema: Any) -> Any:
    try:
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True, formats=_FORMATS)
    except (ValueError, jsonschema_rs.ReferencingError) as exc:  # pragma: no cover - spec bug
        raise SchemaError(str(exc)) from exc


class CompiledSchema:
    """One schema (e.g. a request body or a 200 response) ready to check documents."""

    def __init__(self, schema: Any, components: dict[str, Any], *, request: bool) -> None:
        root = schema if isinstance(schema, dict) else {"allOf": [schema]}
        lenient = _openapi_semantics({**root, "components": {"schemas": components}})
        self._lenient = _compile(lenient)  # first: a malformed schema is a SchemaError here
        self._nodes = _documented_nodes(schema, components)
        documented = _documented_shape(self._nodes, request=request)
        self.request = request
        self._documented = _compile(documented)
        rest = {k: v for k, v in lenient.items() if k != "components"}
        self._clean = _compile({"allOf": [rest, {"$ref": "#/$defs/n0"} if self._nodes else {}],
                                "components": lenient["components"],
                                "$defs": documented["$defs"]})

    def is_clean(self, doc: Any) -> bool:
        """True when the document has no violation and no drift (the fast path)."""
        return self._clean.is_valid(doc)

    def issues(self, doc: Any) -> list[SchemaIssue]:
        try:
            try:
                return self._issues(doc)
            except UnicodeEncodeError:  # a lone surrogate ("\\ud83d"): jsonschema-rs cannot
                return self._issues(_without_surrogates(doc))  # take it; check U+FFFD instead
        except (ValueError, RecursionError) as exc:  # jsonschema-rs: "Recursion limit reached"
            if "ecursion" not in str(exc) and not isinstance(exc, RecursionError):
                raise
            return [SchemaIssue("skipped", (), (), "the document is nested too deeply to "
                                "validate")]

    def _issues(self, doc: Any) -> list[SchemaIssue]:
        if self._clean.is_valid(doc):
            return []
        out = []
        for err in self._lenient.iter_errors(doc):
            drift = "enum" if err.kind.name == "enum" else None
            out.append(SchemaIssue(drift, tuple(err.instance_path), tuple(err.schema_path),
                                   err.message))
        if self._documented.is_valid(doc):
            return out
        if self._nodes is not None:  # which fields: a walk in Python is faster than
            self._nodes.walk(doc, (), out, self.request)  # jsonschema-rs' errors here
        return out


def _without_surrogates(doc: Any) -> Any:
    """The document with every lone surrogate in a string or key replaced by U+FFFD."""
    if isinstance(doc, str):
        return doc.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(doc, list):
        return [_without_surrogates(v) for v in doc]
    if isinstance(doc, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in doc.items()}
    return doc


def _resolve(schema: Any, components: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 32:
        ref = schema["$ref"]
        name = ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None
        target = components.get(name) if name else None
        if target is None:
            return schema
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **rest} if rest else target
        seen += 1
    return schema


def _flatten(schema: Any, components: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    """The schema and every combinator branch under it, $refs resolved."""
    schema = _resolve(schema, components)
    if not isinstance(schema, dict) or depth > 16:
        return []
    out = [schema]
    for comb in _COMBINATORS:
        for branch in schema.get(comb, []) or []:
            out += _flatten(branch, components, depth + 1)
    return out


class _Node:
    """What the spec documents about the objects (and arrays) one schema describes, all
    combinator branches merged: the property names any branch declares, which of them are
    read-only, what additional properties may hold, and what array items hold.

    Nodes form a graph (recursive schemas are cycles). A property or item whose schema
    documents no properties at any depth is ``None``: nothing under it can be drift."""

    __slots__ = ("children", "extras", "items", "read_only", "report")

    def __init__(self) -> None:
        self.children: dict[str, _Node | None] = {}
        self.read_only: frozenset[str] = frozenset()
        self.report = False  # names outside ``children`` are undocumented
        self.extras: list[_Node] = []  # additionalProperties schemas that document fields
        self.items: _Node | None = None

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


def _documented_nodes(schema: Any, components: dict[str, Any]) -> _Node | None:
    """The node graph of a schema (None when it documents no property anywhere)."""
    nodes: dict[int, _Node | None] = {}
    alive: list[Any] = []  # merged property schemas are made here; keep their ids unique

    def build(sub: Any) -> _Node | None:
        key = id(sub)
        if key in nodes:
            return nodes[key]
        alive.append(sub)
        declared: dict[str, list[Any]] = {}
        extra: list[Any] = []
        items = None
        for part in _flatten(sub, components):
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
        node = nodes[key] = _Node()  # registered before its children: cycles end here
        node.read_only = frozenset(
            name for name, subs in declared.items()
            if any(isinstance(r := _resolve(s, components), dict) and r.get("readOnly") is True
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


def _documented_shape(root: _Node | None, *, request: bool) -> dict[str, Any]:
    """A JSON schema that accepts exactly the documents in which :meth:`_Node.walk` finds
    nothing: each node becomes one entry of ``$defs`` (recursive schemas stay finite),
    with its documented names as ``properties`` and ``additionalProperties: false`` where
    other names are undocumented; read-only properties are ``false`` in a request.
    Types, ``required`` and branch counts are left to the lenient schema."""
    names: dict[int, str] = {}
    defs: dict[str, Any] = {}
    pending: list[_Node] = []

    def ref(node: _Node | None) -> Any:
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


class SchemaSet:
    """Compiled schemas keyed by where they sit in the spec; built once per Contract."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = copy.deepcopy(components)
        self._cache: dict[tuple[str, bool], CompiledSchema] = {}

    def get(self, pointer: str, schema: Any, *, request: bool) -> CompiledSchema:
        key = (pointer, request)
        compiled = self._cache.get(key)
        if compiled is None:
            compiled = CompiledSchema(schema, self.components, request=request)
            self._cache[key] = compiled
        return compiled
