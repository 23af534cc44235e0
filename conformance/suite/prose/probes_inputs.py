"""The ``prose_inputs`` probe: one request breaking each limit or rule the prose sets on
requests (counts, lengths, ranges, forbidden values, a channel's credential object, the
inject window, a contact that must exist, DISPATCH recipients); each must be refused
(rules in :mod:`conformance.suite.prose.rules_inputs`). What an accepting API created is
deleted again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.suite.probe_context import ProbeContext, bodies
from conformance.suite.prose.steps import PHONE, P, contact_body, create, stamp_of, start
from conformance.suite.prose.verdicts import accepted, data

__all__ = ["prose_inputs"]

LONG = "x" * 1025
Case = tuple[str, str, str, Any, str]  # rule, method, path, body, what the request held
_CHOICE = {"text_message": {"text": "choice"}}
_SMS_CREDENTIAL = {"channel": "SMS", "static_bearer": {"claimed_identity": "12345",
                                                       "token": "probe"}}


def _stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _inject(contact: str, **extra: Any) -> dict[str, Any]:
    return {"app_message": {"message": {"text": "sinch-conformance prose probe"}},
            "direction": "TO_CONTACT", "contact_id": contact,
            "channel_identity": {"channel": "SMS", "identity": PHONE},
            "accept_time": _stamp(timedelta(minutes=-1)), **extra}


def _cases(app: str, contact: str, conv: str) -> list[Case]:
    def send(message: dict[str, Any]) -> dict[str, Any]:
        return {"app_id": app, "recipient": {"contact_id": contact},
                "message": {"message": message}}

    def hook(**extra: Any) -> dict[str, Any]:
        return {**bodies(app)["webhook"], **extra}

    inject = f"/conversations/{conv}:inject-message"
    cases: list[Case] = [
        ("contact-identities-min-one", "POST", "/contacts",
         {"channel_identities": [], "language": "EN_US"}, "a contact without identities"),
        ("contact-metadata-max", "POST", "/contacts", contact_body(
            "+46700000107", metadata=LONG), "a contact with 1025 characters of metadata"),
        ("contact-metadata-max-update", "PATCH", f"/contacts/{contact}", {"metadata": LONG},
         "1025 characters of contact metadata"),
        ("choice-message-max-choices", "POST", "/messages:send",
         send({"choices": [_CHOICE] * 4}), "a choice message with 4 choices"),
        ("channel-property-max", "POST", "/messages:send",
         {**send({"text": "sinch-conformance prose probe"}),
          "channel_properties": {"SMS_FLASH_MESSAGE": LONG}},
         "a channel property value of 1025 characters"),
        ("explicit-message-channel-keys", "POST", "/messages:transcode", {
            "app_id": app, "channels": ["SMS"], "app_message": {
                "message": {"text": "sinch-conformance prose probe"},
                "explicit_channel_message": {"CARRIER_PIGEON": {"text": "coo"}}}},
         "an explicit_channel_message for the channel CARRIER_PIGEON"),
        ("carousel-max-cards", "POST", "/messages:send",
         send({"cards": [{"title": f"card {i}"} for i in range(11)]}),
         "a carousel of 11 cards"),
        ("callback-secret-max", "PATCH", f"/apps/{app}", {"channel_credentials": [
            {**_SMS_CREDENTIAL, "callback_secret": "s" * 257}]},
         "a callback_secret of 257 characters"),
        ("retention-ttl-range", "PATCH", f"/apps/{app}", {"retention_policy": {
            "retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 3651}}, "ttl_days 3651"),
        ("dispatch-ttl-range", "PATCH", f"/apps/{app}", {"dispatch_retention_policy": {
            "retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 8}},
         "a dispatch ttl_days of 8"),
        ("webhook-target-max", "POST", "/webhooks",
         hook(target="https://example.com/" + "a" * 730), "a target URL of 750 characters"),
        ("webhook-target-forbidden", "POST", "/webhooks",
         hook(target="https://conversation-api.eu.sinch.com/sinch-conformance"),
         "a target on conversation-api.eu.sinch.com"),
        ("webhook-trigger-unspecified", "POST", "/webhooks",
         hook(triggers=["UNSPECIFIED_TRIGGER"]), "the trigger UNSPECIFIED_TRIGGER"),
        *((f"{channel.lower()}-credentials-required", "PATCH", f"/apps/{app}",
           {"channel_credentials": [{"channel": channel}]},
           f"a credential for {channel} without its credentials object")
          for channel in ("MMS", "KAKAOTALK", "TELEGRAM", "LINE", "WECHAT")),
        ("capability-existing-contact", "POST", "/capability:query", {
            "app_id": app, "recipient": {"contact_id": "sinch-conformance-no-such-contact"}},
         "a capability query for a contact that does not exist"),
    ]
    if conv:
        cases += [
            ("conversation-metadata-max", "PATCH", f"/conversations/{conv}",
             {"metadata": LONG}, "1025 characters of conversation metadata"),
            ("injected-metadata-max", "POST", inject, _inject(contact, metadata=LONG),
             "an injected message with 1025 characters of metadata"),
            ("injected-accept-time-window", "POST", inject,
             _inject(contact, accept_time=_stamp(timedelta(days=-40))),
             "an injected message accepted 40 days ago"),
            ("injected-accept-time-window", "POST", inject,
             _inject(contact, accept_time=_stamp(timedelta(days=1))),
             "an injected message accepted tomorrow")]
    return cases


def _dispatch_cases(app: str, contact: str) -> list[Case]:
    recipient = {"contact_id": contact}
    return [
        ("dispatch-recipient-send", "POST", "/messages:send", {
            "app_id": app, "recipient": recipient,
            "message": {"message": {"text": "sinch-conformance prose probe"}}},
         "a contact_id recipient for an app in DISPATCH mode"),
        ("dispatch-recipient-event", "POST", "/events:send", {
            "app_id": app, "recipient": recipient, "event": {"composing_event": {}}},
         "a contact_id recipient for an app in DISPATCH mode"),
        *((f"dispatch-recipient-{kind}", "POST", f"/{kind}s:register", {
            "app_id": app, "recipient": recipient, "channels": ["SMS"]},
           "a contact_id recipient for an app in DISPATCH mode")
          for kind in ("optin", "optout"))]


def _run(ctx: ProbeContext, cases: list[Case]) -> None:
    for rule_id, method, path, body, what in cases:
        resp = ctx.call(method, f"{P}{path}", body=body)
        made = stamp_of(data(resp).get("id"))
        if accepted(ctx, rule_id, resp, what) and method == "POST" and made and path in (
                "/contacts", "/webhooks"):
            ctx.call("DELETE", f"{P}{path}/{made}")


def prose_inputs(ctx: ProbeContext) -> None:
    """Requests that break a rule the prose sets on inputs must be refused."""
    app, contact = start(ctx, "prose_inputs")
    if not app:
        return
    conv = create(ctx, "/conversations", {"app_id": app, "contact_id": contact,
                                          "active": True})
    _run(ctx, _cases(app, contact, conv))
    dispatch = create(ctx, "/apps", {**bodies()["app"], "processing_mode": "DISPATCH"})
    if dispatch:
        _run(ctx, _dispatch_cases(dispatch, contact))
        ctx.call("DELETE", f"{P}/apps/{dispatch}")
    ctx.call("DELETE", f"{P}/contacts/{contact}")
    ctx.call("DELETE", f"{P}/apps/{app}")
