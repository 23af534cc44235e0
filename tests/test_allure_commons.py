"""The Allure results go through allure-python-commons: the model (``TestResult``, ``Label``,
...), serialised and written by its ``AllureFileLogger`` (named after each result's stable
uuid), and the label, status and history id functions other writers reuse."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allure_commons import model2
from allure_commons.logger import AllureMemoryLogger

from conformance.contract import Contract
from conformance.reports import allure_labels
from conformance.reports.allure import build_results
from conformance.reports.allure_files import MANIFEST, write_results
from conformance.reports.allure_meta import categories
from tests.test_report import known_findings

SUMMARY = {"operations": {"Contact_CreateContact": {"calls": 12},
                          "App_DeleteApp": {"calls": 0}},
           "run": {"run_id": "r1", "started_at": "2026-05-01T02:00:00Z",
                   "finished_at": "2026-05-01T02:10:00Z",
                   "errors": [{"what": "engine", "where": "Schemathesis", "message": "boom"}]}}


def _results() -> list[model2.TestResult]:
    return build_results(known_findings(), contract=Contract.default(), summary=SUMMARY).results


def test_results_are_the_librarys_model() -> None:
    results = _results()
    assert results and all(isinstance(r, model2.TestResult) for r in results)
    assert all(isinstance(label, model2.Label) for r in results for label in r.labels)
    assert {r.status for r in results} == {"failed", "broken", "passed", "skipped"}


def test_the_file_logger_writes_each_result_under_its_own_uuid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLURE_INDENT_OUTPUT", raising=False)
    result_set = build_results(known_findings(), contract=Contract.default(), summary=SUMMARY)
    names = write_results(result_set, tmp_path, {"categories.json": b"[]"})
    results = sorted(tmp_path.glob("*-result.json"))
    assert [p.name for p in results] == sorted(f"{r.uuid}-result.json"
                                               for r in result_set.results)
    memory = AllureMemoryLogger()  # the library's own serialisation, for comparison
    for r in result_set.results:
        memory.report_result(r)
    by_uuid = {d["uuid"]: d for d in memory.test_cases}
    for path in results:
        text = path.read_text(encoding="utf-8")
        assert "\n" not in text  # the logger's compact JSON
        assert json.loads(text) == by_uuid[path.name.removesuffix("-result.json")]
    assert not list(tmp_path.glob("*.tmp"))
    assert (tmp_path / MANIFEST).read_text().split() == names
    assert set(names) == {p.name for p in tmp_path.iterdir()} - {MANIFEST}


def test_allure_indent_output_indents_them_as_for_allure_pytest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLURE_INDENT_OUTPUT", "1")
    write_results(build_results(known_findings()), tmp_path, {})
    [first, *_] = sorted(tmp_path.glob("*-result.json"))
    assert first.read_text(encoding="utf-8").startswith('{\n    "name": ')


def test_the_same_inputs_give_the_same_files(tmp_path: Path) -> None:
    for out in ("a", "b"):
        write_results(build_results(known_findings(), contract=Contract.default(),
                                    summary=SUMMARY), tmp_path / out, {})
    a = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    assert a == {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}


def test_labels_history_ids_and_statuses_are_public_and_stable() -> None:
    contract = Contract.default()
    send = next(f for f in known_findings() if f.kind == "response_body_schema")
    assert allure_labels.finding_history_id(send) == allure_labels.history_id(
        send.source, send.fingerprint)
    assert allure_labels.finding_status(send) == "failed"
    assert allure_labels.finding_status_message(send).startswith("[schema violation] ")
    labels = {(label.name, label.value) for label in allure_labels.finding_labels(send, contract)}
    assert {("epic", "suite"), ("feature", "Messages"), ("story", "Messages_SendMessage"),
            ("parentSuite", "suite"), ("suite", "Messages"), ("tag", "response_body_schema"),
            ("framework", "sinch-conformance")} <= labels
    assert allure_labels.operation_history_id("App_ListApps") == allure_labels.history_id(
        "suite", "operation", "App_ListApps")
    # every status message the results carry is matched by a category (Allure 2: full match)
    for r in _results():
        if r.status in ("failed", "broken"):
            rules = [c for c in categories() if "messageRegex" in c and r.status in
                     c["matchedStatuses"]]
            assert any(re.fullmatch(str(c["messageRegex"]), r.statusDetails.message, re.DOTALL)
                       for c in rules), r.statusDetails.message


def test_the_reports_load_neither_pytest_nor_schemathesis_nor_mitmproxy() -> None:
    code = ("import sys, conformance.reports.writers, conformance.reports.allure_files; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'pytest', '_pytest', 'schemathesis', 'mitmproxy'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "[]"
