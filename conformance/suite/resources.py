"""The resources of the contract, as the consistency probes see them: derived from the
spec, not written down by hand.

* a **family** is what one read operation answers (``Contact``, ``Conversation``, ...):
  its get operation and the path parameter naming the resource, the create operation that
  the OpenAPI links (overlay ``links.yaml``) tie to the get and where its answer holds the new
  id, and the update and delete operations on the get's path;
* a **list** is a GET whose answer holds an array of one family's items: the array's name,
  whether it pages (``page_token``) and counts (``total_size``), and the filters it
  documents: a parameter named like an item field (``app_id``, ``contact_id``,
  ``conversation_id``) must equal that field on every item; two boolean flags the spec
  states in prose (:data:`FLAG_FILTERS`) require a field value.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from conformance.contract import Contract, Operation
from conformance.schema_walk import deref, ref_of

__all__ = ["FLAG_FILTERS", "Family", "Filter", "ListOp", "families", "lists"]

# flag parameter -> (item field, the value every item must have when the flag is true)
FLAG_FILTERS: dict[str, tuple[str, Any]] = {
    "only_active": ("active", True),  # "True if only active conversations should be listed"
    "only_recipient_originated": ("direction", "TO_APP"),  # messages the contact sent
}
PAGING = frozenset({"page_size", "page_token"})


@dataclass(frozen=True)
class Filter:
    param: str
    location: str  # "query" or "path"
    field: str  # the item field it constrains
    flag_value: Any = None  # a flag: the field's required value; None: equals the parameter


@dataclass(frozen=True)
class ListOp:
    operation_id: str
    path: str
    items: str  # the array's property name
    family: str  # component schema name of the items
    paginated: bool
    counted: bool  # the answer has total_size
    filters: tuple[Filter, ...]


@dataclass(frozen=True)
class Family:
    name: str  # component schema name, e.g. "Contact"
    get: Operation
    id_param: str  # the get's path parameter naming the resource
    create: str | None = None  # operationId
    id_pointer: str = "/id"  # where the create answer holds the new id
    update: str | None = None
    delete: str | None = None


def _schema_name(schema: Any) -> str | None:
    ref = ref_of(schema)
    return ref.rsplit("/", 1)[-1] if ref and ref.startswith("#/components/schemas/") else None


def _ok_schema(op: Operation) -> Any:
    return op.responses.get("200", {}).get("application/json")


def _list_of(contract: Contract, op: Operation) -> ListOp | None:
    body = deref(contract.document, _ok_schema(op))
    props = body.get("properties", {}) if isinstance(body, dict) else {}
    for name, prop in props.items():
        prop = deref(contract.document, prop)
        family = _schema_name(prop.get("items")) if prop.get("type") == "array" else None
        if family is None:
            continue
        fields = deref(contract.document, prop["items"]).get("properties", {})
        filters = [Filter(p.name, p.location, p.name) for p in op.parameters
                   if p.name in fields and p.name not in PAGING]
        filters += [Filter(p.name, p.location, FLAG_FILTERS[p.name][0], FLAG_FILTERS[p.name][1])
                    for p in op.parameters if p.name in FLAG_FILTERS
                    and FLAG_FILTERS[p.name][0] in fields]
        return ListOp(op.operation_id, op.path_template, name, family,
                      "page_token" in op.query_params, "total_size" in props, tuple(filters))
    return None


@functools.cache
def lists(contract: Contract) -> tuple[ListOp, ...]:
    """Every list operation of the contract, in the spec's order."""
    found = (_list_of(contract, op) for op in contract.operations.values()
             if op.method == "GET" and not op.path_template.endswith("}"))
    known = families(contract)
    return tuple(x for x in found if x is not None and x.family in known)


def _links(contract: Contract, op: Operation) -> dict[str, Any]:
    node = contract.document["paths"][op.path_template][op.method.lower()]
    ok = deref(contract.document, (node.get("responses") or {}).get("200") or {}, merge=False)
    return ok.get("links") or {} if isinstance(ok, dict) else {}


@functools.cache
def families(contract: Contract) -> dict[str, Family]:
    """Every readable resource of the contract by schema name, with its create (from the
    OpenAPI links), update and delete operations."""
    ops = contract.operations.values()
    out: dict[str, Family] = {}
    for op in ops:
        name = _schema_name(_ok_schema(op))
        last = op.path_template.rsplit("/", 1)[-1]
        if op.method == "GET" and name and last.startswith("{") and last.endswith("}"):
            same = {o.method: o.operation_id for o in ops if o.path_template == op.path_template}
            out[name] = Family(name, op, last[1:-1], update=same.get("PATCH"),
                               delete=same.get("DELETE"))
    by_get = {f.get.operation_id: f for f in out.values()}
    for op in ops:
        if op.method != "POST":
            continue
        for link in _links(contract, op).values():
            family = by_get.get(link.get("operationId", ""))
            source = (link.get("parameters") or {}).get(family.id_param) if family else None
            if family and isinstance(source, str) and source.startswith("$response.body#"):
                out[family.name] = Family(family.name, family.get, family.id_param,
                                          op.operation_id, source.partition("#")[2],
                                          family.update, family.delete)
    return out
