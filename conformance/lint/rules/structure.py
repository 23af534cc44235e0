"""Lint rules about the document's structure: paths and their parameters, operations,
Reference Objects, unused components.

Each rule is a plain function ``rule(spec) -> Iterator[Finding]`` registered in
:data:`~conformance.lint.model.RULES`, in the order the rules run (see rules/__init__.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.findings import Finding
from conformance.lint.model import (
    HTTP_METHODS,
    OperationNode,
    Spec,
    as_dict,
    as_list,
    child,
    lint_rule,
    own,
    split_pointer,
)

__all__ = [
    "duplicate_operation_id",
    "no_success_response",
    "parameter_duplicate",
    "path_param_optional",
    "path_param_undeclared",
    "path_param_unused",
    "ref_sibling_ignored",
    "unused_component",
]

_COMPONENT_TYPES = ("schemas", "responses", "parameters", "examples", "requestBodies",
                    "headers", "securitySchemes", "links", "callbacks", "pathItems")


def _parameters(spec: Spec, owner: str) -> list[tuple[str, dict[str, Any]]]:
    """(pointer of the entry, resolved Parameter Object) for ``owner``'s parameters."""
    out = []
    for i in range(len(as_list(spec.get(child(owner, "parameters"))))):
        entry = child(owner, "parameters", i)
        _, param = spec.deref(entry)
        if isinstance(param, dict) and isinstance(param.get("name"), str):
            out.append((entry, param))
    return out


@lint_rule("path-param-undeclared")
def path_param_undeclared(spec: Spec) -> list[Finding]:
    """A `{name}` in the path that no path parameter of the operation declares."""
    return own(spec.shared(_path_parameters), "path-param-undeclared")


@lint_rule("parameter-duplicate")
def parameter_duplicate(spec: Spec) -> list[Finding]:
    """The same parameter (name and `in`) twice in one list."""
    return own(spec.shared(_path_parameters), "parameter-duplicate")


@lint_rule("path-param-unused")
def path_param_unused(spec: Spec) -> list[Finding]:
    """A path parameter whose name is not in the path template."""
    return own(spec.shared(_path_parameters), "path-param-unused")


@lint_rule("path-param-optional")
def path_param_optional(spec: Spec) -> list[Finding]:
    """A path parameter without `required: true`."""
    return own(spec.shared(_path_parameters), "path-param-optional")


def _path_parameters(spec: Spec) -> list[Finding]:
    return list(_path_parameter_findings(spec))


def _path_parameter_findings(spec: Spec) -> Iterator[Finding]:
    """Path parameters vs the path template: missing, extra, optional, duplicated."""
    for path, item in as_dict(spec.doc.get("paths")).items():
        template = re.findall(r"{([^{}]+)}", path)
        owners = [child("/paths", path)] + [child("/paths", path, m) for m in HTTP_METHODS
                                             if isinstance(item, dict) and m in item]
        for owner in owners:
            params = _parameters(spec, owner)
            yield from _check_parameter_list(spec, path, template, params)
            if owner == owners[0]:
                continue
            declared = {p["name"] for _, p in _parameters(spec, owners[0]) + params
                        if p.get("in") == "path"}
            missing = [name for name in template if name not in declared]
            if missing:
                yield spec.finding(
                    "path-param-undeclared", child(owner, "parameters"),
                    f"{spec.label(owner)} has {', '.join('{' + n + '}' for n in missing)} in "
                    f"its path {path} but declares no path parameter of that name.")


def _check_parameter_list(spec: Spec, path: str, template: list[str],
                          params: list[tuple[str, dict[str, Any]]]) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for entry, param in params:
        key = (param["name"], str(param.get("in")))
        if key in seen:
            yield spec.finding("parameter-duplicate", child(entry, "name"),
                               f"Parameter {param['name']} ({param.get('in')}) is declared "
                               "twice in the same list.")
        seen.add(key)
        if param.get("in") != "path":
            continue
        if param["name"] not in template:
            yield spec.finding("path-param-unused", entry,
                               f"Path parameter {param['name']} does not appear in the path "
                               f"template {path}.")
        if param.get("required") is not True:
            yield spec.finding("path-param-optional", child(spec.deref(entry)[0], "required"),
                               f"Path parameter {param['name']} must have `required: true`; a "
                               "path segment cannot be left out.")


