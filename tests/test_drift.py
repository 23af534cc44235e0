"""`sinch-conformance drift`: Sinch's own SDK fixtures replayed as HAR, a baseline gate."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.contract import Contract, Parameter
from conformance.findings import Finding
from conformance.findings_io import FindingsWriter
from tests.spec_paths import FIXTURES

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"needs {FIXTURES}")
BASE = "https://us.conversation.api.sinch.com"
SECRET = "Bearer live-token-abcdef"


def _sample(param: Parameter) -> str:
    schema = param.schema if isinstance(param.schema, dict) else {}
    if schema.get("enum"):
        return str(schema["enum"][0])
    return {"integer": "1", "number": "1", "boolean": "true"}.get(schema.get("type"), "x")


def _entry(method: str, url: str, request: str | None, response: Path | None
           ) -> dict[str, Any]:
    json_type = {"name": "Content-Type", "value": "application/json"}
    req: dict[str, Any] = {"method": method, "url": url,
                           "headers": [json_type, {"name": "Authorization", "value": SECRET}]}
    if request is not None:
        req["postData"] = {"mimeType": "application/json", "text": request}
    resp: dict[str, Any] = {"status": 0, "headers": [], "content": {}}
    if response is not None:
        resp = {"status": int(response.name.split("-")[1]), "headers": [json_type],
                "content": {"mimeType": "application/json", "text": response.read_text()}}
    return {"startedDateTime": "2026-05-01T00:00:00Z", "request": req, "response": resp}


def fixtures_har(path: Path) -> Path:
    """A HAR with one exchange per fixture: request-*.json bodies sent to the operation the
    folder names, response-<status>-*.json bodies answered (paired in turn)."""
    contract = Contract.default()
    entries = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.name in contract.operations):
        op = contract.operations[folder.name]
        url = BASE + re.sub(r"\{([^}]+)\}", lambda m: "PRJ" if m.group(1) == "project_id"
                            else "ID0001", op.path_template)
        query = "&".join(f"{p.name}={_sample(p)}" for p in op.parameters
                         if p.location == "query" and p.required)
        url += f"?{query}" if query else ""
        requests = sorted(folder.glob("request-*.json"))
        responses = sorted(folder.glob("response-*.json"))
        for i in range(max(len(requests), len(responses))):
            body = requests[i % len(requests)].read_text() if requests else None
            entries.append(_entry(op.method, url, body,
                                  responses[i % len(responses)] if responses else None))
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test"},
                                        "entries": entries}}))
    return path


@pytest.fixture(scope="module")
def har(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixtures_har(tmp_path_factory.mktemp("har") / "sdk-fixtures.har")


def drift(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["drift", *args, "--out", str(tmp_path / "out")])
    data = json.loads((tmp_path / "out" / "drift.json").read_text())
    return code, data, (tmp_path / "out" / "drift.md").read_text()


def operation(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(op for op in data["operations"] if op["operation"] == key)


def test_fixtures_show_drift_per_operation_and_field(har: Path, tmp_path: Path) -> None:
    code, data, md = drift(tmp_path, str(har))
    assert code == 1
    app = operation(data, "App_CreateApp")
    fields = {g["location"] for g in app["fields"]}
    assert {"request.body/callback_settings", "response.body/queue_stats",
            "response.body/channel_credentials/*/state"} <= fields
    assert app["calls"] == 1 and all(g["state"] == "new" for g in app["fields"])
    webhook = operation(data, "Webhooks_CreateWebhook")
    assert webhook["enum_values"] and webhook["enum_values"][0]["kind"] == \
        "undocumented_enum_value"
    send = operation(data, "Messages_SendMessage")
    assert send["violations"][0]["location"] == "request.body/conversation_metadata"
    assert send["violations"][0]["count"] == send["calls"] == 9
    assert data["summary"]["new"] == len(data["new"]) > 100 and data["notes"] == []
    assert SECRET.split()[1] not in json.dumps(data)


def test_documented_fields_never_seen_come_from_the_traffic(har: Path, tmp_path: Path) -> None:
    _, data, md = drift(tmp_path, str(har))
    update = operation(data, "Contact_UpdateContact")
    assert update["never_seen"] == {"request.body": ["/id"], "response.200.body": []}
    send = operation(data, "Messages_SendMessage")["never_seen"]["request.body"]
    assert "/message/message" in send and "/recipient/contact_id" not in send
    created = operation(data, "Conversation_CreateConversation")["never_seen"]["request.body"]
    assert "/metadata" in created and "/last_received" not in created  # readOnly
    assert "- request.body: `/message/message` (+80 nested), " in md


def test_markdown_is_a_job_summary(har: Path, tmp_path: Path) -> None:
    _, data, md = drift(tmp_path, str(har))
    lines = md.splitlines()
    assert lines[0] == f"## Spec drift: {data['summary']['new']} new, 0 accepted, 0 fixed"
    assert lines[4].startswith("❌ ") and "not in the baseline" in lines[4]
    assert lines[6] == ("| Operation | Calls | Fields | Enum values | Query params | Statuses "
                        "| Paths | Violations | Never seen | New |")
    assert "| Contact_UpdateContact | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 1 | 1 |" in lines
    assert "### New: not in the baseline" in lines and "### Per operation" in lines
    assert "<details><summary><b>App_CreateApp</b> — POST /v1/projects/{project_id}/apps: " \
           "9 finding(s), 9 new</summary>" in lines


def test_baseline_gates_only_new_drift_and_lists_fixed_entries(har: Path,
                                                                tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    code, first, _ = drift(tmp_path, str(har), "--baseline", str(baseline),
                           "--update-baseline")
    assert code == 0
    entries = yaml.safe_load(baseline.read_text())["entries"]
    assert len(entries) == first["summary"]["new"]
    assert {e["reason"] for e in entries} == {"TODO: review"}
    assert set(entries[0]) == {"fingerprint", "kind", "operation_id", "location", "reason"}

    code, data, md = drift(tmp_path, str(har), "--baseline", str(baseline))
    assert code == 0 and data["summary"]["new"] == 0 and "✅ No new drift." in md

    dropped, *kept = entries
    stale = {"fingerprint": "0000000000000000", "kind": "undocumented_field",
             "operation_id": "App_GetApp", "location": "response.body/gone", "reason": "fixed"}
    baseline.write_text(yaml.safe_dump({"entries": [*kept, stale]}))
    junit = tmp_path / "drift.xml"
    code, data, md = drift(tmp_path, str(har), "--baseline", str(baseline), "--junit",
                           str(junit))
    assert code == 1 and data["new"] == [dropped["fingerprint"]]
    assert data["fixed"] == [stale] and "### Fixed: baseline entries no longer seen" in md
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    assert suite.get("tests") == str(len(entries) + 1)


def write_findings(directory: Path, findings: list[Finding]) -> Path:
    with FindingsWriter(directory, "proxy") as writer:
        for f in findings:
            writer.write(f)
    return directory


def test_findings_only_input_groups_and_notes_what_it_cannot_know(tmp_path: Path) -> None:
    f = Finding.make("undocumented_query_param", source="proxy", message="Query parameter "
                     "`debug` is not documented for App_ListApps.", operation_id="App_ListApps",
                     method="GET", path_template="/v1/projects/{project_id}/apps",
                     location="request.query.debug")
    path = Finding.make("operation_undocumented", source="proxy", method="GET",
                        path_template="/v1/projects/PRJ/apps/{id}/stats",
                        location="request.path", message="GET /v1/projects/PRJ/apps/x/stats "
                        "matches no operation of the spec.")
    folder = write_findings(tmp_path / "findings", [f, f, path])
    code, data, md = drift(tmp_path, "--findings", str(folder), "--format", "json")
    assert code == 1
    apps = operation(data, "App_ListApps")
    assert apps["query_params"][0]["count"] == 2 and apps["never_seen"] is None
    unmatched = operation(data, "GET /v1/projects/PRJ/apps/{id}/stats")
    assert unmatched["documented"] is False and len(unmatched["paths"]) == 1
    assert "need recorded traffic" in data["notes"][0] and data["notes"][0] in md


def test_checks_that_did_not_run_never_gate(tmp_path: Path) -> None:
    skipped = Finding.make("body_skipped", source="proxy", message="Body of 20 MB not checked.",
                           operation_id="App_ListApps", location="response.body")
    folder = write_findings(tmp_path / "findings", [skipped])
    code, data, _ = drift(tmp_path, "--findings", str(folder))
    assert code == 0 and operation(data, "App_ListApps")["not_checked"][0]["state"] == \
        "not gating"


@pytest.mark.parametrize(("args", "message"), [
    (["--update-baseline"], "--update-baseline needs --baseline"),
    (["--baseline", "{missing}"], "does not exist"),
    (["--baseline", "{bad}"], "has no reason"),
    (["--baseline", "{dir}"], "is not a readable YAML file"),
    (["--baseline", "{noentries}"], "has no 'entries' list"),
    (["{nothar}"], "so it is not a HAR document"),
])
def test_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                     message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - fingerprint: abc\n")
    nothar = tmp_path / "x.har"
    nothar.write_text("{}")
    noentries = tmp_path / "noentries.yaml"
    noentries.write_text("entries: 3\n")
    paths = {"{missing}": str(tmp_path / "nope.yaml"), "{bad}": str(bad),
             "{nothar}": str(nothar), "{dir}": str(tmp_path), "{noentries}": str(noentries)}
    argv = [paths.get(a, a) for a in args]
    assert main(["drift", "--findings", str(tmp_path), *argv]) == 2
    assert message in capsys.readouterr().err


def test_the_example_baseline_accepts_real_sdk_drift(har: Path, tmp_path: Path) -> None:
    """The baseline's SDK-fixture entries are all seen in Sinch's fixtures; its entries for
    the emulator's 404s are not (the fixtures have no 404), so they show as fixed."""
    example = Path(__file__).resolve().parent.parent / "drift-baseline.yaml"
    entries = yaml.safe_load(example.read_text())["entries"]
    sdk = [e for e in entries if e["kind"] != "undocumented_status"]
    emulator_404 = {e["fingerprint"] for e in entries if e["kind"] == "undocumented_status"}
    _, data, _ = drift(tmp_path, str(har), "--baseline", str(example))
    assert data["summary"]["accepted"] == len(sdk) > 0
    assert {f["fingerprint"] for f in data["fixed"]} == emulator_404
