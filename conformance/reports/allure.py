"""Findings -> Allure 2 results, as allure-python-commons models (``TestResult`` and its
``Label``, ``Parameter``, ``Attachment``, ``StatusDetails``): one result per (source,
fingerprint). :mod:`.allure_files` writes them with the library's file logger.

Status: a violation is ``failed`` (the API or the client breaks the contract); drift and
findings we could not check are ``broken`` (the spec and the traffic disagree, or the check
did not run); both carry their category as a ``[category]`` prefix of the status message,
which ``categories.json`` (see :mod:`.allure_meta`) matches. Operations the suite exercised
without any finding become ``passed`` results, operations it never called ``skipped``.
The suite's internal errors (``run.errors`` of its summary: the run itself failed) are
``broken`` with the prefix ``[run error]``: on the operation they happened at (which then
never shows as passing), or as a result of their own when they are tied to none. Labels and
history ids come from :mod:`.allure_labels`, the same ones every writer of ours uses.

Nothing here reads the clock: a finding's result takes its times from the findings, an
operation's from the run's ``started_at``/``finished_at`` in the summary (``now`` only when an
older summary has none), and every uuid derives from the history id and the run, so the same
findings and summary give the same files.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from allure_commons.model2 import (
    ATTACHMENT_PATTERN,
    Attachment,
    Parameter,
    Status,
    StatusDetails,
    TestResult,
)

from conformance.findings import Finding
from conformance.reports.allure_labels import (
    NOT_CHECKED,
    RUN_ERROR,
    feature_of,
    finding_history_id,
    finding_labels,
    finding_status,
    finding_status_message,
    history_id,
    labels,
    operation_history_id,
    run_error_history_id,
    story_of,
)

if TYPE_CHECKING:
    from conformance.contract import Contract

__all__ = ["RUN_ERROR", "ResultSet", "build_results"]

_NS = uuid.UUID("6f1c2a52-3f0e-4b8e-9a55-5c1d3e2b7a10")
_FINISHED = "finished"


@dataclass
class ResultSet:
    """Allure results and the attachment files they reference (name -> bytes)."""

    results: list[TestResult]
    attachments: dict[str, bytes]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def _millis(timestamp: str) -> int:
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


def _uuid(key: str, run_id: str, start: int) -> str:
    return str(uuid.uuid5(_NS, f"{key}:{run_id}:{start}"))


class _Attach:
    """Collects attachment files for one result set, with stable names."""

    def __init__(self, store: dict[str, bytes]) -> None:
        self.store = store

    def add(self, key: str, name: str, data: Any, media: str) -> Attachment:
        ext = "json" if media == "application/json" else "txt"
        source = ATTACHMENT_PATTERN.format(prefix=history_id(key, name), ext=ext)
        if media == "application/json":
            raw = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        else:
            raw = str(data)
        self.store[source] = raw.encode("utf-8")
        return Attachment(name=name, source=source, type=media)


def _attachments(key: str, finding: Finding, count: int, attach: _Attach) -> list[Attachment]:
    evidence = finding.evidence
    out = []
    for part in ("request", "response"):
        if part in evidence:
            out.append(attach.add(key, part.capitalize(), evidence[part], "application/json"))
    if evidence.get("curl"):
        out.append(attach.add(key, "curl", evidence["curl"], "text/plain"))
    record = finding.to_dict() | {"occurrences": count}
    out.append(attach.add(key, "Finding", record, "application/json"))
    return out


def _parameters(pairs: Iterable[tuple[str, object]]) -> list[Parameter]:
    return [Parameter(name=n, value=str(v)) for n, v in pairs if v not in (None, "")]


def _finding_result(group: list[Finding], contract: Contract | None, attach: _Attach
                    ) -> TestResult:
    f = group[0]
    key = finding_history_id(f)
    story = story_of(f)
    where = f" at {f.location}" if f.location else ""
    status_part = f" ({f.status})" if f.status is not None else ""
    trace = f.describe() + f"\n\nfingerprint: {f.fingerprint}\nseen {len(group)} time(s)"
    params = [("method", f.method), ("path", f.path_template), ("status", f.status),
              ("location", f.location), ("target", f.target), ("fingerprint", f.fingerprint),
              ("occurrences", len(group))]
    start = min(_millis(x.timestamp) for x in group)
    return TestResult(
        uuid=_uuid(key, str(f.run_id), start), historyId=key, testCaseId=key,
        name=f"{f.title}: {story}{status_part}{where}",
        fullName=f"{f.source}.{story}.{f.kind}.{f.location or '-'}",
        status=finding_status(f),
        statusDetails=StatusDetails(message=finding_status_message(f), trace=trace),
        stage=_FINISHED, description=f.message, labels=finding_labels(f, contract),
        parameters=_parameters(params), attachments=_attachments(key, f, len(group), attach),
        start=start, stop=max(_millis(x.timestamp) for x in group))


def _error_lines(errors: list[Mapping[str, Any]]) -> str:
    return "\n".join(f"{e.get('what')} at {e.get('where')}: {e.get('message')}"
                     for e in errors)


@dataclass(frozen=True)
class _Span:
    """The run's start and end (ms) and id: the times and uuids of the results made from
    the summary."""

    start: int
    stop: int
    run_id: str

    @classmethod
    def of(cls, run: Mapping[str, Any], now: int) -> _Span:
        start = _millis(str(run.get("started_at") or "")) or now
        stop = _millis(str(run.get("finished_at") or "")) or start
        return cls(start, max(start, stop), str(run.get("run_id") or ""))

    def result(self, key: str, **fields: Any) -> TestResult:
        """A finished result of the run with history id ``key``."""
        return TestResult(uuid=_uuid(key, self.run_id, self.start), historyId=key,
                          testCaseId=key, stage=_FINISHED, start=self.start, stop=self.stop,
                          **fields)


def _operation_result(operation_id: str, info: Mapping[str, Any], contract: Contract | None,
                      span: _Span, errors: list[Mapping[str, Any]]) -> TestResult:
    calls = int(info.get("calls", 0) or 0)
    status = Status.BROKEN if errors else Status.PASSED if calls else Status.SKIPPED
    details = StatusDetails(message=f"{operation_id}: {calls} call(s), no finding." if calls
                            else f"{operation_id} was not exercised in this run.")
    if errors:
        details = StatusDetails(
            message=f"[{RUN_ERROR}] {operation_id}: {len(errors)} internal error(s), so it "
                    f"was not fully tested ({calls} call(s)).", trace=_error_lines(errors))
    tags = [RUN_ERROR] if errors else ["conforms" if calls else "not exercised"]
    return span.result(
        operation_history_id(operation_id), name=f"{operation_id} conforms to the spec",
        fullName=f"suite.{operation_id}", status=status, statusDetails=details,
        labels=labels("suite", feature_of(contract, operation_id), operation_id, "normal", tags),
        parameters=[Parameter(name="calls", value=str(calls))])


def _run_error_result(error: Mapping[str, Any], span: _Span) -> TestResult:
    """A broken result for an internal error tied to no operation (engine, probe, ...)."""
    what, where = str(error.get("what", "?")), str(error.get("where", "?"))
    line = _error_lines([error])
    return span.result(
        run_error_history_id(what, where), name=f"Run error: {what} at {where}",
        fullName=f"suite.run.{what}.{where}", status=Status.BROKEN,
        statusDetails=StatusDetails(message=f"[{RUN_ERROR}] {line}", trace=line),
        labels=labels("suite", "Run errors", what, "critical", [RUN_ERROR]),
        parameters=[Parameter(name="count", value=str(error.get("count", 1)))])


def _attach_sample(result: TestResult, sample: Mapping[str, Any],
                   store: dict[str, bytes]) -> None:
    """Attach an operation's sample request and response (redacted) to its result."""
    for part in ("request", "response"):
        if part not in sample:
            continue
        name = ATTACHMENT_PATTERN.format(prefix=f"{result.historyId}-sample-{part}", ext="json")
        store[name] = json.dumps(sample[part], indent=2, ensure_ascii=False).encode("utf-8")
        result.attachments.append(Attachment(name=f"Sample {part}", source=name,
                                             type="application/json"))