@lint_rule("no-success-response")
def no_success_response(spec: Spec) -> Iterator[Finding]:
    """An operation that documents no 2xx response."""
    for op in spec.operations():
        codes = list(as_dict(op.operation.get("responses")))
        if not any(c.startswith("2") for c in codes):
            yield spec.finding("no-success-response", child(op.pointer, "responses"),
                               f"{op.method.upper()} {op.path} documents no 2xx response "
                               f"(only: {', '.join(codes) or 'none'}).")


@lint_rule("duplicate-operation-id")
def duplicate_operation_id(spec: Spec) -> Iterator[Finding]:
    """Two operations with the same operationId."""
    first: dict[str, OperationNode] = {}
    for op in spec.operations():
        if op.operation_id is None:
            continue
        if op.operation_id in first:
            other = first[op.operation_id]
            yield spec.finding("duplicate-operation-id", child(op.pointer, "operationId"),
                               f"operationId {op.operation_id} of {op.method.upper()} "
                               f"{op.path} is already used by {other.method.upper()} "
                               f"{other.path}.",
                               schema_path=child(other.pointer, "operationId"))
        else:
            first[op.operation_id] = op


@lint_rule("ref-sibling-ignored")
def ref_sibling_ignored(spec: Spec) -> Iterator[Finding]:
    """Keywords beside `$ref` in a Reference Object, which OpenAPI 3.1 ignores."""
    schemas = {node.pointer for node in spec.schema_nodes()}
    for source, _ in spec.references():
        parts = split_pointer(source)
        if source in schemas or (len(parts) == 2 and parts[0] == "paths"):
            continue  # schema $ref siblings apply in 3.1; path item $ref merges
        for key in spec.get(source):
            if key not in ("$ref", "summary", "description"):
                yield spec.finding(
                    "ref-sibling-ignored", child(source, key),
                    f"`{key}` beside `$ref` in {spec.label(source)} is ignored: an OpenAPI "
                    "3.1 Reference Object only takes `summary` and `description`.")


def _component(pointer: str | None) -> str | None:
    parts = split_pointer(pointer or "")
    if len(parts) >= 3 and parts[0] == "components" and parts[1] in _COMPONENT_TYPES:
        return child("/components", parts[1], parts[2])
    return None


@lint_rule("unused-component")
def unused_component(spec: Spec) -> Iterator[Finding]:
    """A component that nothing reachable from the paths (or webhooks) refers to."""
    edges = [(_component(src), _component(spec.ref_target(ref))) for src, ref in
             spec.references()]
    used = {dst for src, dst in edges if src is None and dst}
    todo = list(used)
    while todo:
        current = todo.pop()
        for src, dst in edges:
            if src == current and dst and dst not in used:
                used.add(dst)
                todo.append(dst)
    used |= {child("/components/securitySchemes", name) for name in _security_names(spec)}
    for kind in _COMPONENT_TYPES:
        for name in spec.mapping(child("/components", kind)):
            ptr = child("/components", kind, name)
            if ptr in used:
                continue
            users = sorted({src for src, dst in edges if dst == ptr and src and src != ptr})
            via = (f" (only {', '.join(spec.label(u) for u in users)}, unused too, refer to it)"
                   if users else "")
            yield spec.finding("unused-component", ptr,
                               f"{spec.label(ptr)} is never used: no operation refers to it"
                               f"{via}.", evidence={"referenced_by": users})


def _security_names(spec: Spec) -> set[str]:
    requirements = list(as_list(spec.doc.get("security")))
    for op in spec.operations():
        requirements += as_list(op.operation.get("security"))
    return {name for req in requirements if isinstance(req, dict) for name in req}
