"""Fit JSON documents to the spec's schemas, and walk them alongside their schema.

* :func:`project` drops every property the schema does not document and every enum value
  it does not list (``enum``, or ``x-enumDescriptions`` on a string, as the contract reads
  it), the way a protobuf server with ``ignore_unknown_fields`` leaves them unset. What the
  emulator stores, and later answers, is then free of drift even when a client sent some.
  An object that loses a required property that way (a channel identity on an unknown
  channel) is dropped as a whole, except the request body itself.
* :func:`minimal_instance` builds the smallest document a schema accepts (required
  properties with empty values): the body of a fault's fake success.
* :func:`walk` yields ``(container, key, value, schema)`` for every property and array item
  of a document with the (resolved) schema that describes it: the fault mutators' map.

``$ref`` and combinators are read through the contract core's one walker
(:mod:`conformance.schema_walk`), in the component schemas the emulator is given.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.schema_walk import components_root, deref, flatten

__all__ = ["Schemas", "minimal_instance", "project", "walk"]

_EMPTY = {"string": "", "array": [], "object": {}, "boolean": False, "integer": 0, "number": 0}

Schemas = Mapping[str, Any]  # components/schemas of the spec
Root = dict[str, Any]  # components_root(components): where their $refs resolve


def resolve(schema: Any, components: Schemas) -> Any:
    """``schema`` with its ``$ref`` chain followed (``{}`` for a ``$ref`` naming nothing)."""
    return _resolve(components_root(components), schema)


def parts(schema: Any, components: Schemas) -> list[dict[str, Any]]:
    """The schema and every combinator branch under it, each resolved."""
    return _parts(components_root(components), schema)


def enum_values(schema: Any, components: Schemas) -> set[Any] | None:
    """The values an enum-like schema lists (``enum``, or a string's x-enumDescriptions)."""
    return _enum_values(components_root(components), schema)


def project(schema: Any, doc: Any, components: Schemas) -> Any:
    """A copy of ``doc`` without undocumented properties and unlisted enum values."""
    out = _project(components_root(components), schema, doc, 0)
    return doc if out is _DROP else out


def minimal_instance(schema: Any, components: Schemas, depth: int = 0) -> Any:
    """The smallest value ``schema`` accepts: required properties with empty values."""
    return _minimal(components_root(components), schema, depth)


def walk(schema: Any, doc: Any, components: Schemas, depth: int = 0
         ) -> Iterator[tuple[dict[str, Any] | list[Any], str | int, Any, dict[str, Any]]]:
    """Depth-first ``(container, key, value, resolved schema)`` over a document."""
    return _walk(components_root(components), schema, doc, depth)


# The helpers take the root the components' $refs resolve in, made once per call above.

def _resolve(root: Root, schema: Any) -> Any:
    return deref(root, schema, missing={})


def _parts(root: Root, schema: Any) -> list[dict[str, Any]]:
    return flatten(root, schema, missing={})


def _declared(root: Root, schema: Any) -> tuple[dict[str, list[Any]], list[Any]]:
    """(property name -> schemas declaring it, additionalProperties schemas)."""
    declared: dict[str, list[Any]] = {}
    extra: list[Any] = []
    for part in _parts(root, schema):
        for name, sub in (part.get("properties") or {}).items():
            declared.setdefault(name, []).append(sub)
        if "additionalProperties" in part:
            extra.append(part["additionalProperties"])
    return declared, extra


def _one(subs: list[Any]) -> Any:
    return subs[0] if len(subs) == 1 else {"anyOf": subs}


_DROP = object()


def _enum_values(root: Root, schema: Any) -> set[Any] | None:
    values: set[Any] = set()
    for part in _parts(root, schema):
        if isinstance(part.get("enum"), list):
            values.update(v for v in part["enum"] if isinstance(v, str | int | bool))
        elif part.get("type") == "string" and isinstance(part.get("x-enumDescriptions"), dict):
            values.update(part["x-enumDescriptions"])
    return values or None


def _project(root: Root, schema: Any, doc: Any, depth: int) -> Any:
    if depth > 64:
        return doc
    if isinstance(doc, list):
        items = [p.get("items") for p in _parts(root, schema) if "items" in p]
        item = items[0] if items else {}
        kept = (_project(root, item, v, depth + 1) for v in doc)
        return [v for v in kept if v is not _DROP]
    if not isinstance(doc, dict):
        allowed = _enum_values(root, schema) if isinstance(doc, str) else None
        return _DROP if allowed is not None and doc not in allowed else doc
    declared, extra = _declared(root, schema)
    if not declared and not extra:
        return dict(doc)  # a free-form object (metadata_json, schema {})
    required = {n for p in _parts(root, schema) for n in p.get("required", []) or []}
    out: dict[str, Any] = {}
    for name, value in doc.items():
        if name in declared:
            sub = _one(declared[name])
        elif any(isinstance(e, dict) for e in extra):
            sub = next(e for e in extra if isinstance(e, dict))
        elif any(e is True for e in extra):
            sub = {}
        else:
            continue
        kept = _project(root, sub, value, depth + 1)
        if kept is not _DROP:
            out[name] = kept
        elif name in required and depth > 0:
            return _DROP
    return out


def _minimal(root: Root, schema: Any, depth: int) -> Any:
    resolved = _resolve(root, schema)
    if not isinstance(resolved, dict) or depth > 16:
        return {}
    if "enum" in resolved:
        return resolved["enum"][0]
    typ = resolved.get("type", "object")
    if typ != "object":
        return _EMPTY.get(str(typ), "")
    out: dict[str, Any] = {}
    properties = resolved.get("properties") or {}
    for name in resolved.get("required", []) or []:
        out[name] = _minimal(root, properties.get(name, {}), depth + 1)
    return out


def _walk(root: Root, schema: Any, doc: Any, depth: int
          ) -> Iterator[tuple[dict[str, Any] | list[Any], str | int, Any, dict[str, Any]]]:
    if depth > 64:
        return
    if isinstance(doc, dict):
        declared, _ = _declared(root, schema)
        for name, value in list(doc.items()):
            if name not in declared:
                continue
            sub = _resolve(root, _one(declared[name]))
            yield doc, name, value, sub
            yield from _walk(root, sub, value, depth + 1)
    elif isinstance(doc, list):
        items = [p.get("items") for p in _parts(root, schema) if "items" in p]
        if not items:
            return
        sub = _resolve(root, items[0])
        for i, value in enumerate(doc):
            yield doc, i, value, sub
            yield from _walk(root, sub, value, depth + 1)
