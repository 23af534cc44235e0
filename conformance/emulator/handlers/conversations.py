"""Conversations: list, create, get, update (metadata REPLACE or MERGE_PATCH per
RFC 7386), stop, delete (with its messages) and inject a message.

At most one conversation per (app, contact) is active at a time.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from conformance.emulator.context import Call, Handler, apply_update
from conformance.emulator.faults import FaultName
from conformance.emulator.pagination import paginate
from conformance.emulator.replies import ApiError, Reply
from conformance.emulator.state import Message

__all__ = ["HANDLERS", "merge_patch", "new_conversation", "parse_time"]

Doc = dict[str, Any]
EPOCH = "1970-01-01T00:00:00Z"
UPDATABLE = ("active", "active_channel", "metadata", "metadata_json")
INJECT_WINDOW = 30 * 24 * 3600.0  # accept_time: within the last 30 days
INJECTED_FIELDS = ("app_message", "contact_message", "channel_identity", "direction",
                   "metadata")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: ``null`` removes a member, objects merge recursively."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = merge_patch(out.get(name), value)
    return out


def parse_time(text: str, fallback: float) -> float:
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T")).timestamp()
    except (ValueError, AttributeError):
        return fallback  # not a time Python reads: the fallback (now, or the epoch)


def new_conversation(call: Call, app_id: str, contact_id: str, fields: Doc) -> Doc:
    wrong = call.fault(FaultName.PROSE_DEFAULTS_IGNORED)  # keeps a client's id, no epoch
    conv = {"id": fields.get("id") if wrong and fields.get("id") else call.env.new_id(),
            "app_id": app_id, "contact_id": contact_id,
            "active": bool(fields.get("active", True)),
            "last_received": call.env.stamp() if wrong else EPOCH,
            "metadata": fields.get("metadata", ""),
            "metadata_json": copy.deepcopy(fields.get("metadata_json", {}))}
    if fields.get("active_channel"):
        conv["active_channel"] = fields["active_channel"]
    return conv


def _check_single_active(call: Call, conv: Doc) -> None:
    if call.fault(FaultName.PROSE_TWO_ACTIVE):
        return
    current = call.state.active_conversation(conv["app_id"], conv["contact_id"])
    if conv.get("active") and current is not None and current["id"] != conv["id"]:
        raise ApiError.precondition(
            f"Contact '{conv['contact_id']}' already has an active conversation "
            f"('{current['id']}') with app '{conv['app_id']}'; stop it first.")


def list_conversations(call: Call) -> Reply:
    app_id, contact_id = call.filtered(call.q("app_id")), call.filtered(call.q("contact_id"))
    only_active = call.filtered(call.q_bool("only_active"))
    matching = [c for c in call.state.conversations.values()  # in id order
                if (not app_id or c["app_id"] == app_id)
                and (not contact_id or c["contact_id"] == contact_id)
                and (c.get("active") or not only_active)]
    page, token = paginate(call, matching, lambda c: c["id"])
    extra = 1 if call.fault(FaultName.PAGINATION_TOTAL_SIZE_WRONG) else 0
    return Reply(200, {"conversations": page, "next_page_token": token,
                       "total_size": len(matching) + extra})


def create_conversation(call: Call) -> Reply:
    app_id, contact_id = call.field("app_id", ""), call.field("contact_id", "")
    if not app_id or not contact_id:
        raise ApiError.invalid("A conversation needs both app_id and contact_id.")
    call.app(app_id)
    call.contact(contact_id)
    conv = new_conversation(call, app_id, contact_id, call.body)
    _check_single_active(call, conv)
    if not call.fault(FaultName.CREATED_NOT_READABLE):
        call.state.put_conversation(conv)
    return Reply(200, conv)


def get_conversation(call: Call) -> Reply:
    conv = call.conversation(call.path["conversation_id"])
    return Reply(200, call.served(conv, call.state.conversations.values()))


def update_conversation(call: Call) -> Reply:
    conv = call.conversation(call.path["conversation_id"])
    changes = copy.deepcopy(call.body)
    if "metadata_json" in changes:
        changes["metadata_json"] = _new_metadata(call, conv.get("metadata_json", {}),
                                                 changes["metadata_json"])
    candidate = dict(conv)
    apply_update(candidate, changes, call.mask(), UPDATABLE,
                 {"active": False, "metadata": "", "metadata_json": {}})
    _check_single_active(call, candidate)
    conv.clear()
    conv.update(candidate)
    call.state.reindex(conv)
    return Reply(200, conv)


def _new_metadata(call: Call, old: Any, new: Any) -> Any:
    merge = call.q("metadata_update_strategy") == "MERGE_PATCH"
    if call.fault(FaultName.PROSE_METADATA_WRONG):  # shallow merge; REPLACE merges
        return {**old, **new} if merge and isinstance(old, dict) and isinstance(
            new, dict) else merge_patch(old, new)
    return merge_patch(old, new) if merge else new


def stop_conversation(call: Call) -> Reply:
    conv = call.conversation(call.path["conversation_id"])
    if call.fault(FaultName.PROSE_STOP_IGNORED):
        return Reply(200, {})
    conv["active"] = False
    call.state.reindex(conv)
    return Reply(200, {})


def delete_conversation(call: Call) -> Reply:
    call.conversation(call.path["conversation_id"])
    if call.fault(FaultName.PROSE_DELETE_CASCADE_WRONG):  # its messages stay readable
        call.state.by_conversation.pop(call.path["conversation_id"], None)
    if not call.fault(FaultName.DELETED_STILL_READABLE):
        call.state.remove_conversation(call.path["conversation_id"])
    return Reply(200, {})


def inject_message(call: Call) -> Reply:
    conv = call.conversation(call.path["message.conversation_id"])
    now = call.env.clock.now()
    given = call.field("accept_time")
    stamp = given or call.env.stamp(now)
    if given and not (now - INJECT_WINDOW < parse_time(given, now) <= now
                      or call.fault(FaultName.PROSE_INPUT_RULES_IGNORED)):
        raise ApiError.precondition(f"accept_time {given!r} must be before now and within "
                                    "the last 30 days.")
    body: Doc = {"id": call.env.new_id(), "conversation_id": conv["id"],
                 "contact_id": conv["contact_id"], "accept_time": stamp, "injected": True}
    for name in INJECTED_FIELDS:
        if name in call.body:
            body[name] = copy.deepcopy(call.body[name])
    accepted = parse_time(stamp, now)
    call.state.add_message(Message(body, conv["app_id"], accepted))
    if accepted >= parse_time(conv["last_received"], 0.0):
        conv["last_received"] = stamp
    return Reply(200, {})


HANDLERS: Mapping[str, Handler] = MappingProxyType({
    "Conversation_ListConversations": list_conversations,
    "Conversation_CreateConversation": create_conversation,
    "Conversation_GetConversation": get_conversation,
    "Conversation_UpdateConversation": update_conversation,
    "Conversation_StopActiveConversation": stop_conversation,
    "Conversation_DeleteConversation": delete_conversation,
    "Conversation_InjectMessage": inject_message,
})
