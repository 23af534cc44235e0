"""The ASGI application: route, authenticate, validate, dispatch, answer.

One request goes through :meth:`EmulatorApp.handle`, a plain synchronous function of a
:class:`RawRequest` (the ASGI wrapper around it is thin, so in-process callers and uvicorn
see the same behaviour):

1. ``/oauth2/token`` is the token endpoint; anything else is routed by the contract
   (custom verbs like ``/messages:send`` included). No documented path: 404; a documented
   path with another method: 405 with ``Allow``.
2. Faults for this request: the configured ones plus the ``X-Emulator-Fault`` header.
3. Credentials (401), and the key's project against the path's ``project_id`` (403).
4. ``Contract.validate_request``: findings of a rejecting kind (body schema, parameter,
   content type) give 400 INVALID_ARGUMENT; drift (unknown fields, enum values, query
   parameters) is accepted, as the real API does.
5. The operation's handler, on the body with undocumented fields dropped.
6. Response-stage faults.
"""

from __future__ import annotations

import json
import random
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from conformance.contract import REJECTING_KINDS, Contract, Operation
from conformance.emulator.auth import TOKEN_PATH, Authenticator
from conformance.emulator.config import EmulatorConfig
from conformance.emulator.context import Call, Env, Handler
from conformance.emulator.fault_effects import (
    apply_response_faults,
    has_long_string,
    has_non_ascii,
    parse_fault_header,
)
from conformance.emulator.faults import FAULT_HEADER, FAULTS, FaultName
from conformance.emulator.handlers import HANDLERS
from conformance.emulator.ids import Clock, IdFactory
from conformance.emulator.lag import Views
from conformance.emulator.replies import ApiError, Reply
from conformance.emulator.shape import minimal_instance, project
from conformance.emulator.state import Store
from conformance.findings import Finding, Kind

__all__ = ["EmulatorApp", "RawRequest", "create_app"]

_BODY_KINDS = frozenset({Kind.REQUEST_BODY_SCHEMA, Kind.REQUEST_CONTENT_TYPE})
_BODY_DRIFT = frozenset({Kind.UNDOCUMENTED_FIELD, Kind.UNDOCUMENTED_ENUM_VALUE})
_CREATES = frozenset({"App_CreateApp", "Contact_CreateContact",
                      "Conversation_CreateConversation", "Webhooks_CreateWebhook"})
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _garbled(params: dict[str, str]) -> bool:
    """True when a path id (not the project id) holds a character ids never hold."""
    return any(not set(v) <= _ID_CHARS for k, v in params.items() if k != "project_id")


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: str  # as sent: percent-encoded, no query
    query: str = ""
    headers: Mapping[str, str] | None = None  # lower-case names
    body: bytes = b""

    def header(self, name: str) -> str:
        return (self.headers or {}).get(name, "")

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


def _query(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)


