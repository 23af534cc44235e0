"""Access probes: what no schema shows and real APIs ship. Wrong credentials that work, a
key that reaches another project (OWASP API1, RESTler's namespace rule), a child read
through a parent it is not under (RESTler's resource hierarchy), a create answered 4xx that
left a resource behind (RESTler's leakage rule), and garbled or unknown ids answered 2xx or
5xx instead of 4xx (RESTler's invalid dynamic objects).

Against a real account they touch only resources they create (and delete), and ids they
invent; a read-only run keeps their reads. :data:`ACCESS_PROBES` lists them for
:mod:`conformance.suite.probes`, which registers them after its own.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import requests

from conformance.findings import Kind
from conformance.suite.probe_context import P, ProbeContext, bodies, json_of, ok
from conformance.suite.target import basic_header

__all__ = ["ACCESS_PROBES", "GARBLED", "foreign_id"]

_ULID = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_EXPECT = "expected 401, 403 or 404"


def foreign_id() -> str:
    """An id shaped like Sinch's (26 Crockford base-32 characters) that nobody holds."""
    return "01" + "".join(secrets.choice(_ULID) for _ in range(24))


# an id nobody holds, and RESTler's default invalid dynamic objects made from it
GARBLED: tuple[Callable[[str], str], ...] = (
    lambda i: i, lambda i: "{}", lambda i: f"{i}??", lambda i: f"{i}?injected_query_string=123",
    lambda i: f"{i}/?/", lambda i: f"{i}/{i}")
GARBLED_MUTATING = 3  # forms sent to non-GET operations (the first three)


def _id(resp: requests.Response) -> str:
    data = json_of(resp)
    value = data.get("id") if isinstance(data, dict) and ok(resp) else None
    return value if isinstance(value, str) else ""


def _items(resp: requests.Response, key: str) -> list[dict[str, Any]]:
    data = json_of(resp) if ok(resp) else None
    items = data.get(key) if isinstance(data, dict) else None
    return [i for i in items or [] if isinstance(i, dict)] if isinstance(items, list) else []


# ---------------------------------------------------------------- wrong credentials

def _forged(token: str) -> list[tuple[str, str]]:
    """Tokens made from a real one: one character changed; for a JWT, also 'alg: none'."""
    flip = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    out = [("a token with one character changed", flip)]
    parts = token.split(".")
    if len(parts) == 3:
        head = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        out.append(("the token re-signed with alg 'none'",
                    f"{head.decode().rstrip('=')}.{parts[1]}."))
    return out


def wrong_credentials(ctx: ProbeContext) -> None:
    """Every wrong credential is refused: a wrong secret, an unknown key id, malformed
    headers, a bearer token never issued or altered; and the token URL issues no token
    for a wrong secret."""
    creds = ctx.target.credentials
    wrong = "wrong-" + secrets.token_urlsafe(8)
    headers = [("a wrong key secret", basic_header(creds.key_id, wrong)),
               ("an unknown key id with our key's secret",
                basic_header(str(uuid.uuid4()), creds.key_secret)),
               ("a Basic header that is not base64", "Basic not*base64!"),
               ("a Basic header without a secret",
                "Basic " + base64.b64encode(creds.key_id.encode()).decode()),
               ("a bearer token never issued", "Bearer " + secrets.token_urlsafe(32)),
               ("an empty bearer token", "Bearer ")]
    if creds.auth == "oauth2":
        headers += [(what, f"Bearer {t}") for what, t in _forged(ctx.tokens.token().value)]
    for what, header in headers:
        resp = ctx.call("GET", f"{P}/apps", auth=header)
        if ok(resp):
            ctx.report(Kind.WRONG_CREDENTIALS_ACCEPTED, resp, f"App_ListApps answered "
                       f"{resp.status_code} to {what}; expected 401.",
                       "request.header.authorization")
    if creds.auth == "oauth2":
        _token_for_wrong_secret(ctx, wrong)


def _token_for_wrong_secret(ctx: ProbeContext, wrong: str) -> None:
    creds = ctx.target.credentials
    resp = ctx.transport.request(
        "POST", creds.token_url, data={"grant_type": "client_credentials"},
        headers={"Authorization": basic_header(creds.key_id, wrong),
                 "Content-Type": "application/x-www-form-urlencoded"}, record=False,
        api_call=False)
    data = json_of(resp)
    token = data.get("access_token") if isinstance(data, dict) else None
    if ok(resp) and token:
        ctx.tokens.issued.append(str(token))  # a token all the same: redacted like ours
        ctx.report(Kind.WRONG_CREDENTIALS_ACCEPTED, resp, f"The token URL answered "
                   f"{resp.status_code} with an access token to a wrong key secret; "
                   "expected 401.", "request.header.authorization")


