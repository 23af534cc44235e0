"""What a run did, per operation: calls, stateful sequences, findings; as a table and JSON.

``summary.json`` keeps the shape the report command reads
(``{"operations": {operationId: {"calls": n, ...}}}``) and adds the run's metadata. It holds
everything the run's reports are built from besides the findings (a redacted sample
exchange per operation, the run's start and end, its budget), so ``sinch-conformance
report`` rebuilds the same Allure results and JUnit XML that ``run`` wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from conformance.contract import Contract
from conformance.exchange.evidence import evidence_for
from conformance.exchange.model import Exchange
from conformance.findings import Finding
from conformance.operation_settings import SKIPPED_BY_CONFIG
from conformance.spec_loader import SPEC_DIR
from conformance.suite.checks import DISABLED_CHECKS
from conformance.suite.run_errors import RunError

__all__ = ["PHASES", "READ_ONLY", "SUCCESS_GOAL", "OperationStats", "RunSummary", "run_notes",
           "sample_of", "success_key"]

PHASES = ("examples", "coverage", "fuzzing", "stateful", "probe", "cleanup")
READ_ONLY = "read-only run"  # why a read-only run skipped an operation
OVERLAY_DIR = SPEC_DIR / "overlays"
# Distinct successful (2xx) inputs an operation should get in a default run: a check of
# successful answers (body schema, headers, stateful checks) sees nothing without them.
SUCCESS_GOAL = 10
# Deleting what the run made is not a test input: cleanup's 2xx answers are not counted.
_NOT_INPUTS = frozenset({"cleanup"})


# What the server generates in an answer, masked so that a repeated request is one input
# however new the id it got back: Sinch ids (ULIDs) and RFC 3339 timestamps.
_GENERATED = re.compile(rb"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b|"
                        rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")


def success_key(ex: Exchange) -> str:
    """What makes two successful exchanges distinct: the request (method, URL path, query
    parameters in any order, body as JSON in any key order and spacing, otherwise its
    bytes), or else the answer's body once the ids and timestamps the server generated
    are masked. Headers (credentials, fault switches) are no part of it; ids in the request
    are: a request naming another resource is another input. So ten creates with one body
    count once, ten reads of ten resources ten times, and a list that takes no parameter
    once per different list it answered. A digest, to keep it small."""
    parts = urlsplit(ex.url)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    body: Any = ex.request_body
    try:
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:  # not JSON (or empty): its bytes
        body = body.hex()
    digest = hashlib.blake2b(digest_size=12)
    digest.update(json.dumps([ex.method.upper(), parts.path, query, body, ex.status]).encode())
    digest.update(_GENERATED.sub(b"*", ex.response_body))
    return digest.hexdigest()


@dataclass
class OperationStats:
    operation_id: str
    method: str
    path: str
    tag: str
    calls: int = 0
    sequences: int = 0
    by_origin: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    sample: Exchange | None = None  # a 2xx exchange when there was one
    success_inputs: set[str] = field(default_factory=set)  # success_key of 2xx answers

    def add(self, ex: Exchange) -> None:
        status = ex.status or 0  # the suite counts answered exchanges only
        self.calls += 1
        self.by_origin[ex.origin] += 1
        self.statuses[f"{status // 100}xx"] += 1
        if 200 <= status < 300 and ex.origin not in _NOT_INPUTS:
            self.success_inputs.add(success_key(ex))
        if self.sample is None or (200 <= status < 300 and not
                                   200 <= (self.sample.status or 0) < 300):
            self.sample = ex

    @property
    def exercised(self) -> bool:
        return self.calls > 0

    @property
    def successes(self) -> int:
        """Distinct 2xx exchanges (:func:`success_key`), cleanup's left out."""
        return len(self.success_inputs)


def sample_of(ex: Exchange, secrets: Sequence[str]) -> dict[str, Any]:
    """The redacted request and response of ``ex`` that the reports attach to a passed
    operation (``summary.json`` keeps one per operation)."""
    evidence = evidence_for(ex, secrets)
    return {part: evidence[part] for part in ("request", "response") if part in evidence}


def new_stats(contract: Contract) -> dict[str, OperationStats]:
    return {op.operation_id: OperationStats(op.operation_id, op.method, op.path_template,
                                            op.tags[0] if op.tags else "Untagged")
            for op in contract.operations.values()}


