"""The ``prose_apps`` probe: the defaults a new app gets, the webhooks an app may have,
and what the asynchronous registrations fill in (opt-in/out channels, request ids)
(rules in :mod:`conformance.suite.prose.rules_behaviour`)."""

from __future__ import annotations

from typing import Any

import requests

from conformance.suite.probe_context import ProbeContext, bodies
from conformance.suite.prose.steps import P, contact_body, create, stamp_of
from conformance.suite.prose.verdicts import broke, data, ok

__all__ = ["prose_apps"]

WEBHOOKS_PER_APP = 5
EXPLICIT = "sinch-conformance explicit SMS text"
CHANNELS = {"SMS", "WHATSAPP"}


def _defaults(ctx: ProbeContext, resp: requests.Response, app: dict[str, Any]) -> None:
    found = app.get("rate_limits")
    limits: dict[str, Any] = found if isinstance(found, dict) else {}
    for name in ("inbound", "outbound", "webhooks"):
        value = limits.get(name)
        if value is not None and str(value) != "25":
            broke(ctx, f"rate-limit-{name}-default", resp, f"a new app has rate_limits."
                  f"{name} {value!r}")
    policy = app.get("retention_policy")
    policy = policy if isinstance(policy, dict) else {}
    if policy.get("ttl_days") is not None and str(policy["ttl_days"]) != "180":
        broke(ctx, "retention-ttl-default", resp, f"a new app has retention_policy.ttl_days "
              f"{policy['ttl_days']!r}")
    if policy.get("retention_type") not in (None, "MESSAGE_EXPIRE_POLICY"):
        broke(ctx, "retention-type-default", resp, f"a new app has retention_type "
              f"{policy['retention_type']!r}")
    if app.get("processing_mode") not in (None, "CONVERSATION"):
        broke(ctx, "processing-mode-default", resp, f"a new app has processing_mode "
              f"{app['processing_mode']!r}")


def _registrations(ctx: ProbeContext, app: str, contact: str) -> None:
    for path, key, kind in (("optins:register", "opt_in", "optin"),
                            ("optouts:register", "opt_out", "optout")):
        resp = ctx.call("POST", f"{P}/{path}", body={
            "app_id": app, "channels": [], "recipient": {"contact_id": contact}})
        answer = data(resp)
        found = answer.get(key)
        registration: dict[str, Any] = found if isinstance(found, dict) else {}
        channels = set(registration.get("channels") or [])
        if ok(resp) and channels != CHANNELS:
            for rule_id in (f"{kind}-channels-default", f"{kind}-defaults-resolved"):
                broke(ctx, rule_id, resp, f"a registration without channels for a contact on "
                      f"{sorted(CHANNELS)} answered channels {sorted(channels)}")
        if ok(resp) and not stamp_of(answer.get("request_id")):
            for rule_id in (f"{kind}-request-id", "request-id-generated"):
                broke(ctx, rule_id, resp, "a registration without request_id answered none")
    resp = ctx.call("POST", f"{P}/capability:query", body={
        "app_id": app, "recipient": {"contact_id": contact}})
    if ok(resp) and not stamp_of(data(resp).get("request_id")):
        for rule_id in ("capability-request-id", "capability-response-request-id"):
            broke(ctx, rule_id, resp, "a query without request_id answered none")
    answered = data(resp).get("recipient")
    if ok(resp) and answered not in (None, {"contact_id": contact}):
        broke(ctx, "capability-answer-recipient", resp, f"a query for contact {contact!r} "
              f"answered the recipient {answered!r}")


def _options(ctx: ProbeContext, app: str) -> None:
    """What a request asks for is done: an explicit channel message, DISPATCH_ONLY."""
    resp = ctx.call("POST", f"{P}/messages:transcode", body={
        "app_id": app, "channels": ["SMS"], "app_message": {
            "message": {"text": "transcoded"},
            "explicit_channel_message": {"SMS": {"text": EXPLICIT}}}})
    sms = (data(resp).get("transcoded_message") or {}).get("SMS")
    if ok(resp) and isinstance(sms, str) and EXPLICIT not in sms:
        broke(ctx, "explicit-message-overrides", resp, "the SMS rendering of a message with "
              "an explicit SMS message does not hold it")
    message = create(ctx, "/messages:send", {
        "app_id": app, "processing_strategy": "DISPATCH_ONLY",
        "message": {"message": {"text": "sinch-conformance prose probe"}},
        "recipient": {"identified_by": {"channel_identities": [
            {"channel": "SMS", "identity": "+46700000108"}]}}}, "message_id")
    if not message:
        return
    resp = ctx.call("GET", f"{P}/messages/{message}")
    if ok(resp) and data(resp).get("conversation_id"):
        broke(ctx, "processing-strategy-dispatch-only", resp, "a message sent with "
              "processing_strategy DISPATCH_ONLY was stored in a conversation")


def _webhooks(ctx: ProbeContext, app: str) -> None:
    created = []
    for i in range(WEBHOOKS_PER_APP + 1):
        resp = ctx.call("POST", f"{P}/webhooks", body={
            **bodies(app)["webhook"], "target": f"https://example.com/sinch-conformance/{i}"})
        hook = stamp_of(data(resp).get("id"))
        if hook:
            created.append(hook)
        if i == WEBHOOKS_PER_APP and ok(resp):
            broke(ctx, "webhooks-per-app", resp, f"a webhook beyond the {WEBHOOKS_PER_APP}th "
                  "of one app was created")
    for hook in created:
        ctx.call("DELETE", f"{P}/webhooks/{hook}")


def prose_apps(ctx: ProbeContext) -> None:
    """A new app's defaults, webhooks per app, opt-in/out and capability defaults."""
    resp = ctx.call("POST", f"{P}/apps", body=bodies()["app"])
    app = stamp_of(data(resp).get("id"))
    if not app:
        ctx.notes.append("prose_apps probe skipped: the API refused to create its app")
        return
    _defaults(ctx, resp, data(resp))
    contact = create(ctx, "/contacts", {
        **contact_body("+46700000106"),
        "channel_identities": [{"channel": "SMS", "identity": "+46700000106"},
                               {"channel": "WHATSAPP", "identity": "+46700000106"}]})
    if contact:
        _registrations(ctx, app, contact)
        ctx.call("DELETE", f"{P}/contacts/{contact}")
    _options(ctx, app)
    _webhooks(ctx, app)
    ctx.call("DELETE", f"{P}/apps/{app}")
