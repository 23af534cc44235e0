"""Lint rules about whether the document is valid at all: the OpenAPI 3.1 meta-schema
(openapi-spec-validator), ``$ref``s that resolve, schemas that compile as JSON Schema 2020-12.

Each rule is a plain function ``rule(spec) -> Iterator[Finding]`` registered in
:data:`~conformance.lint.model.RULES`, in the order the rules run (see rules/__init__.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.findings import Finding, Kind, json_pointer
from conformance.lint.model import RULES, Spec, child

__all__ = ["openapi_validator", "ref_unresolved", "schema_invalid"]

# openapi-spec-validator errors our own rules report with a precise location.
_COVERED_ERRORS = ("UnresolvableParameterError", "DuplicateOperationIDError")


@RULES.register(kinds={Kind.SPEC_DEFECT}, where={"lint"})
def openapi_validator(spec: Spec) -> Iterator[Finding]:
    """Everything openapi-spec-validator (OpenAPI 3.1 meta-schema and more) rejects."""
    from jsonschema_path import SchemaPath
    from openapi_spec_validator import OpenAPIV31SpecValidator
    from referencing.exceptions import Unresolvable

    offline = dict.fromkeys(("<all_urls>", "http", "https", "file"), _refuse)
    try:
        document = SchemaPath.from_dict(spec.doc, base_uri="", handlers=offline)
        errors = list(OpenAPIV31SpecValidator(document).iter_errors())
    except Unresolvable:
        return  # a dangling $ref stopped it; ref-unresolved reports that one
    except Exception as exc:  # noqa: BLE001 - its failure must not hide our other rules
        yield spec.finding("openapi-validator", "",
                           f"openapi-spec-validator stopped early: {exc}.",
                           schema_path="#validator-crash")
        return
    for err in errors:
        if type(err).__name__ in _COVERED_ERRORS:
            continue
        where = json_pointer(getattr(err, "absolute_path", None) or [])
        meta = json_pointer(getattr(err, "schema_path", None) or [])
        yield spec.finding("openapi-validator", where,
                           f"openapi-spec-validator: {getattr(err, 'message', err)}.",
                           schema_path=f"#{type(err).__name__}{meta}")


def _refuse(uri: str) -> Any:
    raise ValueError(f"lint does not follow the external reference {uri}")


@RULES.register(kinds={Kind.SPEC_DEFECT}, where={"lint"})
def ref_unresolved(spec: Spec) -> Iterator[Finding]:
    """A local `$ref` that points to nothing; an external one, which lint cannot check."""
    for source, ref in spec.references():
        if ref.startswith("#") and spec.ref_target(ref) is None:
            yield spec.finding("ref-unresolved", child(source, "$ref"),
                               f"`$ref: {ref}` points to nothing in this document.")
        elif not ref.startswith("#"):
            yield spec.finding("ref-external", child(source, "$ref"),
                               f"`$ref: {ref}` points outside this document, so lint cannot "
                               "check what it names; bundle the spec into one file first.")


def _dangling_below(spec: Spec, root: str) -> bool:
    todo, seen = [root], set()
    while todo:
        ptr = todo.pop()
        if ptr in seen:
            continue
        seen.add(ptr)
        for source, ref in spec.references():
            if source == ptr or source.startswith(ptr + "/"):
                target = spec.ref_target(ref)
                if target is None:
                    return True
                todo.append(target)
    return False


@RULES.register(kinds={Kind.SPEC_DEFECT}, where={"lint"})
def schema_invalid(spec: Spec) -> Iterator[Finding]:
    """A schema the JSON Schema 2020-12 compiler rejects (bad type name, bad regex, ...)."""
    for root in spec.schema_roots():
        if spec.validator(root) is None and not _dangling_below(spec, root):
            yield spec.finding(
                "schema-invalid", root,
                f"{spec.label(root)} is not a valid JSON Schema 2020-12 schema: "
                f"{spec.compile_errors.get(root, 'it does not compile')}.", schema_path=root)
