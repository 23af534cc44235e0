"""The suite in slices: one long-lived run whose parts are started one at a time.

The pytest plugin (:mod:`conformance.pytest_plugin`) makes one test item per operation and
phase, one for the stateful run and one per probe. A :class:`SuiteSession` runs each of
them on the objects of one run of :mod:`conformance.suite.runner` (transport, tokens,
checks, collector, cleanup), built once: the connection is checked once, the fixtures made
once, the Schemathesis schema built once per phase and narrowed to the operation of each
slice, and everything the slices created is deleted once, at :meth:`SuiteSession.close`.

A slice's verdict is every finding it raised, also those an earlier slice had raised
already (the run keeps one per fingerprint): so a slice gives the same verdict whatever
ran before it, on one pytest process or spread over several.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from conformance.errors import UserError
from conformance.findings import Finding, utc_now
from conformance.suite import events
from conformance.suite.connection import check_connection
from conformance.suite.engine import build_schema, run_engine
from conformance.suite.fixtures import Fixtures, make_fixtures
from conformance.suite.options import SuiteOptions
from conformance.suite.probes import PROBES, ProbeContext
from conformance.suite.run_errors import RunError
from conformance.suite.runner import READ_ONLY, _Run
from conformance.suite.summary import sample_of

__all__ = ["UNIT_PHASES", "SliceResult", "SuiteSession"]

UNIT_PHASES = ("examples", "coverage", "fuzzing")


@dataclass
class SliceResult:
    """What one slice did: every distinct finding it raised (with evidence), the suite's
    own errors during it, the target's trouble, calls made and why cases were skipped."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    calls: int = 0

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_drift and f.category != "not checked"]

    @property
    def drift(self) -> list[Finding]:
        return [f for f in self.findings if f.is_drift]