def build_results(findings: Iterable[Finding], *, contract: Contract | None = None,
                  summary: Mapping[str, Any] | None = None, now: int = 0) -> ResultSet:
    """Allure results for findings (grouped by source and fingerprint) and, from the suite's
    ``summary`` (``{"operations": {id: {"calls": n, "sample": ...}}, "run": {...}}``, what
    ``summary.json`` holds), the operations without findings (a passed one with its sample
    request and response attached) and the run's internal errors. ``now`` (ms) is the time
    of those results only when the summary has no ``run.started_at``."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.source, f.fingerprint), []).append(f)
    store: dict[str, bytes] = {}
    attach = _Attach(store)
    results = [_finding_result(sorted(g, key=lambda x: x.timestamp), contract, attach)
               for _, g in sorted(groups.items())]
    with_findings = {f.operation_id for g in groups.values() for f in g
                     if f.category != NOT_CHECKED}
    operations = (summary or {}).get("operations") or {}
    run = (summary or {}).get("run")
    run = run if isinstance(run, Mapping) else {}
    span = _Span.of(run, now)
    errors = [e for e in run.get("errors") or [] if isinstance(e, Mapping)]
    for op_id in sorted(operations):
        info, failed = operations[op_id], [e for e in errors if e.get("operation") == op_id]
        if (op_id not in with_findings or failed) and isinstance(info, Mapping):
            result = _operation_result(op_id, info, contract, span, failed)
            if result.status == Status.PASSED and isinstance(info.get("sample"), Mapping):
                _attach_sample(result, info["sample"], store)
            results.append(result)
    results += [_run_error_result(e, span) for e in errors
                if not e.get("operation") or e.get("operation") not in operations]
    return ResultSet(results, store)
