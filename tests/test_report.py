"""`sinch-conformance report`: Allure results from findings of every source."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.findings import CATEGORIES, Finding
from conformance.findings_io import FindingsWriter
from conformance.reports import allure_cli, allure_meta

SEND = "/v1/projects/{project_id}/messages:send"
TARGET = "https://us.conversation.api.sinch.com"
CURL = ("curl -X POST -H 'Authorization: Bearer s3cr3t-token-value' "
        "https://us.conversation.api.sinch.com/v1/projects/PRJ/messages:send")


def known_findings() -> list[Finding]:
    common: dict[str, Any] = dict(target=TARGET, run_id="nightly-7",
                                  timestamp="2026-05-01T02:03:04.000Z")
    send = dict(operation_id="Messages_SendMessage", method="POST", path_template=SEND)
    return [
        Finding.make("response_body_schema", source="suite", status=200,
                     message="Response body at `/accepted_time` violates the schema: 5 is not "
                             "of type \"string\".", location="response.body/accepted_time",
                     evidence={"request": {"method": "POST", "url": TARGET + "/x",
                                           "headers": {"Authorization": "Bearer abcdefgh"},
                                           "body": {"app_id": "A1", "token": "hunter22"}},
                               "response": {"status": 200, "body": {"accepted_time": 5}},
                               "curl": CURL},
                     secrets=["s3cr3t-token-value"], **send, **common),
        Finding.make("undocumented_field", source="proxy", status=200,
                     message="Response body has field `/surprise`, which the spec does not "
                             "document.", location="response.body/surprise", **send, **common),
        Finding.make("server_error", source="suite", status=500, location="response.status",
                     message="Messages_SendMessage answered 500.", **send, **common),
        Finding.make("auth_ignored", source="suite", status=200, operation_id="App_ListApps",
                     method="GET", path_template="/v1/projects/{project_id}/apps",
                     location="request.header.authorization",
                     message="App_ListApps answered 200 without credentials.", **common),
        Finding.make("use_after_delete", source="suite", status=200,
                     operation_id="Contact_GetContact", method="GET",
                     path_template="/v1/projects/{project_id}/contacts/{contact_id}",
                     location="response.status",
                     message="Contact_GetContact answered 200 after deletion.", **common),
        Finding.make("response_status_undocumented", source="replay", status=418,
                     location="response.status", message="Received status 418; documented: "
                     "200, default.", **send, **common),
        Finding.make("operation_undocumented", source="proxy", method="GET",
                     path_template="/v1/projects/PRJ/secret-admin", location="request.path",
                     message="GET /v1/projects/PRJ/secret-admin matches no operation.",
                     **common),
    ]


def write_run(directory: Path, findings: list[Finding]) -> Path:
    by_source: dict[str, list[Finding]] = {}
    for f in findings:
        by_source.setdefault(f.source, []).append(f)
    for source, items in by_source.items():
        with FindingsWriter(directory / "findings", source) as writer:
            for f in items:
                writer.write(f)
                writer.write(f)  # seen twice: one result that counts both
    summary = {"operations": {"Contact_CreateContact": {"calls": 12},
                              "Messages_SendMessage": {"calls": 30},
                              "App_DeleteApp": {"calls": 0}}}
    (directory / "summary.json").write_text(json.dumps(summary))
    return directory


def results(out: Path) -> dict[str, dict[str, Any]]:
    files = sorted((out / "allure-results").glob("*-result.json"))
    loaded = [json.loads(p.read_text()) for p in files]
    return {r["name"]: r for r in loaded}


def labels(result: dict[str, Any], name: str) -> list[str]:
    return [lb["value"] for lb in result["labels"] if lb["name"] == name]


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("GITHUB_RUN_ID", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(var, raising=False)
    write_run(tmp_path, known_findings())
    assert main(["report", "--findings", str(tmp_path / "findings"), "--out",
                 str(tmp_path)]) == 0
    return tmp_path


def test_one_result_per_source_and_fingerprint_with_status_by_category(report: Path) -> None:
    by_name = results(report)
    statuses = sorted((r["status"], labels(r, "epic")[0]) for r in by_name.values())
    assert statuses == [
        ("broken", "proxy"), ("broken", "proxy"),  # drift: field and path
        ("failed", "replay"),
        ("failed", "suite"), ("failed", "suite"), ("failed", "suite"), ("failed", "suite"),
        ("passed", "suite"),  # Contact_CreateContact: called, no finding
        ("skipped", "suite"),  # App_DeleteApp: never called
    ]
    drift = by_name["Undocumented field: Messages_SendMessage (200) at response.body/surprise"]
    assert labels(drift, "story") == ["Messages_SendMessage"]
    assert labels(drift, "feature") == ["Messages"]
    assert labels(drift, "severity") == ["minor"]
    assert {"drift", "undocumented_field"} <= set(labels(drift, "tag"))
    assert drift["statusDetails"]["message"].startswith("[drift] Undocumented field: ")
    params = {p["name"]: p["value"] for p in drift["parameters"]}
    assert params["occurrences"] == "2" and params["target"] == TARGET


def test_failed_result_carries_redacted_request_response_and_curl(report: Path) -> None:
    r = next(r for r in results(report).values() if r["name"].startswith("Response violates"))
    attachments = {a["name"]: a for a in r["attachments"]}
    assert set(attachments) == {"Request", "Response", "curl", "Finding"}
    folder = report / "allure-results"
    curl = (folder / attachments["curl"]["source"]).read_text()
    assert attachments["curl"]["type"] == "text/plain"
    assert curl.startswith("curl -X POST") and "s3cr3t-token-value" not in curl
    request = json.loads((folder / attachments["Request"]["source"]).read_text())
    assert request["headers"]["Authorization"] == "Bearer ***"
    assert request["body"]["token"] == "***"
    assert "Reproduce with:\n    curl -X POST" in r["statusDetails"]["trace"]
    assert labels(r, "severity") == ["critical"]


def test_history_ids_are_stable_across_runs(report: Path) -> None:
    first = {n: r["historyId"] for n, r in results(report).items()}
    assert len(set(first.values())) == len(first)
    assert main(["report", "--findings", str(report / "findings"), "--out", str(report)]) == 0
    assert {n: r["historyId"] for n, r in results(report).items()} == first


def test_categories_match_every_failing_result_in_allure_2_and_3(report: Path) -> None:
    rules = json.loads((report / "allure-results" / "categories.json").read_text())
    assert [r["name"] for r in rules][:len(CATEGORIES)] == [c.capitalize() for c in CATEGORIES]
    found = set()
    for r in results(report).values():
        if r["status"] not in ("failed", "broken"):
            continue
        message = r["statusDetails"]["message"]
        for rule in rules:
            regex = rule.get("messageRegex", ".*")
            allure2 = re.fullmatch(regex, message, re.DOTALL)  # Java's matches()
            allure3 = re.search(regex, message)  # JavaScript's RegExp.test()
            if r["status"] in rule["matchedStatuses"] and allure2 and allure3:
                found.add(rule["name"])
                break
    assert found == {"Schema violation", "Drift", "Server error", "Auth", "Stateful",
                     "Undocumented status"}


def test_environment_and_local_executor(report: Path) -> None:
    props = (report / "allure-results" / "environment.properties").read_text()
    env = dict(line.split("=", 1) for line in props.splitlines())
    assert env["target"] == TARGET
    assert env["spec.version"] == "1.0" and len(env["spec.hash"]) == 12
    assert env["runs"] == "nightly-7" and env["sources"] == "proxy, replay, suite"
    assert env["schemathesis"][0].isdigit() and env["sinch-conformance"][0].isdigit()
    executor = json.loads((report / "allure-results" / "executor.json").read_text())
    assert executor["type"] == "local"


def test_executor_links_the_github_actions_run() -> None:
    info = allure_meta.executor({"GITHUB_RUN_ID": "99", "GITHUB_REPOSITORY": "acme/sinch",
                                 "GITHUB_RUN_NUMBER": "12", "GITHUB_WORKFLOW": "nightly",
                                 "GITHUB_SERVER_URL": "https://github.com"})
    assert info["buildUrl"] == "https://github.com/acme/sinch/actions/runs/99"
    assert info["buildName"] == "nightly #12" and info["buildOrder"] == 12


def test_rerun_replaces_own_files_and_keeps_allure_pytest_results(report: Path) -> None:
    folder = report / "allure-results"
    foreign = folder / "0000-allure-pytest-result.json"
    foreign.write_text(json.dumps({"name": "test_stateful", "status": "passed", "labels": []}))
    before = set(folder.iterdir())
    for f in (report / "findings").iterdir():
        f.unlink()
    assert main(["report", "--findings", str(report / "findings"), "--out", str(report)]) == 0
    after = set(folder.iterdir())
    assert foreign in after and len(after) < len(before)
    assert sorted((r["status"], r["name"]) for r in results(report).values()) == [
        ("passed", "Contact_CreateContact conforms to the spec"),
        ("passed", "Messages_SendMessage conforms to the spec"),
        ("passed", "test_stateful"), ("skipped", "App_DeleteApp conforms to the spec")]


def test_missing_findings_directory_is_an_empty_run(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--findings", str(tmp_path / "none"), "--out", str(tmp_path)]) == 0
    assert "wrote 0 Allure results" in capsys.readouterr().out
    assert (tmp_path / "allure-results" / "categories.json").exists()


def test_missing_findings_file_is_a_user_error(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--findings", str(tmp_path / "x.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_html_without_the_allure_cli_names_the_install_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allure_cli, "candidates", lambda: [tmp_path / "no-allure"])
    code = main(["report", "--findings", str(tmp_path / "none"), "--out", str(tmp_path),
                 "--html"])
    err = capsys.readouterr().err
    assert code == 2 and "sinch-conformance report --install-allure" in err
    assert [line.split(":")[0] for line in err.strip().splitlines()[-2:]] == ["error", "tip"]
    assert (tmp_path / "allure-results" / "categories.json").exists()  # results still written
