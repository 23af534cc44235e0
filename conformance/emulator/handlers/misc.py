"""The asynchronous one-shot operations: capability query, send event, transcode, and the
opt-in/opt-out registrations. The emulator sends no callbacks; it answers what the API
answers synchronously and records the opt-in state and events in memory."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from conformance.emulator.context import Call, Handler
from conformance.emulator.faults import FaultName
from conformance.emulator.handlers.messages import dispatch_recipient, resolve_contact
from conformance.emulator.replies import Reply

__all__ = ["HANDLERS", "transcode"]

Doc = dict[str, Any]
_KINDS = (("text", "text"), ("url", "media"), ("coordinates", "location"),
          ("choices", "choice"), ("cards", "carousel"), ("sections", "list"),
          ("omni_template", "template"), ("channel_template", "template"), ("title", "card"))


def _check_recipient(call: Call, app_id: str) -> Doc | None:
    dispatch_recipient(call, call.app(app_id), call.body["recipient"])
    return resolve_contact(call, app_id, call.body["recipient"], create=False)


def _request_id(call: Call, given: str | None) -> str:
    """The request's id, "generated if not set"."""
    return given or ("" if call.fault(FaultName.PROSE_DEFAULTS_IGNORED) else call.env.new_id())


def query_capability(call: Call) -> Reply:
    app_id = call.body["app_id"]
    if call.fault(FaultName.PROSE_INPUT_RULES_IGNORED):  # even for an unknown contact
        call.app(app_id)
    else:
        _check_recipient(call, app_id)
    request_id = _request_id(call, call.field("request_id"))
    recipient = ({"contact_id": "another-contact"}
                 if call.fault(FaultName.PROSE_REQUEST_OPTIONS_IGNORED) else call.body["recipient"])
    return Reply(200, {"app_id": app_id, "recipient": copy.deepcopy(recipient),
                       "request_id": request_id})


def send_event(call: Call) -> Reply:
    _check_recipient(call, call.body["app_id"])
    event_id, stamp = call.env.new_id(), call.env.stamp()
    call.state.events[event_id] = {"id": event_id, "accepted_time": stamp,
                                   **copy.deepcopy(call.body)}
    return Reply(200, {"event_id": event_id, "accepted_time": stamp})


def _classify(message: Doc) -> str:
    return next((kind for key, kind in _KINDS if key in message), "unknown")


def transcode(channel: str, app_message: Doc, to: str, sender: str) -> str:
    """A channel-specific rendering of an app message, as a JSON string."""
    explicit = (app_message.get("explicit_channel_message") or {}).get(channel)
    if explicit is not None:
        return json.dumps(explicit, separators=(",", ":"))
    message = app_message.get("message") or {}
    kind = _classify(message)
    if channel == "WHATSAPP":
        out: Doc = {"messaging_product": "whatsapp", "recipient_type": "individual",
                    "to": to, "type": kind, kind: message}
    elif channel in ("SMS", "MMS"):
        out = {"to": [to] if to else [], "from": sender,
               "body": message.get("text") or message.get("title") or ""}
    elif channel in ("MESSENGER", "INSTAGRAM"):
        out = {"recipient": {"id": to}, "messaging_type": "RESPONSE", "message": message}
    else:
        out = {"channel": channel, "type": kind, "to": to, "message": message}
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def transcode_message(call: Call) -> Reply:
    call.app(call.body["app_id"])
    app_message = call.body["app_message"]
    if call.fault(FaultName.PROSE_REQUEST_OPTIONS_IGNORED):  # transcodes it all the same
        app_message = {k: v for k, v in app_message.items() if k != "explicit_channel_message"}
    to, sender = call.field("to", ""), call.field("from", "")
    rendered = {channel: transcode(channel, app_message, to, sender)
                for channel in call.body["channels"]}
    return Reply(200, {"transcoded_message": rendered})


def _register(call: Call, kind: str) -> Reply:
    app_id = call.body["app_id"]
    contact = _check_recipient(call, app_id)
    recipient = call.body["recipient"]
    channels = list(call.body["channels"])
    if not channels and not call.fault(FaultName.PROSE_DEFAULTS_IGNORED):
        idents = recipient.get("identified_by", {}).get("channel_identities") or (
            contact or {}).get("channel_identities", [])
        channels = list(dict.fromkeys(i["channel"] for i in idents))
    who = recipient.get("contact_id") or json.dumps(recipient, sort_keys=True)
    for channel in channels:
        call.state.consents[(app_id, who, channel)] = kind
    registration = {"app_id": app_id, "channels": channels,
                    "recipient": copy.deepcopy(recipient),
                    "processing_strategy": call.field("processing_strategy", "DEFAULT")}
    key = "opt_in" if kind == "OPT_IN" else "opt_out"
    return Reply(200, {key: registration, "request_id": _request_id(call,
                                                                     call.q("request_id"))})


def register_opt_in(call: Call) -> Reply:
    return _register(call, "OPT_IN")


def register_opt_out(call: Call) -> Reply:
    return _register(call, "OPT_OUT")


HANDLERS: Mapping[str, Handler] = MappingProxyType({
    "Capability_QueryCapability": query_capability,
    "Events_SendEvent": send_event,
    "Transcoding_TranscodeMessage": transcode_message,
    "OptIn_RegisterOptIn": register_opt_in,
    "OptIn_RegisterOptOut": register_opt_out,
})