class EmulatorApp:
    """The emulator: state, credentials and faults of one instance; an ASGI callable."""

    def __init__(self, config: EmulatorConfig, contract: Contract | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        unknown = sorted(config.faults - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown emulator fault(s): {', '.join(unknown)}")
        self.config = config
        self.contract = contract or Contract.default()
        self.clock = Clock(clock) if clock else Clock()
        self.store = Store()
        self.views = Views()
        self.auth = Authenticator(config, self.clock)
        components = self.contract.schemas.components
        ids = IdFactory(self.clock, random.Random(config.seed))
        self.env = Env(config, self.clock, ids, components)
        self.handlers: dict[str, Handler] = dict(HANDLERS)
        missing = set(self.contract.operations) - set(self.handlers)
        if missing:
            raise RuntimeError(f"no emulator handler for: {', '.join(sorted(missing))}")
        self._always_valid = frozenset(o.operation_id for o in self.contract.operations.values()
                                       if _always_valid_without_query(o))

    # ---------------------------------------------------------------- the pipeline
    def handle(self, req: RawRequest) -> Reply:
        if req.path.rstrip("/") == TOKEN_PATH:
            try:
                lenient = FaultName.WRONG_SECRET_ACCEPTED in self._faults(req)
            except ApiError as exc:
                return exc.reply()
            return self.auth.token_endpoint(req.method, req.header("authorization"), req.body,
                                            any_secret=lenient)
        match = self.contract.match(req.method, req.url)
        if match is None:
            return ApiError(404, "NOT_FOUND", f"No such path: {req.path}").reply()
        if match.route is None:
            allow = ", ".join(match.methods)
            return ApiError(405, "METHOD_NOT_ALLOWED", f"{req.method} is not allowed on "
                            f"this path; use {allow}.", [("allow", allow)]).reply()
        op_id = match.route.operation_id
        try:
            faults = self._faults(req)
        except ApiError as exc:
            return exc.reply()
        try:
            reply = self._serve(req, op_id, match.path_params, faults)
        except ApiError as exc:
            reply = exc.reply()
        schema = self.contract.operations[op_id].responses.get("200", {}).get(
            "application/json")
        return apply_response_faults(faults, reply, schema, self.env.schemas)

    def _faults(self, req: RawRequest) -> frozenset[str]:
        header = req.header(FAULT_HEADER)
        if not header:
            return self.config.faults
        known, unknown = parse_fault_header(header)
        if unknown:
            raise ApiError.invalid(f"Unknown emulator fault(s) in {FAULT_HEADER}: "
                                   f"{', '.join(unknown)}; known: {', '.join(FAULTS)}.")
        return self.config.faults | known

    def _serve(self, req: RawRequest, op_id: str, params: dict[str, str],
               faults: frozenset[str]) -> Reply:
        if FaultName.RATE_LIMITED in faults:
            raise ApiError(429, "RESOURCE_EXHAUSTED", "Too many requests: rate limit "
                           "exceeded.", [("retry-after", "1")])
        self._authorize(req, params["project_id"], faults)
        if FaultName.GARBLED_ID_500 in faults and _garbled(params):
            raise ApiError.internal()
        findings: list[Finding] = []
        if req.query or req.body.strip() or op_id not in self._always_valid:
            findings = self.contract.validate_request(req.method, req.url, req.headers,
                                                      req.body, source="emulator")
        # a body too deep to validate is not taken on trust: the real API answers 400
        rejecting = [f for f in findings if f.kind in REJECTING_KINDS or
                     f.kind is Kind.BODY_SKIPPED]
        op = self.contract.operations[op_id]
        if rejecting:
            if FaultName.FAILED_CREATE_PERSISTS in faults and op_id in _CREATES:
                self._store_anyway(req, op_id, params, faults)
            return self._reject(op_id, rejecting, faults)
        if FaultName.VALID_BODY_REJECTED in faults and op.request_content:
            raise ApiError.invalid("Invalid request body.")
        if (FaultName.SERVER_ERROR in faults
                and has_non_ascii(req.path, req.query, req.body)):
            raise ApiError.internal()
        if FaultName.LONG_VALUE_500 in faults and has_long_string(req.body):
            raise ApiError.internal()
        drift = any(f.kind in _BODY_DRIFT for f in findings)
        call = Call(op_id, params["project_id"], self.store.project(params["project_id"]),
                    params, _query(req.query), self._body(op_id, req.body, drift), faults,
                    self.env)
        if FaultName.FOREIGN_IDS_SERVED in faults:
            call.elsewhere = self.store.find_anywhere
        return self._dispatch(call)

    def _store_anyway(self, req: RawRequest, op_id: str, params: dict[str, str],
                      faults: frozenset[str]) -> None:
        """The failed-create-persists fault: run the create on the rejected body."""
        try:
            body = json.loads(req.body)
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        call = Call(op_id, params["project_id"], self.store.project(params["project_id"]),
                    params, {}, body, faults, self.env)
        try:
            self._dispatch(call)
        except ApiError:
            pass  # what the handler refused is not stored either

    def _authorize(self, req: RawRequest, project_id: str, faults: frozenset[str]) -> None:
        if FaultName.AUTH_IGNORED in faults:
            return
        key = self.auth.authenticate(
            req.header("authorization"),
            accept_expired=FaultName.EXPIRED_TOKEN_ACCEPTED in faults,
            any_secret=FaultName.WRONG_SECRET_ACCEPTED in faults,
            any_token=FaultName.FORGED_TOKEN_ACCEPTED in faults)
        if key.project_id != project_id and FaultName.PROJECT_NOT_CHECKED not in faults:
            raise ApiError.forbidden(project_id)

    def _reject(self, op_id: str, rejecting: list[Finding], faults: frozenset[str]) -> Reply:
        op = self.contract.operations[op_id]
        if FaultName.INVALID_BODY_ACCEPTED in faults and all(f.kind in _BODY_KINDS
                                                             for f in rejecting):
            schema = op.responses.get("200", {}).get("application/json", {})
            return Reply(200, minimal_instance(schema, self.env.schemas))
        more = f" (and {len(rejecting) - 1} more problem(s))" if len(rejecting) > 1 else ""
        raise ApiError.invalid(f"Invalid request: {rejecting[0].message}{more}")

    def _body(self, op_id: str, raw: bytes, drift: bool) -> Any:
        """The request body, parsed; without undocumented fields and enum values when the
        contract saw some (a body without drift is already exactly what the spec says)."""
        schema = self.contract.operations[op_id].request_content.get("application/json")
        if schema is None or not raw.strip():
            return {}
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise ApiError.invalid(f"Invalid request: the body is not JSON ({exc}).") from None
        return project(schema, doc, self.env.schemas) if drift else doc

    def _dispatch(self, call: Call) -> Reply:
        method = self.contract.operations[call.operation_id].method
        with self.store.lock:
            primary = call.state
            call.state = self.views.before(call.project_id, primary, method, call.faults)
            try:
                reply = self.handlers[call.operation_id](call)
                self.views.after(call.project_id, primary, method, call.faults)
                return reply
            except ApiError:
                raise
            except Exception:  # an emulator bug: say so, never hang the client
                traceback.print_exc(file=sys.stderr)
                raise ApiError.internal(f"Emulator bug in {call.operation_id}; see the "
                                        "emulator's stderr.") from None

    # ---------------------------------------------------------------- ASGI
    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any],
                       send: Callable[..., Any]) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        req = RawRequest(scope["method"], raw_path.decode("latin-1"),
                         scope.get("query_string", b"").decode("latin-1"), headers,
                         b"".join(chunks))
        reply = self.handle(req)
        payload = reply.encode()
        out = [(b"content-type", reply.content_type.encode()),
               (b"content-length", str(len(payload)).encode())]
        out += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
        await send({"type": "http.response.start", "status": reply.status, "headers": out})
        await send({"type": "http.response.body", "body": payload})


async def _lifespan(receive: Callable[..., Any], send: Callable[..., Any]) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _always_valid_without_query(op: Operation) -> bool:
    """True when any request of ``op`` without query string and body keeps the contract:
    no body, no required query parameter, and path parameters that are any string. Such
    requests skip the validator (a third of a typical workload: gets and deletes)."""
    return (not op.request_content
            and not any(p.required for p in op.parameters if p.location == "query")
            and all(p.schema == {"type": "string"} for p in op.parameters
                    if p.location == "path"))


def create_app(config: EmulatorConfig, *, contract: Contract | None = None,
               clock: Callable[[], float] | None = None) -> EmulatorApp:
    """A fresh emulator (empty state) for ``config``, callable as an ASGI app."""
    return EmulatorApp(config, contract, clock)
