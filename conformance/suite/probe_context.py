"""What probes work with: :class:`ProbeContext` (send a request through the suite's
transport, report the finding a sequence is about) and :func:`bodies`, small valid request
bodies (the tests check them against the contract)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests

from conformance.contract import Operation
from conformance.errors import UserError
from conformance.exchange.checks import CheckContext
from conformance.exchange.clients import from_requests
from conformance.exchange.evidence import evidence_for
from conformance.findings import Finding, Kind
from conformance.operation_settings import OperationOverride
from conformance.suite.collector import FindingSink
from conformance.suite.settle import Settled, settle
from conformance.suite.target import Target, TokenSource
from conformance.suite.transport import Transport

__all__ = ["P", "ProbeContext", "Settled", "bodies", "json_of", "ok"]

P = "/v1/projects/{project_id}"
T = TypeVar("T")


def ok(resp: requests.Response) -> bool:
    """Whether an answer is 2xx."""
    return 200 <= resp.status_code < 300


def json_of(resp: requests.Response) -> Any:
    """An answer's JSON (None when it is not JSON)."""
    try:
        return resp.json()
    except ValueError:
        return None


def bodies(app_id: str = "", contact_id: str = "") -> dict[str, Any]:
    """Small valid request bodies (the tests check them against the contract)."""
    ident = {"channel": "SMS", "identity": "+46700000001"}
    return {
        "app": {"display_name": "sinch-conformance probe", "channel_credentials": [
            {"channel": "SMS", "static_bearer": {"claimed_identity": "12345",
                                                 "token": "probe"}}]},
        "app_update": {"display_name": "sinch-conformance probe (renamed)"},
        "contact": {"channel_identities": [ident], "language": "EN_US",
                    "display_name": "sinch-conformance probe"},
        "contact_update": {"display_name": "sinch-conformance probe (renamed)"},
        "webhook": {"app_id": app_id, "target": "https://example.com/sinch-conformance",
                    "target_type": "HTTP", "triggers": ["MESSAGE_DELIVERY"]},
        "conversation": {"app_id": app_id, "contact_id": contact_id, "active": True,
                         "active_channel": "SMS"},
        "conversation_update": {"metadata": "sinch-conformance"},
        "message": {"app_id": app_id, "recipient": {"contact_id": contact_id},
                    "message": {"message": {"text": "hello from sinch-conformance"}}},
        "inject": {"app_message": {"message": {"text": "injected by sinch-conformance"}},
                   "direction": "TO_CONTACT", "contact_id": contact_id,
                   "channel_identity": ident,
                   "accept_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
        "capability": {"app_id": app_id, "recipient": {"contact_id": contact_id}},
        "event": {"app_id": app_id, "recipient": {"contact_id": contact_id},
                  "event": {"composing_event": {}}},
        "transcode": {"app_id": app_id, "app_message": {"message": {"text": "hello"}},
                      "channels": ["SMS"]},
        "optin": {"app_id": app_id, "channels": ["SMS"],
                  "recipient": {"contact_id": contact_id}},
        "channel_profile": {"app_id": app_id, "recipient": {"contact_id": contact_id},
                            "channel": "MESSENGER"},
        "non_ascii_contact": {"channel_identities": [ident], "language": "EN_US",
                              "display_name": "Zoë Ångström ✓"},
        "wrong_type_contact": {"channel_identities": [ident], "language": "EN_US",
                               "display_name": 12345},
        "webhook_update": {"app_id": app_id, "target": "https://example.com/sinch-conformance/renamed",
                           "triggers": ["MESSAGE_DELIVERY"]},
    }


@dataclass
class ProbeContext:
    target: Target
    transport: Transport
    tokens: TokenSource
    sink: FindingSink
    checks: CheckContext
    readonly: bool
    # the configuration's per-operation overrides: a skipped operation is never called, a
    # status listed in expected-statuses is no rejection of valid data
    operations: Mapping[str, OperationOverride] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    selected: frozenset[str] | None = None  # the operations a finding may be about
    window: float = 10.0  # seconds a read may lag a write (an eventually consistent API)
    # distinct successes of an operation so far (summary.success_key); None: not counted
    successes: Callable[[str], int] | None = None
    # called after each successful write of a probe (a read barrier: prose/barrier.py)
    after_write: Callable[[ProbeContext], None] | None = None
    # the second project's key (target.second), its secrets redacted with ours
    second: TokenSource | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        second = getattr(self.target, "second", None)
        if second is not None:
            self.second = TokenSource(second, self.transport)
            self.tokens.companion = self.second

    def _override(self, method: str, url: str) -> OperationOverride | None:
        if not self.operations:
            return None
        op = self.checks.contract.operation_for(method, url, self.checks.base_path)
        return self.operations.get(op.operation_id) if op else None

    def settle(self, read: Callable[[], tuple[bool, T]]) -> Settled[T]:
        """Read until ``read`` agrees with what was written, within :attr:`window` (see
        :func:`conformance.suite.settle.settle`). Every re-read goes through the run's
        transport (rate limit)."""
        return settle(read, self.window)

    def call(self, method: str, path: str, *, body: Any = None,
             query: dict[str, Any] | None = None, auth: str | None = None,
             key: str | None = None) -> requests.Response:
        """``auth``: None for our credentials, "" for none, else the header to send;
        ``key``: the retry breaker's name for the call (default: method and path)."""
        url = self.target.url(path) + (f"?{urlencode(query)}" if query else "")
        override = self._override(method, url)
        if override is not None and override.skip:  # the probe stops before calling it
            raise UserError(f"the probe needs {override.operation_id}, which is "
                            f"{override.skip_reason()}; it stopped before calling it")
        headers = {"Authorization": auth if auth is not None else self.tokens.header()}
        if auth == "":
            headers = {}
        resp = self.transport.request(method, url, headers=headers, json=body,
                                      origin="probe", key=key or f"probe {method} {path}")
        hook = self.after_write
        if hook is not None and method != "GET" and 200 <= resp.status_code < 300:
            self.after_write = None  # the hook's own writes call no hook
            try:
                hook(self)
            finally:
                self.after_write = hook
        return resp

    def report(self, kind: Kind, resp: requests.Response, message: str,
               location: str, op: Operation | None = None, *,
               operation_id: str | None = None, schema_path: str = "",
               extra: Mapping[str, Any] | None = None) -> None:
        """Report ``kind`` with ``resp`` as evidence, on the operation of ``resp``'s
        request unless ``op`` (a garbled id's URL names none) or ``operation_id`` (the
        operation whose behaviour it is) names another; ``extra`` adds to the evidence."""
        ex = from_requests(resp, "probe")
        contract, base = self.checks.contract, self.checks.base_path
        seen = contract.operation_for(ex.method, ex.url, base)
        if op is None:
            op = contract.operations.get(operation_id) if operation_id else seen
        if self.selected is not None and (op is None or op.operation_id not in self.selected):
            return  # a call made to set up a selected operation's test: not under test
        override = self.operations.get(op.operation_id) if op else None
        if kind is Kind.POSITIVE_DATA_REJECTED and override and override.expects(ex.status or 0):
            return  # the configuration expects this status for valid data here
        evidence = evidence_for(ex, self.checks.secrets())
        self.sink.add(Finding.make(
            kind, source="suite", message=message, location=location,
            operation_id=op.operation_id if op else None,
            method=op.method if op else ex.method,
            path_template=op.path_template if op else None,
            status=None if operation_id and op is not seen else ex.status,
            schema_path=schema_path,
            evidence={**evidence, **extra} if extra else evidence,
            target=self.checks.target or ex.target,
            run_id=self.checks.run_id, secrets=self.checks.secrets()))
