"""Lint rules about whether the document's references and schemas work at all: ``$ref``s
that resolve, schemas that compile as JSON Schema 2020-12. (The OpenAPI 3.1 schema itself is
:mod:`conformance.lint.rules.oas_schema`.)

Each rule is a plain function ``rule(spec) -> Iterator[Finding]`` registered in
:data:`~conformance.lint.model.RULES`, in the order the rules run (see rules/__init__.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.findings import Finding
from conformance.lint.model import Spec, child, lint_rule

__all__ = ["ref_external", "ref_unresolved", "schema_invalid"]


@lint_rule("ref-unresolved")
def ref_unresolved(spec: Spec) -> Iterator[Finding]:
    """A local `$ref` that points to nothing in the document."""
    for source, ref in spec.references():
        if ref.startswith("#") and spec.ref_target(ref) is None:
            yield spec.finding("ref-unresolved", child(source, "$ref"),
                               f"`$ref: {ref}` points to nothing in this document.")


@lint_rule("ref-external")
def ref_external(spec: Spec) -> Iterator[Finding]:
    """A `$ref` to another file, which lint cannot check (bundle the spec first)."""
    for source, ref in spec.references():
        if not ref.startswith("#"):
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


@lint_rule("schema-invalid")
def schema_invalid(spec: Spec) -> Iterator[Finding]:
    """A schema the JSON Schema 2020-12 compiler rejects (bad type name, bad regex, ...)."""
    for root in spec.schema_roots():
        if spec.validator(root) is None and not _dangling_below(spec, root):
            yield spec.finding(
                "schema-invalid", root,
                f"{spec.label(root)} is not a valid JSON Schema 2020-12 schema: "
                f"{spec.compile_errors.get(root, 'it does not compile')}.", schema_path=root)
