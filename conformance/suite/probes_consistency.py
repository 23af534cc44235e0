"""Read-your-writes: the ``lifecycle`` probe. Each kind of resource is created with a valid
body, read back, changed, used and deleted; after every create, update or delete that
succeeded, the resource's get and its lists agree with what was written: the written fields
read back equal (fields the read adds are the server's defaults), a created resource is in
its lists (every page walked), a deleted one is gone from get and lists.

A real API may be eventually consistent, so every comparison of a read with a write is
re-read with back-off for at most the run's consistency window
(:meth:`ProbeContext.settle`); a finding says how long it waited, telling lag from loss.
"""

from __future__ import annotations

from typing import Any

import requests

from conformance.findings import Kind
from conformance.suite.probe_context import P, ProbeContext, bodies
from conformance.suite.probe_reads import (
    Walk,
    create,
    differences,
    family_lists,
    family_of,
    item_path,
    list_query,
    ok,
    readable_fields,
    walk,
)
from conformance.suite.resources import Family

__all__ = ["check_identity", "lifecycle"]

Doc = dict[str, Any]


def check_identity(ctx: ProbeContext, fam: Family, ident: str, resp: requests.Response
                   ) -> bool:
    """Whether a get answered the resource asked for; a finding when it did not."""
    data = resp.json() if ok(resp) else None
    if not isinstance(data, dict) or "id" not in data or data["id"] == ident:
        return True
    ctx.report(Kind.IDENTITY_MISMATCH, resp, f"{fam.get.operation_id} was asked for "
               f"{fam.id_param} {ident!r} and answered the resource {data['id']!r}.",
               "response.body/id")
    return False


def _read_back(ctx: ProbeContext, fam: Family, ident: str, written: Doc, after: str
               ) -> Doc | None:
    """Get the resource until it is there and holds ``written``; the read, or None when it
    was not there or was another resource."""
    path = item_path(fam, ident)

    def read() -> tuple[bool, requests.Response]:
        resp = ctx.call("GET", path)
        data = resp.json() if ok(resp) else None
        same = isinstance(data, dict) and data.get("id", ident) == ident
        return ok(resp) and (not same or not differences(written, data)), resp

    settled = ctx.settle(read)
    resp = settled.value
    if not ok(resp):
        if resp.status_code == 404:
            ctx.report(Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE, resp, f"The resource {ident!r} "
                       f"just created is not available: {fam.get.operation_id} still answered "
                       f"404 {settled.wait()}.", "response.status")
        return None
    data = resp.json()
    if not isinstance(data, dict) or not check_identity(ctx, fam, ident, resp):
        return None
    wrong = differences(written, data)
    if wrong:
        where, value, seen = wrong[0]
        ctx.report(Kind.READ_YOUR_WRITES_VIOLATED, resp, f"{after} wrote "
                   f"{where.strip('/')}={value!r}, but {fam.get.operation_id} still reads "
                   f"{seen!r} {settled.wait()}.", f"response.body{where}")
    return {**data, "id": ident}


def _listed(ctx: ProbeContext, fam: Family, doc: Doc, written: Doc | None, after: str) -> None:
    """The resource is in every list of its family that ``doc``'s fields can fill (holding
    ``written``), or, when ``written`` is None (deleted), in none; re-read within the
    window, every page walked."""
    ident = doc["id"]
    for lst in family_lists(ctx, fam.name):
        where = list_query(ctx, lst, doc)
        if where is None:
            continue

        def read(where: tuple[str, Doc] = where, lst: Any = lst) -> tuple[bool, Walk]:
            found = walk(ctx, lst, *where)
            if not found.complete:
                return True, found  # too long to tell: a note, not a verdict
            if written is None:
                return ident not in found.ids, found
            return ident in found.ids and not differences(
                written, found.items[found.ids.index(ident)]), found

        settled = ctx.settle(read)
        found = settled.value
        if not found.complete:
            ctx.notes.append(f"lifecycle: {lst.operation_id} did not end within {found.pages} "
                             "page(s); whether it lists the resource was not checked")
        elif not settled.agreed and found.last is not None:
            state = ("still lists" if written is None else "leaves out"
                     if ident not in found.ids else "lists an old copy of")
            ctx.report(Kind.READ_YOUR_WRITES_VIOLATED, found.last, f"After {after}, "
                       f"{lst.operation_id} {state} {fam.id_param} {ident!r} "
                       f"{settled.wait()} ({found.pages} page(s) walked).",
                       f"response.body/{lst.items}")


def created(ctx: ProbeContext, name: str, body: Doc) -> str:
    """Create a resource of family ``name``; check it reads back and is listed."""
    fam = family_of(ctx, name)
    ident, resp = create(ctx, fam, body)
    if not ident:
        return ""
    after = f"{fam.create} ({resp.status_code})"
    written = readable_fields(ctx, fam, body)
    doc = _read_back(ctx, fam, ident, written, after)
    if doc is not None:
        _listed(ctx, fam, doc, written, after)
    return ident


