"""Operation filters in the suite: only selected operations are generated, counted, checked
and reported; probes run when one of their operations is selected; the run CLI's flags."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_suite_support import RecordingEmulator, credentials, options, run_cli

from conformance.contract import Contract
from conformance.exchange.checks import CheckContext
from conformance.selection import OperationFilter
from conformance.suite import collector as collector_module
from conformance.suite.collector import FindingSink
from conformance.suite.probes import PROBES, ProbeContext
from conformance.suite.runner import run_suite
from conformance.suite.target import TokenSource
from conformance.suite.transport import RetryPolicy, Transport

pytestmark = pytest.mark.slow
CONTRACT = Contract.default()
# declared calls a clean emulator does not make: the expired-token probe skips itself (its
# tokens live long), pagination reads a contact back only when the walk left it out
CALLED_ONLY_SOMETIMES = {"expired_token": {"App_ListApps"},
                         "pagination": {"Contact_GetContact"}}


def test_probes_declare_the_operations_they_call() -> None:
    with RecordingEmulator(credentials()) as emu:
        target = emu.target()
        for entry in PROBES.running_in("suite"):
            called: set[str] = set()

            def seen(ex: Any, called: set[str] = called) -> None:
                op = CONTRACT.operation_for(ex.method, ex.url, target.base_path)
                called.add(op.operation_id if op else "?")

            transport = Transport(None, RetryPolicy(retries=1), timeout=10, on_exchange=seen)
            checks = CheckContext(CONTRACT, "suite", "t", target.base_path)
            ctx = ProbeContext(target, transport, TokenSource(target.credentials, transport),
                               FindingSink(), checks, False)
            entry.obj.run(ctx)
            transport.close()
            called.discard("?")  # a garbled id's URL names no operation there is to select
            declared = entry.obj.operations
            assert called <= declared, (entry.name, called - declared)
            assert declared - called <= CALLED_ONLY_SOMETIMES.get(entry.name, set())


def test_a_filtered_run_tests_and_reports_only_the_selected_operations(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generated: set[str] = set()
    scenario = collector_module.Collector.scenario

    def spy(self: Any, origin: str, recorder: Any) -> Any:
        digest = scenario(self, origin, recorder)
        generated.update(digest.operations)
        return digest

    monkeypatch.setattr(collector_module.Collector, "scenario", spy)
    selection = OperationFilter(include_tags=("Contact",), exclude_operation_ids=("*Merge*",))
    chosen = set(selection.selected({o.operation_id: o.tags
                                     for o in CONTRACT.operations.values()}))
    with RecordingEmulator(credentials()) as emu:
        opts = options(emu.target(), tmp_path, selection=selection, max_examples=1)
        result = run_suite(opts, io.StringIO(), "quiet")
    summary = result.summary
    assert generated and generated <= chosen
    assert set(summary.operations) == chosen
    assert summary.not_selected == sorted(set(CONTRACT.operations) - chosen)
    assert {f.operation_id for f in summary.findings} <= chosen
    assert summary.calls_filtered > 0  # the lifecycle probe's apps, the connection check
    notes = " ".join(summary.notes)
    assert "probe auth_enforced not run" in notes and "probe lifecycle not run" not in notes
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["run"]["selection"]["include_tags"] == ["Contact"]
    assert data["run"]["selection"]["not_selected"] == summary.not_selected
    assert data["run"]["operations_total"] == len(chosen)


def test_run_flags_select_and_a_typo_is_one_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    proc = run_cli("--out", str(tmp_path), "--max-examples", "1", "--seed", "3",
                   "--phases", "fuzzing", "--no-probes", "--progress", "quiet",
                   "--include-operation-id", "App_*", "--include-tag", "Webhooks",
                   "--exclude-tag", "App", "--exclude-operation-id", "Webhooks_Update*",
                   env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ops = set(json.loads((tmp_path / "summary.json").read_text())["operations"])
    assert ops == {"Webhooks_CreateWebhook", "Webhooks_DeleteWebhook", "Webhooks_GetWebhook",
                   "Webhooks_ListWebhooks"}
    assert "not selected by the filters" in proc.stdout and "NOT EXERCISED" not in proc.stdout
    assert "not exercised" not in proc.stdout
    typo = run_cli("--include-operation-id", "Foo*", "--out", str(tmp_path / "x"), env=env)
    assert typo.returncode == 2
    assert typo.stderr.startswith("error: no operation id of the spec matches "
                                  "--include-operation-id 'Foo*'")
    assert not (tmp_path / "x").exists()
