"""The suite as pytest items: ``sinch-conformance::<phase>::<operationId>`` for the unit
phases (examples, coverage, fuzzing), ``sinch-conformance::stateful`` for the stateful
run and ``sinch-conformance::probes::<name>`` per probe. Each item runs only its own slice
of the suite (:class:`conformance.suite.slices.SuiteSession`); it fails with the
findings it raised (one sentence and a curl line each), and is an error when the suite
itself failed in it (a check or probe that raised: never green by mistake).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytest

from conformance.findings import Finding
from conformance.pytest_plugin.allure_results import add_static_labels, report_to_allure
from conformance.pytest_plugin.options import PHASE_MARKERS
from conformance.pytest_plugin.state import STATE, SuiteUnavailable
from conformance.redact import redact_text

if TYPE_CHECKING:
    from conformance.suite.slices import SliceResult

__all__ = ["ROOT", "ContractViolation", "SuiteError", "build_items"]

ROOT = "sinch-conformance"


class ContractViolation(AssertionError):
    """The target broke the contract in this item (a failed test)."""


class SuiteError(Exception):
    """The suite itself failed in this item (a broken test: the verdict is incomplete)."""


class _Group(pytest.Collector):
    """A level of the tree (the suite, a phase); items are built up front, not collected."""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        return []


class SinchItem(pytest.Item):
    """One slice of the suite: a phase for one operation, the stateful run, or a probe."""

    def __init__(self, *, phase: str, operation_id: str | None = None,
                 probe: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.phase = phase
        self.operation_id = operation_id
        self.probe = probe
        self.result: SliceResult | None = None
        self.add_marker("sinch")
        self.add_marker(PHASE_MARKERS[phase])

    @property
    def what(self) -> str:
        if self.probe:
            return f"probe {self.probe}"
        return f"{self.operation_id} ({self.phase})" if self.operation_id else "stateful run"

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        suite = state.suite()
        if self.probe:
            reason = suite.probe_skip_reason(self.probe)
        else:
            reason = suite.skip_reason(self.phase, self.operation_id)
        if reason:
            pytest.skip(f"{self.what}: {reason}")
        result = self.result = (suite.run_probe(self.probe) if self.probe
                                else suite.run_phase(self.phase, self.operation_id))
        assert state.options is not None
        failing = result.violations + (result.drift if state.options.fail_on == "drift" else [])
        report_to_allure(self, result, state.seed, suite.run.contract)
        if result.errors:
            raise SuiteError(redact_text(
                f"[run error] {self.what}: {len(result.errors)} internal error(s) of the "
                f"suite: {result.errors[0].line()}", state.secrets()))
        if result.problems and not result.calls:  # never a pass for an untested slice
            raise SuiteError(redact_text(f"[target problem] {self.what}: "
                                         f"{result.problems[0]}", state.secrets()))
        if failing:
            first = failing[0]
            raise ContractViolation(f"[{first.category}] {self.what}: {len(failing)} "
                                    f"finding(s), first: {first.title}")
        if not result.calls and result.skipped and not self.probe:
            pytest.skip(f"{self.what}: {result.skipped[0]}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        exc = excinfo.value
        if isinstance(exc, SuiteUnavailable):
            message, tip = exc.args[0], exc.args[1] if len(exc.args) > 1 else ""
            return f"error: {message}" + (f"\ntip: {tip}" if tip else "")
        if isinstance(exc, ContractViolation | SuiteError) and self.result is not None:
            return self._describe(self.result)
        return str(super().repr_failure(excinfo, style=style))

    def _describe(self, result: SliceResult) -> str:
        state = self.config.stash[STATE]
        lines = [f"{self.what}: {result.calls} call(s), {len(result.violations)} "
                 f"violation(s), {len(result.drift)} drift (seed {state.seed}: reproduce "
                 f"with --sinch-seed {state.seed})"]
        for error in result.errors:
            lines.append(f"ERROR (the suite itself failed): {error.line()}")
        for problem in result.problems[:5]:
            lines.append(f"problem: {problem}")
        shown: list[Finding] = result.violations + result.drift
        for index, finding in enumerate(shown, 1):
            body = finding.describe().replace("\n", "\n    ")
            lines.append(f"\n[{index}] {body}")
        return redact_text("\n".join(lines), state.secrets())

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{ROOT} {self.what}"


def _labels(feature: str, story: str) -> list[tuple[str, str]]:
    return [("epic", "suite"), ("feature", feature), ("story", story),
            ("parentSuite", "suite"), ("suite", feature), ("subSuite", story)]


def build_items(session: pytest.Session, operations: list[str], probes: list[str],
                phases: tuple[str, ...], with_probes: bool,
                labels: dict[str, list[tuple[str, str]]]) -> list[pytest.Item]:
    """Every item of the suite, in a stable order (the same on every xdist worker)."""
    root = _Group.from_parent(session, name=ROOT, nodeid=ROOT)
    root.add_marker("sinch")
    items: list[pytest.Item] = []
    for phase in ("examples", "coverage", "fuzzing"):
        if phase not in phases:
            continue
        group = _Group.from_parent(root, name=phase)
        for op in operations:
            item = SinchItem.from_parent(group, name=op, phase=phase, operation_id=op)
            add_static_labels(item, labels.get(op, []))
            items.append(item)
    if "stateful" in phases:
        item = SinchItem.from_parent(root, name="stateful", phase="stateful")
        add_static_labels(item, _labels("Stateful", "stateful run"))
        items.append(item)
    if with_probes:
        group = _Group.from_parent(root, name="probes")
        for name in probes:
            item = SinchItem.from_parent(group, name=name, phase="probes", probe=name)
            add_static_labels(item, _labels("Probes", name))
            items.append(item)
    # counted like collected items ("collected N items"), as if a file had held them
    session.ihook.pytest_collectreport(report=pytest.CollectReport(
        ROOT, "passed", None, list(items)))
    return items
