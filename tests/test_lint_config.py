"""lint is configurable like Spectral and Redocly: rules listed with their severity,
per-rule off/severity and the failing severity in pyproject.toml or sinch-conformance.toml
(conformance/config.py, a section per command), and an ignore file of accepted findings so
CI fails only on new ones. In-process through the CLI, on a small spec (fast)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance import cli
from conformance.config import Section, check_keys, find_config, load_section
from conformance.errors import UserError
from conformance.findings import Finding
from conformance.lint import RULES
from conformance.lint.ignore import TODO_REASON, load_ignore
from conformance.lint.severity import default_severity
from tests.test_cli_tips import flags_named_wrongly
from tests.test_lint import clean_doc


def defective_doc() -> dict[str, Any]:
    """A small spec with four findings: required-undefined (critical), example-invalid
    (normal; the example lacks the field), unused-component and type-missing (minor)."""
    doc = clean_doc()
    doc["components"]["schemas"]["Thing"]["required"] = ["id", "name"]
    doc["components"]["schemas"]["Orphan"] = {"type": "string"}
    doc["components"]["schemas"]["Thing"]["properties"]["meta"] = {"properties": {}}
    return doc


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory holding spec.yaml (the defective spec)."""
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path / "spec.yaml", defective_doc())
    return tmp_path


def write_spec(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["lint", "--spec", "spec.yaml", *args])
    out, err = capsys.readouterr()
    return code, out, err


def findings_of(out: str) -> list[Finding]:
    return [Finding.from_json(line) for line in out.splitlines()]


# -- conformance/config.py ------------------------------------------------------------------


def test_no_config_file_is_an_empty_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config(cwd=tmp_path) is None  # a pyproject without our table does not count
    assert load_section("lint", cwd=tmp_path) == Section("lint")


def test_pyproject_and_the_own_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.sinch-conformance.lint]\nfail-on = 'minor'\n")
    section = load_section("lint", cwd=tmp_path)
    assert section.values == {"fail-on": "minor"}
    assert section.table == "[tool.sinch-conformance.lint]"
    (tmp_path / "sinch-conformance.toml").write_text("[lint]\nfail-on = 'critical'\n")
    section = load_section("lint", cwd=tmp_path)  # the tool's own file wins
    assert (section.values, section.table) == ({"fail-on": "critical"}, "[lint]")
    other = tmp_path / "elsewhere.toml"
    other.write_text("[lint.rules]\nunused-component = 'off'\n[drift]\nx = 1\n")
    assert load_section("lint", other).values == {"rules": {"unused-component": "off"}}
    assert load_section("drift", other).values == {"x": 1}  # other commands' sections
    assert load_section("lint", tmp_path / "pyproject.toml").values == {"fail-on": "minor"}


@pytest.mark.parametrize(("text", "needle"), [
    ("[lint]\nfail_on = 'minor'\n", "key 'fail_on' of [lint] in {file} is not a setting "
                                    "(known: fail-on, ignore-file, rules)"),
    ("[lint]\nfail-on = 3\n", "key 'fail-on' of [lint] in {file} must be a string, not an "
                              "integer (3)"),
    ("[lint]\nrules = 'all'\n", "key 'rules' of [lint] in {file} must be a table"),
    ("[lint]\nfail-on = 'loud'\n", "key 'fail-on' of [lint] in {file} is 'loud', not a "
                                   "severity"),
    ("[lint.rules]\nno-such-rule = 'off'\n", "key 'rules.no-such-rule' of [lint] in {file} "
                                             "names no lint rule"),
    ("[lint.rules]\nunused-component = 'sometimes'\n", "key 'rules.unused-component' of "
                                                       "[lint] in {file} is 'sometimes'"),
    ("[lint.rules]\nunused-component = 2\n", "key 'rules.unused-component'"),
    ("lint = 3\n", "'lint' in {file} is not a table"),
    ("[lint\n", "the configuration file {file} is not valid TOML (Expected ']'"),
])
def test_a_bad_setting_is_one_error_naming_the_key_and_the_file(
        work: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str) -> None:
    config = work / "sinch-conformance.toml"
    config.write_text(text)
    code, out, err = lint(capsys)
    assert code == 2 and out == ""
    assert needle.format(file=config) in err, err
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["error", "tip"]
    assert flags_named_wrongly("lint", lines[-1]) == []


