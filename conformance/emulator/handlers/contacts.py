"""Contacts: list (paginated, oldest first), create, get, update, delete (with their
conversations), merge, and the channel profile lookup."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from conformance.emulator.context import Call, Handler, apply_update
from conformance.emulator.faults import FaultName
from conformance.emulator.pagination import paginate
from conformance.emulator.replies import ApiError, Reply

__all__ = ["HANDLERS", "new_contact"]

Doc = dict[str, Any]
UPDATABLE = ("channel_identities", "channel_priority", "display_name", "email",
             "external_id", "language", "metadata")
DEFAULTS: Doc = {"channel_identities": [], "channel_priority": [], "display_name": "Unknown",
                 "email": "", "external_id": "", "metadata": ""}
OPTIONAL = ("email", "external_id", "metadata", "language")


def new_contact(call: Call, fields: Doc) -> Doc:
    """A stored contact from request fields; display name 'Unknown' when left empty."""
    contact: Doc = {"id": call.env.new_id()}
    for name in UPDATABLE:
        value = copy.deepcopy(fields.get(name, DEFAULTS.get(name)))
        if value is not None:
            contact[name] = value
    if not fields.get("display_name"):
        contact["display_name"] = ""
    _display_name(call, contact)
    return contact


def _display_name(call: Call, contact: Doc) -> None:
    """"A default 'Unknown' will be assigned if left empty." """
    if not contact.get("display_name"):
        contact["display_name"] = "" if call.fault(FaultName.PROSE_DEFAULTS_IGNORED) else \
            "Unknown"


def list_contacts(call: Call) -> Reply:
    ids = list(call.state.contacts)  # creation order = id order (ids are monotonic)
    page, token = paginate(call, ids, lambda i: i)
    return Reply(200, {"contacts": [call.state.contacts[i] for i in page],
                       "next_page_token": token})


def create_contact(call: Call) -> Reply:
    contact = new_contact(call, call.body)
    if not call.fault(FaultName.CREATED_NOT_READABLE):
        call.state.contacts[contact["id"]] = contact
    return Reply(200, contact)


def get_contact(call: Call) -> Reply:
    contact = call.contact(call.path["contact_id"])
    return Reply(200, call.served(contact, call.state.contacts.values()))


def update_contact(call: Call) -> Reply:
    contact = call.contact(call.path["contact_id"])
    changes = copy.deepcopy(call.body)
    apply_update(contact, changes, call.mask(), UPDATABLE, DEFAULTS)
    _display_name(call, contact)
    return Reply(200, contact)


def delete_contact(call: Call) -> Reply:
    call.contact(call.path["contact_id"])
    if not call.fault(FaultName.DELETED_STILL_READABLE):
        call.state.remove_contact(call.path["contact_id"])
    return Reply(200, {})


def _merge_fields_wrongly(dest: Doc, source: Doc) -> None:
    """The prose-merge-wrong fault: every identity moves, new channels to the top of the
    priority list; optional fields overwritten."""
    dest["channel_identities"] = source.get("channel_identities", []) + dest.get(
        "channel_identities", [])
    priority = dest.get("channel_priority", [])
    moved = [i.get("channel") for i in source.get("channel_identities", [])]
    dest["channel_priority"] = [c for c in moved if c not in priority] + priority
    for name in OPTIONAL:
        if source.get(name):
            dest[name] = source[name]


def _merge_fields(dest: Doc, source: Doc) -> None:
    channels = {i.get("channel") for i in dest.get("channel_identities", [])}
    for ident in source.get("channel_identities", []):
        if ident.get("channel") not in channels:
            dest.setdefault("channel_identities", []).append(ident)
            channels.add(ident.get("channel"))
            if ident.get("channel") not in dest.setdefault("channel_priority", []):
                dest["channel_priority"].append(ident.get("channel"))
    for name in OPTIONAL:
        if not dest.get(name) and source.get(name):
            dest[name] = source[name]
    if dest.get("display_name") in ("", "Unknown") and source.get("display_name"):
        dest["display_name"] = source["display_name"]


def _merge_conversations(call: Call, dest_id: str, source_id: str) -> None:
    state = call.state
    for conv in [c for c in state.conversations.values() if c["contact_id"] == source_id]:
        target = state.active_conversation(conv["app_id"], dest_id) if conv.get(
            "active") else None
        if target is not None:
            for msg_id in list(state.by_conversation.get(conv["id"], {})):
                state.move_message(msg_id, target["id"], dest_id)
            state.remove_conversation(conv["id"])
            continue
        state.active.pop((conv["app_id"], source_id), None)
        conv["contact_id"] = dest_id
        state.reindex(conv)
        for msg_id in state.by_conversation.get(conv["id"], {}):
            state.messages[msg_id].body["contact_id"] = dest_id


def merge_contact(call: Call) -> Reply:
    dest = call.contact(call.path["destination_id"])
    source_id = call.body["source_id"]
    source = call.contact(source_id)
    if source_id == dest["id"]:
        raise ApiError.precondition("A contact cannot be merged into itself: source_id "
                                    "equals the destination contact.")
    if call.fault(FaultName.PROSE_MERGE_WRONG):  # and the source stays, with its conversations
        _merge_fields_wrongly(dest, source)
        return Reply(200, dest)
    _merge_fields(dest, source)
    _merge_conversations(call, dest["id"], source_id)
    del call.state.contacts[source_id]
    return Reply(200, dest)


def get_channel_profile(call: Call) -> Reply:
    call.app(call.body["app_id"])
    recipient = call.body["recipient"]
    if "contact_id" in recipient:
        name = call.contact(recipient["contact_id"]).get("display_name", "Unknown")
    else:
        idents = recipient["identified_by"]["channel_identities"]
        ident = idents[0] if idents else {"identity": "unknown"}
        channel = call.field("channel", "")
        found = call.state.find_contact(channel, ident.get("identity", ""),
                                        call.body["app_id"])
        name = found["display_name"] if found else f"{channel.title()} user " \
                                                   f"{ident.get('identity', '')}"
    return Reply(200, {"profile_name": name})


HANDLERS: Mapping[str, Handler] = MappingProxyType({
    "Contact_ListContacts": list_contacts,
    "Contact_CreateContact": create_contact,
    "Contact_GetContact": get_contact,
    "Contact_UpdateContact": update_contact,
    "Contact_DeleteContact": delete_contact,
    "Contact_MergeContact": merge_contact,
    "Contact_GetChannelProfile": get_channel_profile,
})
