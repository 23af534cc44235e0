"""The one ``$ref`` resolver and schema walker: every part of the project reads schemas here.

* :func:`deref` follows the ``$ref`` chain of a node (local ``#/...`` refs, bounded and
  cycle-safe); :func:`deref_at` also says where it ends (a JSON pointer).
  A spec's whole document is the root its refs resolve in; code that holds only the
  component schemas resolves in :func:`components_root` of them, which is how the contract's
  compiled validators see them too.
* :func:`branches` (and :func:`flatten`) is a schema with every ``allOf``/``oneOf``/``anyOf``
  branch under it, each dereferenced, depth-bounded.
* :func:`subschemas` is every schema object directly under a schema (``properties``,
  ``items``, ``additionalProperties``, ``prefixItems``, the combinators, ...), with the path
  that reaches it.

What a caller computes from the walk (a documented shape, a fault's site, a report's fields,
a lint finding) stays with the caller. Nothing here is on the contract's fast path: the
contract walks schemas when it compiles them, never per document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from conformance.spec_loader import resolve_pointer

__all__ = [
    "COMBINATORS", "KEEP", "MAX_BRANCH_DEPTH", "MAX_REFS", "SCHEMA_LISTS", "SCHEMA_MAPS",
    "SCHEMA_SINGLE", "Branch", "branches", "components_root", "deref", "deref_at", "flatten",
    "ref_of", "subschemas",
]

COMBINATORS = ("allOf", "oneOf", "anyOf")
MAX_REFS = 32  # hops of one $ref chain
MAX_BRANCH_DEPTH = 16  # combinators nested in combinators
_SCHEMAS = "/components/schemas/"
# Where sub-schemas sit: under a name, in a list, or alone.
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_SINGLE = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
                 "propertyNames", "unevaluatedItems", "unevaluatedProperties",
                 "additionalItems", "contentSchema")


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # deref(missing=KEEP): a $ref that names nothing stays as it is written
Lookup = Callable[[str], Any]  # a JSON pointer -> the node there; LookupError when absent


def ref_of(node: Any) -> str | None:
    """The ``$ref`` of a node, when it is a mapping with a string ``$ref``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            return ref
    return None


def components_root(components: Mapping[str, Any]) -> dict[str, Any]:
    """A root in which ``#/components/schemas/<name>`` names ``components[name]``."""
    return {"components": {"schemas": components}}


def _resolve(root: Any, pointer: str) -> Any:
    """:func:`~conformance.spec_loader.resolve_pointer`, with the pointer most refs hold
    (``/components/schemas/<name>``) taken in three lookups: the emulator follows refs per
    request."""
    if pointer.startswith(_SCHEMAS) and isinstance(root, dict):
        name = pointer[len(_SCHEMAS):]
        components = root.get("components")
        schemas = components.get("schemas") if isinstance(components, dict) else None
        if isinstance(schemas, dict) and "/" not in name and "~" not in name:
            return schemas[name]
    return resolve_pointer(root, pointer)


def _chain(root: Any, node: Any, ref: str | None, pointer: str | None, merge: bool,
           limit: int | None, lookup: Lookup | None) -> tuple[str | None, Any, bool]:
    """(pointer, node, dangling) where the chain of ``node`` (whose ``$ref`` is ``ref``)
    ends; see :func:`deref`."""
    seen = None if pointer is None else {pointer}
    hops = 0
    while ref is not None and ref.startswith("#") and (limit is None or hops < limit):
        at = ref[1:]
        try:
            target = lookup(at) if lookup is not None else _resolve(root, at)
        except (LookupError, ValueError):  # names nothing (ValueError: a non-integer index)
            return pointer, node, True
        if merge and len(node) > 1 and isinstance(target, dict):
            target = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        pointer, node, hops = at, target, hops + 1
        if seen is None:
            seen = {at}
        elif at in seen:
            break
        else:
            seen.add(at)
        ref = ref_of(node)
    return pointer, node, False


