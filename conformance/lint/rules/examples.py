"""Lint rules about examples: each example must satisfy, and stay within, its own schema.

Where examples live, and the schema each is checked against, is
:mod:`conformance.lint.rules.example_sites`.

Two rules share one walk: ``example-invalid`` (the 2020-12 validator rejects the value) and
``example-undocumented-field`` (a field the schema does not define; plain validation lets
it through). When an undocumented field is named after a schema the enclosing schema uses
(``text_message`` inside AppMessage, which uses TextMessage), its value is checked as that
schema so the defects under it are still found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.findings import Finding, json_pointer
from conformance.lint.model import (
    Spec,
    as_dict,
    as_list,
    child,
    keyword_pointer,
    lint_rule,
    own,
    split_pointer,
)
from conformance.lint.rules.example_sites import Site, example_sites

__all__ = ["example_invalid", "example_undocumented_field"]

_SUMMARY_ERRORS = ("OneOfNotValid", "AnyOf")


@dataclass
class Issue:
    rule: str
    location: str
    schema_path: str
    text: str
    key: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)


def _applicable(spec: Spec, pointer: str, value: Any) -> tuple[list[str], list[str]]:
    """The schema, its $ref targets, allOf members and the oneOf/anyOf branches closest to
    ``value`` (see :func:`_closest`); and those closest branches that reject ``value``."""
    out: list[str] = []
    rejecting: list[str] = []
    stack = [pointer]
    while stack:
        ptr = stack.pop(0)
        node = spec.get(ptr)
        if ptr in out or not isinstance(node, dict):
            continue
        out.append(ptr)
        target = spec.ref_target(node.get("$ref"))
        if target:
            stack.append(target)
        stack.extend(child(ptr, "allOf", i) for i in range(len(as_list(node.get("allOf")))))
        for key in ("oneOf", "anyOf"):
            branches = [child(ptr, key, i) for i in range(len(as_list(node.get(key))))]
            closest, by_fields = _closest(spec, branches, value)
            stack.extend(closest)
            if by_fields:
                rejecting += [b for b in closest if not spec.is_valid(value, b)]
    return out, rejecting


def _closest(spec: Spec, branches: list[str], value: Any) -> tuple[list[str], bool]:
    """The branches that name most of an object's fields (and True); else those that
    accept it, or all (and False)."""
    if isinstance(value, dict) and value:
        scores = [len(set(value) & set(spec.collect(b, "properties"))) for b in branches]
        if max(scores, default=0) > 0:
            return [b for b, n in zip(branches, scores, strict=True) if n == max(scores)], True
    return [b for b in branches if spec.is_valid(value, b)] or branches, False


def _refs_under(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for key, value in node.items():
            if key not in ("example", "examples", "default", "enum", "const"):
                yield from _refs_under(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs_under(item)


def _wrapper_target(spec: Spec, pointers: list[str], key: str) -> str | None:
    """A component schema used by ``pointers`` whose name is ``key`` (``text_message`` ->
    TextMessage), or None."""
    wanted = re.sub(r"[^a-z0-9]", "", key.lower())
    for ptr in pointers:
        for ref in _refs_under(spec.get(ptr)):
            target = spec.ref_target(ref)
            parts = split_pointer(target or "")
            if len(parts) == 3 and parts[:2] == ["components", "schemas"] and re.sub(
                    r"[^a-z0-9]", "", parts[2].lower()) == wanted:
                return target
    return None


def _validate(spec: Spec, value: Any, vptr: str, sptr: str, base: str, name: str
              ) -> list[Issue]:
    errors = spec.errors(value, sptr)
    places = {tuple(e.instance_path) for e in errors
              if type(e.kind).__name__ not in _SUMMARY_ERRORS}
    issues = []
    for err in errors:
        path = tuple(err.instance_path)
        if type(err.kind).__name__ in _SUMMARY_ERRORS and path in places:
            continue  # a more specific error at the same place says it better
        location = vptr + json_pointer(path)
        against = f"does not match {name}" if name else "fails its own schema"
        where = f"at {location[len(base):]}, " if location != base else ""
        issues.append(Issue("example-invalid", location, keyword_pointer(err),
                            f"{against}: {where}{err.message}",
                            ("example-invalid", keyword_pointer(err)),
                            {"summary": type(err.kind).__name__ in _SUMMARY_ERRORS}))
    return issues


def _walk(spec: Spec, value: Any, vptr: str, sptr: str, base: str, depth: int = 0
          ) -> list[Issue]:
    """Undocumented fields of ``value`` (and, through wrappers, what is under them)."""
    if depth > 32 or not isinstance(value, dict | list):
        return []
    pointers, rejecting = _applicable(spec, sptr, value)
    nodes = [(p, spec.get(p)) for p in pointers]
    issues: list[Issue] = []
    for branch in rejecting:  # accepted, if at all, only by a branch naming none of its fields
        issues += _validate(spec, value, vptr, branch, base,
                            f"{spec.label(branch)}, the branch that defines its fields")
    if isinstance(value, list):
        items = next((child(p, "items") for p, n in nodes if isinstance(n.get("items"), dict)),
                     None)
        for i, item in enumerate(value):
            if items:
                issues += _walk(spec, item, child(vptr, i), items, base, depth + 1)
        return issues
    props: dict[str, str] = {}
    for ptr, node in nodes:
        for name in as_dict(node.get("properties")):
            props.setdefault(name, child(ptr, "properties", name))
    extra = next((child(p, "additionalProperties") for p, n in nodes
                  if isinstance(n.get("additionalProperties"), dict)), None)
    closed = any(n.get("additionalProperties") is False for _, n in nodes)
    patterns = [(pat, child(p, "patternProperties", pat)) for p, n in nodes
                for pat in as_dict(n.get("patternProperties"))]
    for key, item in value.items():
        kptr = child(vptr, key)
        target = props.get(key) or next(
            (ptr for pat, ptr in patterns if _matches(pat, key)), None)
        if target:
            issues += _walk(spec, item, kptr, target, base, depth + 1)
        elif props and not closed:
            issues += _undocumented(spec, item, kptr, key, pointers, sorted(props), extra,
                                    base, depth)
        elif extra:
            issues += _walk(spec, item, kptr, extra, base, depth + 1)
    return issues


def _matches(pattern: str, key: str) -> bool:
    try:
        return re.search(pattern, key) is not None
    except re.error:  # schema-invalid reports the bad pattern
        return False


def _undocumented(spec: Spec, value: Any, kptr: str, key: str, pointers: list[str],
                  names: list[str], extra: str | None, base: str, depth: int) -> list[Issue]:
    """A field the object's schema does not name (additionalProperties may still accept
    it). Its value is then checked as the schema it is named after, if any."""
    owner = next(p for p in pointers if as_dict(spec.get(p)).get("properties"))
    wrapper = _wrapper_target(spec, pointers, key)
    tail = (f"; its value was checked as {spec.label(wrapper)}, the schema that name "
            "refers to") if wrapper else ""
    loose = "; only `additionalProperties` lets it in" if extra else ""
    issue = Issue("example-undocumented-field", kptr, child(owner, "properties"),
                  f"has field `{key}` at {kptr[len(base):]}, which {spec.label(owner)} does "
                  f"not define (it has: {', '.join(names)}{loose}){tail}",
                  ("example-undocumented-field", owner, key),
                  {"field": key, "checked_as": wrapper} if wrapper else {"field": key})
    if wrapper:
        return [issue, *_validate(spec, value, kptr, wrapper, base, spec.label(wrapper)),
                *_walk(spec, value, kptr, wrapper, base, depth + 1)]
    if extra:
        return [issue, *_walk(spec, value, kptr, extra, base, depth + 1)]
    return [issue]


def _findings(spec: Spec, site: Site, issues: list[Issue]) -> Iterator[Finding]:
    groups: dict[tuple[str, ...], list[Issue]] = {}
    for issue in issues:
        groups.setdefault(issue.key, []).append(issue)
    for group in groups.values():
        first = group[0]
        more = f" (the same at {len(group) - 1} more place{'s' * (len(group) > 2)})" if len(
            group) > 1 else ""
        extra = {k: v for k, v in first.extra.items() if k != "summary"}
        evidence: dict[str, Any] = {"schema": site.schema, **extra}
        if len(group) > 1:
            evidence["places"] = [i.location for i in group]
        if site.used_by:
            evidence["used_by"] = list(site.used_by)
        yield spec.finding(first.rule, first.location,
                           f"{site.what}{site.note} {first.text}{more}.",
                           schema_path=first.schema_path, evidence=evidence,
                           instance_path=first.location[len(site.pointer):])


def _all_findings(spec: Spec) -> list[Finding]:
    """Both rules' findings, from one walk of every example."""
    out: list[Finding] = []
    for site in example_sites(spec):
        issues = _validate(spec, site.value, site.pointer, site.schema, site.pointer,
                           site.against)
        issues += _walk(spec, site.value, site.pointer, site.schema, site.pointer)
        out += _findings(spec, site, _drop_vague(issues))
    return out


@lint_rule("example-invalid")
def example_invalid(spec: Spec) -> list[Finding]:
    """An example that its own schema rejects (wrong type, missing field, ambiguous oneOf)."""
    return own(spec.shared(_all_findings), "example-invalid")


@lint_rule("example-undocumented-field")
def example_undocumented_field(spec: Spec) -> list[Finding]:
    """An example with a field its schema does not define (additionalProperties at most)."""
    return own(spec.shared(_all_findings), "example-undocumented-field")


def _drop_vague(issues: list[Issue]) -> list[Issue]:
    """Drop "not valid under any of oneOf" where a precise error below says why."""
    precise = [i.location for i in issues if i.rule == "example-invalid"
               and not i.extra.get("summary")]
    return [i for i in issues if not (i.extra.get("summary") and any(
        p == i.location or p.startswith(i.location + "/") for p in precise))]
