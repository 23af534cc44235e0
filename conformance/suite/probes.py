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
from dataclasses import dataclass

from conformance.errors import UserError
from conformance.findings import Kind
from conformance.registry import Registry
from conformance.suite.probe_context import P, ProbeContext, bodies, ok
from conformance.suite.probe_operations import PROBE_OPERATIONS
from conformance.suite.probes_access import ACCESS_PROBES
from conformance.suite.probes_consistency import lifecycle
from conformance.suite.probes_identity import identity
from conformance.suite.probes_pages import edges, pagination

__all__ = ["PROBES", "Probe", "ProbeContext", "bodies"]

EXPIRY_WAIT_MAX = 8.0  # seconds a probe may wait for a token to expire


@dataclass(frozen=True)
class Probe:
    """A probe as registered: its function, whether it sends mutating requests (a read-only
    run skips it), and a one-line summary."""

    run: Callable[[ProbeContext], None]
    mutating: bool
    summary: str
    # the operations it calls; with operation filters it runs when one of them is selected
    # (none declared: it always runs)
    operations: frozenset[str] = frozenset()


# ---------------------------------------------------------------- auth

def auth_enforced(ctx: ProbeContext) -> None:
    """A request without credentials must be refused (wrong ones: probes_access)."""
    resp = ctx.call("GET", f"{P}/apps", auth="")
    if ok(resp):
        ctx.report(Kind.AUTH_IGNORED, resp, f"App_ListApps answered {resp.status_code} to "
                   "a request with no credentials; expected 401.",
                   "request.header.authorization")


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
    if ok(resp):
        ctx.report(Kind.AUTH_IGNORED, resp, f"App_ListApps answered {resp.status_code} to a "
                   "bearer token that had expired; expected 401.",
                   "request.header.authorization")


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
    if ok(resp):
        ctx.report(Kind.NEGATIVE_DATA_ACCEPTED, resp, "Contact_CreateContact accepted "
                   f"display_name=12345 (an integer; the spec says string) with "
                   f"{resp.status_code}.", "request.body")


PROBES: Registry[Probe] = Registry("probe")


def _register(run: Callable[[ProbeContext], None], mutating: bool, summary: str,
              kinds: Iterable[Kind]) -> None:
    operations = PROBE_OPERATIONS.get(run.__name__, frozenset())
    PROBES.add(Probe(run, mutating, summary, operations), run.__name__, kinds=kinds,
               where={"suite"}, doc=summary)


# Registration order is the run's order (its console output is snapshot-tested).
_register(auth_enforced, False, "a request without credentials is refused",
          {Kind.AUTH_IGNORED})
_register(lifecycle, True, "create, read, update, use, delete: reads agree with each write",
          {Kind.POSITIVE_DATA_REJECTED, Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE,
           Kind.USE_AFTER_DELETE, Kind.READ_YOUR_WRITES_VIOLATED, Kind.IDENTITY_MISMATCH})
_register(pagination, False, "walk every list's pages: ends, no repeats, no gaps, total_size",
          {Kind.PAGINATION_INCONSISTENT, Kind.POSITIVE_DATA_REJECTED})
_register(inputs, True, "non-ASCII valid body; wrong-type body",
          {Kind.POSITIVE_DATA_REJECTED, Kind.NEGATIVE_DATA_ACCEPTED})
_register(expired_token, False, "an expired bearer token is refused", {Kind.AUTH_IGNORED})
_register(identity, False, "gets answer the resource asked for; lists keep their filters",
          {Kind.IDENTITY_MISMATCH, Kind.LIST_FILTER_IGNORED, Kind.POSITIVE_DATA_REJECTED})
_register(edges, True, "empty lists, one-item pages, long and non-ASCII strings: no 5xx",
          {Kind.EDGE_VALUE_SERVER_ERROR, Kind.POSITIVE_DATA_REJECTED})
for _run, _mutating, _summary, _kinds in ACCESS_PROBES:  # conformance/suite/probes_access.py
    _register(_run, _mutating, _summary, _kinds)
