"""Apps: list, create, get, update, delete (deleting an app removes its webhooks,
conversations and dispatch messages)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from conformance.emulator.context import Call, Handler, apply_update
from conformance.emulator.faults import FaultName
from conformance.emulator.replies import Reply

__all__ = ["HANDLERS", "app_defaults"]

Doc = dict[str, Any]
UPDATABLE = ("channel_credentials", "conversation_metadata_report_view", "display_name",
             "retention_policy", "dispatch_retention_policy", "processing_mode",
             "smart_conversation")
RATE_LIMITS = {"inbound": 25, "outbound": 25, "webhooks": 25}


def app_defaults() -> Doc:
    """What the API fills in for an app when the request leaves a field out."""
    return {
        "channel_credentials": [],
        "conversation_metadata_report_view": "NONE",
        "display_name": "",
        "retention_policy": {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 180},
        "dispatch_retention_policy": {"retention_type": "MESSAGE_EXPIRE_POLICY",
                                      "ttl_days": 0},
        "processing_mode": "CONVERSATION",
        "smart_conversation": {"enabled": False},
    }


def _with_defaults(fields: Doc) -> Doc:
    out = app_defaults()
    for name, value in fields.items():
        if name not in out:
            continue
        default = out[name]
        out[name] = {**default, **value} if isinstance(default, dict) and isinstance(
            value, dict) else copy.deepcopy(value)
    return out


def list_apps(call: Call) -> Reply:
    return Reply(200, {"apps": list(call.state.apps.values())})  # creation order


def create_app(call: Call) -> Reply:
    fields = _with_defaults(call.body)
    app = {"id": call.env.new_id(), **fields, "rate_limits": dict(RATE_LIMITS)}
    if call.fault(FaultName.PROSE_DEFAULTS_IGNORED):  # other defaults than the prose says
        app["rate_limits"] = {name: 10 for name in RATE_LIMITS}
        app["retention_policy"] = {"retention_type": "PERSIST_RETENTION_POLICY", "ttl_days": 90,
                                   **call.body.get("retention_policy", {})}
    if not call.fault(FaultName.CREATED_NOT_READABLE):
        call.state.apps[app["id"]] = app
    if call.fault(FaultName.PROSE_DEFAULTS_IGNORED) and "processing_mode" not in call.body:
        return Reply(200, {**app, "processing_mode": "DISPATCH"})  # the answer only
    return Reply(200, app)


def get_app(call: Call) -> Reply:
    return Reply(200, call.served(call.app(call.path["app_id"]), call.state.apps.values()))


def update_app(call: Call) -> Reply:
    app = call.app(call.path["app_id"])
    changes = {k: copy.deepcopy(v) for k, v in call.body.items()}
    for name in ("retention_policy", "dispatch_retention_policy", "smart_conversation"):
        if isinstance(changes.get(name), dict):
            changes[name] = {**app_defaults()[name], **changes[name]}
    apply_update(app, changes, call.mask(), UPDATABLE, app_defaults())
    return Reply(200, app)


def delete_app(call: Call) -> Reply:
    call.app(call.path["app_id"])
    if not call.fault(FaultName.DELETED_STILL_READABLE):
        call.state.remove_app(call.path["app_id"])
    return Reply(200, {})


HANDLERS: Mapping[str, Handler] = MappingProxyType({
    "App_ListApps": list_apps,
    "App_CreateApp": create_app,
    "App_GetApp": get_app,
    "App_UpdateApp": update_app,
    "App_DeleteApp": delete_app,
})
