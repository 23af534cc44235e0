"""Success coverage: how distinct 2xx answers are counted per operation, what summary.json
and the console say about it, and the top-up probe that brings every operation of a small
run against the emulator to the goal."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from test_suite_support import emulator_process, options

from conformance.contract import Contract
from conformance.exchange.model import Exchange
from conformance.suite.runner import run_suite
from conformance.suite.summary import SUCCESS_GOAL, RunSummary, new_stats
from conformance.suite.summary_text import render_table

C = Contract.default()
P = "http://127.0.0.1:1/v1/projects/proj"
ID1, ID2 = "01HZX5GRPQ7ZFWNXMJ4HN5K3TQ", "01HZX5GRPR0000000000000000"


def _ex(method: str, path: str, body: str = "", status: int = 200, answer: str = "{}",
        origin: str = "fuzzing") -> Exchange:
    return Exchange(method, P + path, request_body=body.encode(), status=status,
                    response_body=answer.encode(), origin=origin)


def _successes(*exchanges: Exchange) -> int:
    stats = new_stats(C)
    for ex in exchanges:
        stats[C.operation_for(ex.method, ex.url).operation_id].add(ex)  # type: ignore[union-attr]
    return sum(s.successes for s in stats.values())


def test_a_repeated_request_counts_once_whatever_ids_and_times_it_got_back() -> None:
    body = '{"display_name": "a", "channel_credentials": []}'
    same = '{"channel_credentials":[],"display_name":"a"}'  # other key order and spacing
    assert _successes(
        _ex("POST", "/apps", body, answer=f'{{"id": "{ID1}", "t": "2024-06-18T12:34:56Z"}}'),
        _ex("POST", "/apps", same, answer=f'{{"id": "{ID2}", "t": "2024-06-19T01:02:03.5Z"}}'),
    ) == 1


def test_other_bodies_resources_queries_and_answers_are_other_successes() -> None:
    assert _successes(
        _ex("POST", "/apps", '{"display_name": "a"}'),
        _ex("POST", "/apps", '{"display_name": "b"}'),  # another body
        _ex("GET", f"/apps/{ID1}"), _ex("GET", f"/apps/{ID2}"),  # another resource
        _ex("GET", "/contacts?page_size=1&page_token=x"),
        _ex("GET", "/contacts?page_token=x&page_size=1"),  # the same query
        _ex("GET", "/contacts?page_size=2"),
        _ex("GET", "/apps", answer='{"apps": []}'),
        _ex("GET", "/apps", answer='{"apps": [{"display_name": "a"}]}'),  # another list
    ) == 8


def test_failures_and_cleanup_are_no_successes() -> None:
    assert _successes(_ex("GET", f"/apps/{ID1}", status=404),
                      _ex("DELETE", f"/apps/{ID1}", origin="cleanup"),
                      _ex("GET", f"/apps/{ID1}", status=401)) == 0


def test_summary_names_the_operation_with_fewest_successes_and_the_table_warns() -> None:
    stats = new_stats(C)
    for op in stats.values():
        op.success_inputs = {str(i) for i in range(SUCCESS_GOAL)}
    stats["Contact_MergeContact"].success_inputs = {"one"}
    stats["App_ListApps"].calls = 1
    summary = RunSummary("unit", "r1", stats, [], {})
    data = summary.to_json()
    assert data["min_successes"] == {"operation": "Contact_MergeContact", "count": 1}
    assert data["operations"]["Contact_MergeContact"]["successes"] == 1
    assert data["operations"]["App_GetApp"]["successes"] == SUCCESS_GOAL
    assert [s.operation_id for s in summary.few_successes()] == ["Contact_MergeContact"]
    table = render_table(summary)
    assert "fewest: Contact_MergeContact 1 (goal 10)" in table
    assert " ok " in table.splitlines()[0]


def test_a_read_only_run_expects_successes_of_its_reads_only() -> None:
    stats = new_stats(C)
    for op in stats.values():
        if op.method == "GET":
            op.success_inputs = {str(i) for i in range(SUCCESS_GOAL + 1)}
    stats["App_ListApps"].success_inputs = {"a", "b"}
    summary = RunSummary("unit", "r1", stats, [], {}, readonly=True)
    assert summary.min_successes() == {"operation": "App_ListApps", "count": 2}


@pytest.mark.slow
def test_a_small_run_tops_every_operation_up_to_the_goal(tmp_path: Path) -> None:
    """One example per operation, so the generated phase alone leaves most operations
    short: the top-up probe brings each to the goal, and summary.json says so."""
    with emulator_process() as target:
        result = run_suite(options(target, tmp_path, phases=("examples",)), io.StringIO())
    assert not result.summary.errors and not result.summary.violations
    data = json.loads((tmp_path / "summary.json").read_text())
    counts = {op: o["successes"] for op, o in data["operations"].items()}
    assert set(counts) == set(C.operations)
    assert data["min_successes"]["count"] >= SUCCESS_GOAL, counts
    assert min(counts.values()) == data["min_successes"]["count"]
    assert any("success top-up probe added" in n for n in data["run"]["notes"])
