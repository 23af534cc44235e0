"""The catalogue of rules the spec states only in words: every rule, the sentence it
quotes, where in the spec, and the check that holds it (or why none can). The README's
table and :file:`docs/prose-rules.md` are :func:`markdown_table`; the findings of the prose
probes quote the same sentences (:func:`rule`)."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.suite.prose.model import ProseRule
from conformance.suite.prose.rules_behaviour import BEHAVIOUR
from conformance.suite.prose.rules_inputs import INPUTS
from conformance.suite.prose.rules_unchecked import UNCHECKED

__all__ = ["CATALOGUE", "DOC", "ProseRule", "markdown_table", "render_doc", "rule",
           "rules_of"]

DOC = "docs/prose-rules.md"  # under the repository root

CATALOGUE: tuple[ProseRule, ...] = BEHAVIOUR + INPUTS + UNCHECKED
_BY_ID = {r.id: r for r in CATALOGUE}
if len(_BY_ID) != len(CATALOGUE):
    raise RuntimeError("two prose rules share an id")


def rule(rule_id: str) -> ProseRule:
    """The rule ``rule_id`` (a ``KeyError`` naming it when there is none)."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"no prose rule {rule_id!r}") from None


def rules_of(check: str) -> list[ProseRule]:
    """The rules the probe ``check`` holds."""
    return [r for r in CATALOGUE if r.status == "probe" and r.check == check]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rules: Iterable[ProseRule] = CATALOGUE) -> str:
    """One row per rule: id, the sentence, where, what holds it, the faults, why."""
    lines = ["| rule | sentence (verbatim) | where | status | check | fault | note |",
             "|---|---|---|---|---|---|---|"]
    for r in rules:
        faults = ", ".join(f"`{f}`" for f in r.faults)
        check = f"`{r.check}`" if r.status == "probe" else r.check
        lines.append(f"| `{r.id}` | {_cell(r.quote)} | `{_cell(r.pointer)}` | {r.status} | "
                     f"{_cell(check)} | {faults} | {_cell(r.why)} |")
    return "\n".join(lines) + "\n"


_STATUS = {
    "probe": "a prose probe of the suite sends requests that show it; the faults make it fire",
    "schema": "a schema keyword states it too (the spec's, or an overlay's): the contract "
              "checks it on every exchange",
    "covered": "another check already holds it (named in the check column)",
    "uncheckable": "no request sequence can show it; the note says why",
    "not-done": "checkable, not checked yet; the note says what it needs",
}


def render_doc() -> str:
    """The text of :data:`DOC`: what the statuses mean, the counts, the table."""
    counts = {s: sum(1 for r in CATALOGUE if r.status == s) for s in _STATUS}
    lines = ["# Rules the spec states only in words", "",
             "Every rule found in the descriptions of `spec/conversation.yaml` (operations, "
             "parameters, schemas, properties, `x-enumDescriptions`), the sentence it quotes "
             "(whitespace collapsed), where the sentence is (a JSON pointer), and what holds "
             "it. Generated from `conformance/suite/prose/catalogue.py`; "
             "`tests/test_prose_catalogue.py` checks every quote against the spec and this "
             "file against the catalogue. A broken rule is a `prose_rule_violated` finding "
             "whose message quotes the sentence, at location `prose:<rule>`.", "",
             f"{len(CATALOGUE)} rules: " + ", ".join(f"{n} {s}" for s, n in counts.items()),
             ""]
    lines += [f"- **{s}**: {text}" for s, text in _STATUS.items()]
    return "\n".join(lines) + "\n\n" + markdown_table()
