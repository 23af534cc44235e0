"""`sinch-conformance diff`: the real spec against modified copies of itself."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.reports.diff_model import load_spec_file
from conformance.reports.spec_diff import Change, diff_specs
from conformance.spec_loader import DEFAULT_SPEC, load_document

Doc = dict[str, Any]
SEND = "/v1/projects/{project_id}/messages:send"
APPS = "/v1/projects/{project_id}/apps"


def schemas(doc: Doc) -> Doc:
    return doc["components"]["schemas"]


def remove_operation(doc: Doc) -> None:
    del doc["paths"]["/v1/projects/{project_id}/messages/{message_id}"]["delete"]


def add_required_request_field(doc: Doc) -> None:
    request = schemas(doc)["SendMessageRequest"]
    request["properties"]["priority"] = {"type": "string"}
    request["required"] = [*request.get("required", []), "priority"]


def add_optional_request_field(doc: Doc) -> None:
    schemas(doc)["SendMessageRequest"]["properties"]["priority"] = {"type": "string"}


def narrow_enum(doc: Doc) -> None:
    channel = schemas(doc)["ConversationChannel"]
    channel["enum"] = [v for v in channel["enum"] if v != "SMS"]


def widen_enum(doc: Doc) -> None:
    schemas(doc)["ConversationChannel"]["enum"].append("PIGEON")


def remove_response_field(doc: Doc) -> None:
    del schemas(doc)["AppResponse"]["properties"]["display_name"]


def change_type(doc: Doc) -> None:
    schemas(doc)["SendMessageRequest"]["properties"]["ttl"] = {"type": "integer"}


def remove_status(doc: Doc) -> None:
    del doc["paths"][APPS]["get"]["responses"]["200"]


def add_required_query(doc: Doc) -> None:
    doc["paths"][APPS]["get"].setdefault("parameters", []).append(
        {"name": "region", "in": "query", "required": True, "schema": {"type": "string"}})


def add_optional_query(doc: Doc) -> None:
    doc["paths"][APPS]["get"].setdefault("parameters", []).append(
        {"name": "page_size", "in": "query", "schema": {"type": "integer"}})


def rename_path_parameter(doc: Doc) -> None:
    paths = doc["paths"]
    old = "/v1/projects/{project_id}/apps/{app_id}"
    item = json.loads(json.dumps(paths.pop(old)).replace('"app_id"', '"the_app"'))
    paths[old.replace("{app_id}", "{the_app}")] = item


# (spec variant, operation, change kind, breaking); each variant combines changes that do
# not touch the same schema, so the suite loads few specs.
BREAKING = (remove_operation, add_required_request_field, narrow_enum, remove_response_field,
            remove_status, add_required_query)
MIXED = (add_optional_request_field, widen_enum, change_type, add_optional_query)
CASES: list[tuple[str, str, str, bool]] = [
    ("breaking", "Messages_DeleteMessage", "operation_removed", True),
    ("breaking", "Messages_SendMessage", "request_required_field_added", True),
    ("mixed", "Messages_SendMessage", "request_field_added", False),
    ("breaking", "Conversation_CreateConversation", "request_enum_narrowed", True),
    ("breaking", "Conversation_GetConversation", "response_enum_narrowed", False),
    ("mixed", "Conversation_GetConversation", "response_enum_widened", True),
    ("mixed", "Conversation_CreateConversation", "request_enum_widened", False),
    ("breaking", "App_GetApp", "response_field_removed", True),
    ("mixed", "Messages_SendMessage", "request_type_changed", True),
    ("breaking", "App_ListApps", "response_status_removed", True),
    ("breaking", "App_ListApps", "parameter_added_required", True),
    ("mixed", "App_ListApps", "parameter_added", False),
]
_BASE: list[Doc] = []


def base_document() -> Doc:
    if not _BASE:
        _BASE.append(load_document(DEFAULT_SPEC))
    return copy.deepcopy(_BASE[0])


def modified(tmp_path: Path, *changes: Callable[[Doc], None]) -> Path:
    doc = base_document()
    for change in changes:
        change(doc)
    doc["info"]["version"] = "1.1"
    path = tmp_path / f"{changes[0].__name__}.json"  # JSON is YAML, and quicker to write
    path.write_text(json.dumps(doc))
    return path


def diff_json(tmp_path: Path, new: Path, capsys: pytest.CaptureFixture[str]
              ) -> tuple[int, dict[str, Any]]:
    code = main(["diff", str(DEFAULT_SPEC), str(new), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Change]]:
    tmp = tmp_path_factory.mktemp("specs")
    old = load_spec_file(DEFAULT_SPEC, "OLD")
    return {name: diff_specs(old, load_spec_file(modified(tmp, *changes), "NEW"))
            for name, changes in (("breaking", BREAKING), ("mixed", MIXED))}


@pytest.mark.parametrize(("variant", "operation", "kind", "breaking"), CASES,
                         ids=[f"{c[2]}-{c[1]}" for c in CASES])
def test_change_is_found_and_classed(variants: dict[str, list[Change]], variant: str,
                                     operation: str, kind: str, breaking: bool) -> None:
    matching = [c for c in variants[variant]
                if c.kind == kind and c.operation.startswith(operation + " ")]
    assert matching and all(c.breaking is breaking for c in matching)


def test_required_field_change_is_reported_once_with_where_it_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = diff_json(tmp_path, modified(tmp_path, add_required_request_field), capsys)
    assert code == 1
    pointer = "/components/schemas/SendMessageRequest/properties/priority"
    [change] = data["changes"]
    assert change == {
        "kind": "request_required_field_added", "grade": "major", "breaking": True,
        "operation": f"Messages_SendMessage (POST {SEND})",
        "location": "request.body/priority",
        "message": "Request body: required field added at `/priority`.",
        "file": change["file"], "line": 1, "column": change["column"], "pointer": pointer}
    assert change["file"].endswith("add_required_request_field.json")  # JSON: all on line 1
    text = Path(change["file"]).read_text()
    assert text[change["column"] - 1:].startswith('"priority"')
    assert data["new"]["version"] == "1.1" and data["old"]["hash"] != data["new"]["hash"]


def test_non_breaking_changes_exit_zero_and_renamed_path_parameter_is_no_change(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = diff_json(tmp_path, modified(tmp_path, add_optional_query), capsys)
    assert code == 0 and data["summary"] == {"major": 0, "minor": 1, "patch": 0,
                                             "breaking": 0, "non_breaking": 1}
    code, data = diff_json(tmp_path, modified(tmp_path, rename_path_parameter), capsys)
    assert code == 0 and data["changes"] == []


def test_markdown_and_junit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "diff.xml"
    new = modified(tmp_path, remove_operation)
    assert main(["diff", str(DEFAULT_SPEC), str(new), "--junit", str(junit)]) == 1
    md = capsys.readouterr().out.splitlines()
    assert md[0] == "## Spec diff: 1 major, 0 minor, 0 patch"
    assert md[4:7] == ["### ❌ Major (breaking)", "",
                       "| Operation | Change | Location | Detail | Where |"]
    assert md[8].startswith("| Messages_DeleteMessage (DELETE /v1/projects/{project_id}/"
                            "messages/{message_id}) | operation_removed | - | The operation "
                            f"was removed. | {DEFAULT_SPEC}:")  # removed: in the OLD file
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case is not None and case.find("failure") is not None


def test_same_spec_has_no_change(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(DEFAULT_SPEC), str(DEFAULT_SPEC)]) == 0
    assert "✅ No change" in capsys.readouterr().out


def test_a_file_that_is_not_a_spec_is_a_user_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("just: text\n")
    assert main(["diff", str(DEFAULT_SPEC), str(bad)]) == 2
    assert "is not an OpenAPI document" in capsys.readouterr().err
