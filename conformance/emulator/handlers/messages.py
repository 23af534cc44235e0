"""Messages: send, get, delete, list (newest ``accept_time`` first).

In CONVERSATION mode (the default) sending finds or creates the contact (a recipient given
by ``identified_by`` that matches no contact becomes a new one) and the active
conversation of the (app, contact) pair. In DISPATCH mode (the app's ``processing_mode`` or
the request's ``processing_strategy: DISPATCH_ONLY``) no contact or conversation is
touched: the message goes to the app's dispatch log (``messages_source=DISPATCH_SOURCE``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from conformance.emulator.context import Call, Handler
from conformance.emulator.faults import FaultName
from conformance.emulator.handlers.contacts import new_contact
from conformance.emulator.handlers.conversations import new_conversation
from conformance.emulator.pagination import paginate
from conformance.emulator.replies import ApiError, Reply
from conformance.emulator.state import Message

__all__ = ["HANDLERS", "channel_identity", "dispatch_recipient", "resolve_contact"]

Doc = dict[str, Any]
DISPATCH = "DISPATCH_SOURCE"


def resolve_contact(call: Call, app_id: str, recipient: Doc, *, create: bool) -> Doc | None:
    """The recipient's contact: by id (404 when unknown) or by channel identity."""
    if "contact_id" in recipient:
        return call.contact(recipient["contact_id"])
    idents = recipient.get("identified_by", {}).get("channel_identities", [])
    for ident in idents:
        found = call.state.find_contact(ident["channel"], ident["identity"], app_id)
        if found is not None:
            return found
    if not create:
        return None
    contact = new_contact(call, {"channel_identities": copy.deepcopy(idents),
                                 "channel_priority": [i["channel"] for i in idents]})
    call.state.contacts[contact["id"]] = contact
    return contact


def channel_identity(call: Call, recipient: Doc, contact: Doc | None,
                     conv: Doc | None) -> Doc | None:
    """The channel and identity the message goes out on, by the spec's priority rules."""
    idents = recipient.get("identified_by", {}).get("channel_identities", []) or (
        contact or {}).get("channel_identities", [])
    order = list(call.field("channel_priority_order", []))
    if conv and conv.get("active_channel"):
        order.append(conv["active_channel"])
    order += (contact or {}).get("channel_priority", [])
    for channel in order:
        for ident in idents:
            if ident.get("channel") == channel:
                return copy.deepcopy(ident)
    return copy.deepcopy(idents[0]) if idents else None


def _message_body(call: Call, stamp: str, ident: Doc | None) -> Doc:
    body: Doc = {"id": call.env.new_id(), "direction": "TO_CONTACT",
                 "app_message": copy.deepcopy(call.field("message", {})),
                 "accept_time": stamp, "metadata": call.field("message_metadata", ""),
                 "injected": False}
    if ident is not None:
        body["channel_identity"] = ident
    return body


def dispatch_recipient(call: Call, app: Doc, recipient: Doc) -> None:
    """In DISPATCH mode "only `identified_by` is allowed" as the recipient."""
    dispatch = (app.get("processing_mode") == "DISPATCH"
                or call.field("processing_strategy") == "DISPATCH_ONLY")
    if (dispatch and "contact_id" in recipient
            and not call.fault(FaultName.PROSE_INPUT_RULES_IGNORED)):
        raise ApiError.precondition("In DISPATCH mode the recipient must be given by "
                                    "identified_by, not contact_id.")


def _send_dispatch(call: Call, app_id: str, recipient: Doc, now: float) -> Doc:
    dispatch_recipient(call, call.app(app_id), recipient)
    body = _message_body(call, call.env.stamp(now), channel_identity(call, recipient, None,
                                                                      None))
    if not call.fault(FaultName.CREATED_NOT_READABLE):
        call.state.add_message(Message(body, app_id, now, dispatch=True))
    return body


