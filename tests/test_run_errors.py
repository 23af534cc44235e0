"""Never green by mistake: an internal error makes `sinch-conformance run` exit 3 and shows
up in the console summary, summary.json, junit.xml (<error>) and Allure (broken).

Each test runs the command in-process against the bundled emulator with a small budget,
and simulates one internal failure by monkeypatching the suite's internals: a phase of
Schemathesis that fails (case generation raising, or a phase that reports ``error``
without saying why), the engine raising, a probe or a check raising, the cleanup failing.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.errors import EXIT_RUN_FAILED, EXIT_USER_ERROR
from conformance.exchange.checks import EXCHANGE_CHECKS, CheckContext
from conformance.exchange.model import Exchange
from conformance.registry import Registry
from conformance.suite import events, runner
from conformance.suite.cleanup import CleanupApi
from conformance.suite.probes import Probe

pytestmark = pytest.mark.slow
SMALL = ("--max-examples", "1", "--seed", "3", "--progress", "plain")
AST_BUG = "AST constructor recursion depth mismatch (before=66, after=62)"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    out: Path

    @property
    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.out / "summary.json").read_text())
        return data

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = self.summary["run"]["errors"]
        return errors

    def junit_errors(self) -> dict[str, str]:
        """testcase name -> message of its <error>."""
        root = ET.parse(self.out / "junit.xml").getroot()
        return {tc.get("name", ""): err.get("message", "") for tc in root.iter("testcase")
                for err in tc.iter("error")}

    def allure(self, status: str) -> list[dict[str, Any]]:
        found = [json.loads(p.read_text())
                 for p in (self.out / "allure-results").glob("*-result.json")]
        return [r for r in found if r["status"] == status]


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., Outcome]]:
    for name in ("SINCH_TARGET", "SINCH_AUTH", "SINCH_PROJECT_ID", "SINCH_KEY_ID",
                 "SINCH_KEY_SECRET", "SINCH_TOKEN_URL"):
        monkeypatch.delenv(name, raising=False)

    def call(*args: str) -> Outcome:
        out = tmp_path / "out"
        code = main(["run", "--out", str(out), *SMALL, *args])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err, out)

    yield call


def assert_reported(result: Outcome, what: str, where: str, text: str) -> dict[str, Any]:
    """Exit 3 and the error in the console, summary.json, junit.xml and Allure."""
    assert result.code == EXIT_RUN_FAILED, result.stdout[-2000:] + result.stderr[-2000:]
    error = next((e for e in result.errors if e["what"] == what and where in e["where"]),
                 None)
    assert error is not None, result.errors
    assert text in error["message"]
    assert result.summary["run"]["error_count"] == len(result.errors)
    assert f"ERROR: {what} at {error['where']}: " in result.stdout
    assert "RUN FAILED" in result.stdout and "the run itself failed" in result.stderr
    junit = result.junit_errors()
    case = error["operation"] or f"{what}: {error['where']}"
    assert case in junit and text in junit[case], junit
    suite = ET.parse(result.out / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == str(len(junit))
    broken = [r for r in result.allure("broken")
              if r["statusDetails"]["message"].startswith("[run error]")]
    assert any(text in r["statusDetails"].get("trace", "") for r in broken), broken
    return error


def test_clean_emulator_exits_0_with_no_error(run_cli: Callable[..., Outcome]) -> None:
    result = run_cli("--phases", "examples,stateful")
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.errors == [] and result.summary["run"]["error_count"] == 0
    assert "ERROR" not in result.stdout and "RUN FAILED" not in result.stdout
    assert result.junit_errors() == {}
    assert not [r for r in result.allure("broken")
                if r["statusDetails"]["message"].startswith("[run error]")]


def _failing_generation(monkeypatch: pytest.MonkeyPatch, label: str) -> None:
    """Generating one operation's cases raises inside Schemathesis (as the threaded AST
    bug of --workers did): that scenario, and its phase, end in error."""
    build = runner.build_schema

    def failing_schema(*args: Any, **kwargs: Any) -> Any:
        schema, renames = build(*args, **kwargs)

        def map_case(context: Any, case: Any) -> Any:
            if case.operation.label == label:
                raise SystemError(AST_BUG)
            return case

        schema.hook("map_case")(map_case)
        return schema, renames

    monkeypatch.setattr(runner, "build_schema", failing_schema)


def test_a_phase_ending_in_error_fails_the_run(run_cli: Callable[..., Outcome],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_generation(monkeypatch, "POST /v1/projects/{project_id}/contacts")
    result = run_cli("--phases", "fuzzing", "--no-probes")
    error = assert_reported(result, "fuzzing phase",
                            "POST /v1/projects/{project_id}/contacts", "recursion depth mismatch")
    assert error["operation"] == "Contact_CreateContact"
    assert result.summary["operations"]["Contact_CreateContact"]["errors"] == 1
    line = next(ln for ln in result.stdout.splitlines()
                if ln.startswith("Contact_CreateContact "))
    assert "ERROR (fuzzing phase)" in line
    assert "phase fuzzing: error" in result.stderr


def test_the_table_counts_only_calls_that_happened(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """With a phase in error, every operation's calls are the requests that reached the
    target for it: the one that failed to generate has only the fixture's create."""
    from test_suite_support import RecordingEmulator, credentials, options

    from conformance.contract import Contract

    _failing_generation(monkeypatch, "POST /v1/projects/{project_id}/contacts")
    with RecordingEmulator(credentials()) as emu:
        opts = options(emu.target(), tmp_path, phases=("fuzzing",), probes=False)
        result = runner.run_suite(opts, io.StringIO(), "quiet")
    assert [e.what for e in result.summary.errors] == ["fuzzing phase"]
    contract = Contract.default()
    arrived: Counter[str] = Counter()
    for a in emu.arrivals:
        op = contract.operation_for(a.method, a.path)
        if op is not None:
            arrived[op.operation_id] += 1
    counted = {op: s.calls for op, s in result.summary.operations.items() if s.calls}
    assert counted == dict(arrived)
    assert counted["Contact_CreateContact"] == 1  # the fixture's; fuzzing made none
    assert result.summary.to_json()["operations"]["Contact_CreateContact"]["calls"] == 1


