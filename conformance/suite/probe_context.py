"""What probes work with: :class:`ProbeContext` (send a request through the suite's
transport, report the finding a sequence is about) and :func:`bodies`, small valid request
bodies (the tests check them against the contract)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import requests

from conformance.exchange.checks import CheckContext
from conformance.exchange.clients import from_requests
from conformance.exchange.evidence import evidence_for
from conformance.findings import Finding, Kind
from conformance.suite.collector import FindingSink
from conformance.suite.target import Target, TokenSource
from conformance.suite.transport import Transport

__all__ = ["P", "ProbeContext", "bodies"]

P = "/v1/projects/{project_id}"


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
    }


@dataclass
class ProbeContext:
    target: Target
    transport: Transport
    tokens: TokenSource
    sink: FindingSink
    checks: CheckContext
    readonly: bool
    notes: list[str] = field(default_factory=list)
    # distinct successes of an operation so far (summary.success_key); None: not counted
    successes: Callable[[str], int] | None = None

    def call(self, method: str, path: str, *, body: Any = None,
             query: dict[str, Any] | None = None, auth: str | None = None
             ) -> requests.Response:
        url = self.target.url(path) + (f"?{urlencode(query)}" if query else "")
        headers = {"Authorization": auth if auth is not None else self.tokens.header()}
        if auth == "":
            headers = {}
        return self.transport.request(method, url, headers=headers, json=body,
                                      origin="probe", key=f"probe {method} {path}")

    def report(self, kind: Kind, resp: requests.Response, message: str,
               location: str) -> None:
        ex = from_requests(resp, "probe")
        op = self.checks.contract.operation_for(ex.method, ex.url, self.checks.base_path)
        self.sink.add(Finding.make(
            kind, source="suite", message=message, location=location,
            operation_id=op.operation_id if op else None, method=ex.method,
            path_template=op.path_template if op else None, status=ex.status,
            evidence=evidence_for(ex, self.checks.secrets()),
            target=self.checks.target or ex.target,
            run_id=self.checks.run_id, secrets=self.checks.secrets()))
