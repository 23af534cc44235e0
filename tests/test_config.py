"""The configuration file: ``sinch-conformance.toml`` or ``[tool.sinch-conformance]`` in
pyproject.toml, found here or in a parent; ``${ENV}`` references; flag > variable > file >
default; one error naming the key and the file for a mistake; ``sinch-conformance config``
shows the effective settings with secrets masked; and per-operation overrides (skip,
max-examples, expected-statuses) change what a run against the bundled emulator does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from conformance import cli
from conformance.config import find_config, load_section
from conformance.findings_io import read_findings
from conformance.settings import load_settings
from tests.test_cli_tips import flags_named_wrongly

SECRET = "planted-secret-4f9a"  # must never appear in any output


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory (a git root, so no file above it counts) and an
    environment without SINCH_* variables."""
    for name in [n for n in os.environ if n.startswith("SINCH_")]:
        monkeypatch.delenv(name)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def config(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["config", *args])
    out, err = capsys.readouterr()
    return code, out, err


def effective(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = config(capsys, "--json", *args)
    assert code == 0, err
    return dict(json.loads(out))


def value(data: dict[str, Any], key: str) -> tuple[Any, str]:
    entry = data["settings"][key]
    return entry["value"], entry["source"]


# -- finding the file -------------------------------------------------------------------------


def test_the_own_file_wins_over_pyproject_and_a_parent_is_searched(here: Path) -> None:
    (here / "pyproject.toml").write_text("[tool.sinch-conformance]\nseed = 1\n")
    sub = here / "a" / "b"
    sub.mkdir(parents=True)
    assert find_config(cwd=sub) == here / "pyproject.toml"
    assert load_settings(sub)["seed"] == 1
    (here / "a" / "sinch-conformance.toml").write_text("seed = 2\n")
    assert load_settings(sub)["seed"] == 2  # the nearer directory wins
    (sub / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: not ours
    assert find_config(cwd=sub) == here / "a" / "sinch-conformance.toml"
    assert load_settings(sub, here / "pyproject.toml")["seed"] == 1  # --config FILE


def test_the_search_stops_at_the_git_root(here: Path) -> None:
    (here / "sinch-conformance.toml").write_text("seed = 1\n")
    repo = here / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_config(cwd=repo) is None
    assert load_settings(repo).file is None


def test_config_says_which_file_it_read(here: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    code, out, _ = config(capsys)
    assert code == 0 and "configuration file: none" in out
    (here / "pyproject.toml").write_text("[tool.sinch-conformance]\nseed = 3\n")
    code, out, _ = config(capsys)
    assert f"configuration file: {here / 'pyproject.toml'} ([tool.sinch-conformance])" in out
    assert effective(capsys)["file"] == str(here / "pyproject.toml")


def test_the_lint_section_is_found_in_a_parent_too(here: Path) -> None:
    (here / "sinch-conformance.toml").write_text("seed = 1\n[lint]\nfail-on = 'minor'\n")
    (here / "sub").mkdir()
    assert load_section("lint", cwd=here / "sub").values == {"fail-on": "minor"}


# -- precedence ------------------------------------------------------------------------------


def test_flag_over_variable_over_file_over_default(
        here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (here / "sinch-conformance.toml").write_text(
        "target = 'https://file.example'\nmax-examples = 5\nretries = 1\n"
        "phases = ['examples']\nprobes = false\nheaders = { X-Team = 'qa' }\n")
    data = effective(capsys)
    assert value(data, "target") == ("https://file.example", "file")
    assert value(data, "max-examples") == (5, "file")
    assert value(data, "phases") == (["examples"], "file")
    assert value(data, "probes") == (False, "file")
    assert value(data, "headers") == (["X-Team: qa"], "file")
    assert value(data, "request-timeout") == (30.0, "default")
    monkeypatch.setenv("SINCH_TARGET", "https://env.example")
    assert value(effective(capsys), "target") == ("https://env.example", "env")
    data = effective(capsys, "--target", "https://flag.example", "--max-examples", "10",
                     "--retries", "3", "--header", "X-Team: ops")
    assert value(data, "target") == ("https://flag.example", "flag")
    # a flag given with the default value still wins over the file
    assert value(data, "max-examples") == (10, "flag")
    assert value(data, "retries") == (3, "flag")
    assert value(data, "headers") == (["X-Team: ops"], "flag")
    assert data["settings"]["max-examples"]["from"] == "--max-examples"


def test_operation_filters_in_the_file(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "sinch-conformance.toml").write_text(
        "include-tag = ['Contact']\nexclude-operation-id = ['Contact_Delete*']\n")
    data = effective(capsys)
    assert value(data, "include-tag") == (["Contact"], "file")
    assert value(data, "exclude-operation-id") == (["Contact_Delete*"], "file")
    data = effective(capsys, "--include-tag", "App")
    assert value(data, "include-tag") == (["App"], "flag")
    assert value(data, "exclude-operation-id") == (["Contact_Delete*"], "file")


def test_credentials_come_from_the_variables_the_file_names(
        here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (here / "sinch-conformance.toml").write_text(
        "project-id-env = 'MY_PROJECT'\nkey-id = 'file-key'\n")
    monkeypatch.setenv("MY_PROJECT", "proj-from-my-var")
    monkeypatch.setenv("SINCH_PROJECT_ID", "ignored")
    data = effective(capsys)
    assert value(data, "project-id") == ("proj-from-my-var", "env")
    assert data["settings"]["project-id"]["from"] == "$MY_PROJECT"
    assert value(data, "key-id") == ("file-key", "file")
    monkeypatch.setenv("SINCH_KEY_ID", "env-key")
    assert value(effective(capsys), "key-id") == ("env-key", "env")


# -- ${ENV} ----------------------------------------------------------------------------------


def test_variables_are_filled_in(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (here / "sinch-conformance.toml").write_text(
        "target = '${HOST}/v1'\ntoken-url = '${TOKEN_URL:-https://auth.example/token}'\n"
        "key-id = 'cost$$center'\n[drift]\nbaseline = '${BASE}.yaml'\n")
    monkeypatch.setenv("HOST", "https://h.example")
    monkeypatch.setenv("BASE", "nightly")
    settings = load_settings()
    assert settings["target"] == "https://h.example/v1"
    assert settings["token-url"] == "https://auth.example/token"
    assert settings["key-id"] == "cost$center"
    assert settings.section("drift").values == {"baseline": "nightly.yaml"}


# -- mistakes: one error naming the key and the file -------------------------------------------


@pytest.mark.parametrize(("text", "needle"), [
    ("max-exampels = 3\n", "key 'max-exampels' in {file} is not a setting; did you mean "
                           "'max-examples'?"),
    ("max-examples = '3'\n", "key 'max-examples' in {file} must be an integer, not a string"),
    ("readonly = 'yes'\n", "key 'readonly' in {file} must be true or false"),
    ("rate-limit = -1\n", "key 'rate-limit' in {file} must be at least 0"),
    ("auth = 'digest'\n", "key 'auth' in {file} must be one of basic, oauth2"),
    ("phases = ['examples', 'fuzz']\n", "key 'phases' in {file} names unknown phase(s) fuzz"),
    ("target = '${NOT_SET_ANYWHERE}'\n", "key 'target' in {file} uses ${NOT_SET_ANYWHERE}, "
                                         "but the environment variable NOT_SET_ANYWHERE is "
                                         "not set"),
    ("key-secret = 'literal'\n", "key 'key-secret' in {file} holds a literal secret"),
    ("operations = 3\n", "key 'operations' in {file} is not a table"),
    ("[operations.App_ListApp]\nskip = true\n", "[operations.App_ListApp] in {file} names no "
                                                "operation of the spec; did you mean "
                                                "'App_ListApps'?"),
    ("[operations.App_ListApps]\nskipp = true\n", "key 'skipp' of [operations.App_ListApps] "
                                                  "in {file} is not a setting"),
    ("[operations.App_ListApps]\nmax-examples = 1.5\n", "key 'max-examples' of "
                                                        "[operations.App_ListApps] in {file} "
                                                        "must be an integer"),
    ("[operations.App_ListApps]\nexpected-statuses = ['ok']\n", "key 'expected-statuses' of "
                                                                "[operations.App_ListApps]"),
    ("[drift]\nbaseline = 1\n", "key 'baseline' of [drift] in {file} must be a string"),
    ("seed = 1\nretries = = 2\n", "the configuration file {file} is not valid TOML (Invalid "
                                  "value (at line 2, column 11))"),
])
@pytest.mark.parametrize("command", ["config", "run"])
def test_a_mistake_is_one_error_naming_the_key_and_the_file(
        here: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str,
        command: str) -> None:
    file = here / "sinch-conformance.toml"
    file.write_text(text)
    code = cli.main([command])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert needle.replace("{file}", str(file)) in err, err
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["error", "tip"]
    assert flags_named_wrongly(command, lines[-1]) == []


def test_the_same_mistake_in_pyproject_names_its_table(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "pyproject.toml").write_text("[tool.sinch-conformance]\nretries = true\n")
    code, _, err = config(capsys)
    assert code == 2
    assert (f"key 'retries' of [tool.sinch-conformance] in {here / 'pyproject.toml'} must be "
            "an integer, not true or false") in err


def test_a_missing_config_file_given_with_the_flag(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = config(capsys, "--config", "nope.toml")
    assert code == 2 and "the configuration file nope.toml does not exist" in err


def test_drift_takes_its_baseline_from_the_file(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "findings").mkdir()
    (here / "sinch-conformance.toml").write_text("[drift]\nbaseline = 'accepted.yaml'\n")
    code = cli.main(["drift", "--findings", "findings", "--out", "out"])
    err = capsys.readouterr().err
    assert code == 2 and str(here / "accepted.yaml") in err  # the file's baseline was read


# -- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["env", "file", "flag"])
def test_config_never_prints_the_secret(
        here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        how: str) -> None:
    args = ["--header", f"X-Api-Key: {SECRET}"]
    if how == "env":
        monkeypatch.setenv("SINCH_KEY_SECRET", SECRET)
    elif how == "file":
        monkeypatch.setenv("MY_SECRET", SECRET)
        (here / "sinch-conformance.toml").write_text("key-secret = '${MY_SECRET}'\n")
    else:
        args += ["--key-secret", SECRET]
    code, out, err = config(capsys, *args)
    assert code == 0 and "key-secret" in out and "***" in out
    code, as_json, err_json = config(capsys, "--json", *args)
    assert code == 0 and json.loads(as_json)["settings"]["key-secret"]["value"] == "***"
    assert SECRET not in out + err + as_json + err_json


# -- what users read ---------------------------------------------------------------------------


def test_config_output(here: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion) -> None:
    (here / "pyproject.toml").write_text(
        "[tool.sinch-conformance]\ntarget = 'https://us.conversation.api.sinch.com'\n"
        "auth = 'basic'\nkey-secret = '${NIGHTLY_SECRET}'\nmax-examples = 25\n"
        "phases = ['examples', 'fuzzing']\nrate-limit = 10\nout = 'nightly'\n"
        "[tool.sinch-conformance.operations.Messages_SendMessage]\nskip = true\n"
        "[tool.sinch-conformance.operations.Contact_CreateContact]\nmax-examples = 50\n"
        "expected-statuses = ['2xx', 400]\n"
        "[tool.sinch-conformance.drift]\nbaseline = 'drift-baseline.yaml'\n")
    monkeypatch.setenv("NIGHTLY_SECRET", SECRET)
    monkeypatch.setenv("SINCH_KEY_ID", "key-from-env")
    code, out, err = config(capsys, "--seed", "7", "--readonly")
    assert SECRET not in out + err
    assert f"exit {code}\n{out.replace(str(here), '<dir>')}{err}" == snapshot


# -- per-operation overrides in a run against the bundled emulator ------------------------------


def _run(cwd: Path, config_text: str, *args: str) -> tuple[subprocess.CompletedProcess[str],
                                                          dict[str, Any], list[Any]]:
    (cwd / "sinch-conformance.toml").write_text(config_text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--seed", "3", "--progress", "quiet",
         "--out", "out", "--emulator-fault", "valid-body-rejected", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((cwd / "out" / "summary.json").read_text())
    return proc, summary, read_findings(cwd / "out" / "findings")


@pytest.mark.slow
def test_overrides_change_what_schemathesis_does(tmp_path: Path) -> None:
    proc, summary, findings = _run(tmp_path, (
        "[operations.Contact_ListContacts]\nskip = true\n"
        "[operations.Contact_CreateContact]\nmax-examples = 8\n"
        "[operations.App_CreateApp]\nexpected-statuses = ['2xx']\n"),
        "--max-examples", "1", "--phases", "examples,fuzzing", "--no-probes")
    ops = summary["operations"]
    # skip: Schemathesis never called it (only the cleanup's listing did), and it says so
    assert set(ops["Contact_ListContacts"]["by_phase"]) <= {"cleanup"}
    assert ops["Contact_ListContacts"]["skipped"].startswith("skipped by config")
    assert "1 operation(s) skipped by config: Contact_ListContacts" in proc.stdout
    assert "SKIPPED BY CONFIG" in proc.stdout
    # max-examples: this operation got more fuzzing cases than one with the run's 1
    fuzzed = ops["Contact_CreateContact"]["by_phase"].get("fuzzing", 0)
    assert fuzzed >= 4 > ops["Webhooks_CreateWebhook"]["by_phase"].get("fuzzing", 0), ops
    # expected-statuses: a 400 to valid data is a violation here, and only here
    rejected = {f.operation_id for f in findings if f.kind == "positive_data_rejected"}
    assert rejected == {"App_CreateApp"}, rejected


@pytest.mark.slow
def test_overrides_change_what_the_probes_do(tmp_path: Path) -> None:
    proc, summary, findings = _run(tmp_path, (
        "[operations.Contact_ListContacts]\nskip = true\n"
        "[operations.Contact_CreateContact]\nexpected-statuses = ['2xx', 400]\n"),
        "--max-examples", "1", "--phases", "examples")
    rejected = {f.operation_id for f in findings if f.kind == "positive_data_rejected"}
    assert "App_CreateApp" in rejected and "Contact_CreateContact" not in rejected, rejected
    assert set(summary["operations"]["Contact_ListContacts"]["by_phase"]) <= {"cleanup"}
    assert "probe pagination: the probe needs Contact_ListContacts, which is skipped by " \
           "config" in proc.stdout