def deref(root: Any, node: Any, *, merge: bool = True, limit: int | None = MAX_REFS,
          missing: Any = KEEP, lookup: Lookup | None = None) -> Any:
    """``node`` with its ``$ref`` chain followed: what the chain ends on, or ``node``
    itself when it is no reference.

    Only local refs (``#/...``) are followed, in ``root`` (with ``lookup``, when given,
    instead of :func:`~conformance.spec_loader.resolve_pointer`: a JSON pointer -> the node
    there, LookupError when absent). With ``merge``, the keywords beside a ``$ref`` win over
    its target's (JSON Schema 2020-12); without, a Reference Object is replaced by its
    target. The chain ends at a node without a local ``$ref``; at a ``$ref`` that names
    nothing, which gives ``missing`` (by default, :data:`KEEP`: that node as it is written);
    after ``limit`` hops; or at the first target met twice, so a cycle ends on a node that
    still holds its ``$ref``."""
    ref = ref_of(node)
    if ref is None:
        return node
    _, out, dangling = _chain(root, node, ref, None, merge, limit, lookup)
    return missing if dangling and missing is not KEEP else out


def deref_at(root: Any, node: Any, pointer: str, *, merge: bool = True,
             limit: int | None = MAX_REFS, missing: Any = KEEP,
             lookup: Lookup | None = None) -> tuple[str, Any]:
    """:func:`deref` of ``node``, which is at ``pointer`` in ``root`` (so that ``pointer``
    counts as met), and the pointer of what it ends on (``pointer`` when ``node`` is no
    reference)."""
    at, out, dangling = _chain(root, node, ref_of(node), pointer, merge, limit, lookup)
    return str(at), missing if dangling and missing is not KEEP else out


class Branch(NamedTuple):
    """One schema of :func:`branches`."""

    schema: Any  # the branch, dereferenced (not always a mapping)
    ref: str | None  # the $ref the branch is written as, if any
    certain: bool  # reached through allOf only: what it says holds for every instance


def branches(root: Any, schema: Any, *, order: tuple[str, ...] = COMBINATORS,
             max_depth: int = MAX_BRANCH_DEPTH, missing: Any = KEEP) -> list[Branch]:
    """``schema`` and every combinator branch under it, depth first, each dereferenced in
    ``root`` (``missing`` as in :func:`deref`); the combinators of a branch are taken in
    ``order``, and branches nested deeper than ``max_depth`` are left out."""
    out: list[Any] = []
    _branches(root, schema, order, max_depth, missing, True, 0, out, True)
    return out


def flatten(root: Any, schema: Any, *, order: tuple[str, ...] = COMBINATORS,
            max_depth: int = MAX_BRANCH_DEPTH, missing: Any = KEEP) -> list[dict[str, Any]]:
    """The schema objects (mappings) among :func:`branches`."""
    out: list[Any] = []
    _branches(root, schema, order, max_depth, missing, True, 0, out, False)
    return out


def _branches(root: Any, node: Any, order: tuple[str, ...], max_depth: int, missing: Any,
              certain: bool, depth: int, out: list[Any], full: bool) -> None:
    """Append each branch to ``out``: a :class:`Branch` when ``full``, else the schema
    object alone (the emulator flattens schemas per request)."""
    if depth > max_depth:
        return
    ref = ref_of(node)
    resolved = node
    if ref is not None:
        _, resolved, dangling = _chain(root, node, ref, None, True, MAX_REFS, None)
        resolved = missing if dangling and missing is not KEEP else resolved
    if full:
        out.append(Branch(resolved, ref, certain))
    if not isinstance(resolved, dict):
        return
    if not full:
        out.append(resolved)
    for comb in order:
        for branch in resolved.get(comb, []) or []:
            _branches(root, branch, order, max_depth, missing, certain and comb == "allOf",
                      depth + 1, out, full)


def subschemas(schema: Any) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every schema object directly under ``schema``, with the path from ``schema`` to it
    (``("properties", "name")``, ``("oneOf", 0)``, ``("items",)``): the named ones
    (:data:`SCHEMA_MAPS`), the listed ones (:data:`SCHEMA_LISTS`), then the single ones
    (:data:`SCHEMA_SINGLE`; ``items`` may also be a list). ``$ref`` is not followed."""
    if not isinstance(schema, dict):
        return
    for key in SCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            for name, sub in schema[key].items():
                if isinstance(sub, dict):
                    yield (key, name), sub
    for key in SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            for i, sub in enumerate(schema[key]):
                if isinstance(sub, dict):
                    yield (key, i), sub
    for key in SCHEMA_SINGLE:
        value = schema.get(key)
        if isinstance(value, dict):
            yield (key,), value
        elif key == "items" and isinstance(value, list):
            for i, sub in enumerate(value):
                if isinstance(sub, dict):
                    yield (key, i), sub
