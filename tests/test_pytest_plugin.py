"""The pytest plugin as a team uses it: ``python -m pytest`` in an empty directory, against
the bundled emulator (``--sinch-emulator``) or a target given by URL and ``SINCH_*``
variables (``--sinch-target``), with tiny budgets. Every pytest run is its own process;
every emulator it starts is stopped by the plugin, the ones started here by their PID.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.contract import Contract
from conformance.reports.html import render
from conformance.suite.emulator_runner import EmulatorProcess
from conformance.suite.target import Credentials
from tests.allure_support import SKIP_REASON, allure_or_none

pytestmark = pytest.mark.slow

TEAM_TESTS = Path(__file__).parent / "aids" / "team_test_example.py"
PLANTED = "planted-Secret-4f7a9c"  # the key secret the target run must never show
SMALL = ["--sinch-max-examples", "2", "--sinch-seed", "7"]
# six items: two operations in two phases (coverage's many calls are not needed to show
# the plugin) and two probes; by name (-k) and by marker (-m)
PICK = ["-k", "Contact_CreateContact or App_ListApps or auth_enforced or (inputs and not prose)",
        "-m", "sinch and not sinch_coverage and not sinch_stateful"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINCH_", "PYTEST_"))}
    return {**env, "NO_COLOR": "1", **extra}


def run_pytest(cwd: Path, *args: str, cache: bool = False,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:randomly", *args]
    if not cache:
        cmd[3:3] = ["-p", "no:cacheprovider"]
    return subprocess.run(cmd, cwd=cwd, env=env or _env(), capture_output=True, text=True,
                          timeout=240, stdin=subprocess.DEVNULL)


def verdicts(junit: Path) -> dict[str, str]:
    """node -> passed / failed / skipped / error, from a JUnit XML file."""
    out = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        outcome = next((t for t in ("failure", "error", "skipped") if t in tags), "passed")
        out[f"{case.get('classname')}::{case.get('name')}"] = outcome
    return out


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "test_own.py").write_text("def test_own():\n    assert True\n")
    return tmp_path


def test_the_flags_collect_one_item_per_operation_and_phase(work: Path) -> None:
    done = run_pytest(work, "--sinch-emulator", "--co")
    assert done.returncode == 0, done.stdout + done.stderr
    nodes = [line for line in done.stdout.splitlines() if "::" in line]
    assert "sinch-conformance::examples::Contact_CreateContact" in nodes
    assert "sinch-conformance::stateful" in nodes
    assert "sinch-conformance::probes::lifecycle" in nodes
    assert "test_own.py::test_own" in nodes
    ops = {n.rsplit("::", 1)[1] for n in nodes if "::fuzzing::" in n}
    coverage = [n for n in nodes if "::coverage::" in n]
    assert len(coverage) == len(ops) == len(Contract.default().operations)
    assert nodes.index("test_own.py::test_own") == 0  # the team's first, then ours


def test_the_config_file_sets_credentials_phases_probes_and_operations(work: Path) -> None:
    (work / "pyproject.toml").write_text(
        "[tool.sinch-conformance]\n"
        'project-id-env = "TEAM_PROJECT"\nkey-id-env = "TEAM_KEY"\n'
        'key-secret-env = "TEAM_SECRET"\nphases = ["examples", "fuzzing"]\n'
        'probes = false\ninclude-tag = ["App"]\n'
        "[tool.sinch-conformance.operations.App_DeleteApp]\nskip = true\n")
    env = _env() | {"TEAM_PROJECT": "p1", "TEAM_KEY": "k1", "TEAM_SECRET": PLANTED}
    done = run_pytest(work, "--sinch-target", "http://127.0.0.1:9", "--co", env=env)
    assert done.returncode == 0, done.stdout + done.stderr  # credentials from the file's names
    nodes = {line for line in done.stdout.splitlines() if line.startswith("sinch-conformance")}
    apps = {op for op in Contract.default().operations if op.startswith("App_")}
    assert nodes == {f"sinch-conformance::{phase}::{op}" for phase in ("examples", "fuzzing")
                     for op in apps - {"App_DeleteApp"}}
    flag = run_pytest(work, "--sinch-target", "http://127.0.0.1:9", "--co", "--sinch-phases",
                      "coverage", env=env)
    assert {line.split("::")[1] for line in flag.stdout.splitlines()
            if line.startswith("sinch-conformance")} == {"coverage"}  # the flag wins
    missing = run_pytest(work, "--sinch-target", "http://127.0.0.1:9", "--co")
    assert missing.returncode == 4 and "needs credentials" in missing.stderr  # no variables
    assert PLANTED not in done.stdout + done.stderr + flag.stdout + missing.stderr


@pytest.mark.parametrize(("args", "error", "tip"), [
    (["--sinch-fault", "wrong-type"], "--sinch-fault needs --sinch-emulator",
     "tip: add --sinch-emulator"),
    (["--sinch-target", "http://127.0.0.1:9"], "needs credentials: --sinch-project-id, "
     "--sinch-key-id, --sinch-key-secret is missing", "tip: pass --sinch-project-id, "
     "--sinch-key-id, --sinch-key-secret or set SINCH_PROJECT_ID"),
], ids=["fault-without-emulator", "target-without-credentials"])
def test_a_mistake_is_a_usage_error_whose_tip_names_the_plugins_flags(
        work: Path, args: list[str], error: str, tip: str) -> None:
    done = run_pytest(work, *args)
    assert done.returncode == 4, done.stdout + done.stderr
    assert error in done.stderr and tip in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def planted_target() -> Iterator[EmulatorProcess]:
    """An emulator with the wrong-type fault whose key secret the test knows."""
    creds = Credentials("p-plugin", "k-plugin", PLANTED, "oauth2", "")
    emulator = EmulatorProcess(creds, ("wrong-type",))
    try:
        emulator.start()
        yield emulator
    finally:
        emulator.stop()


def _results(directory: Path) -> dict[str, dict]:
    out = {}
    for path in directory.glob("*-result.json"):
        data = json.loads(path.read_text())
        out[data["fullName"]] = data
    return out


def _target_env(url: str) -> dict[str, str]:
    return _env(SINCH_PROJECT_ID="p-plugin", SINCH_KEY_ID="k-plugin", SINCH_KEY_SECRET=PLANTED,
                SINCH_TOKEN_URL=f"{url}/oauth2/token")


@pytest.fixture(scope="module")
def target_run(planted_target: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``pytest --sinch-target URL --alluredir allure`` with SINCH_* credentials, once."""
    work = tmp_path_factory.mktemp("target")
    done = run_pytest(work, "--sinch-target", planted_target.base_url, *SMALL, *PICK,
                      "--alluredir", "allure", "--junitxml", "junit.xml",
                      env=_target_env(planted_target.base_url))
    return work, done


