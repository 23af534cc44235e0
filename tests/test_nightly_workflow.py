"""The sample nightly workflow, run as CI runs it: .github/scripts/nightly.sh against the
bundled emulator (no SINCH_* variables), with a small budget and no Allure CLI.

The clean emulator passes with the shipped drift-baseline.yaml; a fault that adds drift or a
violation fails, and the reports say why; a missing baseline is written from the run (and
gates the next run), or is an error with NIGHTLY_BOOTSTRAP=never; a suite that cannot run
fails the job whatever the drift. The workflow file must call the script, so the two cannot
drift apart.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"
SCRIPT_PATH = ".github/scripts/nightly.sh"
SCRIPT = ROOT / SCRIPT_PATH
BASELINE = ROOT / "drift-baseline.yaml"
# A small budget: the examples and stateful phases (the stateful one is what sees a 404 on
# an id that was deleted) plus the probes; a fixed seed for a reproducible failure.
BUDGET = ("--max-examples", "2", "--phases", "examples,stateful", "--seed", "7",
          "--progress", "quiet")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The CI environment minus GitHub and Sinch: the emulator is the target, the venv's
    `sinch-conformance` is on PATH, and no Allure CLI is anywhere it is looked for."""
    venv_bin = Path(sys.executable).parent
    if shutil.which("sinch-conformance", path=str(venv_bin)) is None:
        pytest.fail(f"no sinch-conformance beside {sys.executable}: pip install -e . first")
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and shutil.which("allure", path=d) is None]
    path = os.pathsep.join([str(venv_bin), *dirs])
    if shutil.which("grep", path=path) is None:
        pytest.skip("an Allure CLI is installed beside the system tools; cannot hide it")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SINCH_", "GITHUB_", "NIGHTLY_"))}
    env.update(PATH=path, XDG_CACHE_HOME=str(tmp_path / "cache"), **extra)
    return env


