"""Reading resources back, for the consistency probes: create one and find its id, read one
by id, walk a list page by page (bounded, with every oddity of the walk recorded), and say
which written fields a read disagrees with.

Paths come from :mod:`conformance.suite.resources` (the contract), never from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from conformance.findings import Kind
from conformance.suite.probe_context import ProbeContext, json_of, ok
from conformance.suite.resources import Family, ListOp, families, lists

__all__ = ["MAX_PAGE", "SECRET_FIELDS", "Walk", "create", "differences", "family_lists",
           "item_path", "list_query", "ok", "walk"]

MAX_PAGE = 20  # the documented maximum page_size
PAGE_LIMIT = 25  # pages one walk reads at most
# fields a real API may mask when it reads a resource back: never compared
SECRET_FIELDS = frozenset({"channel_credentials", "secret", "client_credentials"})


def _fill(template: str, params: dict[str, Any]) -> str:
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def item_path(fam: Family, ident: str) -> str:
    return _fill(fam.get.path_template, {fam.id_param: ident})


def create(ctx: ProbeContext, fam: Family, body: Any) -> tuple[str, requests.Response]:
    """Create one resource of ``fam`` with a valid body: (its id or "", the answer). A 400
    is valid data rejected."""
    op = ctx.checks.contract.operations[fam.create or ""]
    resp = ctx.call(op.method, op.path_template, body=body)
    if resp.status_code == 400:
        ctx.report(Kind.POSITIVE_DATA_REJECTED, resp, f"{op.operation_id} rejected a valid "
                   "body with 400.", "request.body")
    data = json_of(resp) if ok(resp) else None
    ident = data.get(fam.id_pointer.strip("/")) if isinstance(data, dict) else None
    return (ident if isinstance(ident, str) else ""), resp


def family_lists(ctx: ProbeContext, family: str) -> list[ListOp]:
    return [lst for lst in lists(ctx.checks.contract) if lst.family == family]


def list_query(ctx: ProbeContext, lst: ListOp, doc: dict[str, Any]
               ) -> tuple[str, dict[str, Any]] | None:
    """(path, query) listing ``doc`` by the equality filters its fields fill, required flags
    false; None when a path parameter stays unfilled."""
    op = ctx.checks.contract.operations[lst.operation_id]
    values = {f.param: doc[f.field] for f in lst.filters
              if f.flag_value is None and isinstance(doc.get(f.field), str) and doc[f.field]}
    path = _fill(lst.path, {k: v for k, v in values.items()
                            if "{" + k + "}" in lst.path})
    if "{" in path.replace("{project_id}", ""):
        return None
    query = {k: v for k, v in values.items() if k in op.query_params}
    for name, param in op.query_params.items():
        if param.required and name not in query:
            query[name] = "false"  # a required flag (only_active): no narrowing
    return path, query


@dataclass
class Walk:
    """What following ``next_page_token`` found."""

    ids: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = False  # reached a page without a next token
    cycle: str = ""  # a next_page_token seen twice: the walk would never end
    repeated: str = ""  # the first id seen twice
    total: int | None = None  # total_size of the first page, when given
    pages: int = 0
    last: requests.Response | None = None
    failed: bool = False  # a page that was not 2xx or not readable


def walk(ctx: ProbeContext, lst: ListOp, path: str, query: dict[str, Any],
         page_size: int | None = MAX_PAGE, limit: int = PAGE_LIMIT) -> Walk:
    """Every item of a list, page by page, at most ``limit`` pages; stops at a cycle."""
    out, token, tokens = Walk(), "", set()
    for _ in range(limit):
        q = dict(query)
        if page_size and lst.paginated:
            q["page_size"] = page_size
        if token:
            q["page_token"] = token
        resp = out.last = ctx.call("GET", path, query=q)
        out.pages += 1
        data = json_of(resp) if ok(resp) else None
        items = data.get(lst.items) if isinstance(data, dict) else None
        if not isinstance(items, list | type(None)):
            out.failed = True
            return out
        if out.pages == 1 and isinstance(data, dict) and isinstance(data.get("total_size"), int):
            out.total = data["total_size"]
        for item in items or []:
            ident = str(item.get("id")) if isinstance(item, dict) else ""
            if ident in out.ids and not out.repeated:
                out.repeated = ident
            out.ids.append(ident)
            out.items.append(item if isinstance(item, dict) else {})
        token = (data or {}).get("next_page_token") or "" if lst.paginated else ""
        if not isinstance(token, str) or not token:
            out.complete, out.failed = isinstance(token, str), data is None
            return out
        if token in tokens:
            out.cycle = token
            return out
        tokens.add(token)
    return out


def differences(written: Any, read: Any, where: str = "") -> list[tuple[str, Any, Any]]:
    """(field path, written, read) for each written value the read does not hold: objects
    compare the written members only (a read may add defaults), lists item by item."""
    if isinstance(written, dict):
        if not isinstance(read, dict):
            return [(where or "/", written, read)]
        out = []
        for name, value in written.items():
            if not where and name in SECRET_FIELDS:
                continue
            out += differences(value, read.get(name), f"{where}/{name}")
        return out
    if isinstance(written, list):
        if not isinstance(read, list) or len(read) != len(written):
            return [(where, written, read)]
        return [d for i, (w, r) in enumerate(zip(written, read, strict=True))
                for d in differences(w, r, f"{where}/{i}")]
    return [] if written == read else [(where, written, read)]


def readable_fields(ctx: ProbeContext, fam: Family, body: dict[str, Any]) -> dict[str, Any]:
    """The members of a request body the family's read answers too (by schema)."""
    schema = ctx.checks.contract.document["components"]["schemas"].get(fam.name, {})
    return {k: v for k, v in body.items() if k in schema.get("properties", {})}


def family_of(ctx: ProbeContext, name: str) -> Family:
    return families(ctx.checks.contract)[name]
