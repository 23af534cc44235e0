"""The reports of a suite run, built from its findings and its summary data (what
``summary.json`` holds): ``allure-results/`` and the run's JUnit XML.

``sinch-conformance run`` hands over what it has in memory, ``sinch-conformance report``
what it reads from disk; both go through :func:`conformance.reports.writers.write_run_reports`,
so one run gives the same files either way. Nothing here reads the clock (see
:mod:`.allure`) or imports the suite: the summary is plain data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.findings import Finding
from conformance.reports import allure, allure_files, allure_meta
from conformance.reports.output import Case, junit_xml

if TYPE_CHECKING:
    from conformance.contract import Contract

__all__ = ["JUNIT_SUITE", "RunInputs", "junit_cases", "write_allure", "write_junit"]

JUNIT_SUITE = "sinch-conformance suite"


@dataclass(frozen=True)
class RunInputs:
    """What a run's reports are built from."""

    findings: Sequence[Finding]
    summary: Mapping[str, Any] | None  # summary.json's data; None: findings only
    contract: Contract | None
    variables: Mapping[str, str] = field(default_factory=dict)  # the executor's (CI) variables
    allure_version: str | None = None  # the Allure CLI that renders them, if any
    now: int = 0  # ms: the time of summary results only when the summary carries none

    @property
    def operations(self) -> Mapping[str, Any]:
        ops = (self.summary or {}).get("operations")
        return ops if isinstance(ops, Mapping) else {}

    @property
    def run(self) -> Mapping[str, Any]:
        run = (self.summary or {}).get("run")
        return run if isinstance(run, Mapping) else {}

    @property
    def errors(self) -> list[Mapping[str, Any]]:
        """The run's internal errors (``run.errors``)."""
        return [e for e in self.run.get("errors") or [] if isinstance(e, Mapping)]


def write_allure(inputs: RunInputs, directory: Path) -> allure.ResultSet:
    """Allure results (a redacted sample attached to each passed operation), categories,
    environment (the run's lines first) and executor, into ``directory``."""
    results = allure.build_results(inputs.findings, contract=inputs.contract,
                                   summary=inputs.summary, now=inputs.now)
    meta = allure_meta.meta_files(inputs.findings, inputs.contract, inputs.variables,
                                  inputs.allure_version, inputs.summary)
    allure_files.write_results(results, directory, meta)
    return results


def _run_findings(inputs: RunInputs) -> list[Finding]:
    """The suite's findings of the summary's run (all the suite's when it names none), one
    per fingerprint, in the order given."""
    run_ids = set(inputs.run.get("run_ids") or [inputs.run.get("run_id")]) - {None, ""}
    seen: dict[str, Finding] = {}  # run_ids: the shards' of a merged summary
    for f in inputs.findings:
        if f.source == "suite" and (not run_ids or f.run_id in run_ids):
            seen.setdefault(f.fingerprint, f)
    return list(seen.values())


def _error_line(error: Mapping[str, Any]) -> str:
    count = int(error.get("count", 1) or 1)
    times = f" ({count} times)" if count > 1 else ""
    return f"{error.get('what')} at {error.get('where')}: {error.get('message')}{times}"


def _tag(inputs: RunInputs, op_id: str, info: Mapping[str, Any]) -> str:
    if info.get("tag"):
        return str(info["tag"])
    op = inputs.contract.operations.get(op_id) if inputs.contract else None
    return op.tags[0] if op and op.tags else "Untagged"


def _operation_case(op_id: str, info: Mapping[str, Any], tag: str, found: list[Finding],
                    errors: list[Mapping[str, Any]]) -> Case:
    calls = int(info.get("calls", 0) or 0)
    violations = sorted({str(f.kind) for f in found if not f.is_drift})
    text = "\n\n".join(f.describe() for f in found)
    error = "; ".join(_error_line(e) for e in errors) or None
    skipped = None if calls or error else str(info.get("skipped") or "not exercised")
    failure = (f"{sum(1 for f in found if not f.is_drift)} violation(s): "
               f"{', '.join(violations)}" if violations else None)
    output = (f"{calls} call(s), {int(info.get('sequences', 0) or 0)} stateful "
              f"sequence(s)\n\n{text}").strip()
    return Case(f"suite.{tag}", op_id, failure=failure, skipped=skipped, error=error,
                output="" if skipped else output)


def junit_cases(inputs: RunInputs) -> list[Case]:
    """A test case per operation of the summary (by tag, then operationId) and one per
    internal error tied to none."""
    findings, errors, ops = _run_findings(inputs), inputs.errors, inputs.operations
    rows = [(_tag(inputs, op_id, info), op_id, info) for op_id, info in ops.items()
            if isinstance(info, Mapping)]
    cases = [_operation_case(op_id, info, tag, [f for f in findings if f.operation_id == op_id],
                             [e for e in errors if e.get("operation") == op_id])
             for tag, op_id, info in sorted(rows, key=lambda row: (row[0], row[1]))]
    cases += [Case("suite.run", f"{e.get('what')}: {e.get('where')}", error=_error_line(e))
              for e in errors if not e.get("operation") or e.get("operation") not in ops]
    return cases


def write_junit(inputs: RunInputs, path: Path) -> None:
    """The run's JUnit XML: a test case per operation, failing on a violation, an error
    for an internal error, skipped when the run never called it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(JUNIT_SUITE, junit_cases(inputs)), encoding="utf-8")