def nightly(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    return subprocess.run([bash, str(SCRIPT), *args], cwd=tmp_path, env=_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def drift_report(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tmp_path / "reports" / "drift.json").read_text())
    return data


def groups(report: dict[str, Any], state: str) -> list[dict[str, Any]]:
    """The report's finding groups in one state (new, accepted), from every bucket."""
    return [g for op in report["operations"] for bucket in op.values()
            if isinstance(bucket, list) for g in bucket
            if isinstance(g, dict) and g.get("state") == state]


def verdict(tmp_path: Path) -> str:
    return (tmp_path / "reports" / "nightly.md").read_text()


# ---------------------------------------------------------------- the workflow file

def _job_steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps: list[dict[str, Any]] = workflow["jobs"]["conformance"]["steps"]
    return steps


def test_the_workflow_runs_the_script_and_nothing_else_of_its_logic() -> None:
    steps = _job_steps()
    calling = [s for s in steps if SCRIPT_PATH in str(s.get("run", ""))]
    assert len(calling) == 1, "exactly one step runs the nightly script"
    step = calling[0]
    assert step["run"].split() == ["bash", SCRIPT_PATH]
    assert SCRIPT.is_file() and os.access(SCRIPT, os.X_OK)
    assert "continue-on-error" not in step and "if" not in step, "its exit status is the gate"
    # the suite, drift and report are the script's: no step runs them on its own
    for other in steps:
        text = str(other.get("run", ""))
        for command in ("run", "drift", "report"):
            assert f"sinch-conformance {command}" not in text, other.get("name")
    # what comes after it reads what it wrote, also when it failed
    out = step["env"]["NIGHTLY_OUT"]
    later = steps[steps.index(step) + 1:]
    assert later and all(s.get("if") == "always()" for s in later)
    summary = next(s for s in later if "GITHUB_STEP_SUMMARY" in str(s.get("run", "")))
    assert f"{out}/nightly.md" in summary["run"] and f"{out}/drift.md" in summary["run"]
    upload = next(s for s in later if str(s.get("uses", "")).startswith(
        "actions/upload-artifact"))
    uploaded = upload["with"]["path"].split()
    for name in ("nightly.md", "drift.md", "drift.json", "drift-junit.xml", "allure-results",
                 "findings", "drift-baseline.bootstrap.yaml"):
        assert f"{out}/{name}" in uploaded
    assert Path(step["env"]["NIGHTLY_BASELINE"]) == BASELINE.relative_to(ROOT)


# ---------------------------------------------------------------- the script, end to end

@pytest.mark.slow
def test_the_clean_emulator_passes_with_the_shipped_baseline_and_no_allure_cli(
        tmp_path: Path) -> None:
    before = BASELINE.read_bytes()
    done = nightly(tmp_path, *BUDGET, NIGHTLY_BASELINE=str(BASELINE))
    assert done.returncode == 0, done.stderr[-3000:]
    assert BASELINE.read_bytes() == before, "a run never writes an existing baseline"
    report = drift_report(tmp_path)
    assert report["new"] == [] and report["summary"]["new"] == 0
    assert report["summary"]["accepted"] > 0, "the emulator's 404s are there, accepted"
    accepted = groups(report, "accepted")
    assert accepted and all(g["kind"] == "undocumented_status" and g["status"] == 404
                            for g in accepted)
    assert "Nightly conformance: passed" in verdict(tmp_path)
    # no Allure CLI: the results are written, the HTML is not, the job does not fail for it
    reports = tmp_path / "reports"
    assert list((reports / "allure-results").glob("*-result.json"))
    assert not (reports / "allure-report").exists()
    assert "no Allure HTML report (no Allure CLI was found" in done.stderr
    assert "allure-results/` only" in verdict(tmp_path)
    assert 'failures="0"' in (reports / "drift-junit.xml").read_text()


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "kind", "suite_line"), [
    ("undocumented-field", "undocumented_field", "suite: no violation"),  # drift only
    ("wrong-type", "response_body_schema", "suite: violations"),           # a violation
])
def test_a_fault_fails_the_job_and_the_report_says_why(
        tmp_path: Path, fault: str, kind: str, suite_line: str) -> None:
    done = nightly(tmp_path, *BUDGET, "--emulator-fault", fault,
                   NIGHTLY_BASELINE=str(BASELINE))
    assert done.returncode == 1, done.stderr[-3000:]
    report = drift_report(tmp_path)
    new = groups(report, "new")
    assert {g["fingerprint"] for g in new} == set(report["new"])
    assert kind in {g["kind"] for g in new}, new
    text = verdict(tmp_path)
    assert "Nightly conformance: FAILED (exit 1)" in text
    assert suite_line in text and "**new drift or violations**" in text
    assert f"new spec drift or violations not in {BASELINE}" in done.stderr
    assert "### New: not in the baseline" in (tmp_path / "reports" / "drift.md").read_text()


@pytest.mark.slow
def test_without_a_baseline_the_first_run_writes_one_and_the_next_run_gates(
        tmp_path: Path) -> None:
    written = tmp_path / "drift-baseline.yaml"
    first = nightly(tmp_path, *BUDGET)
    assert first.returncode == 0, first.stderr[-3000:]
    entries = yaml.safe_load(written.read_text())["entries"]
    assert entries and all(e["reason"] == "TODO: review" for e in entries)
    assert "so this run wrote one" in first.stderr and "commit the file" in first.stderr
    assert "no gate this run" in verdict(tmp_path)
    copy = tmp_path / "reports" / "drift-baseline.bootstrap.yaml"
    assert copy.read_text() == written.read_text()
    assert drift_report(tmp_path)["new"] == []

    second = nightly(tmp_path, *BUDGET, "--emulator-fault", "undocumented-field")
    assert second.returncode == 1, second.stderr[-3000:]
    assert "undocumented_field" in {g["kind"] for g in groups(drift_report(tmp_path), "new")}
    assert "so this run wrote one" not in second.stderr
    assert yaml.safe_load(written.read_text())["entries"] == entries, "left as written"
    assert f"{len(entries)} entries still reasoned 'TODO: review'" in second.stderr