def _send_conversation(call: Call, app_id: str, recipient: Doc, now: float) -> Doc:
    contact = resolve_contact(call, app_id, recipient, create=True)
    assert contact is not None
    conv = call.state.active_conversation(app_id, contact["id"])
    if conv is not None and call.fault(FaultName.PROSE_SEND_IGNORES_ACTIVE):
        conv = None  # a new conversation for every message
    if conv is None:
        conv = new_conversation(call, app_id, contact["id"], {})
        call.state.put_conversation(conv)
    ident = channel_identity(call, recipient, contact, conv)
    body = _message_body(call, call.env.stamp(now), ident)
    body.update(conversation_id=conv["id"], contact_id=contact["id"])
    if ident is not None:
        conv["active_channel"] = ident["channel"]
    conv["last_received"] = body["accept_time"]
    meta = call.field("conversation_metadata")
    if call.fault(FaultName.PROSE_METADATA_WRONG):  # merges a new one, drops it when absent
        old = conv.get("metadata_json")
        conv["metadata_json"] = {**(old if isinstance(old, dict) else {}),
                                 **meta} if isinstance(meta, dict) else {}
    elif isinstance(meta, dict):
        conv["metadata_json"] = copy.deepcopy(meta)
    if not call.fault(FaultName.CREATED_NOT_READABLE):
        call.state.add_message(Message(body, app_id, now))
    return body


def send_message(call: Call) -> Reply:
    app_id = call.body["app_id"]
    app = call.app(app_id)
    now = call.env.clock.now()
    dispatch = (app.get("processing_mode") == "DISPATCH"
                or (call.field("processing_strategy") == "DISPATCH_ONLY"
                    and not call.fault(FaultName.PROSE_REQUEST_OPTIONS_IGNORED)))
    send = _send_dispatch if dispatch else _send_conversation
    body = send(call, app_id, call.body["recipient"], now)
    return Reply(200, {"message_id": body["id"], "accepted_time": body["accept_time"]})


def _lookup(call: Call) -> Message:
    message = call.state.messages.get(call.path["message_id"])
    if message is None or message.dispatch != (call.q("messages_source") == DISPATCH):
        raise ApiError.not_found("message", call.path["message_id"])
    return message


def get_message(call: Call) -> Reply:
    message = _lookup(call)
    return Reply(200, call.served(message, call.state.messages.values()).body)


def delete_message(call: Call) -> Reply:
    message = _lookup(call)
    if not call.fault(FaultName.DELETED_STILL_READABLE):
        call.state.remove_message(call.path["message_id"])
    conv_id = message.body.get("conversation_id", "")
    if (call.fault(FaultName.PROSE_DELETE_CASCADE_WRONG) and conv_id
            and not call.state.by_conversation.get(conv_id)):  # its last message: drop it
        call.state.remove_conversation(conv_id)
    return Reply(200, {})


def _candidates(call: Call) -> list[Message]:
    state, app_id = call.state, call.q("app_id")
    if call.q("messages_source") == DISPATCH:
        apps = [app_id] if app_id else list(state.dispatch_by_app)
        return [state.messages[m] for a in apps for m in state.dispatch_by_app.get(a, {})]
    conv_id = call.filtered(call.q("conversation_id"))
    contact_id = call.filtered(call.q("contact_id"))
    convs = [c for c in state.conversations.values()
             if (not conv_id or c["id"] == conv_id)
             and (not contact_id or c["contact_id"] == contact_id)
             and (not app_id or c["app_id"] == app_id)]
    return state.conversation_messages([c["id"] for c in convs])


def list_messages(call: Call) -> Reply:
    messages = _candidates(call)
    if call.filtered(call.q_bool("only_recipient_originated")):
        messages = [m for m in messages if m.body.get("direction") == "TO_APP"]
    newest_first = not call.fault(FaultName.PROSE_MESSAGES_OLDEST_FIRST)
    messages.sort(key=lambda m: m.sort_key, reverse=newest_first)
    page, token = paginate(call, messages, lambda m: m.sort_key, descending=newest_first)
    bodies = [m.body for m in page]
    if call.q("view") == "WITHOUT_METADATA":
        bodies = [{k: v for k, v in b.items() if k != "metadata"} for b in bodies]
    return Reply(200, {"messages": bodies, "next_page_token": token})


HANDLERS: Mapping[str, Handler] = MappingProxyType({
    "Messages_SendMessage": send_message,
    "Messages_GetMessage": get_message,
    "Messages_DeleteMessage": delete_message,
    "Messages_ListMessages": list_messages,
})
