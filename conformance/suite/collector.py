"""Everything the run saw, turned into counts and Findings.

:class:`FindingSink` keeps one Finding per fingerprint (and how often it was seen) and
writes each new one at once, so a run that is killed keeps what it found.
:class:`Collector` takes exchanges (ours one by one, Schemathesis' per scenario), counts
them per operation, runs the exchange checks and maps Schemathesis' check failures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from typing import Any

from conformance.exchange.checks import CheckContext, check_exchange
from conformance.exchange.clients import from_interaction
from conformance.exchange.evidence import evidence_for
from conformance.exchange.har import HarWriter
from conformance.exchange.model import Exchange
from conformance.findings import Finding
from conformance.findings_io import FindingsWriter
from conformance.suite.checks import FAILURE_KINDS, keep_failure
from conformance.suite.cleanup import Cleanup
from conformance.suite.run_errors import RunErrors
from conformance.suite.summary import OperationStats

__all__ = ["Collector", "FindingSink", "ScenarioDigest"]


class FindingSink:
    """Deduplicates Findings by fingerprint and writes each new one immediately."""

    def __init__(self, writer: FindingsWriter | None = None,
                 on_new: Callable[[Finding], None] | None = None) -> None:
        self.writer = writer
        self.on_new = on_new
        self.findings: list[Finding] = []
        self.occurrences: dict[str, int] = {}
        self.on_seen: Callable[[Finding], None] | None = None  # every add, new or repeated
        self.scope: Container[str] | None = None  # when set, only these count as known (a slice)
        self._lock = threading.Lock()

    def known(self, fingerprint: str) -> bool:
        """Reported already (a check then skips its evidence)."""
        return fingerprint in (self.occurrences if self.scope is None else self.scope)

    def add(self, finding: Finding) -> bool:
        """Record a finding; True when its fingerprint is new."""
        if self.on_seen is not None:
            self.on_seen(finding)
        with self._lock:
            count = self.occurrences.get(finding.fingerprint, 0)
            self.occurrences[finding.fingerprint] = count + 1
            if count:
                return False
            self.findings.append(finding)
        if self.writer is not None:
            self.writer.write(finding)
        if self.on_new is not None:
            self.on_new(finding)
        return True


@dataclass
class ScenarioDigest:
    calls: int
    operations: set[str]
    new_findings: int


class Collector:
    """Counts, checks and cleanup bookkeeping for every exchange of a run."""

    def __init__(self, ctx: CheckContext, sink: FindingSink, cleanup: Cleanup,
                 stats: dict[str, OperationStats], errors: RunErrors | None = None,
                 har: HarWriter | None = None) -> None:
        self.ctx = ctx
        self.har = har
        self.sink = sink
        self.cleanup = cleanup
        self.stats = stats
        self.errors = errors if errors is not None else RunErrors()
        self.unmatched = 0
        # with operation filters: exchanges of operations left out are sent (a probe's set-up,
        # the connection check) and recorded, but neither counted nor checked
        self.check_unrouted = True  # an exchange of no operation: checked without includes
        self.filtered = 0
        self._lock = threading.Lock()

    def operation_of(self, ex: Exchange) -> str | None:
        op = self.ctx.contract.operation_for(ex.method, ex.url, self.ctx.base_path)
        return op.operation_id if op else None

    def exchange(self, ex: Exchange) -> int:
        """Count and check one exchange; the number of new findings."""
        op_id = self.operation_of(ex)
        self.cleanup.observe(ex.method, ex.url, ex.status, ex.response_body, ex.request_body)
        if self.har is not None:
            self.har.add(ex)
        with self._lock:
            if op_id in self.stats:
                self.stats[op_id].add(ex)
            elif op_id is not None or not self.check_unrouted:
                self.filtered += 1
                return 0
            else:
                self.unmatched += 1
        new = 0
        for finding in check_exchange(self.ctx, ex, known=self.sink.known):
            new += self.sink.add(finding)
        return new

    def crashed(self, check: str, ex: Exchange, exc: Exception) -> None:
        """An exchange check raised (``CheckContext.on_crash``): the run fails."""
        op_id = self.operation_of(ex)
        where = op_id or f"{ex.method} {ex.url.split('?')[0]}"
        self.errors.exception(f"check {check}", f"{where} ({ex.origin})", exc, op_id)

    def scenario(self, origin: str, recorder: Any) -> ScenarioDigest:
        """Every exchange of one Schemathesis scenario, and its check failures."""
        ops: set[str] = set()
        calls = new = 0
        by_case: dict[str, Exchange] = {}
        for case_id, interaction in recorder.interactions.items():
            ex = from_interaction(interaction, origin)
            if ex is None:  # no answer (timed out, connection lost): a create may still
                req = interaction.request  # have happened at the target
                self.cleanup.unanswered(req.method, req.uri, req.body or b"")
                continue
            by_case[case_id] = ex
            calls += 1
            new += self.exchange(ex)
            op_id = self.operation_of(ex)
            if op_id:
                ops.add(op_id)
        for case_id, nodes in recorder.checks.items():
            for node in nodes:
                if node.failure_info is not None:
                    failure = node.failure_info.failure
                    ex = by_case.get(failure.case_id or case_id) or by_case.get(case_id)
                    new += self._failure(node.name, failure, ex)
        return ScenarioDigest(calls, ops, new)

    def count_sequence(self, operations: Iterable[str]) -> None:
        with self._lock:
            for op_id in operations:
                if op_id in self.stats:
                    self.stats[op_id].sequences += 1

    def _failure(self, check: str, failure: Any, ex: Exchange | None) -> int:
        mapped = FAILURE_KINDS[check].obj if check in FAILURE_KINDS else None
        if mapped is None or ex is None or not keep_failure(self.ctx, [check], ex):
            return 0
        op = self.ctx.contract.operation_for(ex.method, ex.url, self.ctx.base_path)
        finding = Finding.make(
            mapped.kind, source="suite", message=f"{failure.title}: {failure.message}",
            operation_id=op.operation_id if op else None,
            method=ex.method, path_template=op.path_template if op else None,
            status=ex.status, location=mapped.location,
            evidence={**evidence_for(ex, self.ctx.secrets()), "check": check},
            target=self.ctx.target or ex.target, run_id=self.ctx.run_id,
            secrets=self.ctx.secrets())
        return int(self.sink.add(finding))