def test_check_keys_takes_the_callers_schema(tmp_path: Path) -> None:
    section = Section("report", {"html": "yes"}, tmp_path / "pyproject.toml")
    check_keys(Section("report", {"html": True}), {"html": bool})
    with pytest.raises(UserError, match=r"key 'html' of \[tool.sinch-conformance.report\] in "
                                        r".*pyproject.toml must be true or false, not a string"):
        check_keys(section, {"html": bool})


def test_a_missing_config_file(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = lint(capsys, "--config", "nope.toml")
    assert code == 2 and "the configuration file nope.toml does not exist" in err


# -- rules: listed, off, severities, the failing severity -----------------------------------


def test_list_rules_names_every_rule_with_its_severity_and_doc(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, "--list-rules")
    lines = out.splitlines()
    assert code == 0 and lines[-1] == f"{len(RULES)} rules"
    for entry, line in zip(RULES, lines, strict=False):
        assert line.split()[:2] == [entry.name, str(default_severity(entry.name))]
        assert line.endswith(entry.doc)
    code, out, _ = lint(capsys, "--list-rules", "--format", "json")
    rows = json.loads(out)
    assert [r["rule"] for r in rows] == list(RULES.names())
    assert rows[0] == {"rule": "oas-required", "severity": "critical", "default": "critical",
                       "description": RULES["oas-required"].doc}


def test_rules_off_and_severities_from_pyproject(work: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = lint(capsys, "--json")
    assert {f.evidence["rule"] for f in findings_of(out)} == {
        "required-undefined", "example-invalid", "unused-component", "type-missing"}
    (work / "pyproject.toml").write_text(
        "[tool.sinch-conformance.lint.rules]\nunused-component = 'off'\n"
        "type-missing = 'blocker'\nrequired-undefined = true\n")
    code, out, _ = lint(capsys, "--json")
    found = {f.evidence["rule"]: f.severity for f in findings_of(out)}
    assert code == 1 and found == {"required-undefined": "critical", "type-missing": "blocker",
                                   "example-invalid": "normal"}
    _, out, _ = lint(capsys, "--list-rules")
    assert "unused-component" in out and "off       " in out and "[default: minor]" in out
    assert out.splitlines()[-1].endswith(f"rules (configured in [tool.sinch-conformance.lint] "
                                         f"in {work / 'pyproject.toml'})")


def test_fail_on_gates_the_exit_code(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "sinch-conformance.toml").write_text("[lint]\nfail-on = 'blocker'\n")
    code, out, _ = lint(capsys)
    assert code == 0  # four findings, none a blocker: shown, but CI passes
    assert out.splitlines()[-1].endswith("; 0 at or above blocker")
    assert lint(capsys, "--fail-on", "critical")[0] == 1  # the flag overrides the file
    (work / "sinch-conformance.toml").write_text("[lint]\nfail-on = 'critical'\n"
                                                 "[lint.rules]\nrequired-undefined = 'minor'\n")
    assert lint(capsys)[0] == 0
    code, _, err = lint(capsys, "--fail-on", "loud")
    assert code == 2 and "--fail-on is 'loud', not a severity" in err


def test_json_is_still_an_alias_of_format_json(work: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = lint(capsys, "--json")
    code2, out2, err2 = lint(capsys, "--format", "json")
    assert code == code2 == 1 and err == err2 and "spec defects (by rule:" in err
    strip = [{**json.loads(line), "timestamp": ""} for line in out.splitlines()]
    assert strip == [{**json.loads(line), "timestamp": ""} for line in out2.splitlines()]


# -- the ignore file ------------------------------------------------------------------------


def test_update_ignore_then_only_new_findings_fail(work: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = lint(capsys, "--update-ignore")
    assert code == 0 and out == ""
    assert "wrote 4 entries to .sinch-lint-ignore.yaml (4 added, 0 no longer found" in err
    entries = load_ignore(work / ".sinch-lint-ignore.yaml")
    assert {e.reason for e in entries} == {TODO_REASON}
    assert {e.rule for e in entries} == {"required-undefined", "example-invalid",
                                         "unused-component", "type-missing"}
    code, out, _ = lint(capsys)  # the default ignore file, found in the current directory
    assert code == 0
    assert out == "0 spec defects; 4 ignored by .sinch-lint-ignore.yaml\n"

    doc = defective_doc()
    doc["components"]["schemas"]["Spare"] = {"type": "string"}  # a new finding
    write_spec(work / "spec.yaml", doc)
    code, out, _ = lint(capsys)
    assert code == 1
    assert [line.split(": ")[1] for line in out.splitlines()[:-1]] == [
        "unused-component [minor] Spare is never used"]


def test_stale_entries_are_reported_and_reasons_kept(work: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    lint(capsys, "--update-ignore")
    path = work / ".sinch-lint-ignore.yaml"
    text = path.read_text()
    assert "reason: 'TODO: review'" in text
    path.write_text(text.replace("reason: 'TODO: review'",
                                 "reason: 'Accepted: the SDK generator needs it.'", 1))
    doc = defective_doc()
    del doc["components"]["schemas"]["Orphan"]  # fixed: its entry no longer matches
    write_spec(work / "spec.yaml", doc)
    code, out, _ = lint(capsys)
    stale = [line for line in out.splitlines() if "matches no finding any more" in line]
    assert code == 0 and len(stale) == 1 and "unused-component at /components/schemas/Orphan" in (
        stale[0])
    assert out.splitlines()[-1] == ("0 spec defects; 3 ignored by .sinch-lint-ignore.yaml; "
                                    "1 ignore entry no longer found")
    _, _, err = lint(capsys, "--format", "json")
    assert "matches no finding any more" in err  # machine formats: on stderr
    lint(capsys, "--update-ignore")
    entries = load_ignore(path)
    assert len(entries) == 3
    assert "Accepted: the SDK generator needs it." in {e.reason for e in entries}


def test_ignore_file_from_flag_and_config(work: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = lint(capsys, "--ignore-file", "missing.yaml")
    assert code == 2 and "the ignore file missing.yaml does not exist" in err
    assert lint(capsys, "--ignore-file", "lint/accepted.yaml", "--update-ignore")[0] == 0
    assert lint(capsys, "--ignore-file", "lint/accepted.yaml")[0] == 0
    (work / "ci").mkdir()
    (work / "ci" / "sinch-conformance.toml").write_text("[lint]\nignore-file = 'accepted.yaml'\n")
    code, _, err = lint(capsys, "--config", "ci/sinch-conformance.toml", "--update-ignore")
    assert code == 0 and (work / "ci" / "accepted.yaml").exists()  # relative to the config
    assert lint(capsys, "--config", "ci/sinch-conformance.toml")[0] == 0


@pytest.mark.parametrize(("text", "needle"), [
    ("entries: [{fingerprint: abc}]\n", "entry 1 of the ignore file bad.yaml (abc) has no reason"),
    ("entries: [{reason: x}]\n", "entry 1 of the ignore file bad.yaml has no fingerprint"),
    ("entries: 3\n", "has no 'entries' list"),
    ("entries: [\n", "is not a readable YAML file"),
])
def test_a_bad_ignore_file(work: Path, capsys: pytest.CaptureFixture[str], text: str,
                           needle: str) -> None:
    (work / "bad.yaml").write_text(text)
    code, _, err = lint(capsys, "--ignore-file", "bad.yaml")
    assert code == 2 and needle in err, err
    assert flags_named_wrongly("lint", err.strip().splitlines()[-1]) == []
