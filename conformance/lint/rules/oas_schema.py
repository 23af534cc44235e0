"""Lint rules for the document against the OpenAPI 3.1 schema: every error, one sentence
each (:mod:`conformance.lint.rules.oas_errors`), under the rule of its keyword.

Each rule is a plain function ``rule(spec) -> list[Finding]`` registered in
:data:`~conformance.lint.model.RULES`; they share one validation (:meth:`Spec.shared`).
"""

from __future__ import annotations

from conformance.findings import Finding
from conformance.lint.model import Spec, lint_rule, own
from conformance.lint.rules.oas_errors import oas_issues

__all__ = ["oas_enum", "oas_format", "oas_one_of", "oas_required", "oas_schema_other",
           "oas_type", "oas_unknown_field"]


def _findings(spec: Spec) -> list[Finding]:
    return [spec.finding(i.rule, i.location, i.message, schema_path=i.schema_path)
            for i in oas_issues(spec)]


@lint_rule("oas-required")
def oas_required(spec: Spec) -> list[Finding]:
    """An object lacks a field OpenAPI 3.1 requires (a response without `description`)."""
    return own(spec.shared(_findings), "oas-required")


@lint_rule("oas-unknown-field")
def oas_unknown_field(spec: Spec) -> list[Finding]:
    """A field OpenAPI 3.1 does not define on that object (and not an `x-` extension)."""
    return own(spec.shared(_findings), "oas-unknown-field")


@lint_rule("oas-type")
def oas_type(spec: Spec) -> list[Finding]:
    """A field of the wrong JSON type (`tags: Webhooks` where a list is wanted)."""
    return own(spec.shared(_findings), "oas-type")


@lint_rule("oas-enum")
def oas_enum(spec: Spec) -> list[Finding]:
    """A value OpenAPI 3.1 does not allow there (a parameter with `in: bogus`)."""
    return own(spec.shared(_findings), "oas-enum")


@lint_rule("oas-format")
def oas_format(spec: Spec) -> list[Finding]:
    """A string that fails its pattern or format (a status code `99`, a contact email)."""
    return own(spec.shared(_findings), "oas-format")


@lint_rule("oas-one-of")
def oas_one_of(spec: Spec) -> list[Finding]:
    """Alternatives OpenAPI 3.1 wants exactly one of (`schema` or `content`), or not both."""
    return own(spec.shared(_findings), "oas-one-of")


@lint_rule("oas-schema")
def oas_schema_other(spec: Spec) -> list[Finding]:
    """Any other breach of the OpenAPI 3.1 schema (too few items, duplicates, ...)."""
    return own(spec.shared(_findings), "oas-schema")
