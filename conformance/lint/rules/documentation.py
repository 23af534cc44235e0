"""Lint rules about what the document tells its readers: declared tags, described
parameters, declared security schemes.

The peers have these too: Spectral's ``operation-tag-defined``, ``openapi-tags-uniqueness``,
``oas3-parameter-description`` and ``oas3-operation-security-defined``, Redocly's
``operation-tag-defined``, ``parameter-description`` and ``security-defined``. Each rule is
a plain function ``rule(spec) -> Iterator[Finding]`` registered in
:data:`~conformance.lint.model.RULES`, in the order the rules run.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.findings import Finding
from conformance.lint.model import Spec, as_dict, as_list, child, lint_rule, split_pointer

__all__ = ["parameter_description", "security_undefined", "tag_duplicate", "tag_undefined"]


def _declared(spec: Spec) -> dict[str, str]:
    """Tag name -> pointer of its first declaration in the top-level `tags`."""
    out: dict[str, str] = {}
    for i, tag in enumerate(as_list(spec.doc.get("tags"))):
        name = as_dict(tag).get("name")
        if isinstance(name, str):
            out.setdefault(name, child("/tags", i))
    return out


@lint_rule("tag-undefined")
def tag_undefined(spec: Spec) -> Iterator[Finding]:
    """A tag used by operations but not declared in the top-level `tags`."""
    declared = _declared(spec)
    uses: dict[str, list[tuple[str, str]]] = {}  # tag -> [(pointer of the use, operation)]
    for op in spec.operations():
        for i, tag in enumerate(as_list(op.operation.get("tags"))):
            if isinstance(tag, str) and tag not in declared:
                name = op.operation_id or f"{op.method.upper()} {op.path}"
                uses.setdefault(tag, []).append((child(op.pointer, "tags", i), name))
    for tag, places in uses.items():
        names = ", ".join(name for _, name in places)
        count = f"{len(places)} operations" if len(places) > 1 else "1 operation"
        listed = ", ".join(declared) or "none"
        yield spec.finding(
            "tag-undefined", places[0][0],
            f"Tag `{tag}` is used by {count} ({names}) but not declared in the top-level "
            f"`tags` (declared: {listed}), so it has no description and no place in the "
            "docs' navigation.",
            schema_path="/tags", evidence={"tag": tag, "places": [p for p, _ in places]})


@lint_rule("tag-duplicate")
def tag_duplicate(spec: Spec) -> Iterator[Finding]:
    """Two top-level tags with the same name (OpenAPI: tag names MUST be unique)."""
    first = _declared(spec)
    for i, tag in enumerate(as_list(spec.doc.get("tags"))):
        name = as_dict(tag).get("name")
        ptr = child("/tags", i)
        if isinstance(name, str) and first[name] != ptr:
            yield spec.finding("tag-duplicate", child(ptr, "name"),
                               f"Tag `{name}` is declared twice in the top-level `tags` (first "
                               f"at {first[name]}); tag names must be unique.",
                               schema_path=first[name])


@lint_rule("parameter-description")
def parameter_description(spec: Spec) -> Iterator[Finding]:
    """A parameter without a description."""
    for ptr, obj in spec.objects():
        parts = split_pointer(ptr)
        if "in" not in obj or "name" not in obj or parts[:2] == ["components", "securitySchemes"]:
            continue
        text = obj.get("description")
        if not isinstance(text, str) or not text.strip():
            yield spec.finding(
                "parameter-description", ptr,
                f"{str(obj.get('in')).capitalize()} parameter `{obj['name']}` {_owner(spec, ptr)} "
                "has no description, so the docs and generated clients cannot say what it "
                "does.")


@lint_rule("security-undefined")
def security_undefined(spec: Spec) -> Iterator[Finding]:
    """A security requirement that names a scheme not in `components.securitySchemes`."""
    schemes = as_dict(as_dict(spec.doc.get("components")).get("securitySchemes"))
    owners = [("/security", "every operation", spec.doc.get("security"))]
    owners += [(child(op.pointer, "security"), op.operation_id or f"{op.method.upper()} "
                f"{op.path}", op.operation.get("security")) for op in spec.operations()]
    for ptr, owner, requirements in owners:
        for i, requirement in enumerate(as_list(requirements)):
            for name in as_dict(requirement):
                if name not in schemes:
                    yield spec.finding(
                        "security-undefined", child(ptr, i, name),
                        f"The security requirement of {owner} names `{name}`, which "
                        "`components.securitySchemes` does not declare (declared: "
                        f"{', '.join(schemes) or 'none'}), so no client knows how to "
                        "authenticate.", schema_path="/components/securitySchemes")


def _owner(spec: Spec, pointer: str) -> str:
    """``of Messages_ListMessages``, ``of every operation on /things (a, b)``, ..."""
    parts = split_pointer(pointer)
    op = spec.operation_at(pointer)
    if op is not None:
        return f"of {op.operation_id or op.method.upper() + ' ' + op.path}"
    if parts[:1] == ["paths"] and len(parts) > 1:
        ops = [o.operation_id or o.method.upper() for o in spec.operations() if o.path == parts[1]]
        return f"of every operation on {parts[1]} ({', '.join(ops) or 'none'})"
    return f"at {pointer}"
