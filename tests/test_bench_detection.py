"""The detection benchmark (benchmarks/bench_detection.py) reads Schemathesis' NDJSON events
and our findings the way it claims: check names map to our kinds, operations to their
operationId, a fault counts as found only on its operations and only when the clean run
did not report the same thing. Pure Python on captured event lines: no run, no timing."""

import json
from pathlib import Path

from file_modules import load_file_module

from conformance.contract import Contract
from conformance.emulator.faults import FAULT_REGISTRY
from conformance.suite.generation import generation_document

ROOT = Path(__file__).resolve().parents[1]
BENCH = load_file_module("bench_detection_under_test", ROOT / "benchmarks" / "bench_detection.py")
C = Contract.default()
LABELS = BENCH.operation_labels(generation_document(C.document)[0])
ID = "01M93N8WXG541ZTZDHMM533VJ0"


def _finished(label: str, checks: list[tuple[str, str, str, str]], calls: int = 1) -> str:
    """A ScenarioFinished event as `st run --report ndjson` writes it (trimmed)."""
    nodes = [{"name": name, "status": "failure", "failure_info": {"failure": {
        "type": "X", "operation": operation, "title": title, "message": message,
        "case_id": None}}} for name, operation, title, message in checks]
    nodes.append({"name": "not_a_server_error", "status": "success", "failure_info": None})
    interactions = {str(i): {"request": {}, "response": {"status_code": 200}}
                    for i in range(calls)}
    return json.dumps({"ScenarioFinished": {"phase": "coverage", "recorder": {
        "label": label, "cases": {}, "checks": {"c1": nodes},
        "interactions": interactions}}})


MERGE = "POST /v1/projects/{project_id}/contacts/{destination_id}:merge"
INJECT = "POST /v1/projects/{project_id}/conversations/{message_conversation_id}:inject-message"


def test_every_operation_has_its_schemathesis_label() -> None:
    assert set(LABELS.values()) == set(C.operations)
    assert LABELS[MERGE] == "Contact_MergeContact"
    assert LABELS[INJECT] == "Conversation_InjectMessage"  # the renamed dotted parameter


def test_failed_checks_become_kinds_on_operations() -> None:
    lines = [
        json.dumps({"Initialize": {"seed": 1}}),
        _finished(MERGE, [("status_code_conformance", MERGE, "Undocumented status code",
                           f"Received: 404 for '{ID}'\nDocumented: 200, 400")], calls=3),
        _finished("Stateful tests", [("use_after_free", INJECT, "Use after free", "gone"),
                                     ("some_new_check", INJECT, "New", "?")]),
        "",
    ]
    items, unmapped, calls = BENCH.parse_st_events(lines, LABELS)
    assert calls == 4 and unmapped == 1
    kinds = {(kind, op) for kind, op, _ in items}
    assert kinds == {("response_status_undocumented", "Contact_MergeContact"),
                     ("undocumented_status", "Contact_MergeContact"),
                     ("use_after_delete", "Conversation_InjectMessage")}
    key = next(k for kind, _, k in items if kind == "undocumented_status")
    assert ID not in key and "Received: 404" in key  # ids masked, the status kept


def test_schema_failures_stand_for_enum_and_field_kinds_only_when_they_say_so() -> None:
    assert BENCH.st_kinds("response_schema_conformance", "x") == {"response_body_schema"}
    assert "undocumented_enum_value" in BENCH.st_kinds(
        "response_schema_conformance", "'CARRIER_PIGEON' is not one of ['SMS']")
    assert BENCH.st_kinds("ignored_auth", "") == {"auth_ignored"}  # the suite's mapping
    assert BENCH.st_kinds("max_response_time", "") == set()


def test_found_needs_the_kind_on_a_faulty_operation_and_not_on_clean() -> None:
    fault = FAULT_REGISTRY["invalid-body-accepted"].obj
    ops = BENCH.scope(fault, C)
    assert "Contact_CreateContact" in ops and "App_ListApps" not in ops
    kind = str(fault.finding)

    def outcome(*items: tuple[str, str, str]) -> object:
        return BENCH.Outcome("t", fault.name, 1, 0.0, items=list(items))

    clean = outcome((kind, "App_UpdateApp", "k-clean"))
    run = outcome((kind, "App_UpdateApp", "k-clean"), (kind, "App_ListApps", "k-get"),
                  ("server_error", "App_CreateApp", "k-other"))
    assert BENCH.found(fault, run, clean, ops) == []
    run.items.append((kind, "Contact_CreateContact", "k-new"))
    assert BENCH.found(fault, run, clean, ops) == ["Contact_CreateContact"]


def test_every_registered_fault_has_a_scope() -> None:
    for entry in FAULT_REGISTRY:
        ops = BENCH.scope(entry.obj, C)
        assert ops is None or (ops and ops <= set(C.operations)), entry.name
