"""What changed between two versions of the spec, each change graded major, minor or patch.

Operations are matched by method and path (path parameter names ignored, so renaming
``{id}`` to ``{contact_id}`` is no change); a changed operationId is a patch (the wire is
the same). Per operation: parameters, the request body, every response (its media types,
headers and bodies) and the security it requires; for the whole spec: the security schemes
and the servers (:mod:`.spec_diff_global`). Schemas go through :mod:`.schema_diff`; the
grading table is in :mod:`.diff_model`, :mod:`.schema_diff` and :mod:`.schema_keywords`.

====================================================  =======
change                                                grade
====================================================  =======
operation removed / added                             major / minor
parameter removed; required one added; renamed        major
parameter moved (same name, another ``in``)           major
parameter became required / optional                  major / minor
optional parameter added                              minor
parameter ``style`` or ``explode`` changed            major
request body removed; required one added              major
request body became required / optional               major / minor
media type removed / added (request or response)      major / minor
response status removed / added                       major / minor
response header removed / added                       major / minor
response header became optional / required            major / patch
====================================================  =======

A parameter rename is one removed and one added parameter in the same place (``in``) with
the same schema, ``required``, ``style`` and ``explode``, no other removed or added
parameter of the operation sharing them; path parameters are matched by position.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from conformance.reports.diff_model import Change, Grade, SpecFile
from conformance.reports.schema_diff import Node, diff_schema, same_shape
from conformance.reports.spec_diff_global import diff_global, diff_security

__all__ = ["Change", "diff_specs"]

_PARAM = re.compile(r"\{[^}]+\}")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAJOR, MINOR, PATCH = Grade.MAJOR, Grade.MINOR, Grade.PATCH


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclasses.dataclass
class _Op:
    method: str
    template: str
    node: dict[str, Any]
    pointer: str
    params: dict[tuple[str, str], Node]  # (in, name) -> parameter, its pointer

    @property
    def label(self) -> str:
        op_id = self.node.get("operationId") or f"{self.method.upper()} {self.template}"
        return f"{op_id} ({self.method.upper()} {self.template})"


def _operations(spec: SpecFile) -> dict[tuple[str, str], _Op]:
    out = {}
    for template, item in (spec.document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        base = f"/paths/{_esc(str(template))}"
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            params: dict[tuple[str, str], Node] = {}
            for owner, where in ((item, base), (op, f"{base}/{method}")):
                for i, raw in enumerate(owner.get("parameters") or []):
                    node, ptr = spec.deref(raw, f"{where}/parameters/{i}")
                    if isinstance(node, dict) and "name" in node and "in" in node:
                        params[(str(node["in"]), str(node["name"]))] = (node, ptr)
            out[(method, _PARAM.sub("{}", str(template)))] = _Op(
                method, str(template), op, f"{base}/{method}", params)
    return out


def _style(p: dict[str, Any]) -> tuple[str, bool]:
    style = str(p.get("style") or ("form" if p.get("in") in ("query", "cookie") else "simple"))
    return style, bool(p.get("explode", style == "form"))


class _OpDiff:
    """The changes of one operation, with both documents at hand."""

    def __init__(self, old: SpecFile, new: SpecFile, o: _Op, n: _Op) -> None:
        self.old, self.new, self.o, self.n = old, new, o, n
        self.label = n.label
        self.out: list[Change] = []

    def add(self, kind: str, grade: Grade, location: str, message: str, pointer: str,
            removed: bool = False) -> None:
        self.out.append(Change(kind, grade, self.label, location, message, pointer, removed))

    def run(self) -> list[Change]:
        oid, nid = self.o.node.get("operationId"), self.n.node.get("operationId")
        if oid != nid:
            self.add("operation_id_changed", PATCH, "operationId",
                     f"operationId changed from {oid} to {nid}.", f"{self.n.pointer}/operationId")
        self.parameters()
        self.request_body()
        self.responses()
        self.out += diff_security(self.old, self.new, self.o.node, self.n.node, self.label,
                                  (self.o.pointer, self.n.pointer))
        return self.out

    # -------------------------------------------------------------- parameters
    def parameters(self) -> None:
        def index(op: _Op) -> dict[tuple[str, str], Node]:
            path = [k for k in op.params if k[0] == "path"]
            out = {("path", str(i)): op.params[k] for i, k in enumerate(path)}
            out.update({k: v for k, v in op.params.items() if k[0] != "path"})
            return out

        def sig(p: dict[str, Any]) -> str:
            return same_shape(p.get("schema")) + str(bool(p.get("required"))) + str(_style(p))

        old, new = index(self.o), index(self.n)
        removed, added = sorted(set(old) - set(new)), sorted(set(new) - set(old))
        sigs = [sig(old[k][0]) for k in removed] + [sig(new[k][0]) for k in added]
        for ko in list(removed):
            po, ptr_o = old[ko]
            moved = [k for k in added if k[1] == ko[1]]
            renamed = [k for k in added if k[0] == ko[0] and sigs.count(sig(po)) == 2
                       and sig(new[k][0]) == sig(po)]
            for kn, kind, what in ((moved, "parameter_location_changed",
                                    f"moved from {ko[0]} to {{in_}}"),
                                   (renamed, "parameter_renamed", "renamed to `{name}`")):
                if kn:
                    pn, ptr_n = new[kn[0]]
                    self.add(kind, MAJOR, f"request.{pn['in']}.{pn['name']}",
                             f"{ko[0].capitalize()} parameter `{po['name']}` "
                             + what.format(in_=pn["in"], name=pn["name"]) + ".", ptr_n)
                    removed.remove(ko)
                    added.remove(kn[0])
                    break
        for key in removed:
            p, ptr = old[key]
            self.add("parameter_removed", MAJOR, f"request.{p['in']}.{p['name']}",
                     f"{str(p['in']).capitalize()} parameter `{p['name']}` was removed.", ptr,
                     removed=True)
        for key in added:
            p, ptr = new[key]
            req = bool(p.get("required"))
            self.add("parameter_added_required" if req else "parameter_added",
                     MAJOR if req else MINOR, f"request.{p['in']}.{p['name']}",
                     f"{'Required' if req else 'Optional'} {p['in']} parameter `{p['name']}` "
                     "was added.", ptr)
        for key in sorted(set(old) & set(new)):
            self.parameter(old[key], new[key])

    def parameter(self, old: Node, new: Node) -> None:
        (o, po), (n, pn) = old, new
        where = f"request.{n['in']}.{n['name']}"
        ro, rn = bool(o.get("required", o["in"] == "path")), bool(n.get("required",
                                                                        n["in"] == "path"))
        if ro != rn:
            self.add("parameter_became_required" if rn else "parameter_became_optional",
                     MAJOR if rn else MINOR, where,
                     f"Parameter `{n['name']}` became {'required' if rn else 'optional'}.",
                     f"{pn}/required" if "required" in n else pn)
        for i, word in enumerate(("style", "explode")):
            if _style(o)[i] != _style(n)[i]:
                self.add(f"parameter_{word}_changed", MAJOR, where,
                         f"Parameter `{n['name']}`: {word} changed from "
                         f"{str(_style(o)[i]).lower()} to {str(_style(n)[i]).lower()}.",
                         f"{pn}/{word}" if word in n else pn)
        self.out += diff_schema(self.old, (o.get("schema", {}), f"{po}/schema"), self.new,
                                (n.get("schema", {}), f"{pn}/schema"), request=True,
                                operation=self.label, base=where, prefix="parameter",
                                subject=f"Parameter `{n['name']}`")
        self._media(o.get("content") or {}, n.get("content") or {}, True, where,
                    (f"{po}/content", f"{pn}/content"))

    # -------------------------------------------------------------- bodies
    def _media(self, old: dict[str, Any], new: dict[str, Any], request: bool, base: str,
               ptrs: tuple[str, str]) -> None:
        side = "request" if request else "response"
        for mt in sorted(set(old) - set(new)):
            self.add(f"{side}_media_type_removed", MAJOR, base, f"Media type {mt} was removed.",
                     f"{ptrs[0]}/{_esc(mt)}", removed=True)
        for mt in sorted(set(new) - set(old)):
            self.add(f"{side}_media_type_added", MINOR, base, f"Media type {mt} was added.",
                     f"{ptrs[1]}/{_esc(mt)}")
        for mt in sorted(set(old) & set(new)):
            so, sn = (old[mt] or {}).get("schema", {}), (new[mt] or {}).get("schema", {})
            self.out += diff_schema(self.old, (so, f"{ptrs[0]}/{_esc(mt)}/schema"), self.new,
                                    (sn, f"{ptrs[1]}/{_esc(mt)}/schema"), request=request,
                                    operation=self.label, base=base)

    def request_body(self) -> None:
        (o, po) = self.old.deref(self.o.node.get("requestBody") or {},
                                 f"{self.o.pointer}/requestBody")
        (n, pn) = self.new.deref(self.n.node.get("requestBody") or {},
                                 f"{self.n.pointer}/requestBody")
        oc, nc = (o or {}).get("content") or {}, (n or {}).get("content") or {}
        ro, rn = bool((o or {}).get("required")), bool((n or {}).get("required"))
        if oc and not nc:
            self.add("request_body_removed", MAJOR, "request.body",
                     "The request body was removed.", po, removed=True)
        elif nc and not oc:
            self.add("request_body_added", MAJOR if rn else MINOR, "request.body",
                     f"A {'required' if rn else 'optional'} request body was added.", pn)
        elif ro != rn:
            self.add("request_body_became_required" if rn else "request_body_became_optional",
                     MAJOR if rn else MINOR, "request.body",
                     f"The request body became {'required' if rn else 'optional'}.",
                     f"{pn}/required" if "required" in n else pn)
        self._media(oc, nc, True, "request.body", (f"{po}/content", f"{pn}/content"))

    def responses(self) -> None:
        old = {str(k): v for k, v in (self.o.node.get("responses") or {}).items()}
        new = {str(k): v for k, v in (self.n.node.get("responses") or {}).items()}
        po, pn = f"{self.o.pointer}/responses", f"{self.n.pointer}/responses"
        for status in sorted(set(old) - set(new)):
            self.add("response_status_removed", MAJOR, f"response.{status}",
                     f"Response {status} was removed.", f"{po}/{status}", removed=True)
        for status in sorted(set(new) - set(old)):
            self.add("response_status_added", MINOR, f"response.{status}",
                     f"Response {status} was added.", f"{pn}/{status}")
        for status in sorted(set(old) & set(new)):
            ro, rpo = self.old.deref(old[status], f"{po}/{status}")
            rn, rpn = self.new.deref(new[status], f"{pn}/{status}")
            ro, rn = ro if isinstance(ro, dict) else {}, rn if isinstance(rn, dict) else {}
            self._media(ro.get("content") or {}, rn.get("content") or {}, False,
                        f"response.{status}.body", (f"{rpo}/content", f"{rpn}/content"))
            self.headers(status, (ro.get("headers") or {}, f"{rpo}/headers"),
                         (rn.get("headers") or {}, f"{rpn}/headers"))

    def headers(self, status: str, old: Node, new: Node) -> None:
        ho = {str(k).lower(): (k, v) for k, v in old[0].items()}
        hn = {str(k).lower(): (k, v) for k, v in new[0].items()}
        where = f"response.{status}.headers"
        for name in sorted(set(ho) - set(hn)):
            self.add("response_header_removed", MAJOR, f"{where}.{name}",
                     f"Response {status} header `{ho[name][0]}` was removed.",
                     f"{old[1]}/{_esc(ho[name][0])}", removed=True)
        for name in sorted(set(hn) - set(ho)):
            self.add("response_header_added", MINOR, f"{where}.{name}",
                     f"Response {status} header `{hn[name][0]}` was added.",
                     f"{new[1]}/{_esc(hn[name][0])}")
        for name in sorted(set(ho) & set(hn)):
            o, po = self.old.deref(ho[name][1], f"{old[1]}/{_esc(ho[name][0])}")
            n, pn = self.new.deref(hn[name][1], f"{new[1]}/{_esc(hn[name][0])}")
            o, n = o if isinstance(o, dict) else {}, n if isinstance(n, dict) else {}
            if bool(o.get("required")) != bool(n.get("required")):
                now = bool(n.get("required"))
                self.add(f"response_header_became_{'required' if now else 'optional'}",
                         PATCH if now else MAJOR, f"{where}.{name}",
                         f"Response {status} header `{hn[name][0]}` became "
                         f"{'required' if now else 'optional'}.", pn)
            self.out += diff_schema(self.old, (o.get("schema", {}), f"{po}/schema"), self.new,
                                    (n.get("schema", {}), f"{pn}/schema"), request=False,
                                    operation=self.label, base=f"{where}.{name}",
                                    prefix="response_header",
                                    subject=f"Response {status} header `{hn[name][0]}`")


def _placed(change: Change, old: SpecFile, new: SpecFile) -> Change:
    spec = old if change.removed else new
    line, column = spec.position(change.pointer)
    return dataclasses.replace(change, file=spec.source, line=line, column=column)


def diff_specs(old: SpecFile, new: SpecFile) -> list[Change]:
    """Every change from ``old`` to ``new``, the highest grade first, each placed at its
    node's line and column."""
    old_ops, new_ops = _operations(old), _operations(new)
    out = diff_global(old, new)
    for key in sorted(set(old_ops) - set(new_ops)):
        op = old_ops[key]
        out.append(Change("operation_removed", MAJOR, op.label, "",
                          "The operation was removed.", op.pointer, removed=True))
    for key in sorted(set(new_ops) - set(old_ops)):
        op = new_ops[key]
        out.append(Change("operation_added", MINOR, op.label, "", "The operation was added.",
                          op.pointer))
    for key in sorted(set(old_ops) & set(new_ops)):
        out += _OpDiff(old, new, old_ops[key], new_ops[key]).run()
    out = [_placed(c, old, new) for c in out]
    return sorted(out, key=lambda c: (-c.grade, c.operation, c.location, c.kind))
