"""One run of the suite, start to end: check the target, run every phase and the probes,
delete what was created (also after a failure or Ctrl-C), write findings and summary.

Output (all under ``options.out``): ``findings/suite-*.jsonl`` (one Finding per line) and
``summary.json`` (per operation: calls, stateful sequences, findings, a redacted sample
exchange). The reports (Allure results, JUnit XML) are built from those two, by the ``run``
command or later by ``report``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import conformance.suite.probes_last  # noqa: F401  (registers the prose probes, then top_up)
from conformance.contract import Contract
from conformance.errors import UserError
from conformance.exchange.checks import CheckContext
from conformance.exchange.har import HarWriter
from conformance.findings import utc_now
from conformance.findings_io import FindingsWriter
from conformance.suite import events
from conformance.suite.cleanup import Cleanup, CleanupApi, CleanupReport
from conformance.suite.collector import Collector, FindingSink
from conformance.suite.connection import check_connection, sigterm_as_interrupt
from conformance.suite.engine import build_schema, run_engine
from conformance.suite.fixtures import make_fixtures
from conformance.suite.options import ALL_PHASES, SuiteOptions
from conformance.suite.probes import PROBES, ProbeContext
from conformance.suite.progress import Progress
from conformance.suite.run_errors import RunErrors, describe
from conformance.suite.shards import engine_runs, plan_for
from conformance.suite.summary import READ_ONLY, RunSummary, new_stats, run_notes, sample_of
from conformance.suite.target import TokenSource
from conformance.suite.transport import RetryPolicy, TokenBucket, Transport

__all__ = ["RunResult", "check_connection", "run_suite"]



@dataclass
class RunResult:
    summary: RunSummary
    interrupted: bool = False
    findings_file: str = ""


class _Run:
    """The objects of one run, wired together."""

    def __init__(self, options: SuiteOptions, emit: Callable[[events.Event], None]) -> None:
        self.options = options
        self.emit = emit
        target = options.target
        self.run_id = options.run_id or uuid.uuid4().hex[:12]
        self.contract = Contract.default()
        self.writer = FindingsWriter(options.out / "findings", "suite")
        self.sink = FindingSink(self.writer, lambda f: emit(events.FindingRaised(f)))
        bucket = TokenBucket(options.rate_limit) if options.rate_limit else None
        self.transport = Transport(bucket, RetryPolicy(retries=options.retries),
                                   timeout=options.request_timeout, readonly=options.readonly,
                                   seed=options.seed, headers=dict(options.headers))
        self.tokens = TokenSource(target.credentials, self.transport)
        self.checks = CheckContext(
            self.contract, "suite", self.run_id, target.base_path, target=target.label,
            secrets=lambda: self.tokens.secrets,
            on_crash=lambda name, ex, exc: self.collector.crashed(name, ex, exc))
        self.cleanup = Cleanup(self.contract, target.base_path)
        tags = {op.operation_id: op.tags for op in self.contract.operations.values()}
        self.selected = frozenset(options.selection.check(tags))
        self.stats = {op: s for op, s in new_stats(self.contract).items() if op in self.selected}
        self.plan = plan_for(options, self.selected)
        self.errors = RunErrors()
        self.har = _recording(options.record, target.base_path)
        self.collector = Collector(self.checks, self.sink, self.cleanup, self.stats,
                                   self.errors, self.har)
        self.collector.check_unrouted = not options.selection.includes
        self.transport.on_exchange = self.collector.exchange
        self.transport.on_unanswered = self.cleanup.unanswered
        self.transport.target = target.base_url
        self.cleanup_api = CleanupApi(self.transport, target.url, self.tokens.header)
        self.summary = RunSummary(target.label, self.run_id, self.stats, self.sink.findings,
                                  self.sink.occurrences, seed=options.seed,
                                  readonly=options.readonly,
                                  max_examples=options.max_examples,
                                  selection=options.selection.to_json(),
                                  not_selected=sorted(set(tags) - self.selected))
        self.phase_skips: dict[str, list[str]] = {}  # operation -> why a phase skipped it
        self._reported: set[str] = set()  # phases that said why they had an error
        self.phase_now = ""  # the Schemathesis phase running ("coverage phase"), if any

    def fail(self, what: str, where: str, exc: BaseException) -> None:
        """An internal error outside the engine: recorded (the run will exit 3), shown."""
        error = self.errors.exception(what, where, exc)
        self.emit(events.InternalError(error.what, error.where, error.message))

    def _operation(self, label: str) -> str | None:
        """The operationId of a "METHOD /path" label, when it names one."""
        method, _, path = label.partition(" ")
        op = self.contract.operation_for(method, path) if path.startswith("/") else None
        return op.operation_id if op else None

    def phases(self) -> None:
        fixtures = make_fixtures(self.options.target, self.transport, self.tokens,
                                 self.options.readonly)
        for options, selected in engine_runs(self.options, self.selected, self.plan):
            schema, renames = build_schema(self.contract, options, self.tokens,
                                           self.transport, self.collector, fixtures, selected)
            self.summary.notes += [r.describe() for r in renames
                                   if r.describe() not in self.summary.notes]
            self._engine(schema)

    def _engine(self, schema: Any) -> None:
        for ev in run_engine(schema, self.collector):
            self.emit(ev)
            if isinstance(ev, events.PhaseStarted):
                self.phase_now = f"{ev.name} phase"
            elif isinstance(ev, events.PhaseFinished):
                self.phase_now = ""
                self._phase_finished(ev)
            elif isinstance(ev, events.InternalError):
                self._reported.add(ev.phase)
                self.errors.add(ev.what, ev.where, ev.message, self._operation(ev.where))
            elif isinstance(ev, events.Problem):
                self._reported.add(ev.phase)
                self.summary.problems.append(f"{ev.where}: {ev.message}"[:500])
            elif isinstance(ev, events.Skipped):
                self._skipped(ev)
            elif isinstance(ev, events.EngineDone):
                self.summary.stop_reason = ev.stop_reason
                if ev.stop_reason == "interrupted":  # Ctrl-C caught inside Schemathesis
                    raise KeyboardInterrupt
            elif isinstance(ev, events.ScenarioDone) and ev.phase == "stateful" and ev.calls:
                self.summary.stateful_sequences += 1
            elif isinstance(ev, events.Interrupted):
                raise KeyboardInterrupt

    def _phase_finished(self, ev: events.PhaseFinished) -> None:
        if ev.name in ALL_PHASES:
            self.summary.phase_times[ev.name] = ev.seconds
        if ev.status == "error" and ev.name not in self._reported:  # never silently
            error = self.errors.add(f"{ev.name} phase", ev.name,
                                    "ended in error without saying why")
            self.emit(events.InternalError(error.what, error.where, error.message, ev.name))

    def _skipped(self, ev: events.Skipped) -> None:
        op_id = self._operation(ev.label)
        if op_id is not None:
            self.phase_skips.setdefault(op_id, []).append(f"{ev.phase}: {ev.reason}")

    def probes(self) -> None:
        filtered = self.options.selection.active
        ctx = ProbeContext(self.options.target, self.transport, self.tokens, self.sink,
                           self.checks, self.options.readonly, self.options.operations,
                           selected=self.selected if filtered else None,
                           window=self.options.consistency_window,
                           successes=lambda op: self.stats[op].successes)
        entries = []
        for entry in PROBES.running_in("suite"):
            if entry.obj.mutating and self.options.readonly:
                continue
            if self.plan and self.options.shard and (self.plan.probes.get(entry.name, 1)
                                                     != self.options.shard.index):
                continue  # another shard runs it
            if filtered and entry.obj.operations and not entry.obj.operations & self.selected:
                self.summary.notes.append(f"probe {entry.name} not run: none of its "
                                          "operations is selected")
                continue
            entries.append(entry)
        self.emit(events.PhaseStarted("probes", len(entries)))
        started = time.monotonic()
        for entry in entries:
            name, probe = entry.name, entry.obj
            self.emit(events.ScenarioStarted("probe", name))
            before = self.collector_calls()
            try:
                probe.run(ctx)
            except UserError as exc:  # the target: no answer, a timeout, a refused token
                self.summary.problems.append(f"probe {name}: {exc}")
                self.emit(events.Problem(f"probe {name}", str(exc), "probes"))
            except Exception as exc:  # the probe itself failed: the run fails, the rest runs
                self.fail(f"probe {name}", name, exc)
            self.emit(events.ScenarioDone("probe", name, self.collector_calls() - before, 0))
        self.summary.notes += ctx.notes
        self.emit(events.PhaseFinished("probes", "success", time.monotonic() - started))
        self.summary.phase_times["probes"] = time.monotonic() - started

    def collector_calls(self) -> int:
        return sum(s.calls for s in self.stats.values())

    def clean(self) -> None:
        if self.options.readonly or (not self.cleanup.pending and not self.cleanup.created):
            self.summary.cleanup = {"created": self.cleanup.created, "deleted_at_end": 0}
            return
        self.emit(events.PhaseStarted("cleanup"))
        started = time.monotonic()
        try:
            report = self.cleanup.run(self.cleanup_api)
        except Exception as exc:  # cleanup itself crashed: what it left is unknown
            self.fail("cleanup", "deleting what the run created", exc)
            report = CleanupReport(failed=[f"cleanup stopped: {describe(exc)}"])
        self.summary.cleanup = {"created": self.cleanup.created,
                                "deleted_at_end": report.deleted,
                                "already_gone": report.already_gone, "failed": report.failed}
        for failure in report.failed:
            resource, _, why = failure.partition(": ")
            self.errors.add("cleanup", resource, f"could not delete it: {why or failure}")
        self.emit(events.PhaseFinished("cleanup", "failure" if report.failed else "success",
                                       time.monotonic() - started,
                                       f"{report.deleted} deleted"))

    def close(self) -> None:
        self.writer.close()
        if self.har is not None:
            self.har.close()
        self.transport.close()


def _recording(path: Path | None, base_path: str) -> HarWriter | None:
    try:
        return HarWriter(path, base_path) if path else None
    except OSError as exc:
        raise UserError(f"cannot write the recording {path} ({exc.strerror or exc})",
                        tip="pass --record with a path in a writable directory") from None


def _stage(run: _Run, what: str, where: str, step: Callable[[], None]) -> None:
    """Run one stage; an exception of the suite itself (not the user's or the target's
    UserError, not Ctrl-C) fails the run and lets the next stage go on."""
    try:
        step()
    except UserError:
        raise
    except Exception as exc:
        run.fail(what, run.phase_now or where, exc)


def run_suite(options: SuiteOptions, stream: TextIO, mode: str = "plain") -> RunResult:
    """Run the suite; findings and summary go to ``options.out``. UserError on a target
    that cannot be tested (unreachable, wrong URL, refused credentials)."""
    progress = Progress(stream, mode, time_budget=options.time_budget)
    run = _Run(options, progress.handle)
    run.summary.notes += run_notes(run.contract, options.extra_notes)
    run.summary.started_at = utc_now()
    started = time.monotonic()
    interrupted = False
    try:
        with sigterm_as_interrupt():
            try:
                check_connection(options.target, run.tokens, run.transport)
                if not options.readonly:
                    _stage(run, "cleanup", "listing what existed before the run",
                           lambda: run.cleanup.snapshot(run.cleanup_api))
                _stage(run, "engine", "the Schemathesis phases", run.phases)
                if options.probes:
                    _stage(run, "probes", "running the probes", run.probes)
            except KeyboardInterrupt:
                interrupted = True
                progress.handle(events.Interrupted())
            finally:
                run.clean()
    finally:
        run.close()
        progress.close()
    summary = run.summary
    summary.wall_time = time.monotonic() - started
    summary.finished_at = utc_now()
    transport = run.transport
    summary.transport = {"retries": transport.retried, "waited_s": round(transport.waited, 2),
                         "unreachable": transport.unreachable,
                         "timed_out": transport.timed_out}
    if interrupted:
        summary.stop_reason = "interrupted"
    if run.plan is not None and options.shard is not None:
        summary.shard = run.plan.to_json(options.shard.index)
        for op in set(run.stats) - set(summary.shard["operations"]):
            if not run.stats[op].exercised:  # another shard's, and not called here
                del run.stats[op]
    for op, stats in run.stats.items():  # (cleanup may list a skipped operation's items)
        if options.skipped_by_config(op) or not stats.exercised:
            summary.skipped[op] = options.skipped_by_config(op) or (
                READ_ONLY if options.readonly and stats.method != "GET"
                else "; ".join(run.phase_skips.get(op, [])) or "no case was generated")
    summary.calls_filtered = run.collector.filtered
    summary.errors = run.errors.items()
    summary.samples = {op: sample_of(s.sample, run.tokens.secrets)
                       for op, s in run.stats.items() if s.sample is not None}
    summary.write(options.out / "summary.json")
    return RunResult(summary, interrupted, str(run.writer.path) if run.writer.count else "")
