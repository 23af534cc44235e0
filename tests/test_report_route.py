"""One route into every report: `report` rebuilds from a run's findings and summary.json
the very files `run` wrote (allure-results/ and junit.xml, byte for byte), and the report
writers sit in one registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reports.writers import WRITERS
from tests.spec_paths import ROOT

RUN = ("--max-examples", "1", "--phases", "examples", "--no-probes", "--seed", "3",
       "--progress", "quiet")


def _env() -> dict[str, str]:
    """No credentials, no CI variables (the executor would follow them)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("SINCH_", "GITHUB_", "ALLURE_"))}


def sc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run of the suite against the bundled emulator, in ``<tmp>/A``."""
    here = tmp_path_factory.mktemp("route")
    done = sc("run", *RUN, "--out", "A", cwd=here)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    return here


@pytest.mark.slow
def test_report_rebuilds_the_runs_reports_byte_for_byte(run_dir: Path) -> None:
    done = sc("report", "--findings", "A/findings", "--summary", "A/summary.json",
              "--out", "B", cwd=run_dir)
    assert done.returncode == 0, done.stderr
    assert "wrote the run's JUnit XML to B/junit.xml" in done.stdout
    ran, rebuilt = _files(run_dir / "A" / "allure-results"), _files(run_dir / "B" /
                                                                     "allure-results")
    assert sorted(ran) == sorted(rebuilt)
    assert [n for n in ran if ran[n] != rebuilt[n]] == []
    assert (run_dir / "A" / "junit.xml").read_bytes() == (run_dir / "B" / "junit.xml"
                                                           ).read_bytes()
    # what `report` used to drop: the samples and the run's environment lines
    assert any(n.endswith("-sample-response-attachment.json") for n in rebuilt)
    env = rebuilt["environment.properties"].decode()
    assert env.startswith("target=emulator\nsuite.run_id=") and "suite.seed=3\n" in env
    assert "suite.max_examples=1\n" in env


@pytest.mark.slow
def test_summary_holds_what_the_reports_need(run_dir: Path) -> None:
    summary = json.loads((run_dir / "A" / "summary.json").read_text(encoding="utf-8"))
    run = summary["run"]
    assert run["max_examples"] == 1 and run["started_at"] <= run["finished_at"]
    samples = [op["sample"] for op in summary["operations"].values() if "sample" in op]
    assert samples and all(set(s) == {"request", "response"} for s in samples)
    assert all("Bearer ***" in json.dumps(s) or "Basic ***" in json.dumps(s) for s in samples)


@pytest.mark.slow
def test_report_into_the_run_directory_replaces_its_files(run_dir: Path) -> None:
    before = _files(run_dir / "A" / "allure-results")
    junit = (run_dir / "A" / "junit.xml").read_bytes()
    done = sc("report", "--findings", "A/findings", "--out", "A", cwd=run_dir)
    assert done.returncode == 0, done.stderr
    assert _files(run_dir / "A" / "allure-results") == before
    assert (run_dir / "A" / "junit.xml").read_bytes() == junit


@pytest.mark.slow
def test_junit_goes_where_asked_and_needs_a_summary(run_dir: Path) -> None:
    done = sc("report", "--findings", "A/findings", "--summary", "A/summary.json",
              "--out", "C", "--junit", "C/elsewhere/run.xml", cwd=run_dir)
    assert done.returncode == 0, done.stderr
    assert (run_dir / "C" / "elsewhere" / "run.xml").read_bytes() == \
        (run_dir / "A" / "junit.xml").read_bytes()
    assert not (run_dir / "C" / "junit.xml").exists()

    done = sc("report", "--findings", "A/findings", "--out", "D", cwd=run_dir)
    assert done.returncode == 0 and not (run_dir / "D" / "junit.xml").exists()
    done = sc("report", "--findings", "A/findings", "--out", "D", "--junit", "D/j.xml",
              cwd=run_dir)
    assert done.returncode == 2
    assert "no run summary" in done.stderr and "--summary" in done.stderr


def test_writers_are_registered_one_per_format() -> None:
    assert WRITERS.names() == ("allure-results", "junit", "drift.md", "drift.json",
                               "drift-junit", "diff.md", "diff.json", "diff-junit",
                               "diff-github")
    assert all(e.where == {"report"} and not e.kinds and e.doc for e in WRITERS)
    assert [e.name for e in WRITERS.running_in("report")] == list(WRITERS.names())


def test_report_writers_never_import_the_commands() -> None:
    sources = sorted((ROOT / "conformance" / "reports").rglob("*.py"))
    assert sources
    assert [p.name for p in sources if "conformance.commands" in p.read_text()] == []
