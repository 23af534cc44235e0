"""Webhooks: list (per app), create (at most five per app), get, update, delete."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from conformance.emulator.context import Call, Handler, apply_update
from conformance.emulator.faults import FaultName
from conformance.emulator.replies import ApiError, Reply

__all__ = ["HANDLERS"]

Doc = dict[str, Any]
FIELDS = ("app_id", "target", "target_type", "secret", "triggers", "client_credentials")
DEFAULTS: Doc = {"target_type": "HTTP", "secret": "", "triggers": []}


def _webhook(call: Call, hook_id: str) -> Doc:
    return call.find("webhooks", hook_id, "webhook")


def _check_room(call: Call, app_id: str, ignore: str = "") -> None:
    count = sum(1 for h in call.state.webhooks.values()
                if h["app_id"] == app_id and h["id"] != ignore)
    limit = call.env.config.webhooks_per_app
    if count >= limit and not call.fault(FaultName.PROSE_WEBHOOK_LIMIT_IGNORED):
        raise ApiError.precondition(f"App '{app_id}' already has {count} webhooks; "
                                    f"the limit is {limit} per app.")


def list_webhooks(call: Call) -> Reply:
    app_id = call.app(call.path["app_id"])["id"]
    hooks = [h for h in call.state.webhooks.values()
             if h["app_id"] == app_id or call.fault(FaultName.WEBHOOK_ANY_APP)
             or call.fault(FaultName.LIST_FILTER_IGNORED)]
    return Reply(200, {"webhooks": hooks})


def create_webhook(call: Call) -> Reply:
    app_id = call.app(call.body["app_id"])["id"]
    _check_room(call, app_id)
    hook: Doc = {"id": call.env.new_id()}
    for name in FIELDS:
        value = call.body.get(name, DEFAULTS.get(name))
        if value is not None:
            hook[name] = copy.deepcopy(value)
    if not call.fault(FaultName.CREATED_NOT_READABLE):
        call.state.webhooks[hook["id"]] = hook
    return Reply(200, hook)


def get_webhook(call: Call) -> Reply:
    hook = _webhook(call, call.path["webhook_id"])
    return Reply(200, call.served(hook, call.state.webhooks.values()))


def update_webhook(call: Call) -> Reply:
    hook = _webhook(call, call.path["webhook_id"])
    candidate = dict(hook)
    apply_update(candidate, copy.deepcopy(call.body), call.mask(), FIELDS, DEFAULTS)
    if candidate["app_id"] != hook["app_id"]:
        call.app(candidate["app_id"])
        _check_room(call, candidate["app_id"], ignore=hook["id"])
    hook.update(candidate)
    for name in [n for n in hook if n not in candidate]:
        del hook[name]
    return Reply(200, hook)


def delete_webhook(call: Call) -> Reply:
    _webhook(call, call.path["webhook_id"])
    if not call.fault(FaultName.DELETED_STILL_READABLE):
        call.state.webhooks.pop(call.path["webhook_id"], None)
    return Reply(200, {})


HANDLERS: Mapping[str, Handler] = MappingProxyType({
    "Webhooks_ListWebhooks": list_webhooks,
    "Webhooks_CreateWebhook": create_webhook,
    "Webhooks_GetWebhook": get_webhook,
    "Webhooks_UpdateWebhook": update_webhook,
    "Webhooks_DeleteWebhook": delete_webhook,
})
