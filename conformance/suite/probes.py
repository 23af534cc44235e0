"""Targeted checks: short, deterministic request sequences for what random generation may
miss in a small budget. Each probe is a plain function, registered in :data:`PROBES` (a
:class:`conformance.registry.Registry`: the Finding kinds it can make, where it runs, and a
:class:`Probe` holding whether it mutates and its one-line summary); the run goes through
them in registration order.

Every exchange a probe makes goes through the same contract checks as Schemathesis' calls
(the transport hands it to the collector); a probe adds only the finding its sequence is
about: a created resource that cannot be read back, a deleted one that still can, a page
that repeats or skips items, auth that is not enforced, an expired token that still works.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

from conformance.errors import UserError
from conformance.findings import Kind
from conformance.registry import Registry
from conformance.suite.probe_context import P, ProbeContext, bodies
from conformance.suite.target import basic_header
from conformance.suite.topup import top_up

__all__ = ["PROBES", "Probe", "ProbeContext", "bodies"]

EXPIRY_WAIT_MAX = 8.0  # seconds a probe may wait for a token to expire
PAGE_ITEMS = 23  # more than the largest page (20)
PAGE_LIMIT = 100  # pages a walk reads at most


@dataclass(frozen=True)
class Probe:
    """A probe as registered: its function, whether it sends mutating requests (a read-only
    run skips it), and a one-line summary."""

    run: Callable[[ProbeContext], None]
    mutating: bool
    summary: str


def _ok(resp: requests.Response) -> bool:
    return 200 <= resp.status_code < 300


def _id(resp: requests.Response, key: str = "id") -> str:
    try:
        value = resp.json().get(key)
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------- auth

def auth_enforced(ctx: ProbeContext) -> None:
    """A request without credentials, and one with a wrong secret, must be refused."""
    creds = ctx.target.credentials
    for label, header in (("no credentials", ""),
                          ("a wrong key secret", basic_header(creds.key_id, "wrong-secret"))):
        resp = ctx.call("GET", f"{P}/apps", auth=header)
        if _ok(resp):
            ctx.report(Kind.AUTH_IGNORED, resp, f"App_ListApps answered {resp.status_code} to "
                       f"a request with {label}; expected 401.", "request.header.authorization")


def expired_token(ctx: ProbeContext) -> None:
    """A bearer token past its expiry must be refused (when it expires within reach).

    The token is fetched here, then nothing else is sent until it has expired: a server
    may forget expired tokens once it issues new ones, and then refuses them for the wrong
    reason."""
    try:
        token = ctx.tokens.fetch()
    except UserError as exc:
        ctx.notes.append(f"expired-token probe skipped: no OAuth2 token ({exc})")
        return
    if token.lifetime > EXPIRY_WAIT_MAX:
        ctx.notes.append(f"expired-token probe skipped: tokens live {token.lifetime:.0f} s")
        return
    time.sleep(max(0.0, token.expires_at - time.monotonic() + 0.5))
    resp = ctx.call("GET", f"{P}/apps", auth=f"Bearer {token.value}")
    if _ok(resp):
        ctx.report(Kind.AUTH_IGNORED, resp, f"App_ListApps answered {resp.status_code} to a "
                   "bearer token that had expired; expected 401.",
                   "request.header.authorization")


# ---------------------------------------------------------------- lifecycle

def _create(ctx: ProbeContext, path: str, body: Any, what: str, key: str = "id") -> str:
    resp = ctx.call("POST", path, body=body)
    if resp.status_code == 400:
        ctx.report(Kind.POSITIVE_DATA_REJECTED, resp, f"Creating a {what} with a valid body "
                   f"was rejected with 400.", "request.body")
    return _id(resp, key) if _ok(resp) else ""


def _use(ctx: ProbeContext, path: str, body: Any, what: str) -> None:
    """Call an operation with a valid body; a 400 means valid data was rejected."""
    resp = ctx.call("POST", path, body=body)
    if resp.status_code == 400:
        ctx.report(Kind.POSITIVE_DATA_REJECTED, resp, f"{what} with a valid body was "
                   "rejected with 400.", "request.body")


def _readable(ctx: ProbeContext, path: str, what: str) -> None:
    resp = ctx.call("GET", path)
    if resp.status_code == 404:
        ctx.report(Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE, resp,
                   f"The {what} just created is not available: GET answered 404.",
                   "response.status")


def _deleted(ctx: ProbeContext, path: str, what: str) -> None:
    if not _ok(ctx.call("DELETE", path)):
        return
    resp = ctx.call("GET", path)
    if _ok(resp):
        ctx.report(Kind.USE_AFTER_DELETE, resp, f"The {what} was deleted (DELETE answered "
                   f"2xx) but GET still answers {resp.status_code}.", "response.status")


def lifecycle(ctx: ProbeContext) -> None:
    """Create each kind of resource with a valid body, read it back, change it, use it,
    delete it and read it again."""
    b = bodies()
    app = _create(ctx, f"{P}/apps", b["app"], "app")
    contact = _create(ctx, f"{P}/contacts", b["contact"], "contact")
    b = bodies(app, contact)
    if app:
        _readable(ctx, f"{P}/apps/{app}", "app")
        ctx.call("PATCH", f"{P}/apps/{app}", body=b["app_update"])
        ctx.call("GET", f"{P}/apps/{app}/webhooks")
        webhook = _create(ctx, f"{P}/webhooks", b["webhook"], "webhook")
        if webhook:
            _readable(ctx, f"{P}/webhooks/{webhook}", "webhook")
            _deleted(ctx, f"{P}/webhooks/{webhook}", "webhook")
    if contact:
        _readable(ctx, f"{P}/contacts/{contact}", "contact")
        ctx.call("PATCH", f"{P}/contacts/{contact}", body=b["contact_update"])
    if app and contact:
        _uses(ctx, b)
        _conversation(ctx, b)
        message = _create(ctx, f"{P}/messages:send", b["message"], "message", "message_id")
        if message:
            _readable(ctx, f"{P}/messages/{message}", "message")
            _deleted(ctx, f"{P}/messages/{message}", "message")
    if contact:
        _deleted(ctx, f"{P}/contacts/{contact}", "contact")
    if app:
        _deleted(ctx, f"{P}/apps/{app}", "app")


def _uses(ctx: ProbeContext, b: dict[str, Any]) -> None:
    for path, key, what in (("capability:query", "capability", "Capability_QueryCapability"),
                            ("events:send", "event", "Events_SendEvent"),
                            ("messages:transcode", "transcode", "Transcoding_TranscodeMessage"),
                            ("optins:register", "optin", "OptIn_RegisterOptIn"),
                            ("optouts:register", "optin", "OptIn_RegisterOptOut"),
                            ("contacts:getChannelProfile", "channel_profile",
                             "Contact_GetChannelProfile")):
        _use(ctx, f"{P}/{path}", b[key], what)
    other = _create(ctx, f"{P}/contacts", bodies()["contact"], "contact")
    if other:
        destination = b["conversation"]["contact_id"]
        _use(ctx, f"{P}/contacts/{destination}:merge", {"source_id": other},
             "Contact_MergeContact")


def _conversation(ctx: ProbeContext, b: dict[str, Any]) -> None:
    conv = _create(ctx, f"{P}/conversations", b["conversation"], "conversation")
    if not conv:
        return
    _readable(ctx, f"{P}/conversations/{conv}", "conversation")
    ctx.call("PATCH", f"{P}/conversations/{conv}", body=b["conversation_update"])
    ctx.call("POST", f"{P}/conversations/{conv}:inject-message", body=b["inject"])
    ctx.call("GET", f"{P}/messages", query={"conversation_id": conv})
    ctx.call("GET", f"{P}/conversations", query={"only_active": "false",
                                                 "app_id": b["conversation"]["app_id"]})
    ctx.call("POST", f"{P}/conversations/{conv}:stop")
    _deleted(ctx, f"{P}/conversations/{conv}", "conversation")


# ---------------------------------------------------------------- pagination

@dataclass
class _Walk:
    seen: list[str] = field(default_factory=list)
    repeated: bool = False
    complete: bool = False  # reached the last page


def _walk(ctx: ProbeContext, page_size: int, limit: int = PAGE_LIMIT) -> _Walk:
    """Ids of every contact, following next_page_token, at most ``limit`` pages."""
    walk, token = _Walk(), ""
    for _ in range(limit):
        query: dict[str, Any] = {"page_size": page_size}
        if token:
            query["page_token"] = token
        resp = ctx.call("GET", f"{P}/contacts", query=query)
        if not _ok(resp):
            return walk
        try:
            data = resp.json()
            ids = [str(c.get("id")) for c in data.get("contacts") or [] if isinstance(c, dict)]
        except (ValueError, AttributeError, TypeError):
            return walk
        repeated = [i for i in ids if i in walk.seen]
        if repeated:
            ctx.report(Kind.PAGINATION_INCONSISTENT, resp, f"Contact_ListContacts: page "
                       f"after {len(walk.seen)} item(s) repeats {repeated[0]!r} from an "
                       "earlier page.", "response.body/contacts")
            walk.repeated = True
            return walk
        walk.seen += ids
        token = data.get("next_page_token") or ""
        if not token or not isinstance(token, str):
            walk.complete = isinstance(token, str)
            return walk
    return walk


def pagination(ctx: ProbeContext) -> None:
    """Walk ListContacts page by page: no item twice, none left out; and ask for a page
    above the documented maximum of 20 (the response must still hold at most 20)."""
    created: list[str] = []
    if not ctx.readonly:
        for _ in range(PAGE_ITEMS):
            ident = _create(ctx, f"{P}/contacts", bodies()["contact"], "contact")
            if ident:
                created.append(ident)
    walk = _walk(ctx, 19)
    missing = [i for i in created if i not in walk.seen]
    # a contact that cannot even be read back is another finding (see lifecycle), not a gap
    if (missing and walk.complete
            and _ok(ctx.call("GET", f"{P}/contacts/{missing[0]}"))):
        resp = ctx.call("GET", f"{P}/contacts", query={"page_size": 19})
        ctx.report(Kind.PAGINATION_INCONSISTENT, resp, f"Contact_ListContacts: walking "
                   f"every page (page_size=19) left out {len(missing)} of {len(created)} "
                   f"contact(s) created just before, e.g. {missing[0]!r}.", "response.body")
    if not walk.complete and not walk.repeated:
        ctx.notes.append(f"pagination probe: stopped after {PAGE_LIMIT} pages of contacts")
    ctx.call("GET", f"{P}/contacts", query={"page_size": 25})
    for ident in created:
        ctx.call("DELETE", f"{P}/contacts/{ident}")


# ---------------------------------------------------------------- input handling

def inputs(ctx: ProbeContext) -> None:
    """A valid body with non-ASCII text must not break the server; a body with a wrong
    type must be refused."""
    b = bodies()
    resp = ctx.call("POST", f"{P}/contacts", body=b["non_ascii_contact"])
    if resp.status_code == 400:
        ctx.report(Kind.POSITIVE_DATA_REJECTED, resp, "Creating a contact whose display_name "
                   "holds non-ASCII characters was rejected with 400.", "request.body")
    resp = ctx.call("POST", f"{P}/contacts", body=b["wrong_type_contact"])
    if _ok(resp):
        ctx.report(Kind.NEGATIVE_DATA_ACCEPTED, resp, "Contact_CreateContact accepted "
                   f"display_name=12345 (an integer; the spec says string) with "
                   f"{resp.status_code}.", "request.body")


PROBES: Registry[Probe] = Registry("probe")


def _register(run: Callable[[ProbeContext], None], mutating: bool, summary: str,
              kinds: Iterable[Kind]) -> None:
    PROBES.add(Probe(run, mutating, summary), run.__name__, kinds=kinds, where={"suite"},
               doc=summary)


# Registration order is the run's order (its console output is snapshot-tested).
_register(auth_enforced, False, "requests without or with wrong credentials",
          {Kind.AUTH_IGNORED})
_register(lifecycle, True, "create, read, update, use, delete, read again",
          {Kind.POSITIVE_DATA_REJECTED, Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE,
           Kind.USE_AFTER_DELETE})
_register(pagination, False, "walk pages: no repeats, no gaps, max 20",
          {Kind.PAGINATION_INCONSISTENT, Kind.POSITIVE_DATA_REJECTED})
_register(inputs, True, "non-ASCII valid body; wrong-type body",
          {Kind.POSITIVE_DATA_REJECTED, Kind.NEGATIVE_DATA_ACCEPTED})
_register(expired_token, False, "an expired bearer token is refused", {Kind.AUTH_IGNORED})
_register(top_up, True, "valid, varied requests for operations under 10 distinct successes",
          ())

