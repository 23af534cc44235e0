"""CI shards: ``run --shard K/N`` does the K-th of N deterministic parts of a run's work.

The work of a run comes in units, and each unit runs whole in one shard:

* each selected operation's unit phases (examples, coverage, fuzzing): one unit per
  operation, weight 1;
* the stateful phase: one unit over every selected operation. Its chains follow the links
  of ``spec/overlays/links.yaml``, and those join every operation of this spec into one
  connected component (App_CreateApp links to webhooks and conversations, a conversation
  to its messages, ...): any split by operation would cut chains, so the phase is not split.
  Weight: a quarter of the operations (it made about a quarter of the calls of the unit
  phases in our runs against the emulator);
* each probe goes with the shard that holds most of the operations it calls (the lowest
  shard on a tie; one that declares none, shard 1).

Units are assigned greedily, heaviest first (ties by name), each to the least loaded shard
(ties: the lowest), so the split is the same on every machine and Python version, and
every selected operation belongs to exactly one shard.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from conformance.errors import UserError
from conformance.schema_walk import deref

if TYPE_CHECKING:
    from conformance.suite.options import SuiteOptions

__all__ = ["STATEFUL", "Shard", "ShardPlan", "engine_runs", "link_graph", "parse_shard", "plan",
           "plan_for"]

STATEFUL = "stateful phase"
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N, else a UserError."""
    m = _SHARD.match(text)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise UserError(f"--shard {text!r} is not K/N with 1 <= K <= N",
                        tip="pass e.g. --shard 1/2 in one job and --shard 2/2 in another")
    return Shard(int(m.group(1)), int(m.group(2)))


@dataclass
class ShardPlan:
    count: int
    operations: dict[int, list[str]] = field(default_factory=dict)  # unit phases, per shard
    stateful: int = 0  # the shard that runs the stateful phase (0: none does)
    probes: dict[str, int] = field(default_factory=dict)

    def to_json(self, index: int) -> dict[str, Any]:
        """What ``summary.json`` records for shard ``index``."""
        return {"shard": f"{index}/{self.count}", "index": index, "count": self.count,
                "operations": self.operations.get(index, []),
                "stateful": self.stateful == index,
                "probes": sorted(p for p, k in self.probes.items() if k == index)}


def plan(operations: Iterable[str], count: int, *, stateful: bool,
         probes: Mapping[str, frozenset[str]]) -> ShardPlan:
    """The split of a run over ``count`` shards (see the module's doc)."""
    ops = sorted(set(operations))
    units: list[tuple[int, str]] = [(1, op) for op in ops]
    if stateful and ops:
        units.append((max(1, math.ceil(len(ops) / 4)), STATEFUL))
    result = ShardPlan(count, {k: [] for k in range(1, count + 1)})
    load = dict.fromkeys(range(1, count + 1), 0)
    for weight, name in sorted(units, key=lambda u: (-u[0], u[1])):
        k = min(load, key=lambda i: (load[i], i))
        load[k] += weight
        if name == STATEFUL:
            result.stateful = k
        else:
            result.operations[k].append(name)
    owner = {op: k for k, names in result.operations.items() for op in names}
    for name, called in probes.items():
        held = {k: sum(1 for op in called if owner.get(op) == k) for k in load}
        result.probes[name] = max(load, key=lambda i: (held[i], -i))
    for names in result.operations.values():
        names.sort()
    return result


def link_graph(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """operationId -> the operations its responses' OpenAPI links lead to."""
    graph: dict[str, set[str]] = {}
    for item in (document.get("paths") or {}).values():
        for op in (item or {}).values():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            targets = graph.setdefault(op["operationId"], set())
            for response in (op.get("responses") or {}).values():
                links = (deref(document, response) or {}).get("links") or {}
                targets.update(str(link["operationId"]) for link in links.values()
                               if isinstance(link, dict) and "operationId" in link)
    return graph


def plan_for(options: SuiteOptions, selected: Iterable[str]) -> ShardPlan | None:
    """The plan of a run with ``--shard`` (None without)."""
    from conformance.suite.probes import PROBES

    if options.shard is None:
        return None
    probes = {e.name: e.obj.operations for e in PROBES.running_in("suite")}
    return plan(selected, options.shard.count, probes=probes,
                stateful="stateful" in options.phases and not options.readonly)


def engine_runs(options: SuiteOptions, selected: frozenset[str], shard_plan: ShardPlan | None
                ) -> list[tuple[SuiteOptions, frozenset[str]]]:
    """The Schemathesis runs of this shard: (options, the operations they include). One
    run over every selected operation without shards; with, the unit phases over the
    shard's operations and, in the shard that has it, the stateful phase over all."""
    if shard_plan is None or options.shard is None:
        return [(options, selected)]
    index = options.shard.index
    runs = []
    unit = tuple(p for p in options.phases if p != "stateful")
    mine = frozenset(shard_plan.operations.get(index, []))
    if unit and mine:
        runs.append((replace(options, phases=unit), mine))
    if shard_plan.stateful == index:
        runs.append((replace(options, phases=("stateful",)), selected))
    return runs
