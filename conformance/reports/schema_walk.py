"""Read a schema the way a report needs it: ``$ref`` followed, combinators merged.

A :class:`Shape` is what one or more schemas say about a value: the properties an object may
have (every ``allOf``/``oneOf``/``anyOf`` branch merged), the ones it must have (``required``
of the schema and its ``allOf`` parts only), its types, its enum and its array items. Used by
:mod:`.fields` (documented fields). ``$ref`` and branches are read through the contract
core's one walker (:mod:`conformance.schema_walk`), in the spec's whole document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance import schema_walk
from conformance.schema_walk import Branch, branches, ref_of

__all__ = ["Shape", "deref", "ref_of", "shape"]

_MAX_DEPTH = 32  # combinators nested in combinators


def deref(document: Any, node: Any) -> Any:
    """Follow a chain of local ``$ref``s; sibling keywords of a ``$ref`` win over the target's.
    A ``$ref`` that names nothing is an empty schema (lint reports it)."""
    return schema_walk.deref(document, node, missing={})


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("type")
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {str(v) for v in value}
    return set()


def _enum(node: dict[str, Any]) -> frozenset[Any] | None:
    if isinstance(node.get("enum"), list):
        return frozenset(v for v in node["enum"] if isinstance(v, str | int | float | bool))
    if "const" in node and isinstance(node["const"], str | int | float | bool):
        return frozenset({node["const"]})
    described = node.get("x-enumDescriptions")
    if isinstance(described, dict) and node.get("type") == "string":
        return frozenset(described)
    return None


@dataclass
class Shape:
    properties: dict[str, list[Any]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    enum: frozenset[Any] | None = None
    items: list[Any] = field(default_factory=list)
    is_map: bool = False  # additionalProperties with a schema and no declared properties
    refs: set[str] = field(default_factory=set)  # component refs met: a recursion guard


def _add(branch: Branch, out: Shape) -> None:
    if branch.ref:
        out.refs.add(branch.ref)
    node = branch.schema
    if not isinstance(node, dict):
        return
    for name, sub in (node.get("properties") or {}).items():
        out.properties.setdefault(str(name), []).append(sub)
    if branch.certain:
        out.required.update(str(r) for r in node.get("required", []) or [])
        out.types |= _types(node)
        enum = _enum(node)
        if enum is not None:
            out.enum = enum if out.enum is None else out.enum & enum
    if isinstance(node.get("items"), dict):
        out.items.append(node["items"])
    if isinstance(node.get("additionalProperties"), dict):
        out.is_map = True


def shape(document: Any, schemas: Iterable[Any]) -> Shape:
    """The merged shape of ``schemas`` (several: a property documented by several branches)."""
    out = Shape()
    for schema in schemas:
        for branch in branches(document, schema, max_depth=_MAX_DEPTH, missing={}):
            _add(branch, out)
    if out.properties:
        out.is_map = False
    return out
