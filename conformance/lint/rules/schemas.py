"""Lint rules about schema objects themselves: required, oneOf, type, format, enum, default.

Each rule is a plain function ``rule(spec) -> Iterator[Finding]`` registered in
:data:`~conformance.lint.model.RULES`, in the order the rules run (see rules/__init__.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from conformance.findings import Finding
from conformance.lint.model import (
    COMBINATORS,
    SchemaNode,
    Spec,
    as_list,
    child,
    keyword_pointer,
    lint_rule,
    split_pointer,
)

__all__ = [
    "ambiguous_one_of",
    "default_invalid",
    "enum_missing",
    "enum_type_mismatch",
    "format_mismatch",
    "minimal_instance",
    "required_undefined",
    "type_missing",
]

# OpenAPI Format Registry: format -> JSON types it applies to.
_FORMAT_TYPES: dict[str, set[str]] = {
    **{f: {"integer", "number"} for f in ("int32", "int64")},
    **{f: {"number"} for f in ("float", "double")},
    **{f: {"string"} for f in (
        "byte", "binary", "date", "date-time", "time", "duration", "password", "email",
        "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference",
        "iri", "iri-reference", "uuid", "uri-template", "json-pointer",
        "relative-json-pointer", "regex", "char")},
}


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    return {t for t in declared if isinstance(t, str)} if isinstance(declared, list) else set()


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object",
            type(None): "null"}.get(type(value), "unknown")


def _fits(value: Any, types: set[str]) -> bool:
    kind = _json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


def _names(spec: Spec, node: SchemaNode) -> set[str]:
    """Property names a ``required`` list in ``node`` may legitimately name."""
    names = set(spec.collect(node.pointer, "properties"))
    if node.via in COMBINATORS and node.parent is not None:
        names |= set(spec.collect(node.parent, "properties"))
    for key in ("oneOf", "anyOf"):
        for i in range(len(as_list(node.schema.get(key)))):
            names |= set(spec.collect(child(node.pointer, key, i), "properties"))
    return names


@lint_rule("required-undefined")
def required_undefined(spec: Spec) -> Iterator[Finding]:
    """`required` names a property the schema (with its $ref, allOf, parent) never defines."""
    for node in spec.schema_nodes():
        required = node.schema.get("required")
        if not isinstance(required, list) or isinstance(
                node.schema.get("additionalProperties"), dict) or node.schema.get(
                "patternProperties"):
            continue
        names = _names(spec, node)
        for i, name in enumerate(required):
            if not isinstance(name, str) or name in names:
                continue
            listed = ", ".join(sorted(names)) or "none"
            yield spec.finding(
                "required-undefined", child(node.pointer, "required", i),
                f"{spec.label(node.pointer)} requires `{name}`, which is not one of its "
                f"properties ({listed}), so every valid instance needs an undocumented field.",
                schema_path=child(node.pointer, "required"),
                evidence={"required": name, "properties": sorted(names)})


def minimal_instance(spec: Spec, pointer: str, *, full: bool = False, depth: int = 0) -> Any:
    """A small instance of the schema at ``pointer``: required fields (or, with ``full``,
    every declared field at the top level) filled with the simplest valid-looking value."""
    schema = spec.get(pointer)
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    target = spec.ref_target(schema.get("$ref"))
    types = _types(schema)
    if target and not types and "properties" not in schema:
        return minimal_instance(spec, target, full=full, depth=depth + 1)
    if not types:
        for key in ("oneOf", "anyOf"):
            if schema.get(key) and "properties" not in schema:
                return minimal_instance(spec, child(pointer, key, 0), full=full, depth=depth + 1)
        if "properties" in schema or "required" in schema or target:
            types = {"object"}
        elif "items" in schema:
            types = {"array"}
    kind = next((t for t in ("object", "array", "string", "integer", "number", "boolean")
                 if t in types), "null" if "null" in types else "object")
    if kind == "object":
        props = spec.collect(pointer, "properties")
        names = list(props) if full else list(spec.collect(pointer, "required"))
        return {n: minimal_instance(spec, props[n], depth=depth + 1) if n in props else "x"
                for n in names}
    if kind == "array":
        item = minimal_instance(spec, child(pointer, "items"), depth=depth + 1)
        return [item] * min(_number(schema.get("minItems")), 5)
    if kind == "string":
        return "x" * min(max(1, _number(schema.get("minLength"))), 1000)
    if kind in ("integer", "number"):
        if "minimum" in schema:
            return _number(schema["minimum"])
        return _number(schema["exclusiveMinimum"]) + 1 if "exclusiveMinimum" in schema else 0
    return False if kind == "boolean" else None


def _number(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _branch_name(spec: Spec, pointer: str, index: int) -> str:
    branch = spec.get(pointer)
    if isinstance(branch, dict):
        if isinstance(branch.get("$ref"), str):
            return split_pointer(branch["$ref"].lstrip("#"))[-1]
        if isinstance(branch.get("title"), str):
            return f"'{branch['title']}'"
    return f"#{index}"


def _candidates(spec: Spec, branches: list[str]) -> list[Any]:
    seen, out = {"{}"}, []
    for branch in branches:
        for full in (False, True):
            value = minimal_instance(spec, branch, full=full)
            key = json.dumps(value, sort_keys=True)
            if key not in seen:
                seen.add(key)
                out.append(value)
    return [*out, {}]


@lint_rule("oneof-ambiguous")
def ambiguous_one_of(spec: Spec) -> Iterator[Finding]:
    """A `oneOf` two of whose branches accept the same small instance."""
    for node in spec.schema_nodes():
        one_of = node.schema.get("oneOf")
        if not isinstance(one_of, list) or len(one_of) < 2:
            continue
        branches = [child(node.pointer, "oneOf", i) for i in range(len(one_of))]
        for value in _candidates(spec, branches):
            matched = [i for i, b in enumerate(branches) if spec.is_valid(value, b)]
            if len(matched) < 2:
                continue
            names = ", ".join(_branch_name(spec, branches[i], i) for i in matched)
            text = json.dumps(value, separators=(", ", ": "))
            yield spec.finding(
                "oneof-ambiguous", child(node.pointer, "oneOf"),
                f"{spec.label(node.pointer)} is ambiguous: {text} is valid against "
                f"{len(matched)} of its {len(branches)} oneOf branches ({names}), so oneOf "
                "rejects it; the branches need `required` (or another keyword) to exclude "
                "each other.",
                schema_path=child(node.pointer, "oneOf"),
                evidence={"instance": value, "branches": matched})
            break


@lint_rule("default-invalid")
def default_invalid(spec: Spec) -> Iterator[Finding]:
    """A `default` value that its own schema rejects (wrong type, not in the enum, ...)."""
    for node in spec.schema_nodes():
        if "default" not in node.schema:
            continue
        errors = spec.errors(node.schema["default"], node.pointer)
        if errors:
            yield spec.finding(
                "default-invalid", child(node.pointer, "default"),
                f"{spec.label(node.pointer)} has default {json.dumps(node.schema['default'])}"
                f", which its own schema rejects: {errors[0].message}.",
                schema_path=keyword_pointer(errors[0]) or node.pointer)


@lint_rule("enum-type-mismatch")
def enum_type_mismatch(spec: Spec) -> Iterator[Finding]:
    """An `enum` value that its own `type` rejects."""
    for node in spec.schema_nodes():
        enum, types = node.schema.get("enum"), _types(node.schema)
        if not isinstance(enum, list) or not types:
            continue
        for i, value in enumerate(enum):
            if not _fits(value, types):
                yield spec.finding(
                    "enum-type-mismatch", child(node.pointer, "enum", i),
                    f"{spec.label(node.pointer)} lists {json.dumps(value)} in its enum, "
                    f"but its type is {' or '.join(sorted(types))}, so that value can "
                    "never be valid.", schema_path=child(node.pointer, "type"))


@lint_rule("enum-missing")
def enum_missing(spec: Spec) -> Iterator[Finding]:
    """`x-enumDescriptions` documents values that no `enum` restricts the schema to."""
    for node in spec.schema_nodes():
        described = node.schema.get("x-enumDescriptions")
        if not isinstance(described, dict) or not described:
            continue
        enum = node.schema.get("enum")
        missing = [v for v in described if not isinstance(enum, list) or v not in enum]
        if not missing:
            continue
        if not isinstance(enum, list):
            text = (f"describes {len(described)} values in x-enumDescriptions but has no "
                    "`enum`, so the schema accepts any "
                    f"{' or '.join(sorted(_types(node.schema))) or 'value'}")
        else:
            text = f"describes {', '.join(missing)} in x-enumDescriptions but not in its `enum`"
        yield spec.finding(
            "enum-missing", child(node.pointer, "x-enumDescriptions"),
            f"{spec.label(node.pointer)} {text}.", schema_path=child(node.pointer, "enum"),
            evidence={"values": missing})


@lint_rule("format-mismatch")
def format_mismatch(spec: Spec) -> Iterator[Finding]:
    """A registered `format` used on a `type` it does not apply to (e.g. int64 on string)."""
    for node in spec.schema_nodes():
        fmt, types = node.schema.get("format"), _types(node.schema)
        allowed = _FORMAT_TYPES.get(fmt) if isinstance(fmt, str) else None
        if allowed and types and not types & allowed:
            yield spec.finding(
                "format-mismatch", child(node.pointer, "format"),
                f"{spec.label(node.pointer)} has format `{fmt}`, which applies to "
                f"{' or '.join(sorted(allowed))} values, but its type is "
                f"{' or '.join(sorted(types))}.",
                schema_path=child(node.pointer, "type"))


@lint_rule("type-missing")
def type_missing(spec: Spec) -> Iterator[Finding]:
    """A schema with `properties` or `items` but no `type`, so other JSON types pass."""
    for node in spec.schema_nodes():
        schema = node.schema
        if "type" in schema or "$ref" in schema or node.via in COMBINATORS or any(
                k in schema for k in (*COMBINATORS, "enum", "const")):
            continue
        for keyword, wanted in (("properties", "object"), ("items", "array")):
            if keyword in schema:
                yield spec.finding(
                    "type-missing", child(node.pointer, keyword),
                    f"{spec.label(node.pointer)} declares `{keyword}` but no `type: "
                    f"{wanted}`, so a string or a number is valid there too.",
                    schema_path=node.pointer)
                break