class SuiteSession:
    """One run of the suite, driven slice by slice (see the module doc)."""

    def __init__(self, options: SuiteOptions) -> None:
        self.options = options
        self.run = _Run(options, lambda ev: None)
        self._fixtures: Fixtures | None = None
        self._schemas: dict[str, Any] = {}
        self._first: dict[str, Finding] = {}  # fingerprint -> the finding with evidence
        self._slice: dict[str, Finding] | None = None
        self.run.sink.on_seen = self._seen
        self.closed = False
        self._started = time.monotonic()
        self.run.summary.started_at = utc_now()

    @property
    def secrets(self) -> tuple[str, ...]:
        """The key secret and every token issued: never to be shown."""
        return self.run.tokens.secrets

    def start(self) -> None:
        """Check the target answers with these credentials; note what existed before."""
        run = self.run
        check_connection(self.options.target, run.tokens, run.transport)
        if not self.options.readonly:
            run.cleanup.snapshot(run.cleanup_api)

    def operations(self) -> list[str]:
        """The operationIds of the contract, in its order."""
        return list(self.run.contract.operations)

    def skip_reason(self, phase: str, operation_id: str | None = None) -> str:
        """Why this slice cannot run in this session ("" when it can)."""
        if phase not in self.options.phases:
            return f"phase {phase} is not selected"
        if operation_id is not None and operation_id not in self.run.selected:
            return "operation not selected (--include-*/--exclude-*)"
        if self.options.readonly and (phase == "stateful" or (
                operation_id and self.run.contract.operations[operation_id].method != "GET")):
            return READ_ONLY
        return ""

    def _seen(self, finding: Finding) -> None:
        """Every finding of a slice, with the evidence of the slice's own exchange."""
        if self._slice is not None and finding.fingerprint not in self._slice:
            self._slice[finding.fingerprint] = finding if finding.evidence else self._first.get(
                finding.fingerprint, finding)
        self._first.setdefault(finding.fingerprint, finding)

    @contextmanager
    def _slice_of(self, result: SliceResult) -> Iterator[None]:
        errors_before = {(e.what, e.where, e.message): e.count for e in self.run.errors.items()}
        calls_before = self.run.collector_calls()
        self._slice = {}
        self.run.sink.scope = self._slice.keys()  # evidence once per finding and slice
        try:
            yield
        finally:
            result.findings = list(self._slice.values())
            self._slice = None
            self.run.sink.scope = None
            result.calls = self.run.collector_calls() - calls_before
            result.errors += [e for e in self.run.errors.items()
                              if errors_before.get((e.what, e.where, e.message), 0) < e.count]

    def prepare(self, phases: Iterable[str]) -> None:
        """Make the fixtures and build the schema of each of these phases ahead of time."""
        for phase in phases:
            if phase in self.options.phases and phase != "probes":
                self._schema(phase)

    def _schema(self, phase: str) -> Any:
        if phase not in self._schemas:
            run = self.run
            if self._fixtures is None:
                self._fixtures = make_fixtures(self.options.target, run.transport, run.tokens,
                                               self.options.readonly)
            options = dataclasses.replace(self.options, phases=(phase,))
            schema, renames = build_schema(run.contract, options, run.tokens, run.transport,
                                           run.collector, self._fixtures, run.selected)
            run.summary.notes += [n for n in (r.describe() for r in renames)
                                  if n not in run.summary.notes]
            self._schemas[phase] = schema
        return self._schemas[phase]

    def run_phase(self, phase: str, operation_id: str | None = None) -> SliceResult:
        """One Schemathesis phase, for one operation (or every one: the stateful run)."""
        schema = self._schema(phase)
        if operation_id is not None:
            schema = schema.include(operation_id=operation_id)
        result = SliceResult()
        with self._slice_of(result):
            said_why = False
            for ev in run_engine(schema, self.run.collector):
                self._event(ev, result, said_why)
                said_why = said_why or isinstance(ev, events.InternalError | events.Problem)
        return result

    def _event(self, ev: events.Event, result: SliceResult, said_why: bool) -> None:
        run = self.run
        if isinstance(ev, events.InternalError):
            run.errors.add(ev.what, ev.where, ev.message, run._operation(ev.where))
        elif isinstance(ev, events.Problem):
            result.problems.append(f"{ev.where}: {ev.message}"[:500])
        elif isinstance(ev, events.Skipped):
            result.skipped.append(f"{ev.phase}: {ev.reason}")
        elif isinstance(ev, events.PhaseFinished) and ev.status == "error":
            if not said_why:  # never silently (as the runner does)
                run.errors.add(f"{ev.name} phase", ev.name, "ended in error without saying why")
        elif isinstance(ev, events.ScenarioDone) and ev.phase == "stateful" and ev.calls:
            run.summary.stateful_sequences += 1
        elif isinstance(ev, events.Interrupted) or (isinstance(ev, events.EngineDone)
                                                    and ev.stop_reason == "interrupted"):
            raise KeyboardInterrupt

    def probes(self) -> list[str]:
        """The names of the probes, in the run's order."""
        return [entry.name for entry in PROBES.running_in("suite")]

    def probe_skip_reason(self, name: str) -> str:
        probe = PROBES[name].obj
        if not self.options.probes:
            return "probes are not selected"
        if self.options.selection.active and probe.operations and not (
                probe.operations & self.run.selected):
            return "none of its operations is selected"
        return READ_ONLY if probe.mutating and self.options.readonly else ""

    def run_probe(self, name: str) -> SliceResult:
        """One probe, by its registered name."""
        run = self.run
        probe = PROBES[name].obj
        ctx = ProbeContext(self.options.target, run.transport, run.tokens, run.sink,
                           run.checks, self.options.readonly,
                           selected=run.selected if self.options.selection.active else None)
        result = SliceResult()
        with self._slice_of(result):
            try:
                probe.run(ctx)
            except UserError as exc:  # the target: no answer, a timeout, a refused token
                result.problems.append(f"probe {name}: {exc}")
            except Exception as exc:  # the probe itself failed: an internal error
                run.errors.exception(f"probe {name}", name, exc)
        run.summary.notes += ctx.notes
        return result

    def close(self) -> None:
        """Delete what the slices created (by the run's cleanup), close the run's files and
        write its ``summary.json``; safe to call twice."""
        if self.closed:
            return
        self.closed = True
        run = self.run
        try:
            run.clean()
        finally:
            run.close()
        summary = run.summary
        summary.wall_time = time.monotonic() - self._started
        summary.finished_at = utc_now()
        summary.calls_filtered = run.collector.filtered
        summary.errors = run.errors.items()
        summary.samples = {op: sample_of(s.sample, run.tokens.secrets)
                           for op, s in run.stats.items() if s.sample is not None}
        summary.write(self.options.out / "summary.json")
