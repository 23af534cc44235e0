"""The ``prose_conversations`` probe: what the prose says about conversations and their
messages, on an app and a contact of its own (rules in
:mod:`conformance.suite.prose.rules_behaviour`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.suite.probe_context import ProbeContext
from conformance.suite.prose.steps import PHONE, P, create, read, stamp_of, start
from conformance.suite.prose.verdicts import broke, data, ok

__all__ = ["prose_conversations"]

CLIENT_ID = "sinch-conformance-client-chosen-id"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MESSAGES = 11  # one more than the default page
STAMP = "%Y-%m-%dT%H:%M:%SZ"
# RFC 7386: null deletes a member, objects merge recursively, arrays replace
BASE_META: dict[str, Any] = {"keep": "k", "drop": "d", "nested": {"a": 1, "b": 2},
                             "list": [1, 2]}
PATCH_META: dict[str, Any] = {"drop": None, "nested": {"b": None, "c": 3}, "list": [3],
                              "new": "n"}
MERGED_META: dict[str, Any] = {"keep": "k", "nested": {"a": 1, "c": 3}, "list": [3],
                               "new": "n"}
MASK = {"update_mask.paths": "metadata_json"}


def parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(stamp_of(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _send(ctx: ProbeContext, app: str, contact: str, **extra: Any) -> str:
    body = {"app_id": app, "recipient": {"contact_id": contact},
            "message": {"message": {"text": "sinch-conformance prose probe"}}, **extra}
    return create(ctx, "/messages:send", body, "message_id")


def _conversation_of(ctx: ProbeContext, message: str) -> str:
    return stamp_of(read(ctx, f"/messages/{message}").get("conversation_id"))


def _create(ctx: ProbeContext, app: str, contact: str) -> str:
    """Create a conversation sending an id of our own, then a second active one."""
    resp = ctx.call("POST", f"{P}/conversations", body={
        "app_id": app, "contact_id": contact, "active": True, "id": CLIENT_ID})
    conv = data(resp)
    if conv.get("id") == CLIENT_ID:
        for rule_id in ("conversation-id-ignored", "conversation-id-generated"):
            broke(ctx, rule_id, resp, "the new conversation kept the id the request gave")
    received = parse_time(conv.get("last_received"))
    if received is not None and received != EPOCH:
        broke(ctx, "conversation-last-received-epoch", resp,
              f"a new conversation without messages has last_received "
              f"{conv.get('last_received')!r}")
    second = ctx.call("POST", f"{P}/conversations", body={
        "app_id": app, "contact_id": contact, "active": True})
    if ok(second):
        listed = ctx.call("GET", f"{P}/conversations", query={
            "app_id": app, "contact_id": contact, "only_active": "true"})
        active = data(listed).get("conversations") or []
        if len(active) > 1:
            broke(ctx, "conversation-one-active", listed, f"after creating two active "
                  f"conversations for one app and contact, {len(active)} are active")
    return stamp_of(conv.get("id"))


def _active(ctx: ProbeContext, app: str, contact: str) -> str:
    listed = data(ctx.call("GET", f"{P}/conversations", query={
        "app_id": app, "contact_id": contact, "only_active": "true"}))
    convs = [c for c in listed.get("conversations") or [] if isinstance(c, dict)]
    return stamp_of(convs[0].get("id")) if convs else ""


def _sends(ctx: ProbeContext, app: str, contact: str, conv: str) -> list[str]:
    """Messages into the active conversation: joining it, its metadata, their order."""
    first = _send(ctx, app, contact, conversation_metadata={"first": "1"})
    joined = first and _conversation_of(ctx, first)
    if first and joined != conv:
        resp = ctx.call("GET", f"{P}/messages/{first}")
        for rule_id in ("send-joins-active", "processing-strategy-default"):
            broke(ctx, rule_id, resp, f"a message sent while conversation {conv!r} was "
                  f"active went to conversation {joined!r}")
        return [first]
    sent = [first] + [_send(ctx, app, contact, conversation_metadata={"second": "2"})]
    resp = ctx.call("GET", f"{P}/conversations/{conv}")
    if ok(resp) and data(resp).get("metadata_json") != {"second": "2"}:
        broke(ctx, "send-metadata-overwrites", resp, "after two sends with different "
              f"conversation_metadata, metadata_json is {data(resp).get('metadata_json')!r}")
    sent.append(_send(ctx, app, contact))
    resp = ctx.call("GET", f"{P}/conversations/{conv}")
    if ok(resp) and data(resp).get("metadata_json") != {"second": "2"}:
        broke(ctx, "send-metadata-kept", resp, "a send without conversation_metadata changed "
              f"metadata_json to {data(resp).get('metadata_json')!r}")
    _inject(ctx, contact, conv, MESSAGES - len(sent))
    _order(ctx, conv)
    return sent


def _inject(ctx: ProbeContext, contact: str, conv: str, count: int) -> None:
    """``count`` messages injected (never delivered) with accept_times out of order."""
    now = datetime.now(UTC).replace(microsecond=0)
    for i in range(count):
        minutes = (i * 7) % count + 1  # 1..count minutes ago, shuffled
        ctx.call("POST", f"{P}/conversations/{conv}:inject-message", body={
            "app_message": {"message": {"text": "sinch-conformance prose probe"}},
            "direction": "TO_CONTACT", "contact_id": contact,
            "channel_identity": {"channel": "SMS", "identity": PHONE},
            "accept_time": (now - timedelta(minutes=minutes)).strftime(STAMP)})


def _order(ctx: ProbeContext, conv: str) -> None:
    resp = ctx.call("GET", f"{P}/messages", query={"conversation_id": conv})
    messages = [m for m in data(resp).get("messages") or [] if isinstance(m, dict)]
    if len(messages) > 10:
        broke(ctx, "messages-page-size", resp, f"a list without page_size held "
              f"{len(messages)} messages")
    times = [parse_time(m.get("accept_time")) for m in messages]
    pairs = [(a, b) for a, b in zip(times, times[1:], strict=False) if a and b]
    if any(b > a for a, b in pairs):
        for rule_id in ("messages-newest-first", "messages-recent-first"):
            broke(ctx, rule_id, resp, "a conversation's messages are not listed newest "
                  "accept_time first")


def _stop(ctx: ProbeContext, app: str, contact: str, conv: str) -> str:
    """Stop the conversation; the next message must start a new one. Its id, or ""."""
    ctx.call("POST", f"{P}/conversations/{conv}:stop")
    resp = ctx.call("GET", f"{P}/conversations/{conv}")
    if ok(resp) and data(resp).get("active") is True:
        broke(ctx, "stop-deactivates", resp, "the conversation is still active after stop")
    message = _send(ctx, app, contact)
    if not message:
        return ""
    resp = ctx.call("GET", f"{P}/messages/{message}")
    joined = stamp_of(data(resp).get("conversation_id"))
    if joined == conv:
        for rule_id in ("stop-then-new-conversation", "send-starts-conversation"):
            broke(ctx, rule_id, resp, "a message sent after the conversation was stopped "
                  "went to the stopped conversation")
        return ""
    return joined


def _metadata(ctx: ProbeContext, conv: str) -> None:
    path = f"{P}/conversations/{conv}"
    ctx.call("PATCH", path, body={"metadata_json": BASE_META}, query=MASK)
    resp = ctx.call("PATCH", path, body={"metadata_json": {"new": "n"}}, query=MASK)
    if ok(resp) and data(resp).get("metadata_json") != {"new": "n"}:
        broke(ctx, "metadata-replace-default", resp, "an update without "
              "metadata_update_strategy gave metadata_json "
              f"{data(resp).get('metadata_json')!r}, not the new value")
    ctx.call("PATCH", path, body={"metadata_json": BASE_META}, query=MASK)
    resp = ctx.call("PATCH", path, body={"metadata_json": PATCH_META},
                    query={**MASK, "metadata_update_strategy": "MERGE_PATCH"})
    if ok(resp) and data(resp).get("metadata_json") != MERGED_META:
        broke(ctx, "metadata-merge-patch", resp, f"merging {PATCH_META!r} into "
              f"{BASE_META!r} gave {data(resp).get('metadata_json')!r}, not {MERGED_META!r}")


def _deletes(ctx: ProbeContext, conv: str, message: str, new_conv: str, last: str) -> None:
    """Deleting a conversation deletes its messages; deleting the last message of one
    keeps it."""
    if new_conv and last and ok(ctx.call("DELETE", f"{P}/messages/{last}")):
        resp = ctx.call("GET", f"{P}/conversations/{new_conv}")
        if resp.status_code == 404:
            broke(ctx, "message-delete-keeps-conversation", resp, "deleting the only message "
                  "of a conversation deleted the conversation")
    if message and ok(ctx.call("DELETE", f"{P}/conversations/{conv}")):
        resp = ctx.call("GET", f"{P}/messages/{message}")
        if ok(resp):
            broke(ctx, "conversation-delete-messages", resp, "a message of a deleted "
                  "conversation can still be read")


def _pages(ctx: ProbeContext, app: str, contact: str) -> None:
    for _ in range(MESSAGES):
        ctx.call("POST", f"{P}/conversations", body={"app_id": app, "contact_id": contact,
                                                     "active": False})
    resp = ctx.call("GET", f"{P}/conversations", query={"app_id": app,
                                                        "only_active": "false"})
    listed = data(resp).get("conversations") or []
    if len(listed) > 10:
        broke(ctx, "conversations-page-size", resp, f"a list without page_size held "
              f"{len(listed)} conversations")


def prose_conversations(ctx: ProbeContext) -> None:
    """One active conversation per app and contact, stop, send, metadata, deletes, order."""
    app, contact = start(ctx, "prose_conversations")
    if not app:
        return
    created = _create(ctx, app, contact)
    conv = _active(ctx, app, contact) or created
    if conv:
        sent = _sends(ctx, app, contact, conv)
        new_conv = _stop(ctx, app, contact, conv)
        last = _newest(ctx, new_conv)
        if new_conv:
            _metadata(ctx, new_conv)
        _deletes(ctx, conv, sent[0] if sent else "", new_conv, last)
    _pages(ctx, app, contact)
    ctx.call("DELETE", f"{P}/contacts/{contact}")
    ctx.call("DELETE", f"{P}/apps/{app}")


def _newest(ctx: ProbeContext, conv: str) -> str:
    if not conv:
        return ""
    listed = data(ctx.call("GET", f"{P}/messages", query={"conversation_id": conv}))
    messages = [m for m in listed.get("messages") or [] if isinstance(m, dict)]
    return stamp_of(messages[0].get("id")) if len(messages) == 1 else ""