def _fake_engine(*steps: events.Event | Exception) -> Callable[..., Iterator[events.Event]]:
    def run_engine(schema: Any, collector: Any) -> Iterator[events.Event]:
        for step in steps:
            if isinstance(step, Exception):
                raise step
            yield step

    return run_engine


def test_a_phase_that_ends_in_error_without_a_reason_fails_the_run(
        run_cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "run_engine", _fake_engine(
        events.PhaseStarted("coverage"), events.PhaseFinished("coverage", "error", 0.1)))
    result = run_cli("--phases", "coverage", "--no-probes")
    assert_reported(result, "coverage phase", "coverage", "ended in error")


def test_an_interrupt_schemathesis_caught_is_still_an_interrupted_run(
        run_cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C inside Schemathesis can end the engine with stop reason "interrupted" and no
    Interrupted event: the run must still stop, clean up and exit 130, never 0."""
    monkeypatch.setattr(runner, "run_engine", _fake_engine(
        events.PhaseStarted("examples"), events.PhaseFinished("examples", "interrupted", 0.1),
        events.EngineDone("interrupted", 0.1)))
    result = run_cli("--phases", "examples")
    assert result.code == 130, result.stderr[-2000:]
    assert result.summary["run"]["stop_reason"] == "interrupted"


def _probes(**probes: Probe) -> Registry[Probe]:
    """A probe registry holding only these."""
    registry: Registry[Probe] = Registry("probe")
    for name, probe in probes.items():
        registry.add(probe, name, where={"suite"})
    return registry


def test_an_engine_that_raises_fails_the_run_and_the_rest_still_runs(
        run_cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "run_engine", _fake_engine(
        events.PhaseStarted("fuzzing"), RuntimeError("generator exploded\nsecond line")))
    monkeypatch.setattr(runner, "PROBES", _probes(auth_enforced=runner.PROBES["auth_enforced"].obj))
    result = run_cli("--phases", "fuzzing")
    error = assert_reported(result, "engine", "fuzzing phase", "generator exploded")
    assert error["message"] == "RuntimeError: generator exploded"  # one line
    assert result.summary["operations"]["App_ListApps"]["by_phase"].get("probe")


def test_a_probe_that_raises_fails_the_run(run_cli: Callable[..., Outcome],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Any) -> None:
        ctx.call("GET", "/v1/projects/{project_id}/apps")
        raise KeyError("next_page_token")

    monkeypatch.setattr(runner, "PROBES", _probes(walk=Probe(broken, False, "a broken probe")))
    result = run_cli("--phases", "examples")
    assert_reported(result, "probe walk", "walk", "KeyError: 'next_page_token'")


def test_a_check_that_raises_fails_the_run(run_cli: Callable[..., Outcome]) -> None:
    real = EXCHANGE_CHECKS["contract_response"].obj

    def crashing(ctx: CheckContext, ex: Exchange, found: list[Any]) -> list[Any]:
        if ex.method == "GET" and ex.url.split("?")[0].endswith("/apps"):
            raise UnicodeEncodeError("utf-8", "\ud83d", 0, 1, "surrogates not allowed")
        return real(ctx, ex, found)

    EXCHANGE_CHECKS.replace("contract_response", crashing)
    try:
        result = run_cli("--phases", "examples", "--no-probes")
    finally:
        EXCHANGE_CHECKS.replace("contract_response", real)
    error = assert_reported(result, "check contract_response", "App_ListApps",
                            "UnicodeEncodeError")
    assert error["operation"] == "App_ListApps"


def test_a_cleanup_that_cannot_delete_fails_the_run(run_cli: Callable[..., Outcome],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real = CleanupApi.delete

    def delete(self: CleanupApi, path: str) -> int:
        return 503 if "/apps/" in path else real(self, path)

    monkeypatch.setattr(CleanupApi, "delete", delete)
    result = run_cli("--phases", "examples", "--no-probes")
    error = assert_reported(result, "cleanup", "app ", "could not delete it: 503")
    assert error["operation"] is None
    assert result.summary["run"]["cleanup"]["failed"]


def test_a_cleanup_that_crashes_fails_the_run(run_cli: Callable[..., Outcome],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(self: Any, api: Any) -> Any:
        raise AttributeError("'NoneType' object has no attribute 'items'")

    monkeypatch.setattr(runner.Cleanup, "run", crash)
    result = run_cli("--phases", "examples", "--no-probes")
    assert_reported(result, "cleanup", "deleting what the run created", "AttributeError")


def test_more_than_one_worker_is_refused_with_a_reason(run_cli: Callable[..., Outcome]
                                                       ) -> None:
    import argparse
    import re

    from conformance.commands.run import add_arguments

    result = run_cli("--workers", "4")
    assert result.code == EXIT_USER_ERROR
    error, tip = result.stderr.strip().splitlines()[-2:]
    assert error.startswith("error: --workers 4 is not supported: ") and "ast" in error
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    flags = set(re.findall(r"--[a-z-]+", parser.format_help()))
    named = set(re.findall(r"--[a-z-]+", tip))
    assert tip.startswith("tip: ") and named and named <= flags, (named, tip)
    assert not result.out.exists()  # refused before anything ran
