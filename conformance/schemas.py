"""Compile the spec's JSON schemas once, and check documents against them fast.

Every schema is compiled with jsonschema-rs (JSON Schema 2020-12, the dialect of
OpenAPI 3.1) into three validators:

* *lenient*: the schema exactly as the spec says it, plus the OpenAPI formats
  (``int32``/``int64`` ranges, ``byte``); its errors are violations, except ``enum``
  misses, which are drift (an API adding an enum value is drift, not breakage);
* *documented*: the shape of what the spec documents and nothing else (built by
  :mod:`conformance.documented_shape`): at each object, the property names that any branch
  of the schema declares (``additionalProperties: false`` over their union) and, for requests,
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
from typing import Any

import jsonschema_rs

from conformance.documented_shape import SchemaIssue, documented_nodes, documented_shape
from conformance.schema_walk import components_root

__all__ = ["CompiledSchema", "SchemaError", "SchemaIssue", "SchemaSet"]

INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


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
        # $refs resolve in the same root here as in the documented shape's walk
        lenient = _openapi_semantics({**root, **components_root(components)})
        self._lenient = _compile(lenient)  # first: a malformed schema is a SchemaError here
        self._nodes = documented_nodes(schema, components)
        documented = documented_shape(self._nodes, request=request)
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
