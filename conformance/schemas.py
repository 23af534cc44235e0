"""Compile the spec's JSON schemas once, and check documents against them fast.

Every schema is compiled twice with jsonschema-rs (JSON Schema 2020-12, the dialect of
OpenAPI 3.1):

* *lenient*: the schema exactly as the spec says it, plus the OpenAPI formats
  (``int32``/``int64`` ranges, ``byte``); its errors are violations, except ``enum``
  misses, which are drift (an API adding an enum value is drift, not breakage);
* *strict*: the same with ``unevaluatedProperties: false`` on every object that declares
  properties (and, for requests, ``readOnly`` properties forbidden). It is only a fast
  filter: when both accept a document there is nothing to report, which is the common
  case for conforming traffic. When either rejects it, the lenient errors and a walk of
  the document (:func:`walk_undocumented`) say exactly what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

__all__ = ["CompiledSchema", "SchemaError", "SchemaIssue", "SchemaSet", "walk_undocumented"]

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


@dataclass(frozen=True)
class SchemaIssue:
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


def _strict(node: Any, *, request: bool, branch: bool = False) -> Any:
    """Copy of a schema tree with unevaluatedProperties: false (and readOnly forbidden)."""
    if isinstance(node, list):
        return [_strict(v, request=request) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _COMBINATORS and isinstance(value, list):
            out[key] = [_strict(v, request=request, branch=True) for v in value]
        elif key in ("properties", "$defs", "patternProperties") and isinstance(value, dict):
            out[key] = {}
            for name, sub in value.items():
                if request and isinstance(sub, dict) and sub.get("readOnly") is True:
                    out[key][name] = False
                else:
                    out[key][name] = _strict(sub, request=request)
        elif key == "components" and isinstance(value, dict):
            out[key] = {"schemas": {n: _strict(s, request=request)
                                    for n, s in value.get("schemas", {}).items()}}
        else:
            out[key] = _strict(value, request=request)
    declares = "properties" in node or any(
        isinstance(b, dict) and "properties" in b for c in _COMBINATORS for b in node.get(c, [])
    )
    if declares and not branch and "additionalProperties" not in node:
        out["unevaluatedProperties"] = False
    return out


def _compile(schema: Any) -> Any:
    try:
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True, formats=_FORMATS)
    except (ValueError, jsonschema_rs.ReferencingError) as exc:  # pragma: no cover - spec bug
        raise SchemaError(str(exc)) from exc


class CompiledSchema:
    """One schema (e.g. a request body or a 200 response) ready to check documents."""

    def __init__(self, schema: Any, components: dict[str, Any], *, request: bool) -> None:
        root = schema if isinstance(schema, dict) else {"allOf": [schema]}
        bundled = {**root, "components": {"schemas": components}}
        self.schema = schema
        self.components = components
        self.request = request
        self._lenient = _compile(_openapi_semantics(bundled))
        self._strict = _compile(_strict(_openapi_semantics(bundled), request=request))
        self.accepts_anything = schema in ({}, True)
        self._shapes: dict[int, _Shape] = {}  # id(schema node) -> shape; the spec never changes

    def is_clean(self, doc: Any) -> bool:
        """True when the document has no violation and no drift (the fast path)."""
        return self._strict.is_valid(doc) and self._lenient.is_valid(doc)

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
        if self.is_clean(doc):
            return []
        out = []
        for err in self._lenient.iter_errors(doc):
            drift = "enum" if err.kind.name == "enum" else None
            out.append(SchemaIssue(drift, tuple(err.instance_path), tuple(err.schema_path),
                                   err.message))
        for path, name, sub_path, read_only in walk_undocumented(
                self.schema, doc, self.components, cache=self._shapes):
            if read_only and self.request:
                out.append(SchemaIssue("readonly", (*path, name), sub_path,
                                       f"`{name}` is read-only and must not be sent"))
            elif not read_only:
                out.append(SchemaIssue("field", (*path, name), sub_path,
                                       f"`{name}` is not a documented property"))
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


@dataclass
class _Shape:
    """What the walk needs to know of a schema, all combinator branches merged."""

    declared: dict[str, Any]  # property -> schema (several branches: an anyOf of them)
    read_only: frozenset[str]
    extra: list[Any]  # additionalProperties schemas
    items: Any  # the items schema, or None


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


def _shape(schema: Any, components: dict[str, Any]) -> _Shape:
    declared: dict[str, list[Any]] = {}
    extra: list[Any] = []
    items = None
    for part in _flatten(schema, components):
        for name, sub in (part.get("properties") or {}).items():
            declared.setdefault(name, []).append(sub)
        if isinstance(part.get("additionalProperties"), dict | bool):
            extra.append(part["additionalProperties"])
        if items is None and isinstance(part.get("items"), dict):
            items = part["items"]
    read_only = frozenset(
        name for name, subs in declared.items()
        if any(isinstance(r := _resolve(s, components), dict) and r.get("readOnly") is True
               for s in subs))
    merged = {n: subs[0] if len(subs) == 1 else {"anyOf": subs} for n, subs in declared.items()}
    return _Shape(merged, read_only, extra, items)


def walk_undocumented(schema: Any, doc: Any, components: dict[str, Any],
                      path: tuple[str | int, ...] = (), depth: int = 0,
                      cache: dict[int, _Shape] | None = None,
                      ) -> Iterator[tuple[tuple[str | int, ...], str, tuple[str, ...], bool]]:
    """Yield (object path, property name, schema path, is_read_only) for every property of
    ``doc`` that no branch of ``schema`` declares, or that is declared read-only."""
    if depth > 64 or not isinstance(doc, dict | list):
        return
    cache = {} if cache is None else cache
    shape = cache.get(id(schema))
    if shape is None:
        shape = cache[id(schema)] = _shape(schema, components)
    if isinstance(doc, dict):
        report = bool(shape.declared) and not any(e is not False for e in shape.extra)
        for name, value in doc.items():
            sub = shape.declared.get(name)
            if sub is None:
                if report:
                    yield path, name, ("properties",), False
                for e in shape.extra:
                    if isinstance(e, dict):
                        yield from walk_undocumented(e, value, components, (*path, name),
                                                     depth + 1, cache)
                continue
            if name in shape.read_only:
                yield path, name, ("properties", name, "readOnly"), True
            yield from walk_undocumented(sub, value, components, (*path, name), depth + 1,
                                         cache)
    elif shape.items is not None:
        for i, value in enumerate(doc):
            yield from walk_undocumented(shape.items, value, components, (*path, i),
                                         depth + 1, cache)


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
