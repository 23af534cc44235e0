"""Where the examples of an OpenAPI document live, each with the schema it must satisfy.

``example``/``examples`` in schemas, in parameters, headers and media types (inline or
``$ref`` to ``components/examples``), and unreferenced ``components/examples`` (checked
against the one component schema whose fields they fit). The rules that check them are in
:mod:`conformance.lint.rules.examples`; this module registers none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.lint.model import Spec, as_dict, child, split_pointer

__all__ = ["Site", "example_sites"]


@dataclass(frozen=True)
class Site:
    """One example value and the schema it must satisfy."""

    value: Any
    pointer: str
    schema: str
    what: str
    against: str = ""  # how messages name the schema; "" -> "its own schema"
    note: str = ""
    used_by: tuple[str, ...] = ()


def _schema_sites(spec: Spec) -> Iterator[Site]:
    for node in spec.schema_nodes():
        what = f"The example of {spec.label(node.pointer)}"
        if "example" in node.schema:
            yield Site(node.schema["example"], child(node.pointer, "example"), node.pointer,
                       what)
        if isinstance(node.schema.get("examples"), list):
            for i, value in enumerate(node.schema["examples"]):
                yield Site(value, child(node.pointer, "examples", i), node.pointer, what)


def _object_sites(spec: Spec) -> Iterator[Site]:
    """Examples of parameters, headers and media types (``example`` and ``examples``)."""
    for ptr, obj in spec.objects():
        if not isinstance(obj.get("schema"), dict):
            continue
        schema, what = child(ptr, "schema"), f"The example of {spec.label(ptr)}"
        if "example" in obj:
            yield Site(obj["example"], child(ptr, "example"), schema, what,
                       _schema_name(spec, schema))
        for name, entry in as_dict(obj.get("examples")).items():
            if not isinstance(entry, dict):
                continue
            entry_ptr = child(ptr, "examples", name)
            target = spec.ref_target(entry.get("$ref")) if "$ref" in entry else entry_ptr
            example = spec.get(target) if target else None
            if target and isinstance(example, dict) and "value" in example:
                label = split_pointer(target)[-1] if target != entry_ptr else name
                yield Site(example["value"], child(target, "value"), schema,
                           f"Example {label}", _schema_name(spec, schema),
                           used_by=(entry_ptr,))


def _guess_schema(spec: Spec, value: Any) -> str | None:
    """The one component schema that defines every field of ``value`` and whose required
    fields ``value`` has (the most required fields wins); None when not exactly one."""
    if not isinstance(value, dict) or not value:
        return None
    best: list[str] = []
    score = 0
    for name in spec.mapping("/components/schemas"):
        ptr = child("/components/schemas", name)
        required = set(spec.collect(ptr, "required"))
        if not required or not required <= set(value) or not set(value) <= set(
                spec.collect(ptr, "properties")):
            continue
        if len(required) > score:
            best, score = [ptr], len(required)
        elif len(required) == score:
            best.append(ptr)
    return best[0] if len(best) == 1 else None


def example_sites(spec: Spec) -> list[Site]:
    """Every example in the document with the schema it is checked against, deduplicated."""
    sites: dict[tuple[str, str], Site] = {}
    for site in (*_schema_sites(spec), *_object_sites(spec)):
        key = (site.pointer, site.schema)
        if key in sites:
            site = Site(site.value, site.pointer, site.schema, site.what, site.against,
                        site.note, sites[key].used_by + site.used_by)
        sites[key] = site
    used = {p for p, _ in sites if p.startswith("/components/examples/")}
    for name, example in spec.mapping("/components/examples").items():
        value_ptr = child("/components/examples", name, "value")
        if value_ptr in used or not isinstance(example, dict) or "value" not in example:
            continue
        guess = _guess_schema(spec, example["value"])
        if guess:
            sites[(value_ptr, guess)] = Site(
                example["value"], value_ptr, guess, f"Example {name}", spec.label(guess),
                note=f" (used by no operation; it has the fields of {spec.label(guess)})")
    return list(sites.values())


def _schema_name(spec: Spec, pointer: str) -> str:
    """``SendMessageRequest`` for a media type schema that is just a $ref to it."""
    target, _ = spec.deref(pointer)
    return spec.label(target)
