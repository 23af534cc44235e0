"""Lint rules about copy-paste: descriptions, titles and examples that belong elsewhere.

Copy-paste is found with rules that can be explained, never with a list of known texts:

* the same response description or example under different status codes;
* the same title/description on schemas with different names, when the text names a
  resource (a word of another schema's name) that its own schema is not about;
* text inside schema ``A`` naming its counterpart ``B`` (a name that differs in one word,
  with the same fields: ``OptIn``/``OptOut``) and never ``A`` itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.findings import Finding
from conformance.lint.model import (
    Spec,
    as_dict,
    child,
    lint_rule,
    own,
    quote_text,
    split_pointer,
)

__all__ = ["copied_description", "description_names_other", "duplicate_description",
           "duplicate_example", "duplicate_title", "example_status_mismatch"]

_STOP = frozenset({"the", "and", "for", "with", "this", "that", "request", "response", "api",
                   "object", "get", "list", "create", "update", "send", "query", "type", "data"})


def norm_text(text: str) -> str:
    """Whitespace-collapsed, lower-case text without a leading "Optional."/"Required."."""
    text = re.sub(r"\s+", " ", text).strip().lower()
    return re.sub(r"^(optional|required)( parameter)?\s*[.:]\s*", "", text).rstrip(".")


def names_in(text: str) -> set[str]:
    """Lower-case word stems of a text (``"Credentials"`` -> ``"credential"``)."""
    return {_stem(w) for w in re.findall(r"[a-z][a-z0-9]+", text.lower())}


def name_tokens(name: str) -> set[str]:
    """Stems of an identifier: ``"KakaoTalkCredentials"`` -> {kakao, talk, credential}."""
    return {_stem(w) for w in _words(name)}


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+",
                                          name)]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# -- responses ------------------------------------------------------------------------------
def _responses(spec: Spec) -> dict[str, set[str]]:
    """Response pointer (after $ref) -> status codes it is used for, in order of first use."""
    used: dict[str, set[str]] = {}
    for op in spec.operations():
        for code in as_dict(op.operation.get("responses")):
            target, _ = spec.deref(child(op.pointer, "responses", code))
            used.setdefault(target, set()).add(str(code))
    for name in spec.mapping("/components/responses"):
        match = re.match(r"\d{3}", name)
        used.setdefault(child("/components/responses", name), {match[0]} if match else set())
    return used


def _codes(statuses: set[str]) -> str:
    return "/".join(sorted(statuses)) or "?"


def _response_examples(spec: Spec, ptr: str) -> Iterator[tuple[str, Any]]:
    for ctype, media in spec.mapping(child(ptr, "content")).items():
        if not isinstance(media, dict):
            continue
        if "example" in media:
            yield child(ptr, "content", ctype, "example"), media["example"]
        for name in as_dict(media.get("examples")):
            target, example = spec.deref(child(ptr, "content", ctype, "examples", name))
            if isinstance(example, dict) and "value" in example:
                yield child(target, "value"), example["value"]


def _without_code(value: Any, statuses: set[str]) -> str:
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if str(v) not in statuses}
    return json.dumps(value, sort_keys=True)


def _has_prose(value: Any) -> bool:
    """True when a string with a space (a sentence, not an ID) is somewhere in ``value``."""
    if isinstance(value, dict):
        return any(_has_prose(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_prose(v) for v in value)
    return isinstance(value, str) and " " in value.strip()


@lint_rule("duplicate-description")
def duplicate_description(spec: Spec) -> list[Finding]:
    """The same description on responses for different status codes (copy-paste)."""
    return own(spec.shared(_response_text), "duplicate-description")


@lint_rule("duplicate-example")
def duplicate_example(spec: Spec) -> list[Finding]:
    """The same example on responses for different status codes (copy-paste)."""
    return own(spec.shared(_response_text), "duplicate-example")


@lint_rule("example-status-mismatch")
def example_status_mismatch(spec: Spec) -> list[Finding]:
    """A response example whose `code` is not the status it documents."""
    return own(spec.shared(_response_text), "example-status-mismatch")


def _response_text(spec: Spec) -> list[Finding]:
    return list(_response_text_findings(spec))


def _response_text_findings(spec: Spec) -> Iterator[Finding]:
    seen_text: dict[str, tuple[str, set[str]]] = {}
    seen_example: dict[str, tuple[str, set[str]]] = {}
    for ptr, statuses in _responses(spec).items():
        response = spec.get(ptr)
        if not isinstance(response, dict):
            continue
        text = response.get("description")
        if isinstance(text, str) and text.strip():
            first = seen_text.setdefault(norm_text(text), (ptr, statuses))
            if statuses and first[1] and not statuses & first[1]:
                yield spec.finding(
                    "duplicate-description", child(ptr, "description"),
                    f"{spec.label(ptr)} (status {_codes(statuses)}) has the same description "
                    f"as {spec.label(first[0])} (status {_codes(first[1])}), {quote_text(text)}, "
                    "though they document different status codes.",
                    schema_path=child(first[0], "description"))
        for eptr, value in _response_examples(spec, ptr):
            yield from _check_code(spec, ptr, eptr, value, statuses)
            if not _has_prose(value):
                continue  # `{}` or `[]` for two statuses is no copy-paste
            first = seen_example.setdefault(_without_code(value, statuses), (eptr, statuses))
            if first[0] != eptr and statuses and first[1] and not statuses & first[1]:
                message = value.get("message") if isinstance(value, dict) else None
                said = f" ({quote_text(message)})" if isinstance(message, str) else ""
                yield spec.finding(
                    "duplicate-example", eptr,
                    f"The example of {spec.label(ptr)} (status {_codes(statuses)}) repeats the "
                    f"one of {spec.label(first[0])} (status {_codes(first[1])}) word for word"
                    f"{said}, so it does not show a {_codes(statuses)} response.",
                    schema_path=first[0])


def _check_code(spec: Spec, ptr: str, eptr: str, value: Any, statuses: set[str]
                ) -> Iterator[Finding]:
    code = value.get("code") if isinstance(value, dict) else None
    if isinstance(code, int) and 100 <= code <= 599 and len(statuses) == 1 and str(
            code) not in statuses:
        yield spec.finding(
            "example-status-mismatch", child(eptr, "code"),
            f"The example of {spec.label(ptr)} says code {code}, but the response documents "
            f"status {_codes(statuses)}.")


# -- schemas --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Slot:
    pointer: str  # of the title/description string
    owner: str  # component schema name
    prop: str  # property name ("" for the schema itself)
    text: str


def _slots(spec: Spec, keyword: str) -> list[_Slot]:
    out = []
    for node in spec.schema_nodes():
        parts = split_pointer(node.pointer)
        text = node.schema.get(keyword)
        if parts[:2] != ["components", "schemas"] or not isinstance(text, str):
            continue
        if node.via == "root" or (node.via == "properties" and keyword == "description"):
            prop = parts[-1] if node.via == "properties" else ""
            out.append(_Slot(child(node.pointer, keyword), parts[2], prop, text))
    return out


def _foreign_word(slot: _Slot, other: _Slot) -> str | None:
    """A word of ``other``'s schema name in the text that ``slot``'s own names lack."""
    mine = name_tokens(slot.owner) | name_tokens(slot.prop)
    words = names_in(slot.text) & (name_tokens(other.owner) - mine)
    words = {w for w in words if len(w) >= 3 and w not in _STOP}
    return min(words) if words else None


@lint_rule("duplicate-title")
def duplicate_title(spec: Spec) -> Iterator[Finding]:
    """A schema title copied from another schema, still naming it."""
    return _copied(spec, "title", "duplicate-title")


@lint_rule("copied-description")
def copied_description(spec: Spec) -> Iterator[Finding]:
    """A property description copied from another schema, still naming it."""
    return _copied(spec, "description", "copied-description")


def _copied(spec: Spec, keyword: str, rule: str) -> Iterator[Finding]:
    """Slots with the same text under the same property name in schemas of other names."""
    groups: dict[tuple[str, str], list[_Slot]] = {}
    for slot in _slots(spec, keyword):
        groups.setdefault((slot.prop, norm_text(slot.text)), []).append(slot)
    for group in groups.values():
        for slot in group:
            for other in group:
                word = _foreign_word(slot, other) if other.owner != slot.owner else None
                if word:
                    what = f"{slot.owner}.{slot.prop}" if slot.prop else slot.owner
                    source = f"{other.owner}.{other.prop}" if other.prop else other.owner
                    yield spec.finding(
                        rule, slot.pointer,
                        f"{what} has the same {keyword} as {source}, {quote_text(slot.text)}, "
                        f"whose '{word}' fits {other.owner} but not {slot.owner}.",
                        schema_path=other.pointer,
                        evidence={"copied_from": other.pointer, "word": word})
                    break


def _mentions(words: list[str], text: str) -> bool:
    pattern = r"\b" + r"[\s_-]?".join(re.escape(w) for w in words) + r"\b"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _fields(spec: Spec, name: str, old: str = "", new: str = "") -> set[str]:
    """Property names of a component schema, with word ``old`` replaced by ``new``."""
    props = spec.collect(child("/components/schemas", name), "properties")
    return {"_".join(new if w == old else w for w in p.lower().split("_")) for p in props}


def _siblings(spec: Spec) -> Iterator[tuple[str, str]]:
    """Counterparts: multi-word names that differ in one word (OptIn/OptOut) whose
    fields are the same, up to that word (opt_in/opt_out)."""
    names = list(spec.mapping("/components/schemas"))
    split = {n: _words(n) for n in names}
    for a in names:
        for b in names:
            wa, wb = split[a], split[b]
            diff = [(x, y) for x, y in zip(wa, wb, strict=False) if x != y]
            if a == b or len(wa) != len(wb) or len(wa) < 2 or len(diff) != 1:
                continue
            fa, fb = _fields(spec, a), _fields(spec, b, diff[0][1], diff[0][0])
            if fa and len(fa & fb) >= 0.75 * len(fa | fb):
                yield a, b


@lint_rule("description-names-other")
def description_names_other(spec: Spec) -> Iterator[Finding]:
    """Text inside schema A that names its counterpart B (OptOut saying "opt-in"), never A."""
    for a, b in _siblings(spec):
        base = child("/components/schemas", a)
        for node in spec.schema_nodes():
            if node.pointer != base and not node.pointer.startswith(base + "/"):
                continue
            for keyword in ("title", "description"):
                text = node.schema.get(keyword)
                if isinstance(text, str) and _mentions(_words(b), text) and not _mentions(
                        _words(a), text):
                    yield spec.finding(
                        "description-names-other", child(node.pointer, keyword),
                        f"The {keyword} of {spec.label(node.pointer)} speaks of {b}, the "
                        f"counterpart of {a} with the same fields: {quote_text(text)}.",
                        schema_path=child("/components/schemas", b), evidence={"names": b})
