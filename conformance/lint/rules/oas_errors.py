"""One sentence per error of the OpenAPI 3.1 schema: what is wrong, what is allowed.

:func:`oas_issues` validates the document against the official OpenAPI 3.1 schema (the copy
openapi-spec-validator ships, compiled with jsonschema-rs, formats checked) and turns every
error, all of them, into an :class:`Issue`: the rule it belongs to, where it is, and a
sentence naming the object ("Parameter Object"), the field and the allowed values or fields.
The rules that report them are in :mod:`conformance.lint.rules.oas_schema`.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from conformance.findings import json_pointer
from conformance.lint.model import Spec, as_dict, as_list, child, split_pointer

__all__ = ["Issue", "RULE_OF_KEYWORD", "oas_issues", "oas_schema"]

# validator keyword -> rule
RULE_OF_KEYWORD = {
    "required": "oas-required",
    "unevaluatedProperties": "oas-unknown-field", "additionalProperties": "oas-unknown-field",
    "falseSchema": "oas-unknown-field", "propertyNames": "oas-unknown-field",
    "type": "oas-type", "enum": "oas-enum", "const": "oas-enum",
    "pattern": "oas-format", "format": "oas-format",
    "oneOf": "oas-one-of", "anyOf": "oas-one-of", "not": "oas-one-of",
}
# $defs of the schema that are pieces of an object, not objects of their own
_MIXINS = {"examples", "specification-extensions", "map-of-strings", "schema"}
_NAMES = {"oauth-flows": "OAuth Flows Object", "paths": "Paths Object",
          "responses": "Responses Object", "callbacks": "Callback Object",
          "content": "content map (media type -> Media Type Object)"}
# (object, keyword) pairs another rule reports better (path-param-optional: required: true)
_COVERED = {("styles-for-path", "const")}


@dataclass(frozen=True)
class Issue:
    rule: str
    location: str
    schema_path: str
    message: str


def oas_schema() -> dict[str, Any]:
    """The OpenAPI 3.1 schema (2022-10-07) as shipped by openapi-spec-validator, read from
    its package data without importing the package (that import is slow)."""
    found = importlib.util.find_spec("openapi_spec_validator")
    roots = list(found.submodule_search_locations or []) if found else []
    if not roots:
        raise ModuleNotFoundError("No module named 'openapi_spec_validator'",
                                  name="openapi_spec_validator")
    path = Path(roots[0]) / "resources" / "schemas" / "v3.1" / "schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def oas_issues(spec: Spec) -> list[Issue]:
    """Every error of ``spec.doc`` against the OpenAPI 3.1 schema, one Issue each."""
    schema = oas_schema()
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    errors = list(validator.iter_errors(spec.doc))
    busy = {json_pointer(e.instance_path) for e in errors
            if e.kind.name not in ("unevaluatedProperties", "additionalProperties")}
    issues: list[Issue] = []
    for err in errors:
        issues += _Explain(spec, schema, err, busy).issues()
    return issues


class _Explain:
    """The sentence(s) for one error."""

    def __init__(self, spec: Spec, schema: dict[str, Any], err: Any, busy: set[str]) -> None:
        self.spec, self.schema, self.err, self.busy = spec, schema, err, busy
        self.keyword: str = err.kind.name
        self.detail: dict[str, Any] = err.kind.as_dict()
        self.pointer = json_pointer(err.instance_path)
        self.path = [str(p) for p in err.schema_path]
        self.defs = [self.path[i + 1] for i in range(len(self.path) - 1)
                     if self.path[i] == "$defs"]
        self.obj = self._object_name()
        label = spec.label(self.pointer) if self.pointer else "the top of the document"
        self.at = f"{self.obj} at {label}"

    def issues(self) -> list[Issue]:
        if (self.defs[-1:] and (self.defs[-1], self.keyword) in _COVERED) or self._local_ref():
            return []
        rule = RULE_OF_KEYWORD.get(self.keyword, "oas-schema")
        where = "#oas3.1" + json_pointer(self.path)
        if self.keyword == "required":
            prop = str(self.detail.get("property"))
            return [Issue(rule, self.pointer, f"{where}/{prop}",
                          _cap(f"{self.at} lacks `{prop}`, a field OpenAPI 3.1 requires."))]
        if self.keyword in ("unevaluatedProperties", "additionalProperties"):
            return [Issue(rule, child(self.pointer, key), f"{where}/{key}",
                          _cap(self._unknown(key)))
                    for key in self.detail.get("unexpected", [])
                    if self.pointer not in self.busy or not self._declared(key)]
        return [Issue(rule, self.pointer, where, _cap(self._sentence()))]

    def _local_ref(self) -> bool:
        """A local ``$ref`` that is no strict uri-reference (``#/paths/~1a~1{id}``: braces
        unencoded, as every tool reads them); ref-unresolved checks where it points."""
        value = self.spec.get(self.pointer)
        return self.keyword == "format" and isinstance(value, str) and value.startswith("#")

    # -- naming ----------------------------------------------------------------------------
    def _object_name(self) -> str:
        top = as_dict(self.schema.get("$defs"))
        names = [d for d in self.defs if d in top and d not in _MIXINS]
        if not names:
            return "the OpenAPI Object"
        name = names[-1].removesuffix("-or-reference")
        words = " ".join(w.capitalize() for w in name.split("-"))
        return "the " + _NAMES.get(name, f"{words} Object")

    def _field(self) -> str:
        """```in` of the Parameter Object at getThing /parameters/0``."""
        parts = split_pointer(self.pointer)
        if not parts:
            return self.at
        parent = self.pointer.rsplit("/", 1)[0]
        label = self.spec.label(parent) if parent else "the document"
        return f"`{parts[-1]}` of {self.obj} at {label}"

    def _value(self) -> str:
        text = json.dumps(self.spec.get(self.pointer), ensure_ascii=False)
        return text if len(text) <= 60 else text[:59] + "…"

    def _def(self) -> dict[str, Any]:
        top = as_dict(self.schema.get("$defs"))
        names = [d for d in self.defs if d in top and d not in _MIXINS]
        return as_dict(top.get(names[-1])) if names else self.schema

    # -- unknown fields --------------------------------------------------------------------
    def _declared(self, key: str) -> bool:
        """``key`` is a field some branch of this object's schema declares: it was left
        unevaluated only because that branch failed for another reason, reported apart."""
        stack: list[Any] = [self._def()]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if key in as_dict(node.get("properties")):
                    return True
                stack += [v for k, v in node.items() if k not in ("properties", "enum", "const")]
                stack += list(as_dict(node.get("properties")).values())
            elif isinstance(node, list):
                stack += node
        return False

    def _unknown(self, key: str) -> str:
        definition = self._def()
        allowed = [f"`{name}`" for name in as_dict(definition.get("properties"))]
        allowed += [f"keys matching `{p}`" for p in as_dict(definition.get("patternProperties"))
                    if p != "^x-"]
        refs = json.dumps(definition)
        if "specification-extensions" in refs or "^x-" in refs:
            allowed.append("`x-` extensions")
        listed = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return f"{self.at} has `{key}`, which OpenAPI 3.1 does not define there{listed}."

    # -- everything else -------------------------------------------------------------------
    def _sentence(self) -> str:
        d, k = self.detail, self.keyword
        if k == "type":
            wanted = " or ".join(_A.get(t, t) for t in as_list(d.get("types")))
            return (f"{self._field()} is {_json_type(self.spec.get(self.pointer))}; "
                    f"OpenAPI 3.1 wants {wanted}.")
        if k == "enum":
            options = ", ".join(json.dumps(o) for o in as_list(d.get("options")))
            return f"{self._field()} is {self._value()}; allowed: {options}."
        if k == "const":
            return (f"{self._field()} is {self._value()}; the only value allowed here is "
                    f"{json.dumps(d.get('expected_value'))}.")
        if k == "pattern":
            return f"{self._field()} is {self._value()}, which does not match `{d.get('pattern')}`."
        if k == "format":
            return f"{self._field()} is {self._value()}, which is not a valid {d.get('format')}."
        if k in ("oneOf", "anyOf"):
            return self._alternatives(k)
        if k == "not":
            banned = as_list(as_dict(d.get("schema")).get("required"))
            if "dependentSchemas" in self.path and banned:
                dep = self.path[self.path.index("dependentSchemas") + 1]
                return f"{self.at} has both `{dep}` and `{banned[0]}`; give only one of them."
        if k == "falseSchema":
            return f"{self._field()} is not allowed there by OpenAPI 3.1."
        limit = d.get("limit")
        if limit is not None:
            return f"{self._field()} breaks OpenAPI 3.1's `{k}: {limit}` ({self._value()})."
        return f"{self._field()} does not satisfy OpenAPI 3.1's `{k}` ({self._value()})."

    def _alternatives(self, keyword: str) -> str:
        branches = as_list(self.spec_schema_at(self.path))
        fields = [as_list(as_dict(b).get("required")) for b in branches]
        simple = all(len(f) == 1 and set(as_dict(b)) == {"required"}
                     for f, b in zip(fields, branches, strict=True)) and fields
        names = " or ".join(f"`{f[0]}`" for f in fields) if simple else ""
        if keyword == "oneOf" and not any(as_list(self.detail.get("context"))) and names:
            return f"{self.at} has more than one of {names}; give exactly one."
        if names:
            count = "exactly one" if keyword == "oneOf" else "at least one"
            return f"{self.at} needs {count} of {names}; it has none."
        closest: list[Any] = min((b for b in as_list(self.detail.get("context")) if b),
                                 key=len, default=[])
        why = f" (closest: {' '.join(str(closest[0].message).split())})" if closest else ""
        return f"{self.at} matches none of the forms OpenAPI 3.1 allows there{why}."

    def spec_schema_at(self, path: list[str]) -> Any:
        node: Any = self.schema
        for token in path:
            node = node[int(token)] if isinstance(node, list) else as_dict(node).get(token)
        return node


_A = {"array": "an array", "object": "an object", "string": "a string", "boolean": "a boolean",
      "integer": "an integer", "number": "a number", "null": "null"}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {int: "a number", float: "a number", str: "a string", list: "an array",
            dict: "an object", type(None): "null"}.get(type(value), "a value")
