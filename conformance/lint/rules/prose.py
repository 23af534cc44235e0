"""Lint rules about prose the schema does not back up.

A description that states a limit ("the maximum is 20", "up to 1024 characters") the
schema lacks, one that opens with "Required."/"Optional." against ``required``, and one
that speaks of "the keys in the map" on a schema that defines no map values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from conformance.findings import Finding
from conformance.lint.model import (
    Spec,
    as_dict,
    as_list,
    child,
    lint_rule,
    quote_text,
    split_pointer,
)

__all__ = ["limit_not_in_schema", "map_values_undefined", "required_mismatch"]

_LIMITS = (  # (JSON types, phrase, keyword that should hold the number); " " = any space
    ({"integer", "number"}, r"\bmaximum (?:is|of) (\d+)", "maximum"),
    ({"integer", "number"}, r"\bminimum (?:is|of) (\d+)", "minimum"),
    ({"string"}, r"\b(?:up to|at most) (\d+) characters", "maxLength"),
    ({"string"}, r"\bmax(?:imum)?(?: \w+)? length is (\d+)", "maxLength"),
    ({"array"}, r"\blimited to (\d+)", "maxItems"),
    ({"array"}, r"\bup to (\d+) \w+", "maxItems"),
    ({"array"}, r"\bat least (one|\d+) items?\b", "minItems"),
)
_MODALITY = re.compile(r"^\s*(required|optional)( parameter)?\s*[.:]", re.IGNORECASE)


@lint_rule("map-values-undefined")
def map_values_undefined(spec: Spec) -> Iterator[Finding]:
    """A description speaks of "the keys in the map" but the schema defines no values."""
    for node in spec.schema_nodes():
        text = node.schema.get("description")
        says_map = isinstance(text, str) and re.search(
            r"\bkeys?\s+(?:in|of)\s+the\s+map\b", text, re.IGNORECASE)
        if says_map and not any(k in node.schema for k in ("additionalProperties",
                                                           "patternProperties", "$ref")):
            yield spec.finding(
                "map-values-undefined", child(node.pointer, "description"),
                f"{spec.label(node.pointer)} is described as a map, but it declares no "
                "`additionalProperties`, so its values are not specified.",
                schema_path=node.pointer)


@lint_rule("required-mismatch")
def required_mismatch(spec: Spec) -> Iterator[Finding]:
    """A description opening with "Required." or "Optional." that `required` contradicts."""
    for node in spec.schema_nodes():
        match = _MODALITY.match(str(node.schema.get("description", "")))
        if node.via != "properties" or node.parent is None or not match:
            continue
        name = split_pointer(node.pointer)[-1]
        required = name in spec.collect(node.parent, "required")
        if (match[1].lower() == "required") != required:
            yield spec.finding(
                "required-mismatch", child(node.pointer, "description"),
                f"{spec.label(node.pointer)} is described as {match[1].lower()}, but "
                f"{spec.label(node.parent)} {'lists' if required else 'does not list'} it in "
                "`required`.", schema_path=child(node.parent, "required"))
    for ptr, obj in spec.objects():
        match = _MODALITY.match(str(obj.get("description", "")))
        if "in" in obj and "name" in obj and match and (
                match[1].lower() == "required") != (obj.get("required") is True):
            yield spec.finding(
                "required-mismatch", child(ptr, "description"),
                f"Parameter {obj['name']} is described as {match[1].lower()}, but its "
                f"`required` is {json.dumps(obj.get('required', False))}.",
                schema_path=child(ptr, "required"))


def _texts(spec: Spec) -> Iterator[tuple[str, str, str]]:
    """(pointer of a description, its text, pointer of the schema it describes)."""
    for node in spec.schema_nodes():
        if isinstance(node.schema.get("description"), str):
            yield child(node.pointer, "description"), node.schema["description"], node.pointer
    for ptr, obj in spec.objects():
        if "in" in obj and isinstance(obj.get("description"), str) and isinstance(
                obj.get("schema"), dict):
            yield child(ptr, "description"), obj["description"], child(ptr, "schema")


@lint_rule("limit-not-in-schema")
def limit_not_in_schema(spec: Spec) -> Iterator[Finding]:
    """A description states a limit (max 20, up to 1024 characters) the schema lacks."""
    for dptr, text, sptr in _texts(spec):
        _, schema = spec.deref(sptr)
        own, schema = as_dict(spec.get(sptr)), as_dict(schema)
        declared = own.get("type") or schema.get("type")
        types = {declared} if isinstance(declared, str) else {
            t for t in as_list(declared) if isinstance(t, str)}
        for kinds, phrase, keyword in _LIMITS:
            match = re.search(phrase.replace(" ", r"\s+"), text, re.IGNORECASE)
            if match and types & kinds and keyword not in own and keyword not in schema:
                yield spec.finding(
                    "limit-not-in-schema", dptr,
                    f"{spec.label(sptr)} says {quote_text(match[0])} in its description, but its "
                    f"schema has no `{keyword}`, so validators and generated tests ignore it.",
                    schema_path=sptr, evidence={"keyword": keyword, "phrase": match[0]})
                break
