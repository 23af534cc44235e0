"""Identity: the ``identity`` probe. A read returns the resource that was asked for, and
every item of a list satisfies every filter the operation documents.

Without ``--readonly`` it makes two apps and two contacts with a conversation and a message
for each pair it uses, and a webhook per app, so each filter has something to leave out;
read-only, it uses what the account holds. Each resource family's get is asked for up to
two known ids (the answer's ``id`` must be the one asked for); each list is asked with each
equality filter it documents (``app_id``, ``contact_id``, ``conversation_id``, the
webhooks' app in the path) for up to two known values, and with each documented flag
(``only_active``, ``only_recipient_originated``) set.
"""

from __future__ import annotations

from typing import Any

from conformance.findings import Kind
from conformance.suite.probe_context import P, ProbeContext, bodies
from conformance.suite.probe_reads import create, family_of, item_path, list_query, ok, walk
from conformance.suite.probes_consistency import check_identity
from conformance.suite.resources import ListOp, families, lists

__all__ = ["identity"]

PER_FILTER = 2  # values tried per filter
PAGES = 5  # pages read per filtered list
Doc = dict[str, Any]


def _world(ctx: ProbeContext) -> list[tuple[str, str]]:
    """Two apps, two contacts, conversations A-X (active), B-Y (active), A-Y (stopped), a
    message in each and a webhook per app. What it made, to delete afterwards."""
    made: list[tuple[str, str]] = []
    b = bodies()
    apps = [create(ctx, family_of(ctx, "AppResponse"), b["app"])[0] for _ in range(2)]
    contacts = [create(ctx, family_of(ctx, "Contact"), b["contact"])[0] for _ in range(2)]
    made += [("AppResponse", a) for a in apps] + [("Contact", c) for c in contacts]
    if not all(apps) or not all(contacts):
        return made
    for app, contact, active in ((apps[0], contacts[0], True), (apps[1], contacts[1], True),
                                 (apps[0], contacts[1], False)):
        pair = bodies(app, contact)
        conv, _ = create(ctx, family_of(ctx, "Conversation"), {**pair["conversation"],
                                                                "active": active})
        if conv:
            made.append(("Conversation", conv))
            ctx.call("POST", f"{P}/conversations/{conv}:inject-message", body=pair["inject"])
    for app in apps:
        hook, _ = create(ctx, family_of(ctx, "Webhook"), bodies(app)["webhook"])
        made.append(("Webhook", hook))
    return made


def _gather(ctx: ProbeContext, seeds: Doc) -> dict[str, list[Doc]]:
    """Items of every list, family by family (first page each): lists filled from
    ``seeds`` (ids the probe made), else lists without filters first, then the others
    filled from the ids those gave."""
    found: dict[str, list[Doc]] = {}
    for _ in range(2):
        values = seeds or {family_of(ctx, name).id_param: docs[0]["id"]
                           for name, docs in found.items() if docs}
        for lst in lists(ctx.checks.contract):
            where = list_query(ctx, lst, values) if lst.filters else (lst.path, {})
            if where is not None and lst.family not in found:
                items = walk(ctx, lst, *where, limit=1).items
                if items:
                    found[lst.family] = items
    return found


def _gets(ctx: ProbeContext, found: dict[str, list[Doc]], mine: dict[str, list[str]]
          ) -> None:
    for name, fam in families(ctx.checks.contract).items():
        known = mine.get(name) or [str(d.get("id")) for d in found.get(name, [])]
        for ident in known[:PER_FILTER]:
            if isinstance(ident, str) and ident:
                check_identity(ctx, fam, ident, ctx.call("GET", item_path(fam, ident)))


def _check_filter(ctx: ProbeContext, lst: ListOp, where: tuple[str, Doc], field: str,
                  want: Any, label: str) -> bool:
    found = walk(ctx, lst, *where, limit=PAGES)
    for item in found.items:
        if item.get(field, want) != want and found.last is not None and ok(found.last):
            ctx.report(Kind.LIST_FILTER_IGNORED, found.last, f"{lst.operation_id} with "
                       f"{label} answered {item.get('id')!r}, whose {field} is "
                       f"{item.get(field)!r}.", f"response.body/{lst.items}")
            return False
    return True


def _filters(ctx: ProbeContext, lst: ListOp, found: dict[str, list[Doc]]) -> None:
    pool = [d for docs in found.values() for d in docs]
    for f in lst.filters:
        if f.flag_value is not None:
            continue
        values = list(dict.fromkeys(d[f.field] for d in found.get(lst.family, []) + pool
                                    if isinstance(d.get(f.field), str) and d[f.field]))
        for value in values[:PER_FILTER]:
            where = list_query(ctx, lst, {f.field: value})
            if where is None or not _check_filter(
                    ctx, lst, where, f.field, value, f"{f.param}={value!r}"):
                break
    base = next(iter(found.get(lst.family, [])), None)
    for f in (f for f in lst.filters if f.flag_value is not None and base is not None):
        where = list_query(ctx, lst, base or {})
        if where is not None:
            path, query = where
            _check_filter(ctx, lst, (path, {**query, f.param: "true"}), f.field,
                          f.flag_value, f"{f.param}=true")


def identity(ctx: ProbeContext) -> None:
    """Every get answers the resource asked for; every list item satisfies the list's
    documented filters."""
    made = [] if ctx.readonly else _world(ctx)
    mine: dict[str, list[str]] = {}
    for name, ident in made:
        mine.setdefault(name, []).append(ident)
    seeds = {family_of(ctx, name).id_param: ids[0] for name, ids in mine.items() if ids[0]}
    found = _gather(ctx, seeds)
    _gets(ctx, found, mine)
    for lst in lists(ctx.checks.contract):
        if lst.filters:
            _filters(ctx, lst, found)
    for name, ident in reversed(made):
        if ident:
            ctx.call("DELETE", item_path(family_of(ctx, name), ident))
