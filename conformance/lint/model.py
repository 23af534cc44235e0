"""The model every lint rule reads: one :class:`Spec` wrapping the OpenAPI document.

A rule is a plain function ``rule(spec) -> Iterable[Finding]`` registered in :data:`RULES`
(see :mod:`conformance.lint`).
``Spec`` gives rules what they share: JSON-pointer lookups, ``$ref`` resolution, every schema
object in the document (:class:`~conformance.lint.walk.SchemaNode`), cached JSON Schema
2020-12 validators for any schema pointer, human labels, and :meth:`Spec.finding` to build a
``spec_defect``. Apart from the :data:`RULES` registry, nothing here is module-global state:
caches live on the ``Spec`` instance.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import quote

import jsonschema_rs

from conformance.errors import UserError
from conformance.findings import Finding, Kind, Source, json_pointer
from conformance.lint.severity import default_severity
from conformance.lint.walk import (
    OperationNode,
    SchemaNode,
    as_dict,
    as_list,
    child,
    find_refs,
    iter_objects,
    keyword_pointer,
    quote_text,
    schema_roots,
    schema_suffix,
    split_pointer,
    walk_schemas,
)
from conformance.registry import Registry
from conformance.schema_walk import COMBINATORS, deref_at

__all__ = [
    "COMBINATORS",
    "HTTP_METHODS",
    "OperationNode",
    "RULES",
    "Rule",
    "SchemaNode",
    "Spec",
    "as_dict",
    "as_list",
    "child",
    "keyword_pointer",
    "lint_rule",
    "own",
    "quote_text",
    "split_pointer",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_ABSENT = object()
_RESOURCE = "urn:sinch-conformance:lint-spec"

Rule = Callable[["Spec"], Iterable[Finding]]
# Every lint rule, in the order it runs, which is the order of the findings. The modules of
# conformance.lint.rules register theirs (kinds {spec_defect}, where {lint}) when imported,
# each under the name its findings carry in evidence["rule"] ("example-invalid", ...), with
# the first line of its docstring as the one-line description `lint --list-rules` prints.
RULES: Registry[Rule] = Registry("lint rule")
T = TypeVar("T")


def lint_rule(name: str) -> Callable[[Rule], Rule]:
    """Register a lint rule in :data:`RULES` under ``name`` (kinds {spec_defect}, where
    {lint})."""
    return RULES.register(name, kinds={Kind.SPEC_DEFECT}, where={"lint"})


def own(findings: Iterable[Finding], rule: str) -> list[Finding]:
    """The findings of rule ``rule`` among those of a shared walk (:meth:`Spec.shared`)."""
    return [f for f in findings if f.evidence.get("rule") == rule]


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"external reference {uri} is not followed by lint")


class Spec:
    """The document under lint, made JSON-clean, with lookups and validator caches."""

    def __init__(self, doc: dict[str, Any]) -> None:
        try:
            self.doc: dict[str, Any] = json.loads(json.dumps(doc, default=str))
        except ValueError as exc:  # a recursive YAML alias
            raise UserError(f"the spec cannot be read as JSON data ({exc})",
                            tip="remove recursive YAML anchors/aliases from the spec") from None
        self._validators: dict[str, Any] = {}
        self.compile_errors: dict[str, str] = {}
        self._registry: Any = None
        self._objects = list(iter_objects(self.doc))
        self._roots = schema_roots(self.doc, self._objects)
        self._nodes = walk_schemas(self.doc, self._roots)
        self._refs = list(find_refs(self.doc))
        self._shared: dict[Callable[[Spec], Any], Any] = {}

    def shared(self, compute: Callable[[Spec], T]) -> T:
        """``compute(self)``, computed once per Spec: several rules that share one walk of
        the document (each keeps the findings of its own name) call it in turn."""
        if compute not in self._shared:
            self._shared[compute] = compute(self)
        return self._shared[compute]

    # -- lookups ---------------------------------------------------------------------------
    def get(self, pointer: str, default: Any = None) -> Any:
        node: Any = self.doc
        for token in split_pointer(pointer):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return default
        return node

    def mapping(self, pointer: str) -> dict[str, Any]:
        """The mapping at ``pointer``, or ``{}`` when it is absent or not a mapping."""
        return as_dict(self.get(pointer))

    def ref_target(self, ref: Any) -> str | None:
        """The pointer a local ``$ref`` names, or None when it is external or dangling."""
        if not isinstance(ref, str) or not ref.startswith("#"):
            return None
        pointer = ref[1:]
        marker = object()
        return pointer if self.get(pointer, marker) is not marker else None

    def deref(self, pointer: str) -> tuple[str, Any]:
        """Follow a chain of Reference Objects from ``pointer`` to the object they name
        (its pointer and the object), with :meth:`get` as the lookup."""
        return deref_at(self.doc, self.get(pointer), pointer, merge=False, limit=None,
                        lookup=self._lookup)

    def _lookup(self, pointer: str) -> Any:
        node = self.get(pointer, _ABSENT)
        if node is _ABSENT:
            raise KeyError(pointer)
        return node

    def collect(self, pointer: str, keyword: str) -> dict[str, str]:
        """Names under ``keyword`` (``properties``/``required``) of a schema, its ``$ref``
        target and its ``allOf`` members, mapped to the pointer that declares each."""
        out: dict[str, str] = {}
        stack, seen = [pointer], set()
        while stack:
            ptr = stack.pop(0)
            node = self.get(ptr)
            if ptr in seen or not isinstance(node, dict):
                continue
            seen.add(ptr)
            value = node.get(keyword)
            if keyword == "properties" and isinstance(value, dict):
                for name in value:
                    out.setdefault(name, child(ptr, "properties", name))
            elif keyword == "required" and isinstance(value, list):
                for name in value:
                    out.setdefault(str(name), child(ptr, "required"))
            target = self.ref_target(node.get("$ref"))
            if target:
                stack.append(target)
            stack.extend(child(ptr, "allOf", i) for i in range(len(as_list(node.get("allOf")))))
        return out

    # -- walking ---------------------------------------------------------------------------
    def objects(self) -> list[tuple[str, dict[str, Any]]]:
        """Every mapping outside schemas and example values, with its pointer."""
        return self._objects

    def schema_roots(self) -> list[str]:
        return self._roots

    def schema_nodes(self) -> list[SchemaNode]:
        """Every schema object in the document, parents before children."""
        return self._nodes

    def references(self) -> list[tuple[str, str]]:
        """Every ``$ref`` as (pointer of the object holding it, the reference string)."""
        return self._refs

    def operations(self) -> list[OperationNode]:
        ops = []
        for path, item in as_dict(self.doc.get("paths")).items():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    ops.append(OperationNode(path, method, child("/paths", path, method),
                                         item[method]))
        return ops

    # -- validation ------------------------------------------------------------------------
    def validator(self, pointer: str) -> Any:
        """A compiled 2020-12 validator for the schema at ``pointer``; None if it fails."""
        if pointer in self._validators:
            return self._validators[pointer]
        ref = f"{_RESOURCE}#{quote(pointer, safe='/~-._')}"
        try:
            compiled = jsonschema_rs.validator_for({"$ref": ref}, registry=self._schemas(),
                                                   retriever=_refuse_retrieval)
        except Exception as exc:  # noqa: BLE001 - any compile failure is a finding
            self.compile_errors[pointer] = str(exc).strip().splitlines()[0]
            compiled = None
        self._validators[pointer] = compiled
        return compiled

    def _schemas(self) -> Any:
        """One registry holding the document, so ``$ref``s resolve inside it."""
        if self._registry is None:
            root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                    **{k: v for k, v in self.doc.items()
                       if k in ("components", "paths", "webhooks")}}
            self._registry = jsonschema_rs.Registry([(_RESOURCE, root)])
        return self._registry

    def errors(self, instance: Any, pointer: str) -> list[Any]:
        compiled = self.validator(pointer)
        return list(compiled.iter_errors(instance)) if compiled is not None else []

    def is_valid(self, instance: Any, pointer: str) -> bool:
        compiled = self.validator(pointer)
        return compiled is not None and bool(compiled.is_valid(instance))

    # -- reporting -------------------------------------------------------------------------
    def label(self, pointer: str) -> str:
        """A short human name: ``SendMessageRequest.recipient oneOf[0]``, ``response 500Error``."""
        parts = split_pointer(pointer)
        if len(parts) >= 3 and parts[0] == "components":
            kind = {"schemas": "", "examples": "example ", "responses": "response ",
                    "parameters": "parameter ", "requestBodies": "request body "}
            head = kind.get(parts[1], parts[1] + " ") + parts[2]
            return head + schema_suffix(parts[3:]) if parts[1] == "schemas" else head
        if "parameters" in parts[:-1]:
            at = len(parts) - 1 - parts[::-1].index("parameters")
            if parts[at + 1].isdigit():
                _, param = self.deref(json_pointer(parts[:at + 2]))
                if isinstance(param, dict) and "name" in param:
                    owner = self.label(json_pointer(parts[:at])) if at > 2 else parts[1]
                    return f"parameter {param['name']} of {owner}"
        op = self.operation_at(pointer)
        if op is not None:
            rest = json_pointer(parts[3:])
            return f"{op.operation_id or op.method.upper() + ' ' + op.path} {rest}".strip()
        return pointer or "the document"

    def operation_at(self, pointer: str) -> OperationNode | None:
        parts = split_pointer(pointer)
        if len(parts) >= 3 and parts[0] == "paths" and parts[2] in HTTP_METHODS:
            op = self.get(child("/paths", parts[1], parts[2]))
            if isinstance(op, dict):
                return OperationNode(parts[1], parts[2], child("/paths", parts[1], parts[2]), op)
        return None

    def finding(self, rule: str, location: str, message: str, *, schema_path: str = "",
                instance_path: str = "", evidence: dict[str, Any] | None = None) -> Finding:
        """A ``spec_defect`` from lint, with operation context taken from ``location``."""
        parts = split_pointer(location)
        op = self.operation_at(location)
        path_template = parts[1] if len(parts) >= 2 and parts[0] == "paths" else None
        return Finding.make(
            Kind.SPEC_DEFECT, source=Source.LINT, message=message, location=location,
            schema_path=schema_path, instance_path=instance_path,
            operation_id=op.operation_id if op else None,
            method=op.method if op else None, path_template=path_template,
            evidence={"rule": rule, **(evidence or {})}, severity=default_severity(rule),
        )