# ---------------------------------------------------------------- other projects

def _other_project(ctx: ProbeContext) -> str:
    second = ctx.target.second
    return second.project_id if second is not None else str(uuid.uuid4())


def _refused(ctx: ProbeContext, method: str, url_path: str, what: str, *,
             auth: str | None = None, body: Any = None) -> None:
    resp = ctx.call(method, url_path, auth=auth, body=body)
    if ok(resp):
        op = ctx.checks.contract.operation_for(method, ctx.target.url(url_path),
                                               ctx.target.base_path)
        name = op.operation_id if op else f"{method} {url_path}"
        ctx.report(Kind.CROSS_PROJECT_ACCESS, resp, f"{name} answered {resp.status_code} "
                   f"to {what}; {_EXPECT}.", "request.path")


def foreign_project(ctx: ProbeContext) -> None:
    """Credentials of one project never reach another's resources: our key on another
    project's path, the second project's key on ours, and (unless read-only) the ids of
    an app and a webhook we create, named under the other project."""
    own = ctx.target.credentials.project_id
    other = _other_project(ctx)
    if ctx.target.second is None:
        ctx.notes.append("foreign_project probe: no second project given "
                         "(--second-project-id); it named an invented project id instead")
    theirs = f"/v1/projects/{other}"
    for path in ("/apps", "/contacts"):
        _refused(ctx, "GET", theirs + path, f"our key on project {other}, which it does "
                 "not belong to")
    second = ctx.second.header() if ctx.second is not None else None
    if second is not None:
        _refused(ctx, "GET", f"{P}/apps", f"the key of project {other} on project {own}",
                 auth=second)
    if ctx.readonly:
        return
    app = _id(ctx.call("POST", f"{P}/apps", body=bodies()["app"]))
    if not app:
        return
    hook = _id(ctx.call("POST", f"{P}/webhooks", body=bodies(app)["webhook"]))
    what = f"the id of an app of project {own}, named under project {other}"
    hook_what = f"the id of a webhook of project {own}, named under project {other}"
    auth = second if second is not None else None
    _refused(ctx, "GET", f"{theirs}/apps/{app}", what, auth=auth)
    _refused(ctx, "PATCH", f"{theirs}/apps/{app}", what, auth=auth,
             body=bodies()["app_update"])
    if hook:
        _refused(ctx, "GET", f"{theirs}/webhooks/{hook}", hook_what, auth=auth)
        _refused(ctx, "DELETE", f"{theirs}/webhooks/{hook}", hook_what, auth=auth)
        ctx.call("DELETE", f"{P}/webhooks/{hook}")
    if second is not None:  # an id of ours in the body of a create in their project
        resp = ctx.call("POST", f"{theirs}/webhooks", body=bodies(app)["webhook"],
                        auth=second)
        if ok(resp):
            ctx.report(Kind.CROSS_PROJECT_ACCESS, resp, f"Webhooks_CreateWebhook in project "
                       f"{other} answered {resp.status_code} to app_id {app}, an app of "
                       f"project {own}; {_EXPECT}.", "request.body/app_id")
            if _id(resp):
                ctx.call("DELETE", f"{theirs}/webhooks/{_id(resp)}", auth=second)
    ctx.call("DELETE", f"{P}/apps/{app}")


# ---------------------------------------------------------------- resource hierarchy

def resource_hierarchy(ctx: ProbeContext) -> None:
    """A child belongs to one parent: the webhooks listed under another app must not
    include a webhook of this one."""
    apps = [_id(ctx.call("POST", f"{P}/apps", body=bodies()["app"])) for _ in range(2)]
    parent, stranger = apps
    hook = _id(ctx.call("POST", f"{P}/webhooks", body=bodies(parent)["webhook"])
               ) if parent else ""
    if hook and stranger:
        resp = ctx.call("GET", f"{P}/apps/{stranger}/webhooks")
        if any(h.get("id") == hook for h in _items(resp, "webhooks")):
            ctx.report(Kind.CHILD_VIA_WRONG_PARENT, resp, f"Webhooks_ListWebhooks of app "
                       f"{stranger} lists webhook {hook}, which belongs to app {parent}.",
                       "response.body/webhooks")
        ctx.call("DELETE", f"{P}/webhooks/{hook}")
    for app in apps:
        if app:
            ctx.call("DELETE", f"{P}/apps/{app}")