def test_without_a_baseline_and_bootstrap_never_nothing_runs(tmp_path: Path) -> None:
    done = nightly(tmp_path, *BUDGET, NIGHTLY_BOOTSTRAP="never")
    assert done.returncode == 2
    assert "no drift baseline at drift-baseline.yaml (NIGHTLY_BOOTSTRAP=never)" in done.stderr
    assert not (tmp_path / "drift-baseline.yaml").exists()
    assert not (tmp_path / "reports").exists()


def test_a_suite_that_cannot_run_fails_the_job_whatever_the_drift(tmp_path: Path) -> None:
    done = nightly(tmp_path, "--emulator-fault", "no-such-fault",
                   NIGHTLY_BASELINE=str(BASELINE), NIGHTLY_HTML="no")
    assert done.returncode == 2, done.stderr[-3000:]
    assert "unknown emulator fault(s): no-such-fault" in done.stderr
    assert "the suite did not complete (exit 2)" in done.stderr
    text = verdict(tmp_path)
    assert "FAILED (exit 2)" in text and "**did not complete**" in text


# ---------------------------------------------------------------- shards

def test_the_workflow_runs_two_shards_and_merges_them() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    shard_job, merge_job = jobs["conformance-shard"], jobs["conformance"]
    shards = shard_job["strategy"]["matrix"]["shard"]
    assert shards == [1, 2] and shard_job["strategy"]["fail-fast"] is False
    step = next(s for s in shard_job["steps"] if SCRIPT_PATH in str(s.get("run", "")))
    assert step["env"]["NIGHTLY_SHARD"] == "${{ matrix.shard }}/2"
    assert "--seed" in step["run"], "every shard of one run uses the same seed"
    upload = next(s for s in shard_job["steps"]
                  if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == step["env"]["NIGHTLY_OUT"]
    assert merge_job["needs"] == "conformance-shard" and "always()" in merge_job["if"]
    download = next(s for s in merge_job["steps"]
                    if str(s.get("uses", "")).startswith("actions/download-artifact"))
    merged = next(s for s in merge_job["steps"] if SCRIPT_PATH in str(s.get("run", "")))
    dirs = merged["env"]["NIGHTLY_MERGE"].split()
    assert dirs == [f"{download['with']['path']}/shard-{k}" for k in shards]


@pytest.mark.slow
def test_two_shards_and_the_merge_gate_like_one_run(tmp_path: Path) -> None:
    for k in (1, 2):
        done = nightly(tmp_path, *BUDGET, "--emulator-fault", "wrong-type",
                       NIGHTLY_SHARD=f"{k}/2", NIGHTLY_OUT=f"shard-{k}")
        assert done.returncode == 0, done.stderr[-3000:]  # the merge gates, not the shard
        assert (tmp_path / f"shard-{k}" / "suite-exit").read_text().strip() == "1"
        assert not (tmp_path / f"shard-{k}" / "drift.md").exists()
    done = nightly(tmp_path, NIGHTLY_MERGE="shard-1 shard-2", NIGHTLY_BASELINE=str(BASELINE),
                   NIGHTLY_HTML="no")
    assert done.returncode == 1, done.stderr[-3000:]
    assert "response_body_schema" in {g["kind"] for g in groups(drift_report(tmp_path), "new")}
    assert "merged shards 1/2, 2/2 of 2" in drift_report(tmp_path)["notes"]
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text())
    assert summary["run"]["shard"]["merged"] == ["1/2", "2/2"]
    assert len(summary["operations"]) == 33 and summary["run"]["operations_exercised"] > 0
    assert "suite: violations" in verdict(tmp_path)
    # a shard that left no outputs fails the merged job
    missing = nightly(tmp_path, NIGHTLY_MERGE="shard-1 shard-3", NIGHTLY_BASELINE=str(BASELINE),
                      NIGHTLY_HTML="no")
    assert missing.returncode == 2, missing.stderr[-3000:]
    assert "no shard outputs in shard-3" in missing.stderr
    assert "shard 2/2 missing" in missing.stderr
