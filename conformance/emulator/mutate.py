"""Schema-driven damage to a response body, one kind per function, for the fault catalogue.

:mod:`conformance.emulator.faults` registers each mutator with the fault that uses it
(``Fault.mutator``, e.g. ``wrong-type`` with :func:`wrong_type`); this module knows no fault
names.

Each mutator takes the operation's documented response schema and a body that conforms to
it, and returns a damaged copy, or ``None`` when the body has nothing to damage (an empty
list, a ``{}`` answer). Each damages the *first* place, in document order, where it applies,
so the finding it causes is predictable: a ``Webhook`` loses ``app_id``, a ``Contact`` gets
an integer ``id``, and so on. The stored resource is never touched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from conformance.emulator.shape import Schemas, parts, walk

__all__ = ["BOGUS_ENUM", "NAIVE_TIMESTAMP", "Mutator", "drop_required", "enum_outside",
           "extra_field", "naive_timestamp", "null_value", "wrong_type"]

BOGUS_ENUM = "CARRIER_PIGEON"
NAIVE_TIMESTAMP = "2024-06-18T12:34:56.123456"  # no offset: not RFC 3339
EXTRA_FIELD = "correlation_id"  # the real API sends it; the spec does not document it

Mutator = Callable[[Any, Any, Schemas], Any]
Site = tuple[Any, Any, Any, list[dict[str, Any]]]  # container, key, value, schema parts


def _sites(schema: Any, doc: Any, components: Schemas) -> Iterator[Site]:
    for container, key, value, sub in walk(schema, doc, components):
        yield container, key, value, parts(sub, components)


def _types(schema_parts: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for part in schema_parts:
        typ = part.get("type")
        out.update(typ if isinstance(typ, list) else [typ] if typ else [])
    return out


def _first(schema: Any, doc: Any, components: Schemas,
           test: Callable[[Any, list[dict[str, Any]]], bool]) -> tuple[Any, Any, Any] | None:
    """A deep copy of ``doc`` and the (container, key) of the first site passing ``test``."""
    doc = copy.deepcopy(doc)
    for container, key, value, schema_parts in _sites(schema, doc, components):
        if test(value, schema_parts):
            return doc, container, key
    return None


def drop_required(schema: Any, doc: Any, components: Schemas) -> Any:
    """Remove the first required property present (the root object's first)."""
    doc = copy.deepcopy(doc)
    objects = [(doc, parts(schema, components))] if isinstance(doc, dict) else []
    objects += [(v, p) for _, _, v, p in _sites(schema, doc, components) if isinstance(v, dict)]
    for obj, schema_parts in objects:
        for part in schema_parts:
            for name in part.get("required", []) or []:
                if name in obj:
                    del obj[name]
                    return doc
    return None


def _replace(test: Callable[[Any, list[dict[str, Any]]], bool],
             value_for: Callable[[Any], Any]) -> Mutator:
    def mutate(schema: Any, doc: Any, components: Schemas) -> Any:
        found = _first(schema, doc, components, test)
        if found is None:
            return None
        new_doc, container, key = found
        container[key] = value_for(container[key])
        return new_doc
    return mutate


def _is_string(value: Any, schema_parts: list[dict[str, Any]]) -> bool:
    return isinstance(value, str) and _types(schema_parts) == {"string"}


def _is_scalar(value: Any, schema_parts: list[dict[str, Any]]) -> bool:
    types = _types(schema_parts)
    return value is not None and bool(types) and "null" not in types and not isinstance(
        value, dict | list)


def _is_enum(value: Any, schema_parts: list[dict[str, Any]]) -> bool:
    return isinstance(value, str) and any("enum" in p for p in schema_parts)


def _is_timestamp(value: Any, schema_parts: list[dict[str, Any]]) -> bool:
    return isinstance(value, str) and any(p.get("format") == "date-time" for p in schema_parts)


wrong_type = _replace(_is_string, lambda _: 12345)
null_value = _replace(_is_scalar, lambda _: None)
enum_outside = _replace(_is_enum, lambda _: BOGUS_ENUM)
naive_timestamp = _replace(_is_timestamp, lambda _: NAIVE_TIMESTAMP)


def extra_field(schema: Any, doc: Any, components: Schemas) -> Any:
    """Add an undocumented top-level property (only where the schema lists properties)."""
    if not isinstance(doc, dict):
        return None
    declared = {n for p in parts(schema, components) for n in p.get("properties") or {}}
    if not declared:
        return None
    name = EXTRA_FIELD if EXTRA_FIELD not in declared else "x_emulator_extra"
    return {**copy.deepcopy(doc), name: "correlation id value"}

