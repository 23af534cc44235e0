"""What changed between two versions of the spec, each change classed breaking or not.

Operations are matched by method and path (path parameter names ignored, so renaming
``{id}`` to ``{contact_id}`` is no change); a changed operationId is reported as
non-breaking (the wire is the same). Per operation: parameters (by location and name; path
parameters by position), the request body and every response, through
:mod:`.schema_diff` for the bodies.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from conformance.reports.schema_diff import Change, diff_schema

if TYPE_CHECKING:
    from conformance.contract import Contract, Operation, Parameter

__all__ = ["Change", "diff_specs"]

_PARAM = re.compile(r"\{[^}]+\}")


def _key(op: Operation) -> tuple[str, str]:
    return op.method, _PARAM.sub("{}", op.path_template)


def _label(op: Operation) -> str:
    return f"{op.operation_id} ({op.method} {op.path_template})"


class _Ops:
    """The changes of one operation, with both documents at hand."""

    def __init__(self, old: Contract, new: Contract, o: Operation, n: Operation) -> None:
        self.old, self.new, self.o, self.n = old, new, o, n
        self.label = _label(n)
        self.out: list[Change] = []

    def add(self, kind: str, breaking: bool, location: str, message: str) -> None:
        self.out.append(Change(kind, breaking, self.label, location, message))

    def run(self) -> list[Change]:
        if self.o.operation_id != self.n.operation_id:
            self.add("operation_id_changed", False, "operationId",
                     f"operationId changed from {self.o.operation_id} to "
                     f"{self.n.operation_id}.")
        self.parameters()
        self.request_body()
        self.responses()
        return self.out

    # -------------------------------------------------------------- parameters
    def _param_schema(self, old: Parameter, new: Parameter, where: str) -> None:
        self.out += diff_schema(self.old.document, old.schema, self.new.document, new.schema,
                                request=True, operation=self.label, base=where,
                                prefix="parameter", subject=f"Parameter `{new.name}`")

    def parameters(self) -> None:
        def index(op: Operation) -> dict[tuple[str, str], Parameter]:
            path = [p for p in op.parameters if p.location == "path"]
            out = {("path", str(i)): p for i, p in enumerate(path)}
            out.update({(p.location, p.name): p for p in op.parameters if p.location != "path"})
            return out

        old, new = index(self.o), index(self.n)
        for key in sorted(set(old) - set(new)):
            p = old[key]
            self.add("parameter_removed", True, f"request.{p.location}.{p.name}",
                     f"{p.location.capitalize()} parameter `{p.name}` was removed.")
        for key in sorted(set(new) - set(old)):
            p = new[key]
            self.add("parameter_added_required" if p.required else "parameter_added",
                     p.required, f"request.{p.location}.{p.name}",
                     f"{'Required' if p.required else 'Optional'} {p.location} parameter "
                     f"`{p.name}` was added.")
        for key in sorted(set(old) & set(new)):
            o, n = old[key], new[key]
            where = f"request.{n.location}.{n.name}"
            if o.required != n.required:
                self.add("parameter_became_required" if n.required
                         else "parameter_became_optional", n.required, where,
                         f"Parameter `{n.name}` became {'required' if n.required else 'optional'}.")
            self._param_schema(o, n, where)

    # -------------------------------------------------------------- bodies
    def _media(self, old: dict[str, Any], new: dict[str, Any], request: bool,
               base: str) -> None:
        side = "request" if request else "response"
        for mt in sorted(set(old) - set(new)):
            self.add(f"{side}_media_type_removed", True, base, f"Media type {mt} was removed.")
        for mt in sorted(set(new) - set(old)):
            self.add(f"{side}_media_type_added", False, base, f"Media type {mt} was added.")
        for mt in sorted(set(old) & set(new)):
            self.out += diff_schema(self.old.document, old[mt], self.new.document, new[mt],
                                    request=request, operation=self.label, base=base)

    def request_body(self) -> None:
        o, n = self.o, self.n
        if o.request_content and not n.request_content:
            self.add("request_body_removed", True, "request.body", "The request body was "
                     "removed.")
        elif n.request_content and not o.request_content:
            self.add("request_body_added", n.request_required, "request.body",
                     f"A {'required' if n.request_required else 'optional'} request body was "
                     "added.")
        elif n.request_required and not o.request_required:
            self.add("request_body_became_required", True, "request.body",
                     "The request body became required.")
        self._media(o.request_content, n.request_content, True, "request.body")

    def responses(self) -> None:
        old, new = self.o.responses, self.n.responses
        for status in sorted(set(old) - set(new)):
            self.add("response_status_removed", True, f"response.{status}",
                     f"Response {status} was removed.")
        for status in sorted(set(new) - set(old)):
            self.add("response_status_added", False, f"response.{status}",
                     f"Response {status} was added.")
        for status in sorted(set(old) & set(new)):
            self._media(old[status], new[status], False, f"response.{status}.body")


def diff_specs(old: Contract, new: Contract) -> list[Change]:
    """Every change from ``old`` to ``new``, breaking ones first."""
    old_ops = {_key(op): op for op in old.operations.values()}
    new_ops = {_key(op): op for op in new.operations.values()}
    out: list[Change] = []
    for key in sorted(set(old_ops) - set(new_ops)):
        op = old_ops[key]
        out.append(Change("operation_removed", True, _label(op), "", "The operation was "
                          "removed."))
    for key in sorted(set(new_ops) - set(old_ops)):
        op = new_ops[key]
        out.append(Change("operation_added", False, _label(op), "", "The operation was added."))
    for key in sorted(set(old_ops) & set(new_ops)):
        out += _Ops(old, new, old_ops[key], new_ops[key]).run()
    return sorted(out, key=lambda c: (not c.breaking, c.operation, c.location, c.kind))
