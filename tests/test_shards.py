"""CI shards: `run --shard K/N` splits the work deterministically (every operation in exactly
one shard, the stateful phase whole in one), divides the rate limit, and `report`/`drift`
merge the shards into one report, refusing summaries that are not one run's shards."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_suite_support import emulator_process, options, run_cli

from conformance.cli import build_parser, main
from conformance.commands import run as run_command
from conformance.contract import Contract
from conformance.errors import UserError
from conformance.reports.merge import merge_summaries
from conformance.suite.probe_operations import PROBE_OPERATIONS
from conformance.suite.runner import run_suite
from conformance.suite.shards import Shard, link_graph, parse_shard, plan
from conformance.suite.target import Target

CONTRACT = Contract.default()
OPERATIONS = sorted(CONTRACT.operations)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 40])
def test_every_operation_is_in_exactly_one_shard(count: int) -> None:
    split = plan(OPERATIONS, count, stateful=True, probes=PROBE_OPERATIONS)
    owned = [op for k in range(1, count + 1) for op in split.operations[k]]
    assert sorted(owned) == OPERATIONS  # each once
    assert 1 <= split.stateful <= count
    assert set(split.probes) == set(PROBE_OPERATIONS)
    assert split == plan(reversed(OPERATIONS), count, stateful=True, probes=PROBE_OPERATIONS)
    loads = [len(split.operations[k]) + (OPERATIONS and split.stateful == k) * 9
             for k in range(1, count + 1)]
    assert max(loads) - min(loads) <= 9  # balanced up to the heaviest unit


def test_the_link_graph_is_one_component_so_the_stateful_phase_is_not_split() -> None:
    graph = link_graph(CONTRACT.document)
    undirected: dict[str, set[str]] = {op: set() for op in OPERATIONS}
    for source, targets in graph.items():
        for target in targets:
            undirected[source].add(target)
            undirected[target].add(source)
    reached, todo = set(), ["App_CreateApp"]
    while todo:
        op = todo.pop()
        if op not in reached:
            reached.add(op)
            todo += undirected[op]
    assert reached == set(OPERATIONS)


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", ""])
def test_a_bad_shard_is_a_user_error(text: str) -> None:
    with pytest.raises(UserError, match="is not K/N"):
        parse_shard(text)
    assert parse_shard(" 2 / 3 ") == Shard(2, 3)


def test_the_rate_limit_is_divided_by_the_shard_count() -> None:
    def rate(*flags: str) -> float | None:
        args = build_parser("run").parse_args(["run", *flags])
        target = Target("https://example.org", None, name="")  # type: ignore[arg-type]
        return run_command._options(args, target, 1).rate_limit  # type: ignore[no-any-return]

    assert rate("--shard", "1/2") == 10.0  # the default 20 per second, in two shards
    assert rate("--shard", "2/4", "--rate-limit", "8") == 2.0
    assert rate("--shard", "1/2", "--rate-limit", "0") is None


def _summary(index: int, count: int, **run: Any) -> dict[str, Any]:
    shard = {"shard": f"{index}/{count}", "index": index, "count": count,
             "operations": [f"Op{index}"], "stateful": index == 1, "probes": []}
    return {"operations": {f"Op{index}": {"calls": 2, "statuses": {"2xx": 2}}},
            "run": {"target": "emulator", "seed": 1, "run_id": f"r{index}", "shard": shard,
                    **run},
            "findings": []}


@pytest.mark.parametrize(("items", "needle"), [
    ([_summary(1, 2), _summary(1, 2)], "are both shard 1/2"),
    ([_summary(1, 2), _summary(2, 3)], "shards of different runs"),
    ([_summary(1, 2), _summary(2, 2, seed=2)], "different seeds"),
    ([_summary(1, 2), {"operations": {}, "run": {"seed": 1}}], "is not of a `run --shard"),
])
def test_summaries_of_different_runs_are_refused(items: list[dict[str, Any]],
                                                 needle: str) -> None:
    with pytest.raises(UserError) as err:
        merge_summaries([(f"s{i}.json", data) for i, data in enumerate(items)], [])
    assert needle in err.value.message and "--shard" in err.value.tip


def test_a_missing_shard_is_a_problem_of_the_merged_run() -> None:
    merged, problems = merge_summaries([("a", _summary(1, 3)), ("c", _summary(3, 3))], [])
    assert problems == ["shard 2/3 missing from this report: its operations were not tested"]
    assert merged["run"]["problems"] == problems
    assert merged["run"]["shard"]["merged"] == ["1/3", "3/3"]
    assert set(merged["operations"]) == {"Op1", "Op3"} and merged["run"]["calls"] == 4


def _findings(summary: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["fingerprint"], f["kind"], f["operation_id"]) for f in summary["findings"]}


@pytest.mark.slow
def test_two_shards_merged_find_what_one_run_finds(tmp_path: Path) -> None:
    """Against the emulator with a fault, unit phases and probes: the same findings. Response
    reuse is off (see SuiteOptions.reuse_responses): with it, Schemathesis feeds an
    operation ids from other operations' answers, which a shard does not see."""
    phases = ("examples", "fuzzing")  # coverage too gives the same (3x slower)
    runs = {"one": None, "1": Shard(1, 2), "2": Shard(2, 2)}
    for name, shard in runs.items():
        with emulator_process(faults=("wrong-type",)) as target:
            opts = options(target, tmp_path / name, phases=phases, shard=shard, seed=7,
                           max_examples=1, reuse_responses=False)
            run_suite(opts, io.StringIO(), "quiet")
    assert main(["report", "--summary", str(tmp_path / "1" / "summary.json"),
                 "--summary", str(tmp_path / "2" / "summary.json"),
                 "--findings", str(tmp_path / "1" / "findings"),
                 "--findings", str(tmp_path / "2" / "findings"),
                 "--out", str(tmp_path / "merged")]) == 0
    one = json.loads((tmp_path / "one" / "summary.json").read_text())
    merged = json.loads((tmp_path / "merged" / "summary.json").read_text())
    assert _findings(merged) == _findings(one) and _findings(one)
    assert set(merged["operations"]) == set(one["operations"]) == set(OPERATIONS)
    assert merged["run"]["shard"]["operations"] == OPERATIONS
    assert merged["run"]["violations"] == one["run"]["violations"]
    shards = [json.loads((tmp_path / k / "summary.json").read_text())["run"]["shard"]
              for k in ("1", "2")]
    assert not set(shards[0]["operations"]) & set(shards[1]["operations"])
    cases = (tmp_path / "merged" / "junit.xml").read_text()
    assert cases.count("<testcase ") == len(OPERATIONS)
    code = main(["drift", "--findings", str(tmp_path / "1" / "findings"),
                 "--findings", str(tmp_path / "2" / "findings"),
                 "--summary", str(tmp_path / "1" / "summary.json"),
                 "--summary", str(tmp_path / "2" / "summary.json"),
                 "--out", str(tmp_path / "drift")])
    drift = json.loads((tmp_path / "drift" / "drift.json").read_text())
    assert code == 1 and drift["summary"]["findings"] == len(_findings(one))
    assert "merged shards 1/2, 2/2 of 2" in drift["notes"]


