"""Validation of requests and responses by the contract core, drift included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.contract import Contract
from conformance.findings import Kind
from conformance.spec_loader import DEFAULT_SPEC

C = Contract.default()
P = "/v1/projects/PRJ"
JSON = {"Content-Type": "application/json"}


def req(method: str, url: str, body: Any = None, headers: dict | None = None) -> list:
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None
                                                 else b"")
    return C.validate_request(method, url, JSON if headers is None else headers, raw,
                              source="suite")


def resp(method: str, url: str, status: int, body: Any, headers: dict | None = None) -> list:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return C.validate_response(method, url, status, JSON if headers is None else headers, raw,
                               source="suite")


def kinds(findings: list) -> list[str]:
    return sorted(str(f.kind) for f in findings)


SEND = {"app_id": "A1", "recipient": {"contact_id": "C1"}, "message": {}}
APP = {"id": "01HZX", "display_name": "demo", "channel_credentials": [
    {"channel": "SMS", "static_bearer": {"claimed_identity": "x", "token": "t"}}]}


def test_valid_send_message_has_no_findings() -> None:
    assert req("POST", f"{P}/messages:send", SEND) == []
    body = dict(SEND, recipient={"identified_by": {"channel_identities": [
        {"channel": "SMS", "identity": "+4670"}]}})
    assert req("POST", f"{P}/messages:send", body) == []


def test_recipient_with_both_branches_is_a_violation() -> None:
    body = dict(SEND, recipient={"contact_id": "C1", "identified_by": {
        "channel_identities": [{"channel": "SMS", "identity": "+4670"}]}})
    assert kinds(req("POST", f"{P}/messages:send", body)) == ["request_body_schema"]


@pytest.mark.parametrize(("body", "expected"), [
    ({"recipient": {"contact_id": "C1"}, "message": {}}, ["request_body_schema"]),
    (dict(SEND, app_id=5), ["request_body_schema"]),
    (dict(SEND, unknown_field=1), ["undocumented_field"]),
    (dict(SEND, message={"text_message": {"text": "hi"}}), ["undocumented_field"]),
    (dict(SEND, processing_strategy="SOMETHING_NEW"), ["undocumented_enum_value"]),
    (dict(SEND, channel_priority_order=["SMS", "PIGEON"]), ["undocumented_enum_value"]),
])
def test_send_message_body_checks(body: dict, expected: list[str]) -> None:
    assert kinds(req("POST", f"{P}/messages:send", body)) == expected


def test_undocumented_field_finding_names_the_field() -> None:
    (f,) = req("POST", f"{P}/messages:send", dict(SEND, surprise=True))
    assert f.instance_path == "/surprise" and "`/surprise`" in f.message
    assert f.is_drift and f.severity == "minor" and f.operation_id == "Messages_SendMessage"


def test_readonly_property_in_request_is_reported() -> None:
    # Conversation.last_received is readOnly in the spec
    body = {"metadata": "m", "last_received": "2026-01-02T03:04:05Z"}
    findings = req("PATCH", f"{P}/conversations/C1", body)
    assert kinds(findings) == ["readonly_in_request"]
    assert findings[0].instance_path == "/last_received"
    assert req("PATCH", f"{P}/conversations/C1", {"metadata": "m"}) == []


@pytest.mark.parametrize(("body", "headers", "expected"), [
    (b"{not json", JSON, ["request_body_schema"]),
    (json.dumps(SEND).encode(), {"Content-Type": "text/plain"}, ["request_content_type"]),
    (json.dumps(SEND).encode(), {}, ["request_content_type"]),
    (json.dumps(SEND).encode(), {"content-type": "application/json; charset=utf-8"}, []),
    (b"", JSON, ["request_body_schema"]),
    (b"\xff\xfe", JSON, ["request_body_schema"]),
])
def test_request_body_and_content_type(body: bytes, headers: dict, expected: list) -> None:
    assert kinds(req("POST", f"{P}/messages:send", body, headers)) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("page_size=5", []),
    ("page_size=abc", ["request_param"]),
    ("page_size=99999999999", ["request_param"]),  # int32 range
    ("only_recipient_originated=true", []),
    ("only_recipient_originated=yes", ["request_param"]),
    ("page_size=5&page_size=6", ["request_param"]),
    ("shiny=1", ["undocumented_query_param"]),
    ("messages_source=DISPATCH_SOURCE&view=WITH_METADATA", []),
    ("view=SOMETHING", ["undocumented_enum_value"]),
])
def test_query_parameters(query: str, expected: list) -> None:
    assert kinds(req("GET", f"{P}/messages?{query}", None, {})) == expected


def test_update_mask_paths_is_a_repeated_array() -> None:
    url = f"{P}/apps/A1?update_mask.paths=display_name&update_mask.paths=channel_credentials"
    assert req("PATCH", url, {"display_name": "x", "channel_credentials": []}) == []


def test_valid_response_has_no_findings() -> None:
    assert resp("GET", f"{P}/apps/A1", 200, APP) == []
    assert resp("GET", f"{P}/apps", 200, {"apps": [APP, APP]}) == []


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (200, dict(APP, display_name=3), JSON, ["response_body_schema"]),
    (200, dict(APP, extra="x"), JSON, ["undocumented_field"]),
    (200, dict(APP, processing_mode="TURBO"), JSON, ["undocumented_enum_value"]),
    (200, dict(APP, display_name=None), JSON, ["response_body_schema"]),
    (200, APP, {"Content-Type": "text/html"}, ["response_content_type"]),
    (200, b"<html>", {"Content-Type": "text/html"}, ["response_content_type"]),
    (200, b"", JSON, ["response_body_schema"]),
    (202, APP, JSON, ["response_status_undocumented"]),
    (404, {"error": {"code": 404}}, JSON, ["undocumented_status"]),
    (503, b"", {}, ["response_status_undocumented", "server_error"]),
    (500, {"code": 500, "message": "boom"}, JSON, ["server_error"]),
    (400, {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT", "details": []}, JSON, []),
])
def test_response_checks(status: int, body: Any, headers: dict, expected: list) -> None:
    assert kinds(resp("GET", f"{P}/apps/A1", status, body, headers)) == expected


def test_formats_are_checked() -> None:
    # date-time on Conversation.active... ; byte on protobufAny.value inside runtimeError details
    bad_time = {"id": "C", "app_id": "A", "contact_id": "X", "last_received": "yesterday"}
    assert kinds(resp("GET", f"{P}/conversations/C", 200, bad_time)) == ["response_body_schema"]
    good_time = dict(bad_time, last_received="2026-01-02T03:04:05Z")
    assert resp("GET", f"{P}/conversations/C", 200, good_time) == []
    err = {"code": 400, "details": [{"type_url": "t", "value": "not base64!!"}]}
    assert kinds(resp("GET", f"{P}/apps/A", 400, err)) == ["response_body_schema"]
    err["details"][0]["value"] = "aGVsbG8="
    assert resp("GET", f"{P}/apps/A", 400, err) == []


def test_list_items_share_one_fingerprint() -> None:
    items = [dict(APP, extra=i) for i in range(20)]
    (f,) = resp("GET", f"{P}/apps", 200, {"apps": items})
    assert f.kind == Kind.UNDOCUMENTED_FIELD and "20 occurrences" in f.message
    assert f.location == "response.body/apps/*/extra"


def test_delete_response_accepts_empty_object() -> None:
    assert resp("DELETE", f"{P}/apps/A1", 200, {}) == []


def test_findings_carry_context() -> None:
    f = C.validate_request("POST", f"{P}/messages:send", JSON, b"{}", source="proxy",
                           target="http://t", run_id="r1")[0]
    assert (f.source, f.target, f.run_id, f.method) == ("proxy", "http://t", "r1", "POST")
    assert f.path_template == "/v1/projects/{project_id}/messages:send"
    assert f.schema_path.startswith("/paths/")


def test_overlay_is_applied_but_original_untouched() -> None:
    original = Contract.load(DEFAULT_SPEC, overlays=())
    body = json.dumps(SEND).encode()
    strict = original.validate_request("POST", f"{P}/messages:send", JSON, body, source="lint")
    assert kinds(strict) == ["request_body_schema"]  # {} satisfies both branches: the defect
    assert C.overlays and all(a.reason for a in C.overlays)


@pytest.mark.parametrize("depth", [50, 300, 990, 5000])
@pytest.mark.parametrize("template", ['{"message":%s}', "[%s]", '{"app_id":%s}'])
def test_deep_nesting_gives_a_finding_not_an_exception(depth: int, template: str) -> None:
    inner = "1"
    for _ in range(depth):
        inner = template % inner
    findings = req("POST", f"{P}/messages:send", inner.encode())
    assert findings and {str(f.kind) for f in findings} <= {
        "request_body_schema", "body_skipped", "undocumented_field"}
