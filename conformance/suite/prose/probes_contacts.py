"""The ``prose_contacts`` probe: a contact's default display name, update_mask, and what
a merge does to conversations, messages, channel identities, optional fields and the two
contacts (rules in :mod:`conformance.suite.prose.rules_behaviour`)."""

from __future__ import annotations

from typing import Any

from conformance.suite.probe_context import ProbeContext, bodies
from conformance.suite.prose.probes_pages import contact_pages
from conformance.suite.prose.steps import P, contact_body, create, read, stamp_of
from conformance.suite.prose.verdicts import broke, data, ok

__all__ = ["prose_contacts"]

FILLERS = 9  # with the probe's 2 left after the merge,, more than the default page of 10
WHATSAPP = {"channel": "WHATSAPP", "identity": "+46700000103"}


def _defaults(ctx: ProbeContext, contact: str) -> None:
    resp = ctx.call("PATCH", f"{P}/contacts/{contact}", body={"display_name": ""},
                    query={"update_mask.paths": "display_name"})
    if ok(resp) and data(resp).get("display_name") != "Unknown":
        broke(ctx, "contact-display-name-reset", resp, "emptying display_name left "
              f"{data(resp).get('display_name')!r}")
    resp = ctx.call("PATCH", f"{P}/contacts/{contact}",
                    body={"display_name": "masked", "email": "prose@example.com"},
                    query={"update_mask.paths": "display_name"})
    if ok(resp) and data(resp).get("email"):
        broke(ctx, "update-mask-paths", resp, "an update whose update_mask lists only "
              "display_name also changed email")


def _with_message(ctx: ProbeContext, app: str, contact: str) -> tuple[str, str]:
    """(conversation id, message id) of a message sent to ``contact``."""
    message = create(ctx, "/messages:send", {
        "app_id": app, "recipient": {"contact_id": contact},
        "message": {"message": {"text": "sinch-conformance prose probe"}}}, "message_id")
    conv = stamp_of(read(ctx, f"/messages/{message}").get("conversation_id")) if message else ""
    return conv, message


def _merge_setup(ctx: ProbeContext, app: str) -> dict[str, str]:
    """A destination with an SMS identity and an external id; a source with SMS and
    WhatsApp identities, an email and an external id, a stopped conversation and an
    active one with a message; the destination has an active conversation too."""
    dest = create(ctx, "/contacts", contact_body("+46700000102", external_id="dest-ext",
                                                 channel_priority=["SMS"]))
    source = create(ctx, "/contacts", {
        "channel_identities": [{"channel": "SMS", "identity": "+46700000104"}, WHATSAPP],
        "channel_priority": ["SMS", "WHATSAPP"], "language": "EN_US",
        "email": "source@example.com", "external_id": "source-ext"})
    if not (dest and source):
        return {}
    stopped, _ = _with_message(ctx, app, source)
    if not stopped:
        return {}
    ctx.call("POST", f"{P}/conversations/{stopped}:stop")
    dest_conv, _ = _with_message(ctx, app, dest)
    _, moved = _with_message(ctx, app, source)
    return {"dest": dest, "source": source, "stopped": stopped, "dest_conv": dest_conv,
            "moved": moved}


def _merge_fields(ctx: ProbeContext, resp: Any, kept: dict[str, Any]) -> None:
    idents = [i for i in kept.get("channel_identities") or [] if isinstance(i, dict)]
    sms = [i for i in idents if i.get("channel") == "SMS"]
    if len(sms) != 1 or sms[0].get("identity") != "+46700000102":
        broke(ctx, "merge-identities-new-channels", resp, "the destination's SMS identity "
              f"after the merge is {sms!r}, though it had one before")
    elif not any(i.get("channel") == "WHATSAPP" for i in idents):
        broke(ctx, "merge-identities-new-channels", resp, "the source's WhatsApp identity, "
              "a channel the destination lacked, did not move to it")
    priority = kept.get("channel_priority") or []
    if priority and "WHATSAPP" in priority and priority[-1] != "WHATSAPP":
        broke(ctx, "merge-identities-last", resp, f"the channel priority after the merge is "
              f"{priority!r}, the moved WHATSAPP not last")
    if kept.get("external_id") != "dest-ext" or kept.get("email") != "source@example.com":
        broke(ctx, "merge-optional-fields", resp, f"after the merge external_id is "
              f"{kept.get('external_id')!r} (the destination had 'dest-ext') and email "
              f"{kept.get('email')!r} (only the source had one)")


def _merge(ctx: ProbeContext, app: str) -> None:
    ids = _merge_setup(ctx, app)
    if not ids:
        return
    dest, source = ids["dest"], ids["source"]
    if not ok(ctx.call("POST", f"{P}/contacts/{dest}:merge", body={"source_id": source})):
        return
    resp = ctx.call("GET", f"{P}/contacts/{dest}")
    if resp.status_code == 404:
        broke(ctx, "merge-destination-kept", resp, "the destination contact is gone")
    _merge_fields(ctx, resp, data(resp))
    resp = ctx.call("GET", f"{P}/contacts/{source}")
    if ok(resp):
        for rule_id in ("merge-source-gone", "merge-source-removed"):
            broke(ctx, rule_id, resp, "the source contact can still be read after the merge")
    resp = ctx.call("GET", f"{P}/conversations/{ids['stopped']}")
    if ok(resp) and data(resp).get("contact_id") != dest:
        broke(ctx, "merge-conversations", resp, "a conversation of the source belongs to "
              f"{data(resp).get('contact_id')!r} after the merge, not to the destination")
    resp = ctx.call("GET", f"{P}/messages/{ids['moved']}")
    if ok(resp) and data(resp).get("conversation_id") != ids["dest_conv"]:
        broke(ctx, "merge-messages", resp, "a message of the source's active conversation "
              "is not in the destination's active conversation with the same app")


def prose_contacts(ctx: ProbeContext) -> None:
    """A contact's default name, update_mask, contact merge, the default page."""
    resp = ctx.call("POST", f"{P}/contacts", body=contact_body("+46700000105"))
    contact = stamp_of(data(resp).get("id"))
    if ok(resp) and data(resp).get("display_name") != "Unknown":
        broke(ctx, "contact-display-name-default", resp, "a contact created without "
              f"display_name got {data(resp).get('display_name')!r}")
    if contact:
        _defaults(ctx, contact)
    app = create(ctx, "/apps", bodies()["app"])
    if app:
        _merge(ctx, app)
    fillers = [create(ctx, "/contacts", contact_body(f"+4670000020{i}"))
               for i in range(FILLERS)]
    contact_pages(ctx)
    for ident in [contact, *fillers]:
        if ident:
            ctx.call("DELETE", f"{P}/contacts/{ident}")
    if app:
        ctx.call("DELETE", f"{P}/apps/{app}")
