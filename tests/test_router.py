"""The router: (method, concrete URL) -> operation."""

from __future__ import annotations

import pytest

from conformance.contract import Contract

C = Contract.default()
P = "/v1/projects/PRJ"


@pytest.mark.parametrize(("method", "url", "operation", "params"), [
    ("POST", f"{P}/messages:send", "Messages_SendMessage", {"project_id": "PRJ"}),
    ("POST", f"https://us.conversation.api.sinch.com{P}/messages:send?x=1",
     "Messages_SendMessage", {"project_id": "PRJ"}),
    ("POST", f"{P}/messages%3Asend", "Messages_SendMessage", {"project_id": "PRJ"}),
    ("POST", f"{P}/messages%3asend", "Messages_SendMessage", {"project_id": "PRJ"}),
    ("GET", f"{P}/messages/01ABC", "Messages_GetMessage", {"message_id": "01ABC"}),
    ("GET", f"{P}/messages/01ABC/", "Messages_GetMessage", {"message_id": "01ABC"}),
    ("DELETE", f"{P}/messages/01ABC", "Messages_DeleteMessage", {"message_id": "01ABC"}),
    ("GET", f"{P}/messages?page_size=3", "Messages_ListMessages", {}),
    ("POST", f"{P}/contacts/DEST:merge", "Contact_MergeContact", {"destination_id": "DEST"}),
    ("POST", f"{P}/contacts:getChannelProfile", "Contact_GetChannelProfile", {}),
    ("GET", f"{P}/contacts/C1", "Contact_GetContact", {"contact_id": "C1"}),
    ("POST", f"{P}/conversations/CONV:inject-message", "Conversation_InjectMessage",
     {"message.conversation_id": "CONV"}),
    ("POST", f"{P}/conversations/CONV:stop", "Conversation_StopActiveConversation",
     {"conversation_id": "CONV"}),
    ("GET", f"{P}/conversations/CONV", "Conversation_GetConversation",
     {"conversation_id": "CONV"}),
    ("POST", f"{P}/events:send", "Events_SendEvent", {}),
    ("GET", f"{P}/apps/A%2FB", "App_GetApp", {"app_id": "A/B"}),
    ("GET", f"{P}/apps/hello%20world", "App_GetApp", {"app_id": "hello world"}),
    ("get", f"{P}/apps", "App_ListApps", {}),
])
def test_routes(method: str, url: str, operation: str, params: dict[str, str]) -> None:
    m = C.match(method, url)
    assert m is not None and m.route is not None
    assert m.route.operation_id == operation
    for k, v in params.items():
        assert m.path_params[k] == v


def test_every_operation_is_routable() -> None:
    for op in C.operations.values():
        url = op.path_template.replace("{", "X").replace("}", "")
        m = C.match(op.method, url)
        assert m and m.route and m.route.operation_id == op.operation_id, op.operation_id
    assert len(C.operations) == 33


def test_base_path_prefix() -> None:
    m = C.match("GET", f"/sinch{P}/apps", base_path="/sinch/")
    assert m and m.route and m.route.operation_id == "App_ListApps"
    assert C.match("GET", f"/sinch{P}/apps") is None


@pytest.mark.parametrize(("method", "url", "documented"), [
    ("GET", f"{P}/unknown", None),
    ("POST", f"{P}/messages:fly", None),
    ("POST", f"{P}/conversations/CONV:inject-event", None),  # a verb the spec lacks
    ("GET", f"{P}/apps/A1:frobnicate", None),
    ("GET", "/v2/projects/x/apps", None),
    ("PUT", f"{P}/apps/A", ("DELETE", "GET", "PATCH")),
])
def test_undocumented_operations(method: str, url: str, documented: tuple | None) -> None:
    m = C.match(method, url)
    if documented is None:
        assert m is None
    else:
        assert m is not None and m.route is None and m.methods == documented
    findings = C.validate_request(method, url, {}, b"", source="proxy")
    assert [f.kind for f in findings] == ["operation_undocumented"]
    assert findings[0].is_drift and findings[0].operation_id is None
