"""Findings -> Allure 2 result files: one result per (source, fingerprint).

Status: a violation is ``failed`` (the API or the client breaks the contract); drift and
findings we could not check are ``broken`` (the spec and the traffic disagree, or the check
did not run); both carry their category as a ``[category]`` prefix of the status message,
which ``categories.json`` (see :mod:`.allure_meta`) matches. Operations the suite exercised
without any finding become ``passed`` results, operations it never called ``skipped``.
The suite's internal errors (``run.errors`` of its summary: the run itself failed) are
``broken`` with the prefix ``[run error]``: on the operation they happened at (which then
never shows as passing), or as a result of their own when they are tied to none.

Labels: ``epic`` = source, ``feature`` = the operation's first tag, ``story`` = the operation,
so Allure's Behaviors tab groups by source, tag and operation; ``parentSuite``/``suite``/
``subSuite`` mirror them for the Suites tab. ``historyId`` is derived from source and
fingerprint, so the same finding forms one history line across nightly runs.

Nothing here reads the clock: a finding's result takes its times from the findings, an
operation's from the run's ``started_at``/``finished_at`` in the summary (``now`` only when an
older summary has none), so the same findings and summary give the same files.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.findings import Finding

if TYPE_CHECKING:
    from conformance.contract import Contract

__all__ = ["MANIFEST", "RUN_ERROR", "ResultSet", "build_results", "write_results"]

MANIFEST = ".sinch-conformance-files"  # files we wrote last time, removed before writing
_NS = uuid.UUID("6f1c2a52-3f0e-4b8e-9a55-5c1d3e2b7a10")
_NOT_CHECKED = "not checked"
RUN_ERROR = "run error"  # status message prefix of the suite's internal errors


@dataclass
class ResultSet:
    """Allure result dicts and the attachment files they reference (name -> bytes)."""

    results: list[dict[str, Any]]
    attachments: dict[str, bytes]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r["status"] == status)


def _millis(timestamp: str) -> int:
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


def _stable_id(*parts: str) -> str:
    return hashlib.md5("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def _status(finding: Finding) -> str:
    return "broken" if finding.is_drift or finding.category == _NOT_CHECKED else "failed"


def _feature(contract: Contract | None, operation_id: str | None) -> str:
    if not operation_id:
        return "Undocumented operations"
    op = contract.operations.get(operation_id) if contract else None
    return op.tags[0] if op and op.tags else "Untagged"


def _story(finding: Finding) -> str:
    return finding.operation_id or f"{finding.method or '?'} {finding.path_template or '?'}"


def _labels(epic: str, feature: str, story: str, severity: str, tags: Iterable[str]
            ) -> list[dict[str, str]]:
    pairs = [("epic", epic), ("feature", feature), ("story", story), ("severity", severity),
             ("parentSuite", epic), ("suite", feature), ("subSuite", story),
             ("framework", "sinch-conformance"), ("language", "python")]
    pairs += [("tag", t) for t in dict.fromkeys(tags)]
    return [{"name": n, "value": v} for n, v in pairs]


class _Attach:
    """Collects attachment files for one result set, with stable names."""

    def __init__(self, store: dict[str, bytes]) -> None:
        self.store = store

    def add(self, key: str, name: str, data: Any, media: str) -> dict[str, str]:
        ext = "json" if media == "application/json" else "txt"
        source = f"{_stable_id(key, name)}-attachment.{ext}"
        if media == "application/json":
            raw = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        else:
            raw = str(data)
        self.store[source] = raw.encode("utf-8")
        return {"name": name, "source": source, "type": media}


def _attachments(key: str, finding: Finding, count: int, attach: _Attach) -> list[dict[str, str]]:
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


def _finding_result(group: list[Finding], contract: Contract | None, attach: _Attach
                    ) -> dict[str, Any]:
    f = group[0]
    key = _stable_id(f.source, f.fingerprint)
    story = _story(f)
    where = f" at {f.location}" if f.location else ""
    status_part = f" ({f.status})" if f.status is not None else ""
    trace = f.describe() + f"\n\nfingerprint: {f.fingerprint}\nseen {len(group)} time(s)"
    params = [("method", f.method), ("path", f.path_template), ("status", f.status),
              ("location", f.location), ("target", f.target), ("fingerprint", f.fingerprint),
              ("occurrences", len(group))]
    start = min(_millis(x.timestamp) for x in group)
    return {
        "uuid": str(uuid.uuid5(_NS, f"{key}:{f.run_id}:{start}")),
        "historyId": key,
        "testCaseId": key,
        "name": f"{f.title}: {story}{status_part}{where}",
        "fullName": f"{f.source}.{story}.{f.kind}.{f.location or '-'}",
        "status": _status(f),
        "statusDetails": {"message": f"[{f.category}] {f.title}: {f.message}", "trace": trace},
        "stage": "finished",
        "description": f.message,
        "labels": _labels(f.source, _feature(contract, f.operation_id), story, str(f.severity),
                          [f.category, str(f.kind), *(["drift"] if f.is_drift else [])]),
        "parameters": [{"name": n, "value": str(v)} for n, v in params if v not in (None, "")],
        "attachments": _attachments(key, f, len(group), attach),
        "links": [],
        "start": start,
        "stop": max(_millis(x.timestamp) for x in group),
    }


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

    def uuid(self, key: str) -> str:
        return str(uuid.uuid5(_NS, f"{key}:{self.run_id}:{self.start}"))


def _operation_result(operation_id: str, info: Mapping[str, Any], contract: Contract | None,
                      span: _Span, errors: list[Mapping[str, Any]]) -> dict[str, Any]:
    key = _stable_id("suite", "operation", operation_id)
    calls = int(info.get("calls", 0) or 0)
    status = "broken" if errors else "passed" if calls else "skipped"
    message = (f"{operation_id}: {calls} call(s), no finding." if calls
               else f"{operation_id} was not exercised in this run.")
    details: dict[str, str] = {"message": message}
    if errors:
        details = {"message": f"[{RUN_ERROR}] {operation_id}: {len(errors)} internal "
                              f"error(s), so it was not fully tested ({calls} call(s)).",
                   "trace": _error_lines(errors)}
    return {
        "uuid": span.uuid(key), "historyId": key, "testCaseId": key,
        "name": f"{operation_id} conforms to the spec", "fullName": f"suite.{operation_id}",
        "status": status, "statusDetails": details, "stage": "finished",
        "labels": _labels("suite", _feature(contract, operation_id), operation_id, "normal",
                          [RUN_ERROR] if errors else
                          ["conforms" if calls else "not exercised"]),
        "parameters": [{"name": "calls", "value": str(calls)}], "attachments": [], "links": [],
        "start": span.start, "stop": span.stop,
    }


def _run_error_result(error: Mapping[str, Any], span: _Span) -> dict[str, Any]:
    """A broken result for an internal error tied to no operation (engine, probe, ...)."""
    what, where = str(error.get("what", "?")), str(error.get("where", "?"))
    key = _stable_id("suite", RUN_ERROR, what, where)
    line = _error_lines([error])
    return {
        "uuid": span.uuid(key), "historyId": key, "testCaseId": key,
        "name": f"Run error: {what} at {where}", "fullName": f"suite.run.{what}.{where}",
        "status": "broken", "statusDetails": {"message": f"[{RUN_ERROR}] {line}",
                                              "trace": line},
        "stage": "finished",
        "labels": _labels("suite", "Run errors", what, "critical", [RUN_ERROR]),
        "parameters": [{"name": "count", "value": str(error.get("count", 1))}],
        "attachments": [], "links": [], "start": span.start, "stop": span.stop,
    }


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
                     if f.category != _NOT_CHECKED}
    operations = (summary or {}).get("operations") or {}
    run = (summary or {}).get("run")
    run = run if isinstance(run, Mapping) else {}
    span = _Span.of(run, now)
    errors = [e for e in run.get("errors") or [] if isinstance(e, Mapping)]
    for op_id in sorted(operations):
        info, failed = operations[op_id], [e for e in errors if e.get("operation") == op_id]
        if (op_id not in with_findings or failed) and isinstance(info, Mapping):
            result = _operation_result(op_id, info, contract, span, failed)
            if result["status"] == "passed" and isinstance(info.get("sample"), Mapping):
                _attach_sample(result, info["sample"], store)
            results.append(result)
    results += [_run_error_result(e, span) for e in errors
                if not e.get("operation") or e.get("operation") not in operations]
    return ResultSet(results, store)


def _attach_sample(result: dict[str, Any], sample: Mapping[str, Any],
                   store: dict[str, bytes]) -> None:
    """Attach an operation's sample request and response (redacted) to its result."""
    for part in ("request", "response"):
        if part not in sample:
            continue
        name = f"{result['historyId']}-sample-{part}-attachment.json"
        store[name] = json.dumps(sample[part], indent=2, ensure_ascii=False).encode("utf-8")
        result["attachments"].append({"name": f"Sample {part}", "source": name,
                                      "type": "application/json"})


def _clean_previous(directory: Path) -> None:
    manifest = directory / MANIFEST
    if not manifest.exists():
        return
    for name in manifest.read_text(encoding="utf-8").split():
        if "/" not in name and name != MANIFEST:
            (directory / name).unlink(missing_ok=True)


def write_results(results: ResultSet, directory: Path, extra_files: Mapping[str, bytes]
                  ) -> list[str]:
    """Write results, attachments and ``extra_files`` (categories, environment, executor)
    into ``directory``; files another writer put there (allure-pytest's) are kept, ours from
    the previous run are replaced. Returns the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    _clean_previous(directory)
    files = dict(results.attachments)
    for result in results.results:
        files[f"{result['uuid']}-result.json"] = json.dumps(
            result, indent=1, ensure_ascii=False).encode("utf-8")
    files.update(extra_files)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    names = sorted(files)
    (directory / MANIFEST).write_text("\n".join(names) + "\n", encoding="utf-8")
    return names