@dataclass
class RunSummary:
    target: str
    run_id: str
    operations: dict[str, OperationStats]
    findings: list[Finding]
    occurrences: dict[str, int]
    seed: int | None = None
    wall_time: float = 0.0
    stop_reason: str = "completed"
    readonly: bool = False
    skipped: dict[str, str] = field(default_factory=dict)  # operation -> why not tested
    notes: list[str] = field(default_factory=list)  # overlays, workarounds, disabled checks
    # internal errors: the run itself failed there (exit 3), see conformance.suite.run_errors
    errors: list[RunError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the target's: timeouts, no answer
    phase_times: dict[str, float] = field(default_factory=dict)
    cleanup: dict[str, Any] = field(default_factory=dict)
    stateful_sequences: int = 0
    # the suite's own transport: retries after 429/5xx, seconds waited for them,
    # requests that could not connect or timed out
    transport: dict[str, float] = field(default_factory=dict)
    max_examples: int | None = None
    started_at: str = ""  # ISO 8601 UTC, as a Finding's timestamp
    finished_at: str = ""
    # operation -> a redacted request/response of one of its exchanges (2xx if any)
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)
    # operation filters (OperationFilter.to_json), the operations they left out, and the
    # calls to those (a probe's set-up) that were made but not checked
    selection: dict[str, list[str]] = field(default_factory=dict)
    not_selected: list[str] = field(default_factory=list)
    calls_filtered: int = 0
    shard: dict[str, Any] = field(default_factory=dict)  # ShardPlan.to_json: run --shard K/N

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_drift and f.category != "not checked"]

    @property
    def drift(self) -> list[Finding]:
        return [f for f in self.findings if f.is_drift]

    @property
    def calls(self) -> int:
        return sum(s.calls for s in self.operations.values())

    @property
    def exercised(self) -> int:
        return sum(1 for s in self.operations.values() if s.exercised)

    def expected_to_succeed(self) -> list[OperationStats]:
        """The operations a run of this kind can make succeed (a read-only run: GETs; not
        those the configuration skips)."""
        return [s for s in self.operations.values()
                if (not self.readonly or s.method.upper() == "GET")
                and not self.skipped.get(s.operation_id, "").startswith(SKIPPED_BY_CONFIG)]

    def min_successes(self) -> dict[str, Any]:
        """The operation with the fewest distinct successes, and how many."""
        stats = min(self.expected_to_succeed(), key=lambda s: (s.successes, s.operation_id),
                    default=None)
        return ({"operation": stats.operation_id, "count": stats.successes} if stats
                else {"operation": None, "count": 0})

    def few_successes(self, goal: int = SUCCESS_GOAL) -> list[OperationStats]:
        """Operations under ``goal`` distinct successes, fewest first."""
        return sorted((s for s in self.expected_to_succeed() if s.successes < goal),
                      key=lambda s: (s.successes, s.operation_id))

    def findings_of(self, operation_id: str) -> list[Finding]:
        return [f for f in self.findings if f.operation_id == operation_id]

    def errors_of(self, operation_id: str | None) -> list[RunError]:
        """Internal errors tied to this operation (``None``: those tied to none)."""
        return [e for e in self.errors if e.operation == operation_id]

    def to_json(self) -> dict[str, Any]:
        ops = {}
        for op_id, s in sorted(self.operations.items()):
            found = self.findings_of(op_id)
            ops[op_id] = {
                "calls": s.calls, "sequences": s.sequences, "method": s.method,
                "path": s.path, "tag": s.tag, "by_phase": dict(s.by_origin),
                "statuses": dict(s.statuses), "successes": s.successes,
                "violations": sum(1 for f in found if not f.is_drift),
                "drift": sum(1 for f in found if f.is_drift),
                "errors": len(self.errors_of(op_id)),
                **({"skipped": self.skipped[op_id]} if op_id in self.skipped else {}),
                **({"sample": self.samples[op_id]} if op_id in self.samples else {}),
            }
        return {
            "operations": ops,
            "min_successes": self.min_successes(),
            "run": {"target": self.target, "run_id": self.run_id, "seed": self.seed,
                    "started_at": self.started_at, "finished_at": self.finished_at,
                    "wall_time_s": round(self.wall_time, 2), "stop_reason": self.stop_reason,
                    "readonly": self.readonly, "max_examples": self.max_examples,
                    "calls": self.calls,
                    "operations_exercised": self.exercised,
                    "operations_total": len(self.operations),
                    "stateful_sequences": self.stateful_sequences,
                    "violations": len(self.violations), "drift": len(self.drift),
                    "phase_times_s": {k: round(v, 2) for k, v in self.phase_times.items()},
                    "transport": self.transport,
                    "cleanup": self.cleanup, "notes": self.notes,
                    "error_count": len(self.errors),
                    "errors": [e.to_json() for e in self.errors],
                    "problems": self.problems,
                    **({"selection": {**self.selection, "not_selected": self.not_selected,
                                      "calls_filtered": self.calls_filtered}}
                       if self.selection else {}),
                    **({"shard": self.shard} if self.shard else {})},
            "findings": [{"fingerprint": f.fingerprint, "kind": str(f.kind),
                          "operation_id": f.operation_id, "status": f.status,
                          "occurrences": self.occurrences.get(f.fingerprint, 1),
                          "message": f.message} for f in self.findings],
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")


def _first_sentence(path: Path) -> str:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    text = " ".join(str((data or {}).get("description", "")).split())
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def run_notes(contract: Contract, extra: Iterable[str] = ()) -> list[str]:
    """What a run changes or leaves out, and why: overlays, disabled checks (the notes a
    summary starts with)."""
    counts: dict[str, int] = {}
    for action in contract.overlays:
        counts[action.overlay] = counts.get(action.overlay, 0) + 1
    notes = [f"overlay {name} ({n} change(s)): {_first_sentence(OVERLAY_DIR / name)}"
             for name, n in counts.items()]
    notes += [f"Schemathesis check {name} off: {why}" for name, why in DISABLED_CHECKS.items()]
    notes.append("Schemathesis positive_data_acceptance: a 400 to generated data is not a "
                 "violation (rules the schema cannot state); the lifecycle probe's curated "
                 "valid bodies must be accepted")
    return notes + list(extra)
