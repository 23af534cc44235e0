"""Rules the spec states only in words, and the suite probes that hold an API to them.

:mod:`~conformance.suite.prose.catalogue` lists every rule found in the spec's
descriptions: its id, the sentence quoted verbatim, its JSON pointer, and the probe that
checks it (or the schema keyword that states it too, or why nothing can check it). The
probes below are registered in :data:`conformance.suite.probes.PROBES` when this package
is imported (the runner does); each reports ``prose_rule_violated`` quoting the sentence.
``prose_pages`` only reads, so ``--readonly`` keeps it; the others create their own app,
contacts and conversations and delete them again.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.findings import Kind
from conformance.suite.probe_context import ProbeContext
from conformance.suite.probe_operations import PROBE_OPERATIONS
from conformance.suite.probes import PROBES, Probe
from conformance.suite.prose.barrier import with_read_barrier
from conformance.suite.prose.catalogue import CATALOGUE, markdown_table, rule, rules_of
from conformance.suite.prose.probes_apps import prose_apps
from conformance.suite.prose.probes_contacts import prose_contacts
from conformance.suite.prose.probes_conversations import prose_conversations
from conformance.suite.prose.probes_inputs import prose_inputs
from conformance.suite.prose.probes_pages import prose_pages

__all__ = ["CATALOGUE", "PROSE_PROBES", "markdown_table", "rule", "rules_of"]

# name -> (function, mutating, summary); registration order is the run's order
PROSE_PROBES: dict[str, tuple[Callable[[ProbeContext], None], bool, str]] = {
    "prose_conversations": (prose_conversations, True, "prose: one active conversation, "
                            "stop, send, metadata, deletes, order"),
    "prose_contacts": (prose_contacts, True, "prose: default name, update_mask, merge"),
    "prose_apps": (prose_apps, True, "prose: app defaults, webhooks per app, opt-in defaults"),
    "prose_inputs": (prose_inputs, True, "prose: limits and rules on requests refused"),
    "prose_pages": (prose_pages, False, "prose: default and maximum page size"),
}

for _name, (_run, _mutating, _summary) in PROSE_PROBES.items():
    PROBES.add(Probe(with_read_barrier(_run) if _mutating else _run, _mutating, _summary,
                     PROBE_OPERATIONS.get(_name, frozenset())),
               _name, kinds={Kind.PROSE_RULE_VIOLATED}, where={"suite"}, doc=_summary)
