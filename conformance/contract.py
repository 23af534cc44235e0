"""The contract: the Sinch Conversation API spec loaded once, as one object.

``Contract.default()`` is the spec of this repository with its overlays applied. Every
part of the project (suite, proxy, replay, emulator) asks it which operation a request is
and whether a request or a response keeps the contract; the answers are Findings.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import UserError
from conformance.findings import Finding, Kind
from conformance.router import Route, RouteMatch, Router, split_url
from conformance.schema_walk import deref, ref_of
from conformance.schemas import SchemaError, SchemaSet
from conformance.spec_loader import (
    DEFAULT_OVERLAYS,
    DEFAULT_SPEC,
    OverlayAction,
    apply_overlays,
    load_document,
    resolve_pointer,
)
from conformance.validation import check_request, check_response

# headers as a mapping or as (name, value) pairs; names are matched case-insensitively
HeaderInput = Mapping[str, str] | Iterable[tuple[str, str]] | None

__all__ = ["Contract", "Operation", "Parameter", "RouteMatch"]

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path, query, header, cookie
    required: bool
    schema: Any
    pointer: str


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path_template: str
    tags: tuple[str, ...]
    summary: str
    parameters: tuple[Parameter, ...]
    request_required: bool
    request_content: dict[str, Any]  # media type -> schema
    responses: dict[str, dict[str, Any]]  # status ("200", "4XX", "default") -> media -> schema
    pointer: str = field(default="")

    @property
    def query_params(self) -> dict[str, Parameter]:
        return {p.name: p for p in self.parameters if p.location == "query"}

    def response_for(self, status: int) -> tuple[str, dict[str, Any]] | None:
        """(documented key, media types) for a status, or None when it is undocumented."""
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in self.responses:
                return key, self.responses[key]
        return None


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class Contract:
    """Operations, a router and compiled validators for one OpenAPI 3.1 document."""

    def __init__(self, document: dict[str, Any], *, source: str = "",
                 overlays: Iterable[OverlayAction] = ()) -> None:
        self.document = document
        self.source = source
        self.overlays = tuple(overlays)
        self.title = str(document.get("info", {}).get("title", ""))
        self.version = str(document.get("info", {}).get("version", ""))
        self.spec_hash = hashlib.sha256(
            json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()[:12]
        components = document.get("components", {}) or {}
        self.schemas = SchemaSet(components.get("schemas", {}) or {})
        self.operations: dict[str, Operation] = {}
        for template, item in (document.get("paths") or {}).items():
            if isinstance(item, dict):
                self._add_path(template, item)
        self.router = Router([Route(o.method, o.path_template, o.operation_id)
                              for o in self.operations.values()])

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, spec: str | Path = DEFAULT_SPEC,
             overlays: Iterable[str | Path] | None = None,
             given_as: str = "--spec") -> Contract:
        """Load a spec file and apply overlays (the packaged spec's own by default).

        Overlays apply only to the packaged spec unless given explicitly. ``given_as`` names
        how the user gave ``spec`` (a flag or an argument), for the tip of a load error."""
        document = load_document(spec, given_as)
        if overlays is None:
            same = Path(spec).resolve() == DEFAULT_SPEC.resolve()
            overlays = DEFAULT_OVERLAYS if same else ()
        document, applied = apply_overlays(document, [Path(p) for p in overlays])
        try:
            return cls(document, source=str(spec), overlays=applied)
        except (KeyError, IndexError, TypeError, SchemaError) as exc:
            raise UserError(f"the spec file {spec} has a broken reference or schema ({exc})",
                            tip=f"run `sinch-conformance lint --spec {spec}` to see its defects"
                            ) from None

    @staticmethod
    @functools.cache
    def default() -> Contract:
        """The repository's spec with its overlays, loaded once per process."""
        return Contract.load()

    def _deref(self, node: Any) -> Any:
        """A Reference Object replaced by what it names; KeyError when it names nothing
        (Contract.load: a broken reference, with the tip to lint the spec)."""
        target = deref(self.document, node, merge=False)
        ref = ref_of(target)
        if ref is not None:
            resolve_pointer(self.document, ref)  # the KeyError that says what is missing
            raise KeyError(ref)  # a cycle, or a file this document does not hold
        return target

    def _add_path(self, template: str, item: dict[str, Any]) -> None:
        shared = [self._deref(p) for p in item.get("parameters", []) or []]
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            pointer = f"/paths/{_esc(template)}/{method}"
            params: dict[tuple[str, str], Parameter] = {}
            for i, raw in enumerate(shared + [self._deref(p) for p in
                                              op.get("parameters", []) or []]):
                params[(raw["name"], raw["in"])] = Parameter(
                    raw["name"], raw["in"], bool(raw.get("required", raw["in"] == "path")),
                    raw.get("schema", {}), f"{pointer}/parameters/{i}")
            body = self._deref(op.get("requestBody")) or {}
            responses = {}
            for status, resp in (op.get("responses") or {}).items():
                resp = self._deref(resp) or {}
                responses[str(status)] = {mt: (media or {}).get("schema", {})
                                          for mt, media in (resp.get("content") or {}).items()}
            op_id = op.get("operationId") or f"{method.upper()} {template}"
            self.operations[op_id] = Operation(
                op_id, method.upper(), template, tuple(op.get("tags", []) or []),
                str(op.get("summary", "")), tuple(params.values()),
                bool(body.get("required", False)),
                {mt: (media or {}).get("schema", {})
                 for mt, media in (body.get("content") or {}).items()},
                responses, pointer)

    # ------------------------------------------------------------------ routing
    def match(self, method: str, url: str, base_path: str = "") -> RouteMatch | None:
        """The documented path (and operation, when the method is documented) of a URL."""
        return self.router.match(method, url, base_path)

    def operation_for(self, method: str, url: str, base_path: str = "") -> Operation | None:
        m = self.match(method, url, base_path)
        return self.operations[m.route.operation_id] if m and m.route else None

    # ------------------------------------------------------------------ validation
    def validate_request(self, method: str, url: str, headers: HeaderInput,
                         body: bytes | str | None, *, source: str, base_path: str = "",
                         target: str | None = None, run_id: str | None = None,
                         evidence: Mapping[str, Any] | None = None) -> list[Finding]:
        """Findings for one request: operation, path and query parameters, content type,
        body (schema, read-only properties, undocumented fields and enum values)."""
        m = self.match(method, url, base_path)
        return check_request(self, m, method, url, _lower(headers), _bytes(body),
                             dict(source=source, target=target, run_id=run_id,
                                  evidence=dict(evidence or {})))

    def validate_response(self, method: str, url: str, status: int,
                          headers: HeaderInput, body: bytes | str | None, *,
                          source: str, base_path: str = "", target: str | None = None,
                          run_id: str | None = None,
                          evidence: Mapping[str, Any] | None = None) -> list[Finding]:
        """Findings for one response: documented status, content type and body schema."""
        m = self.match(method, url, base_path)
        op = self.operations[m.route.operation_id] if m and m.route else None
        if op is None:
            return []  # the request already got its operation_undocumented finding
        return check_response(self, op, int(status), _lower(headers), _bytes(body),
                              dict(source=source, target=target, run_id=run_id,
                                   evidence=dict(evidence or {})))

    def query_of(self, url: str) -> str:
        return split_url(url)[1]


def _lower(headers: HeaderInput) -> dict[str, str]:
    if headers is None:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {str(k).lower(): str(v) for k, v in items}


def _bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


# Kinds the emulator and enforce-mode treat as "the request is invalid".
REJECTING_KINDS = frozenset({Kind.REQUEST_BODY_SCHEMA, Kind.REQUEST_PARAM,
                             Kind.REQUEST_CONTENT_TYPE})