def _updated(ctx: ProbeContext, name: str, ident: str, body: Doc) -> None:
    fam = family_of(ctx, name)
    op = ctx.checks.contract.operations[fam.update or ""]
    resp = ctx.call(op.method, item_path(fam, ident), body=body)
    if resp.status_code == 400:
        ctx.report(Kind.POSITIVE_DATA_REJECTED, resp, f"{op.operation_id} rejected a valid "
                   "body with 400.", "request.body")
    if not ok(resp):
        return
    after = f"{op.operation_id} ({resp.status_code})"
    doc = _read_back(ctx, fam, ident, body, after)
    if doc is not None:
        _listed(ctx, fam, doc, body, after)


def deleted(ctx: ProbeContext, name: str, ident: str) -> None:
    """Delete the resource; it must be gone from its get and its lists."""
    fam = family_of(ctx, name)
    path = item_path(fam, ident)
    before = ctx.call("GET", path)  # the fields that say which lists hold it
    doc = before.json() if ok(before) else None
    op = ctx.checks.contract.operations[fam.delete or ""]
    resp = ctx.call(op.method, path)
    if not ok(resp):
        return
    after = f"{op.operation_id} ({resp.status_code})"

    def read() -> tuple[bool, requests.Response]:
        again = ctx.call("GET", path)
        return not ok(again), again

    settled = ctx.settle(read)
    if not settled.agreed:
        ctx.report(Kind.USE_AFTER_DELETE, settled.value, f"The resource {ident!r} was deleted "
                   f"by {after}, but {fam.get.operation_id} still answers "
                   f"{settled.value.status_code} {settled.wait()}.", "response.status")
    elif isinstance(doc, dict):
        _listed(ctx, fam, {**doc, "id": ident}, None, after)


def lifecycle(ctx: ProbeContext) -> None:
    """Create each kind of resource with a valid body, read it back and find it listed,
    change it and read the change, use it, delete it and find it gone."""
    b = bodies()
    app = created(ctx, "AppResponse", b["app"])
    contact = created(ctx, "Contact", b["contact"])
    b = bodies(app, contact)
    if app:
        _updated(ctx, "AppResponse", app, b["app_update"])
        webhook = created(ctx, "Webhook", b["webhook"])
        if webhook:
            _updated(ctx, "Webhook", webhook, b["webhook_update"])
            deleted(ctx, "Webhook", webhook)
    if contact:
        _updated(ctx, "Contact", contact, b["contact_update"])
    if app and contact:
        _uses(ctx, b)
        _conversation(ctx, b)
        message = created(ctx, "ConversationMessage", b["message"])
        if message:
            deleted(ctx, "ConversationMessage", message)
    if contact:
        deleted(ctx, "Contact", contact)
    if app:
        deleted(ctx, "AppResponse", app)


def _use(ctx: ProbeContext, path: str, body: Any, what: str) -> None:
    """Call an operation with a valid body; a 400 means valid data was rejected."""
    resp = ctx.call("POST", path, body=body)
    if resp.status_code == 400:
        ctx.report(Kind.POSITIVE_DATA_REJECTED, resp, f"{what} with a valid body was "
                   "rejected with 400.", "request.body")


def _uses(ctx: ProbeContext, b: dict[str, Any]) -> None:
    for path, key, what in (("capability:query", "capability", "Capability_QueryCapability"),
                            ("events:send", "event", "Events_SendEvent"),
                            ("messages:transcode", "transcode", "Transcoding_TranscodeMessage"),
                            ("optins:register", "optin", "OptIn_RegisterOptIn"),
                            ("optouts:register", "optin", "OptIn_RegisterOptOut"),
                            ("contacts:getChannelProfile", "channel_profile",
                             "Contact_GetChannelProfile")):
        _use(ctx, f"{P}/{path}", b[key], what)
    other, _ = create(ctx, family_of(ctx, "Contact"), bodies()["contact"])
    if other:
        destination = b["conversation"]["contact_id"]
        _use(ctx, f"{P}/contacts/{destination}:merge", {"source_id": other},
             "Contact_MergeContact")


def _conversation(ctx: ProbeContext, b: dict[str, Any]) -> None:
    conv = created(ctx, "Conversation", b["conversation"])
    if not conv:
        return
    _updated(ctx, "Conversation", conv, b["conversation_update"])
    ctx.call("POST", f"{P}/conversations/{conv}:inject-message", body=b["inject"])
    ctx.call("POST", f"{P}/conversations/{conv}:stop")
    deleted(ctx, "Conversation", conv)