ITEM = "sinch-conformance.examples#Contact_CreateContact"  # allure-pytest's full name


def test_a_target_with_a_fault_fails_the_right_items_with_findings_and_no_secret(
        target_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    work, done = target_run
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    found = verdicts(work / "junit.xml")
    failed = {n for n, v in found.items() if v == "failure"}
    assert {"sinch-conformance.examples::Contact_CreateContact",
            "sinch-conformance.fuzzing::Contact_CreateContact"} <= failed
    assert found["sinch-conformance.probes::auth_enforced"] == "passed"
    assert "Response violates schema" in out and "12345 is not of type" in out
    assert "curl -X POST" in out and "Bearer ***" in out
    assert "reproduce with --sinch-seed 7" in out
    assert not re.search(r"Bearer (?!\*\*\*)[\w.-]{8,}", out)
    allure_files = [p.read_text(errors="replace") for p in (work / "allure").iterdir()]
    assert PLANTED not in out and not any(PLANTED in text for text in allure_files)


def test_refused_credentials_fail_each_item_with_the_error_and_a_tip(
        work: Path, planted_target: EmulatorProcess) -> None:
    url = planted_target.base_url
    env = _target_env(url) | {"SINCH_KEY_SECRET": "not-the-secret"}
    done = run_pytest(work, "--sinch-target", url, "-k", "auth_enforced or (inputs and not prose)",
                      env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 failed" in done.stdout
    assert "error: the token URL" in done.stdout and "refused the key id and secret" in done.stdout
    assert "tip: check --sinch-key-id/--sinch-key-secret" in done.stdout
    assert "Traceback" not in done.stdout and "not-the-secret" not in done.stdout


def test_alluredir_has_our_labels_categories_and_a_stable_history_id(
        target_run: tuple[Path, subprocess.CompletedProcess[str]],
        planted_target: EmulatorProcess) -> None:
    work, _ = target_run
    item = _results(work / "allure")[ITEM]
    labels = {(lb["name"], lb["value"]) for lb in item["labels"]}
    assert {("epic", "suite"), ("feature", "Contact"), ("story", "Contact_CreateContact"),
            ("severity", "critical"), ("tag", "response_body_schema")} <= labels
    assert item["status"] == "failed"
    assert "[schema violation]" in item["statusDetails"]["message"]
    assert any(a["name"].endswith(": curl") for a in item["attachments"])
    categories = json.loads((work / "allure" / "categories.json").read_text())
    regex = next(c["messageRegex"] for c in categories if c["name"] == "Schema violation")
    assert re.fullmatch(regex, item["statusDetails"]["message"])
    # another seed and budget, the same history line
    url = planted_target.base_url
    again = run_pytest(work, "--sinch-target", url, "--sinch-max-examples", "1",
                       "--sinch-seed", "8", "-k", "examples and Contact_CreateContact",
                       "--alluredir", "allure2", env=_target_env(url))
    assert again.returncode == 1, again.stdout
    assert _results(work / "allure2")[ITEM]["historyId"] == item["historyId"]


def test_the_results_render_with_the_pinned_allure_cli(
        target_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    cli = allure_or_none()
    if cli is None:
        pytest.skip(SKIP_REASON)
    work, _ = target_run
    index = render(cli, work / "allure", work / "html", work / "history.jsonl")
    assert index.is_file()
    if cli.major >= 3:
        tree = json.loads((work / "html" / "widgets" / "categories.json").read_text())
        names = {node["name"]: node for node in tree["nodes"].values()}
        assert names["Schema violation"]["statistic"]["failed"] >= 2
    else:
        text = (work / "html" / "data" / "categories.json").read_text()
        assert "Schema violation" in text


def test_x_stops_at_the_first_failure_and_lf_reruns_it_with_the_same_seed(work: Path) -> None:
    args = ["--sinch-emulator", "--sinch-fault", "wrong-type", "--sinch-max-examples", "1",
            "-k", "Contact_CreateContact and (examples or fuzzing)"]
    first = run_pytest(work, *args, "-x", cache=True)
    assert first.returncode == 1, first.stdout
    assert "1 failed" in first.stdout and "2 failed" not in first.stdout
    seed = re.search(r"--sinch-seed (\d+)", first.stdout).group(1)  # type: ignore[union-attr]
    again = run_pytest(work, *args, "--lf", cache=True)
    assert re.search(r"\b1 failed, \d+ deselected", again.stdout), again.stdout
    assert f"--sinch-seed {seed})" in again.stdout
    assert "FAILED sinch-conformance::examples::Contact_CreateContact" in again.stdout


def test_timeout_ends_a_slow_item_and_a_probe_that_raises_is_never_a_pass(work: Path) -> None:
    (work / "conftest.py").write_text(
        "from conformance.suite.probes import PROBES, Probe\n\n"
        "def boom(ctx):\n    raise RuntimeError('probe bug')\n\n"
        "PROBES.replace('inputs', Probe(boom, True, 'raises'))\n")
    # the expired-token probe waits for a 3-second token to expire
    done = run_pytest(work, "--sinch-emulator", "--timeout", "1",
                      "-k", "expired_token or auth_enforced or (inputs and not prose)")
    assert done.returncode == 1, done.stdout
    assert "1 passed" in done.stdout and "2 failed" in done.stdout
    assert "Timeout" in done.stdout
    assert "FAILED sinch-conformance::probes::inputs" in done.stdout
    assert "ERROR (the suite itself failed): probe inputs at inputs: RuntimeError: probe bug" \
        in done.stdout


def _same_verdicts(one: subprocess.CompletedProcess[str], one_xml: Path,
                   two: subprocess.CompletedProcess[str], two_xml: Path, failing: bool) -> None:
    assert one.returncode == two.returncode == (1 if failing else 0), one.stdout + two.stdout
    assert "bringing up nodes" in two.stdout
    alone, spread = verdicts(one_xml), verdicts(two_xml)
    assert alone == spread, one.stdout + two.stdout
    assert len([n for n in alone if n.startswith("sinch-conformance")]) == 6
    assert ("failure" in alone.values()) is failing


def test_xdist_gives_the_same_verdicts_on_the_clean_emulator(work: Path) -> None:
    args = ["--sinch-emulator", *SMALL, *PICK]  # each worker starts its own emulator
    one = run_pytest(work, *args, "-n", "0", "--junitxml", "one.xml")
    two = run_pytest(work, *args, "-n", "2", "--junitxml", "two.xml")
    _same_verdicts(one, work / "one.xml", two, work / "two.xml", failing=False)


def test_xdist_gives_the_same_verdicts_on_a_faulty_target(
        target_run: tuple[Path, subprocess.CompletedProcess[str]],
        planted_target: EmulatorProcess) -> None:
    work, one = target_run  # -n 0 against the wrong-type emulator: the same items
    two = run_pytest(work, "--sinch-target", planted_target.base_url, *SMALL, *PICK,
                     "-n", "2", "--junitxml", "two.xml", env=_target_env(planted_target.base_url))
    _same_verdicts(one, work / "junit.xml", two, work / "two.xml", failing=True)


def test_xdist_gives_the_same_verdicts_on_another_fault(work: Path) -> None:
    args = ["--sinch-emulator", "--sinch-fault", "valid-body-rejected", *SMALL, *PICK]
    one = run_pytest(work, *args, "-n", "0", "--junitxml", "one.xml")
    two = run_pytest(work, *args, "-n", "2", "--junitxml", "two.xml")
    _same_verdicts(one, work / "one.xml", two, work / "two.xml", failing=True)


def test_without_a_flag_only_a_teams_own_tests_run_with_the_fixtures(tmp_path: Path) -> None:
    shutil.copy(TEAM_TESTS, tmp_path / "test_team.py")
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 passed" in done.stdout and "sinch-conformance" not in done.stdout


def test_sinch_check_reads_httpx_responses_and_request_response_pairs(
        planted_target: EmulatorProcess) -> None:
    httpx = pytest.importorskip("httpx")
    from conformance.pytest_plugin.fixtures import SinchCheck

    check = SinchCheck(Contract.default(), (PLANTED,))
    url = f"{planted_target.base_url}/v1/projects/p-plugin/contacts"
    body = {"channel_identities": [{"channel": "SMS", "identity": "+46700000001"}],
            "language": "EN_US", "display_name": "httpx"}
    with httpx.Client(auth=("k-plugin", PLANTED), timeout=10) as client:
        response = client.post(url, json=body)  # wrong-type: the id comes back as 12345
        # a 404 (the fault changes 200 bodies only) to a query parameter the spec lacks
        listed = client.get(f"{planted_target.base_url}/v1/projects/p-plugin/apps/missing",
                            params={"unknown": "1"})
    with pytest.raises(AssertionError) as failed:
        check(response)
    text = str(failed.value)
    assert "Response violates schema" in text and "curl -X POST" in text
    assert PLANTED not in text and "Basic ***" in text
    findings = check(listed.request, listed, request=True, drift=False)  # drift only
    assert "undocumented_query_param" in {f.kind for f in findings}
    assert all(f.is_drift for f in findings)
    with pytest.raises(AssertionError, match="unknown"):
        check(listed.request, listed, drift=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_ends_the_session_and_stops_its_emulators(tmp_path: Path) -> None:
    (tmp_path / "test_wait.py").write_text(
        "import pathlib, time\n\n"
        "def test_wait(sinch_emulator):\n"
        "    pathlib.Path('emulator.pid').write_text(str(sinch_emulator.pid))\n"
        "    time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    pid_file = tmp_path / "emulator.pid"
    try:
        for _ in range(600):  # at most 60 s for pytest to start the emulator
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.1)
        emulator = int(pid_file.read_text())
        assert _alive(emulator)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 2 and "KeyboardInterrupt" in out, out
    assert not _alive(emulator)
