"""Every report writer, one entry per output format in :data:`WRITERS` (a
:class:`conformance.registry.Registry`, where ``{"report"}``; writers make no findings), and
:func:`write_run_reports`, the one route into a suite run's reports.

=================  ====================================================================
``allure-results``  findings (+ a run summary) -> ``allure-results/`` (:mod:`.run_reports`)
``junit``           a run summary + its findings -> the run's JUnit XML
``drift.md``        a :class:`~.drift.DriftReport` -> Markdown (:mod:`.drift_render`)
``drift.json``      ... -> JSON
``drift-junit``     ... -> JUnit XML, one case per fingerprint
``diff.md``         two spec files and their changes -> Markdown (:mod:`.diff_render`)
``diff.json``       ... -> JSON
``diff-junit``      changes (+ the gate) -> JUnit XML, one case per change
``diff-github``     changes (+ the gate) -> GitHub workflow annotations, one per change
=================  ====================================================================

A new format is a function in the module of its report and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.registry import Registry
from conformance.reports import diff_render, drift_render, run_reports
from conformance.reports.allure import ResultSet
from conformance.reports.run_reports import RunInputs

__all__ = ["WRITERS", "RunReports", "write_run_reports"]

WRITERS: Registry[Callable[..., Any]] = Registry("report writer")

_REPORT = frozenset({"report"})
WRITERS.add(run_reports.write_allure, "allure-results", where=_REPORT,
            doc="Allure results, categories, environment and executor of findings and a run")
WRITERS.add(run_reports.write_junit, "junit", where=_REPORT,
            doc="The run's JUnit XML: a test case per operation")
WRITERS.add(drift_render.to_markdown, "drift.md", where=_REPORT,
            doc="Drift per operation and field, as Markdown")
WRITERS.add(drift_render.to_json, "drift.json", where=_REPORT,
            doc="Drift per operation and field, as JSON")
WRITERS.add(drift_render.to_junit, "drift-junit", where=_REPORT,
            doc="Drift as JUnit XML: a test case per fingerprint, failing when new")
WRITERS.add(diff_render.to_markdown, "diff.md", where=_REPORT, doc="Spec changes as Markdown")
WRITERS.add(diff_render.to_json, "diff.json", where=_REPORT, doc="Spec changes as JSON")
WRITERS.add(diff_render.to_junit, "diff-junit", where=_REPORT,
            doc="Spec changes as JUnit XML: a test case per change, failing at the gate")
WRITERS.add(diff_render.to_github, "diff-github", where=_REPORT,
            doc="Spec changes as GitHub workflow annotations with file, line and column")


@dataclass(frozen=True)
class RunReports:
    """What :func:`write_run_reports` wrote."""

    results: ResultSet
    allure_results: Path
    junit: Path | None  # None: no run summary, so no run to write JUnit of


def write_run_reports(inputs: RunInputs, out: Path, junit: Path | None = None) -> RunReports:
    """``<out>/allure-results/`` and, with a run summary, the run's JUnit XML at ``junit``
    (default ``<out>/junit.xml``): what ``run`` writes after a run and ``report`` rebuilds
    from the files the run left."""
    results_dir = out / "allure-results"
    results = WRITERS["allure-results"].obj(inputs, results_dir)
    junit_path = None
    if inputs.summary is not None:
        junit_path = junit or out / "junit.xml"
        WRITERS["junit"].obj(inputs, junit_path)
    return RunReports(results, results_dir, junit_path)
