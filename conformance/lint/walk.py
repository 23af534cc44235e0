"""Find things in an OpenAPI document by JSON pointer: objects, schemas, references.

Pure functions over the plain document (dicts and lists); :class:`conformance.lint.model.Spec`
caches their results. Example values, defaults and enums are instance data, not
structure: the walkers never look for schemas or ``$ref``s inside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.findings import json_pointer
from conformance.schema_walk import SCHEMA_LISTS, SCHEMA_MAPS, subschemas

__all__ = [
    "SCHEMA_LISTS",
    "OperationNode",
    "as_dict",
    "as_list",
    "SCHEMA_MAPS",
    "SchemaNode",
    "child",
    "find_refs",
    "iter_objects",
    "keyword_pointer",
    "quote_text",
    "schema_roots",
    "schema_suffix",
    "split_pointer",
    "walk_schemas",
]

_DATA = ("example", "value", "default", "enum", "const")


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else ``{}`` (a malformed spec must not crash lint)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else ``[]``."""
    return value if isinstance(value, list) else []


def split_pointer(pointer: str) -> list[str]:
    """``"/a~1b/0"`` -> ``["a/b", "0"]``; ``""`` -> ``[]``."""
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("#").split("/")[1:]]


def keyword_pointer(error: Any) -> str:
    """Absolute pointer (into the document) of the schema keyword a validation error names."""
    return json_pointer(error.schema_path)


def quote_text(text: str, limit: int = 80) -> str:
    """``text`` whitespace-collapsed, cut to ``limit`` characters and in double quotes."""
    text = re.sub(r"\s+", " ", text).strip()
    return f'"{text if len(text) <= limit else text[:limit - 1] + "…"}"'


def child(pointer: str, *parts: str | int) -> str:
    """The pointer ``pointer`` extended by ``parts`` (escaped)."""
    return pointer + json_pointer(parts)


@dataclass(frozen=True)
class SchemaNode:
    """One schema object: where it is, what it is, and how its parent reaches it."""

    pointer: str
    schema: dict[str, Any]
    parent: str | None  # pointer of the enclosing schema, None for a root schema
    via: str  # keyword of the parent that holds it ("properties", "oneOf", ...) or "root"


def iter_objects(node: Any, ptr: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping outside schemas and example values, with its pointer."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from iter_objects(item, child(ptr, i))
        return
    if not isinstance(node, dict):
        return
    yield ptr, node
    for key, value in node.items():
        if key.startswith("x-") or key in ("example", "examples", "schema", "value") or (
                ptr == "/components" and key == "schemas"):
            continue
        yield from iter_objects(value, child(ptr, key))


def schema_roots(doc: dict[str, Any], objects: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Component schemas, then the ``schema`` of every parameter, header and media type."""
    schemas = as_dict(as_dict(doc.get("components")).get("schemas"))
    roots = [child("/components/schemas", name) for name in schemas]
    roots += [child(ptr, "schema") for ptr, obj in objects if isinstance(obj.get("schema"), dict)]
    return roots


def _get(doc: Any, pointer: str) -> Any:
    for token in split_pointer(pointer):
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


def walk_schemas(doc: dict[str, Any], roots: list[str]) -> list[SchemaNode]:
    """Every schema object below ``roots``, parents before children (each schema's own in
    the order of :func:`conformance.schema_walk.subschemas`)."""
    out: list[SchemaNode] = []
    for root in roots:
        _walk(_get(doc, root), root, None, "root", out)
    return out


def _walk(schema: Any, ptr: str, parent: str | None, via: str, out: list[SchemaNode]) -> None:
    if not isinstance(schema, dict):
        return
    out.append(SchemaNode(ptr, schema, parent, via))
    for path, sub in subschemas(schema):
        _walk(sub, child(ptr, *path), ptr, str(path[0]), out)


def find_refs(node: Any, ptr: str = "", key: str = "") -> Iterator[tuple[str, str]]:
    """Every ``$ref`` below ``node`` as (pointer of the object holding it, reference)."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from find_refs(item, child(ptr, i))
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("$ref"), str):
        yield ptr, node["$ref"]
    # Under these, keys are names (of properties, of components), never keywords.
    names_only = key in SCHEMA_MAPS or (ptr.startswith("/components/") and ptr.count("/") == 2)
    for name, value in node.items():
        if not names_only and (name in _DATA or (name == "examples" and isinstance(value, list))):
            continue
        yield from find_refs(value, child(ptr, name), "" if names_only else name)


@dataclass(frozen=True)
class OperationNode:
    """An Operation Object where it sits in the document (lint reads the raw document; the
    contract's compiled operation is :class:`conformance.contract.Operation`)."""

    path: str
    method: str
    pointer: str
    operation: dict[str, Any]

    @property
    def operation_id(self) -> str | None:
        value = self.operation.get("operationId")
        return value if isinstance(value, str) else None


def schema_suffix(parts: list[str]) -> str:
    """``[properties, a, items]`` -> ``.a[]``: how :meth:`Spec.label` names a sub-schema."""
    out, i = "", 0
    while i < len(parts):
        key = parts[i]
        if key == "properties" and i + 1 < len(parts):
            out, i = out + "." + parts[i + 1], i + 2
        elif key in ("items", "additionalProperties"):
            out, i = out + ("[]" if key == "items" else "{}"), i + 1
        elif key in SCHEMA_LISTS and i + 1 < len(parts):
            out, i = out + f" {key}[{parts[i + 1]}]", i + 2
        else:
            out, i = out + "/" + key, i + 1
    return out
