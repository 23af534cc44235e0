"""The catalogue of rules the spec states only in words stays honest: every quote is in the
spec at its pointer, every sentence that states a rule is catalogued (the lint rule for
limits stated only in prose included), every probe rule names a registered probe and faults
that exist, and docs/prose-rules.md is the catalogue's table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conformance.contract import Contract
from conformance.emulator.faults import FAULTS
from conformance.findings import Kind, json_pointer
from conformance.lint import lint_document
from conformance.lint.rules.prose import limit_not_in_schema
from conformance.spec_loader import load_document, resolve_pointer
from conformance.suite.probes import PROBES
from conformance.suite.prose import CATALOGUE, rules_of
from conformance.suite.prose.catalogue import DOC, render_doc

ROOT = Path(__file__).resolve().parents[1]
SPEC = load_document()
# words that state a rule: a limit, a default, an obligation, an order, a promise
MODAL = re.compile(r"\b(must|maximum|max length|limited to|up to \d+|at least|defaults? |"
                   r"default[.,]|the default|forbidden|cannot|can only|only (?:for|when|on|"
                   r"available|if|allowed)|will be|ordered|required (?:if|when|only)|"
                   r"requires? either|needs? to be|valid (?:values|range)|generated)", re.I)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _descriptions(node: Any, parts: list[str]) -> list[tuple[str, str]]:
    """(pointer, text) of every description and x-enumDescriptions value (examples aside)."""
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = [*parts, str(key)]
            if isinstance(value, str) and (key == "description" or (
                    len(parts) > 0 and parts[-1] == "x-enumDescriptions")):
                out.append((json_pointer(here), value))
            elif parts[:2] != ["components", "examples"]:
                out += _descriptions(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _descriptions(value, [*parts, str(i)])
    return out


@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: r.id)
def test_each_quote_is_verbatim_in_the_spec_at_its_pointer(rule: Any) -> None:
    text = resolve_pointer(SPEC, rule.pointer)
    assert isinstance(text, str), rule.pointer
    assert rule.sentence in _collapse(text), (rule.id, rule.pointer)


def test_every_sentence_that_states_a_rule_is_catalogued() -> None:
    stated = {ptr for ptr, text in _descriptions(SPEC, []) if MODAL.search(text)}
    assert len(stated) > 80  # the walk found the descriptions
    assert stated - {r.pointer for r in CATALOGUE} == set()


def test_every_limit_the_lint_finds_in_prose_is_catalogued() -> None:
    limits = lint_document(SPEC, [limit_not_in_schema])
    assert limits
    pointers = {r.pointer for r in CATALOGUE}
    assert {f.location for f in limits} - pointers == set()


def test_rules_name_real_operations_faults_and_probes() -> None:
    operations = set(Contract.default().operations)
    for rule in CATALOGUE:
        assert not rule.operation or rule.operation in operations, rule.id
        assert all(f in FAULTS for f in rule.faults), rule.id
        if rule.status == "probe":
            assert rule.check in PROBES, rule.id
            assert rule.faults or rule.why, rule.id  # a fault breaks it, or why none
        else:
            assert rule.check or rule.why, rule.id  # what holds it, or why nothing can
        if rule.status in ("uncheckable", "not-done"):
            assert rule.why, rule.id


def test_each_prose_probe_holds_rules_and_has_a_fault_that_makes_it_fire() -> None:
    for entry in PROBES:
        if entry.name.startswith("prose_"):
            rules = rules_of(entry.name)
            assert rules, entry.name
            assert Kind.PROSE_RULE_VIOLATED in entry.kinds
            faults = {f for r in rules for f in r.faults}
            assert faults, entry.name


def test_the_prose_faults_name_the_prose_kind() -> None:
    prose = [f for name, f in FAULTS.items() if name.startswith("prose-")]
    assert len(prose) >= 10
    assert all(f.finding == Kind.PROSE_RULE_VIOLATED for f in prose)
    used = {f for r in CATALOGUE for f in r.faults}
    assert {f.name for f in prose} <= used  # every prose fault breaks a catalogued rule


def test_the_docs_table_is_the_catalogue() -> None:
    assert (ROOT / DOC).read_text(encoding="utf-8") == render_doc(), (
        "regenerate: python -c \"from conformance.suite.prose.catalogue import render_doc, "
        "DOC; open(DOC, 'w').write(render_doc())\"")
