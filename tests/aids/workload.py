"""A seeded, random, stateful workload over all 33 operations: for tests and benchmarks.

:class:`Workload` proposes the next request (:meth:`Workload.step`) and learns the ids in
each answer (:meth:`Workload.observe`), so later requests read, update and delete what
earlier ones created; now and then it uses an unknown id on purpose (a 404). Every request
it makes is valid by the spec, so a conforming server answers each with 200 or one of the
errors the emulator documents (400 FAILED_PRECONDITION, 404).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from conformance.contract import REJECTING_KINDS, Contract

__all__ = ["CHANNELS", "Step", "Workload"]

CHANNELS = ("WHATSAPP", "RCS", "SMS", "MESSENGER", "VIBER", "VIBERBM", "MMS", "INSTAGRAM",
            "TELEGRAM", "KAKAOTALK", "LINE", "WECHAT")
TRIGGERS = ("MESSAGE_DELIVERY", "EVENT_DELIVERY", "MESSAGE_INBOUND", "CONVERSATION_START",
            "CONTACT_CREATE", "OPT_IN", "CAPABILITY")
WORDS = ("hello", "Zoë", "über", "ok", "42", "日本", "test", "")
POOLS = ("app", "contact", "conversation", "message", "webhook")
# The real event first; the spec's SendEventRequest.event oneOf rejects it (both branches
# match), so fall back to one the contract accepts (see the emulator README).
EVENTS: tuple[dict[str, Any], ...] = (
    {"composing_event": {}}, {"comment_reply_event": {"text": "hi"}},
    {"comment_reply_event": {}})


def accepted_event(contract: Contract) -> dict[str, Any]:
    """The first of EVENTS that the contract accepts in a SendEventRequest."""
    for event in EVENTS:
        body = {"app_id": "A", "recipient": {"contact_id": "C"}, "event": event}
        findings = contract.validate_request(
            "POST", "/v1/projects/p/events:send", {"content-type": "application/json"},
            json.dumps(body), source="emulator")
        if not any(f.kind in REJECTING_KINDS for f in findings):
            return event
    return EVENTS[0]


@dataclass(frozen=True)
class Step:
    operation_id: str
    method: str
    path: str  # with the query string
    body: Any = None


class Workload:
    def __init__(self, project_id: str, seed: int = 0, *, miss_rate: float = 0.05,
                 contract: Contract | None = None) -> None:
        self.rng = random.Random(seed)
        self.event = accepted_event(contract or Contract.default())
        self.base = f"/v1/projects/{project_id}"
        self.miss_rate = miss_rate
        self.pools: dict[str, list[str]] = {name: [] for name in POOLS}
        self.builders: dict[str, Callable[[], Step]] = _builders(self)

    @property
    def operations(self) -> list[str]:
        return sorted(self.builders)

    def step(self, operation_id: str | None = None) -> Step:
        """The next request: of ``operation_id``, or of a random operation (deletes and
        merges, which shrink the pools, are drawn less often)."""
        if operation_id is None:
            ops = self.operations
            weights = [0.25 if o in _DELETES or o == "Contact_MergeContact" else 1.0
                       for o in ops]
            operation_id = self.rng.choices(ops, weights)[0]
        return self.builders[operation_id]()

    def observe(self, step: Step, status: int, body: Any) -> None:
        """Learn created ids; forget deleted ones (and ids a 404 shows are gone)."""
        if status == 404:
            text = step.path + json.dumps(step.body)
            for pool in self.pools.values():
                pool[:] = [i for i in pool if i not in text]
        if status != 200 or not isinstance(body, dict):
            return
        kind = _CREATES.get(step.operation_id)
        if kind and isinstance(body.get("id") or body.get("message_id"), str):
            self.pools[kind].append(body.get("id") or body["message_id"])
        kind = _DELETES.get(step.operation_id)
        if kind:
            ident = step.path.split("?")[0].rsplit("/", 1)[-1]
            if ident in self.pools[kind]:
                self.pools[kind].remove(ident)
        for conv in body.get("conversations", []) or []:
            if conv.get("id") not in self.pools["conversation"]:
                self.pools["conversation"].append(conv["id"])

    # ---------------------------------------------------------------- values
    def pick(self, kind: str) -> str:
        pool = self.pools[kind]
        if not pool or self.rng.random() < self.miss_rate:
            return "01MISSING" + "".join(self.rng.choice("ABCDEFGHJK") for _ in range(17))
        return self.rng.choice(pool)

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def channel(self) -> str:
        return self.rng.choice(CHANNELS)

    def identity(self) -> dict[str, str]:
        return {"channel": self.channel(), "identity": f"+467{self.rng.randrange(10**7):07d}"}

    def recipient(self) -> dict[str, Any]:
        if self.pools["contact"] and self.rng.random() < 0.7:
            return {"contact_id": self.pick("contact")}
        return {"identified_by": {"channel_identities": [self.identity()]}}

    def app_message(self) -> dict[str, Any]:
        return {"message": {"omni_template": {"template_id": self.word() or "t",
                                              "version": str(self.rng.randrange(3))}}}

    def query(self, path: str, params: dict[str, Any]) -> str:
        params = {k: v for k, v in params.items() if v is not None}
        return f"{path}?{urlencode(params, doseq=True)}" if params else path

    def s(self, op: str, method: str, path: str, body: Any = None, **params: Any) -> Step:
        return Step(op, method, self.query(self.base + path, params), body)


_CREATES = {"App_CreateApp": "app", "Contact_CreateContact": "contact",
            "Conversation_CreateConversation": "conversation",
            "Messages_SendMessage": "message", "Webhooks_CreateWebhook": "webhook"}
_DELETES = {"App_DeleteApp": "app", "Contact_DeleteContact": "contact",
            "Conversation_DeleteConversation": "conversation",
            "Messages_DeleteMessage": "message", "Webhooks_DeleteWebhook": "webhook"}


def _builders(w: Workload) -> dict[str, Callable[[], Step]]:
    r = w.rng

    def app_body() -> dict[str, Any]:
        return {"display_name": w.word(), "channel_credentials": [
            {"channel": "SMS", "static_bearer": {"claimed_identity": "p", "token": "t"}}],
            "processing_mode": r.choice(["CONVERSATION", "CONVERSATION", "DISPATCH"])}

    def contact_body() -> dict[str, Any]:
        return {"channel_identities": [w.identity() for _ in range(r.randrange(1, 3))],
                "language": r.choice(["EN_US", "SV", "DE"]), "display_name": w.word(),
                "email": "x@example.com"}

    def hook_body() -> dict[str, Any]:
        return {"app_id": w.pick("app"), "target": "https://example.com/" + w.word(),
                "triggers": r.sample(TRIGGERS, 2), "target_type": "HTTP"}

    def page() -> dict[str, Any]:
        return {"page_size": r.choice([None, 1, 5, 20, 50])}

    def opt(op: str, path: str) -> Step:
        return w.s(op, "POST", path, {"app_id": w.pick("app"), "recipient": w.recipient(),
                                      "channels": [w.channel()]}, request_id=w.word() or None)

    return {
        "App_ListApps": lambda: w.s("App_ListApps", "GET", "/apps"),
        "App_CreateApp": lambda: w.s("App_CreateApp", "POST", "/apps", app_body()),
        "App_GetApp": lambda: w.s("App_GetApp", "GET", f"/apps/{w.pick('app')}"),
        "App_UpdateApp": lambda: w.s("App_UpdateApp", "PATCH", f"/apps/{w.pick('app')}",
                                     {"display_name": w.word()}),
        "App_DeleteApp": lambda: w.s("App_DeleteApp", "DELETE", f"/apps/{w.pick('app')}"),
        "Contact_ListContacts": lambda: w.s("Contact_ListContacts", "GET", "/contacts",
                                            **page()),
        "Contact_CreateContact": lambda: w.s("Contact_CreateContact", "POST", "/contacts",
                                             contact_body()),
        "Contact_GetContact": lambda: w.s("Contact_GetContact", "GET",
                                          f"/contacts/{w.pick('contact')}"),
        "Contact_UpdateContact": lambda: w.s("Contact_UpdateContact", "PATCH",
                                             f"/contacts/{w.pick('contact')}",
                                             {"display_name": w.word(), "metadata": w.word()}),
        "Contact_DeleteContact": lambda: w.s("Contact_DeleteContact", "DELETE",
                                             f"/contacts/{w.pick('contact')}"),
        "Contact_MergeContact": lambda: w.s("Contact_MergeContact", "POST",
                                            f"/contacts/{w.pick('contact')}:merge",
                                            {"source_id": w.pick("contact")}),
        "Contact_GetChannelProfile": lambda: w.s(
            "Contact_GetChannelProfile", "POST", "/contacts:getChannelProfile",
            {"app_id": w.pick("app"), "recipient": w.recipient(),
             "channel": r.choice(["MESSENGER", "INSTAGRAM", "VIBER"])}),
        "Conversation_ListConversations": lambda: w.s(
            "Conversation_ListConversations", "GET", "/conversations",
            only_active=r.choice(["true", "false"]), **page()),
        "Conversation_CreateConversation": lambda: w.s(
            "Conversation_CreateConversation", "POST", "/conversations",
            {"app_id": w.pick("app"), "contact_id": w.pick("contact"), "active": False,
             "metadata_json": {"k": w.word()}}),
        "Conversation_GetConversation": lambda: w.s(
            "Conversation_GetConversation", "GET", f"/conversations/{w.pick('conversation')}"),
        "Conversation_UpdateConversation": lambda: w.s(
            "Conversation_UpdateConversation", "PATCH",
            f"/conversations/{w.pick('conversation')}", {"metadata_json": {"k": w.word()}},
            metadata_update_strategy=r.choice(["REPLACE", "MERGE_PATCH", None])),
        "Conversation_StopActiveConversation": lambda: w.s(
            "Conversation_StopActiveConversation", "POST",
            f"/conversations/{w.pick('conversation')}:stop"),
        "Conversation_DeleteConversation": lambda: w.s(
            "Conversation_DeleteConversation", "DELETE",
            f"/conversations/{w.pick('conversation')}"),
        "Conversation_InjectMessage": lambda: w.s(
            "Conversation_InjectMessage", "POST",
            f"/conversations/{w.pick('conversation')}:inject-message",
            {"contact_message": {"text_message": {"text": w.word()}}, "direction": "TO_APP",
             "channel_identity": w.identity()}),
        "Messages_SendMessage": lambda: w.s(
            "Messages_SendMessage", "POST", "/messages:send",
            {"app_id": w.pick("app"), "recipient": w.recipient(), "message": w.app_message(),
             "message_metadata": w.word(), "conversation_metadata": {"order": w.word()}}),
        "Messages_GetMessage": lambda: w.s("Messages_GetMessage", "GET",
                                           f"/messages/{w.pick('message')}"),
        "Messages_DeleteMessage": lambda: w.s("Messages_DeleteMessage", "DELETE",
                                              f"/messages/{w.pick('message')}"),
        "Messages_ListMessages": lambda: w.s(
            "Messages_ListMessages", "GET", "/messages", contact_id=w.pick("contact"),
            view=r.choice(["WITH_METADATA", "WITHOUT_METADATA"]), **page()),
        "Webhooks_ListWebhooks": lambda: w.s("Webhooks_ListWebhooks", "GET",
                                             f"/apps/{w.pick('app')}/webhooks"),
        "Webhooks_CreateWebhook": lambda: w.s("Webhooks_CreateWebhook", "POST", "/webhooks",
                                              hook_body()),
        "Webhooks_GetWebhook": lambda: w.s("Webhooks_GetWebhook", "GET",
                                           f"/webhooks/{w.pick('webhook')}"),
        "Webhooks_UpdateWebhook": lambda: w.s("Webhooks_UpdateWebhook", "PATCH",
                                              f"/webhooks/{w.pick('webhook')}", hook_body(),
                                              **{"update_mask.paths": "target"}),
        "Webhooks_DeleteWebhook": lambda: w.s("Webhooks_DeleteWebhook", "DELETE",
                                              f"/webhooks/{w.pick('webhook')}"),
        "Capability_QueryCapability": lambda: w.s(
            "Capability_QueryCapability", "POST", "/capability:query",
            {"app_id": w.pick("app"), "recipient": w.recipient()}),
        "Events_SendEvent": lambda: w.s(
            "Events_SendEvent", "POST", "/events:send",
            {"app_id": w.pick("app"), "recipient": w.recipient(),
             "event": w.event}),
        "Transcoding_TranscodeMessage": lambda: w.s(
            "Transcoding_TranscodeMessage", "POST", "/messages:transcode",
            {"app_id": w.pick("app"), "app_message": w.app_message(),
             "channels": r.sample(CHANNELS, 3), "to": "+4670"}),
        "OptIn_RegisterOptIn": lambda: opt("OptIn_RegisterOptIn", "/optins:register"),
        "OptIn_RegisterOptOut": lambda: opt("OptIn_RegisterOptOut", "/optouts:register"),
    }
