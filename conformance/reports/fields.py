"""Which body fields a schema documents, and which of them a body actually uses.

Fields are JSON pointers with array items as ``*`` (``/message/text_message/text``,
``/contacts/*/id``), the form Finding locations use. A map (``additionalProperties`` with a
schema) is one field: its keys are data, not names. Recursive schemas stop at the first
repeated ``$ref``; depth is capped so a report stays readable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.findings import json_pointer
from conformance.reports.schema_walk import deref, ref_of, shape

__all__ = ["documented_fields", "used_fields"]

MAX_DEPTH = 8


def _walk_schema(document: Any, schema: Any, path: tuple[str, ...],
                 ancestors: frozenset[str], skip: str) -> Iterator[str]:
    ref = ref_of(schema)
    if (ref and ref in ancestors) or len(path) > MAX_DEPTH * 2:
        return
    ancestors = ancestors | {ref} if ref else ancestors
    node = deref(document, schema)
    if not isinstance(node, dict):
        return
    for name, sub in (node.get("properties") or {}).items():
        resolved = deref(document, sub)
        if isinstance(resolved, dict) and resolved.get(skip) is True:
            continue
        yield json_pointer((*path, name))
        yield from _walk_schema(document, sub, (*path, name), ancestors, skip)
    if isinstance(node.get("items"), dict):
        yield from _walk_schema(document, node["items"], (*path, "*"), ancestors, skip)
    for comb in ("allOf", "oneOf", "anyOf"):
        for branch in node.get(comb, []) or []:
            yield from _walk_schema(document, branch, path, ancestors, skip)


def documented_fields(document: Any, schema: Any, *, request: bool) -> set[str]:
    """Every property pointer ``schema`` documents, nested ones included (a recursive
    schema is followed once around its loop); a request leaves out ``readOnly``
    properties, a response ``writeOnly`` ones: the other side must not send them."""
    skip = "readOnly" if request else "writeOnly"
    return set(_walk_schema(document, schema, (), frozenset(), skip))


def _walk_body(document: Any, schemas: list[Any], body: Any, path: tuple[str, ...],
               out: set[str]) -> None:
    if len(path) > MAX_DEPTH * 2 or not schemas:
        return
    s = shape(document, schemas)
    if isinstance(body, dict) and not s.is_map:
        for name, value in body.items():
            subs = s.properties.get(name)
            if subs is not None:
                out.add(json_pointer((*path, name)))
                _walk_body(document, subs, value, (*path, name), out)
    elif isinstance(body, list) and s.items:
        for value in body:
            _walk_body(document, s.items, value, (*path, "*"), out)


def used_fields(document: Any, schema: Any, body: Any) -> set[str]:
    """The documented property pointers that ``body`` has (undocumented ones are drift
    findings already)."""
    out: set[str] = set()
    _walk_body(document, [schema], body, (), out)
    return out