@pytest.mark.slow
def test_one_shard_runs_the_stateful_phase_and_finds_what_one_run_finds(tmp_path: Path
                                                                        ) -> None:
    """The stateful phase alone, from the same (fresh) emulator: the same sequences and
    findings. After the unit phases it is not: those leave the target in another state in
    each shard (other resources exist), and sequences follow the target's answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    runs = {}
    for name, shard in (("1", ["--shard", "1/2"]), ("2", ["--shard", "2/2"]), ("one", [])):
        proc = run_cli(*shard, "--phases", "stateful", "--no-probes", "--emulator-fault",
                       "wrong-type", "--max-examples", "1", "--seed", "4", "--progress",
                       "quiet", "--out", str(tmp_path / name), env=env)
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        runs[name] = json.loads((tmp_path / name / "summary.json").read_text())
        if shard:
            assert f"shard {name}/2" in proc.stdout
    owner = runs["1"] if runs["1"]["run"]["shard"]["stateful"] else runs["2"]
    other = runs["2"] if owner is runs["1"] else runs["1"]
    assert not other["run"]["shard"]["stateful"] and other["run"]["stateful_sequences"] == 0
    assert owner["run"]["stateful_sequences"] == runs["one"]["run"]["stateful_sequences"] > 0
    assert _findings(owner) | _findings(other) == _findings(runs["one"])
    assert _findings(runs["one"])