# ---------------------------------------------------------------- failed creates

def failed_create(ctx: ProbeContext) -> None:
    """A create answered 4xx leaves nothing behind: an invalid app and an invalid webhook
    (each marked with a unique name) are refused, then looked for."""
    marker = f"sinch-conformance leak {uuid.uuid4().hex[:12]}"
    resp = ctx.call("POST", f"{P}/apps", body={"display_name": marker,
                                                "channel_credentials": "not-a-list"})
    if 400 <= resp.status_code < 500:
        left = [a for a in _items(ctx.call("GET", f"{P}/apps"), "apps")
                if a.get("display_name") == marker]
        _leaked(ctx, resp, "App_CreateApp", "the apps list", left, "apps")
    parent = _id(ctx.call("POST", f"{P}/apps", body=bodies()["app"]))
    if not parent:
        return
    target = f"https://example.com/{marker.replace(' ', '-')}"
    resp = ctx.call("POST", f"{P}/webhooks", body={
        "app_id": parent, "target": target, "target_type": "HTTP",
        "triggers": "MESSAGE_DELIVERY"})
    if 400 <= resp.status_code < 500:
        left = [h for h in _items(ctx.call("GET", f"{P}/apps/{parent}/webhooks"), "webhooks")
                if h.get("target") == target]
        _leaked(ctx, resp, "Webhooks_CreateWebhook", f"app {parent}'s webhooks", left,
                "webhooks")
    ctx.call("DELETE", f"{P}/apps/{parent}")


def _leaked(ctx: ProbeContext, resp: requests.Response, op: str, where: str,
            left: list[dict[str, Any]], collection: str) -> None:
    if not left:
        return
    ident = str(left[0].get("id", ""))
    ctx.report(Kind.FAILED_CREATE_LEFT_RESOURCE, resp, f"{op} answered {resp.status_code} "
               f"to an invalid body, yet {where} holds what it sent (id {ident!r}).",
               "response.status")
    for item in left:
        ctx.call("DELETE", f"{P}/{collection}/{item.get('id', '')}")


# ---------------------------------------------------------------- garbled ids

_BODIES = {"App_UpdateApp": "app_update", "Contact_UpdateContact": "contact_update",
           "Conversation_UpdateConversation": "conversation_update",
           "Conversation_InjectMessage": "inject"}


def garbled_ids(ctx: ProbeContext) -> None:
    """Every id in every path, replaced with an id nobody holds and RESTler's garbled
    forms of it, is answered 4xx, never 2xx or 5xx (non-GET operations unless read-only,
    with the first three forms)."""
    contract = ctx.checks.contract
    for op in contract.operations.values():
        names = [p.name for p in op.parameters if p.location == "path"
                 and p.name != "project_id"]
        if not names or (op.method != "GET" and ctx.readonly):
            continue
        forms = GARBLED if op.method == "GET" else GARBLED[:GARBLED_MUTATING]
        b = bodies(foreign_id(), foreign_id())
        body = b[_BODIES[op.operation_id]] if op.operation_id in _BODIES else (
            {"source_id": foreign_id()} if op.method == "POST" and op.request_content
            else None)
        for form in forms:
            value = form(foreign_id())
            path = op.path_template
            for name in names:
                path = path.replace("{" + name + "}", value)
            resp = ctx.call(op.method, path, body=body, key="probe garbled ids")
            if not 400 <= resp.status_code < 500:
                ctx.report(Kind.INVALID_ID_NOT_REJECTED, resp, f"{op.operation_id} "
                           f"answered {resp.status_code} to {names[0]}={value!r}, an id "
                           "no resource has; expected 4xx.", "request.path", op=op)
                break


# (function, mutating, summary, kinds), in run order
ACCESS_PROBES: tuple[tuple[Callable[[ProbeContext], None], bool, str, set[Kind]], ...] = (
    (wrong_credentials, False, "wrong secret, unknown key, malformed and forged tokens",
     {Kind.WRONG_CREDENTIALS_ACCEPTED}),
    (foreign_project, False, "another project's path, key and ids are refused",
     {Kind.CROSS_PROJECT_ACCESS}),
    (resource_hierarchy, True, "a webhook is not listed under another app",
     {Kind.CHILD_VIA_WRONG_PARENT}),
    (failed_create, True, "a create answered 4xx leaves nothing behind",
     {Kind.FAILED_CREATE_LEFT_RESOURCE}),
    (garbled_ids, False, "garbled and unknown ids in every path get 4xx",
     {Kind.INVALID_ID_NOT_REJECTED}),
)
