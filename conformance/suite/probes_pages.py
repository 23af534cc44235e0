"""Pagination and edges: the ``pagination`` and ``edges`` probes.

``pagination`` walks every paginated list of the contract twice, with a small page size
(several pages) and with the largest: the walk must end (a ``next_page_token`` seen twice is
a cycle, reported; the walk is bounded either way), never repeat an item, and the small
pages must hold the same items as the large ones (a page boundary that skips one shows
there); where the answer counts (``total_size``) the count must match the items walked.
Without ``--readonly`` it first creates a few items in each list (a new app's conversations
and a conversation's messages, so the walk stays small on a busy account).

``edges`` sends what servers get wrong at the edges: empty collections, the first page of
one item, and every string of a valid body (creates and updates) made very long and made
non-ASCII, kept only where the contract still calls the body valid. None may answer 5xx.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.contract import REJECTING_KINDS
from conformance.findings import Kind
from conformance.suite.probe_context import P, ProbeContext, bodies
from conformance.suite.probe_reads import (
    MAX_PAGE,
    Walk,
    create,
    family_of,
    item_path,
    list_query,
    walk,
)
from conformance.suite.resources import ListOp, lists

__all__ = ["edges", "pagination"]

SMALL_PAGE = 3
SEED_ITEMS = 7  # items per list: three pages of three
SMALL_WALK_PAGES = 12  # the small walk of a long list compares a prefix
LONG = 1024  # the spec documents no maxLength: a long value
NON_ASCII = "Zoë Ångström ✓ 日本語 😀"
Doc = dict[str, Any]


def _seed(ctx: ProbeContext) -> tuple[Doc, list[tuple[str, str]]]:
    """Filter values that narrow each list to a few items the probe made, and what it made
    (family, id) to delete afterwards."""
    b = bodies()
    made: list[tuple[str, str]] = []
    app, _ = create(ctx, family_of(ctx, "AppResponse"), b["app"])
    contact, _ = create(ctx, family_of(ctx, "Contact"), b["contact"])
    made += [("AppResponse", app), ("Contact", contact)]
    if not app or not contact:
        return {}, made
    b = bodies(app, contact)
    conv = ""
    for i in range(SEED_ITEMS):
        made.append(("Contact", create(ctx, family_of(ctx, "Contact"), bodies()["contact"])[0]))
        ident, _ = create(ctx, family_of(ctx, "Conversation"),
                          {**b["conversation"], "active": i == 0})
        made.append(("Conversation", ident))
        conv = conv or ident
    for _ in range(SEED_ITEMS if conv else 0):
        ctx.call("POST", f"{P}/conversations/{conv}:inject-message", body=b["inject"])
    return {"app_id": app, "contact_id": contact, "conversation_id": conv}, made


def _known(ctx: ProbeContext) -> Doc:
    """Read-only: filter values from what the account holds (its first app and contact)."""
    values: Doc = {}
    for lst in lists(ctx.checks.contract):
        if not lst.filters:
            found = walk(ctx, lst, lst.path, {}, limit=1)
            if found.ids and found.ids[0]:
                values[family_of(ctx, lst.family).id_param] = found.ids[0]
    return values


Problem = tuple[Any, str, str]  # (the answer to cite, message, location)


def _walk_problems(lst: ListOp, found: Walk, size: int) -> list[Problem]:
    """What one walk shows on its own: a cycle or a repeat."""
    if found.cycle:
        return [(found.last, f"{lst.operation_id}: with page_size={size} the page tokens "
                 f"cycle (page {found.pages} gave a next_page_token seen before), so a "
                 "client following them never stops.", "response.body/next_page_token")]
    if found.repeated:
        return [(found.last, f"{lst.operation_id}: walking with page_size={size} gives "
                 f"{found.repeated!r} twice.", f"response.body/{lst.items}")]
    return []


def _problems(lst: ListOp, small: Walk, large: Walk) -> list[Problem]:
    """A cycle or repeat in either walk; else a count that disagrees with total_size, or
    small pages that leave out items the large ones hold."""
    found = _walk_problems(lst, large, MAX_PAGE) + _walk_problems(lst, small, SMALL_PAGE)
    if found or large.failed or small.failed:
        return found
    if large.complete and large.total is not None and large.total != len(large.ids):
        found.append((large.last, f"{lst.operation_id}: total_size says {large.total} but "
                      f"walking every page gives {len(large.ids)} item(s).",
                      "response.body/total_size"))
    expected = large.ids if small.complete else large.ids[:len(small.ids)]
    missing = [i for i in expected if i not in small.ids]
    if (large.complete or not small.complete) and missing:
        found.append((small.last, f"{lst.operation_id}: walking with page_size={SMALL_PAGE} "
                      f"left out {len(missing)} item(s) that page_size={MAX_PAGE} lists, e.g. "
                      f"{missing[0]!r}.", f"response.body/{lst.items}"))
    return found


def pagination(ctx: ProbeContext) -> None:
    """Walk every paginated list with small and with large pages: it ends, repeats
    nothing, skips nothing, and agrees with total_size. A disagreement is walked again
    within the consistency window (a list still catching up with the seeds is no defect)."""
    values, made = ({}, []) if ctx.readonly else _seed(ctx)
    values = values or _known(ctx)
    for lst in lists(ctx.checks.contract):
        where = list_query(ctx, lst, values) if lst.paginated else None
        if where is None:
            continue
        path, query = where

        def read(lst: ListOp = lst, path: str = path, query: Doc = query
                 ) -> tuple[bool, tuple[Walk, list[Problem]]]:
            large = walk(ctx, lst, path, query)
            small = walk(ctx, lst, path, query, SMALL_PAGE, SMALL_WALK_PAGES)
            problems = _problems(lst, small, large)
            return not problems, (large, problems)

        settled = ctx.settle(read)
        large, problems = settled.value
        for resp, message, location in problems:
            ctx.report(Kind.PAGINATION_INCONSISTENT, resp, message, location)
        if not large.complete and not large.cycle:
            ctx.notes.append(f"pagination probe: {lst.operation_id} did not end within "
                             f"{large.pages} pages")
    ctx.call("GET", path, query={**query, "page_size": MAX_PAGE + 5})  # above the max
    for name, ident in reversed(made):
        if ident:
            ctx.call("DELETE", item_path(family_of(ctx, name), ident))


# ---------------------------------------------------------------- edges

def _edge(ctx: ProbeContext, resp: Any, what: str) -> None:
    if resp.status_code >= 500:
        ctx.report(Kind.EDGE_VALUE_SERVER_ERROR, resp, f"{what} answered "
                   f"{resp.status_code}; an edge value must get an answer, not a server "
                   "error.", "response.status")


def _valid(ctx: ProbeContext, method: str, path: str, body: Any) -> bool:
    found = ctx.checks.contract.validate_request(
        method, ctx.target.url(path), {"content-type": "application/json"}, json.dumps(body),
        source="suite", base_path=ctx.checks.base_path)
    return not any(f.kind in REJECTING_KINDS for f in found)


def _strings(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where a body holds strings that name no other resource (not ``*id``)."""
    if isinstance(node, dict):
        return [p for k, v in node.items() if not str(k).endswith("id")
                for p in _strings(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _strings(v, (*path, i))]
    return [path] if isinstance(node, str) else []


def _with(body: Any, path: tuple[Any, ...], value: str) -> Any:
    copy = json.loads(json.dumps(body))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copy


def _edge_body(ctx: ProbeContext, method: str, path: str, body: Any, value: str) -> Any:
    """``body`` with every string the contract lets hold ``value`` holding it."""
    for where in _strings(body):
        candidate = _with(body, where, value)
        if _valid(ctx, method, path, candidate):
            body = candidate
    return body


def edges(ctx: ProbeContext) -> None:
    """Empty collections, a first page of one item, and long and non-ASCII values in every
    string of the bodies the run writes: never a 5xx."""
    b = bodies()
    app, _ = create(ctx, family_of(ctx, "AppResponse"), b["app"])
    contact, _ = create(ctx, family_of(ctx, "Contact"), b["contact"])
    if not app or not contact:
        return
    fresh = {"app_id": app, "contact_id": contact}
    for lst in lists(ctx.checks.contract):
        where = list_query(ctx, lst, fresh)
        if where is not None:
            size = {"page_size": 1} if lst.paginated else {}
            _edge(ctx, ctx.call("GET", where[0], query={**where[1], **size}),
                  f"{lst.operation_id} on an empty or one-item page")
    b = bodies(app, contact)
    sends = [("POST", f"{P}/apps", b["app"]), ("POST", f"{P}/contacts", b["contact"]),
             ("POST", f"{P}/webhooks", b["webhook"]), ("POST", f"{P}/messages:send", b["message"]),
             ("PATCH", f"{P}/apps/{app}", b["app_update"]),
             ("PATCH", f"{P}/contacts/{contact}", b["contact_update"])]
    for label, value in ((f"{LONG}-character", "x" * LONG), ("non-ASCII", NON_ASCII)):
        for method, path, body in sends:
            edged = _edge_body(ctx, method, path, body, value)
            if edged != body:
                resp = ctx.call(method, path, body=edged)
                _edge(ctx, resp, f"A valid request whose body strings hold {label} values")
    ctx.call("DELETE", item_path(family_of(ctx, "Contact"), contact))
    ctx.call("DELETE", item_path(family_of(ctx, "AppResponse"), app))
