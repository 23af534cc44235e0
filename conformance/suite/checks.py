"""The suite's verdicts: small functions in explicit registries, Schemathesis-style.

* :data:`EXCHANGE_CHECKS`: run on every exchange the suite saw (Schemathesis' calls, its
  checks' extra requests, our probes and cleanup). The contract core is the authority on
  responses, so the suite and the proxy give the same verdict on the same exchange.
* :data:`FAILURE_KINDS`: Schemathesis check name -> our Finding kind, for the checks the
  contract core cannot make (stateful, auth, positive/negative data). Its response checks
  (status code, content type, body schema) stay off: the contract core already decides
  those, and knows drift from violation.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from conformance.contract import REJECTING_KINDS, Contract
from conformance.findings import Finding, Kind
from conformance.redact import curl_line, redact_evidence, redact_text
from conformance.suite.transport import Exchange

__all__ = ["DISABLED_CHECKS", "EXCHANGE_CHECKS", "FAILURE_KINDS", "CheckContext",
           "FailureKind", "evidence_of", "keep_failure", "request_is_invalid",
           "run_exchange_checks"]

BODY_EXCERPT = 4000


@dataclass(frozen=True)
class CheckContext:
    contract: Contract
    target: str
    base_path: str
    run_id: str
    secrets: Callable[[], tuple[str, ...]]


def _text(body: bytes) -> str:
    text = body[:BODY_EXCERPT].decode("utf-8", errors="replace")
    return text + ("..." if len(body) > BODY_EXCERPT else "")


def _parsed(body: bytes) -> Any:
    if len(body) <= BODY_EXCERPT:
        try:
            return json.loads(body)
        except ValueError:
            pass
    return _text(body)


def evidence_of(ex: Exchange, secrets: Iterable[str]) -> dict[str, Any]:
    """Redacted request/response excerpt and a curl line that reproduces the request."""
    known = tuple(secrets)
    evidence = {
        "request": {"method": ex.method, "url": ex.url, "headers": dict(ex.request_headers),
                    "body": _parsed(ex.request_body) if ex.request_body else None},
        "response": {"status": ex.status, "headers": dict(ex.response_headers),
                     "body": _parsed(ex.response_body) if ex.response_body else None},
        "curl": curl_line(ex.method, ex.url, ex.request_headers, ex.request_body or None,
                          known),
        "phase": ex.origin,
    }
    redacted = redact_evidence(evidence, known)
    # redact_evidence scrubs literal secrets from text only; bodies here are parsed JSON
    text = json.dumps(redacted, ensure_ascii=False)
    scrubbed = redact_text(text, known)
    return redacted if scrubbed == text else json.loads(scrubbed)


# ---------------------------------------------------------------- exchange checks

def contract_response(ctx: CheckContext, ex: Exchange) -> list[Finding]:
    """The contract core's verdict on the response: status, content type, body, drift."""
    return ctx.contract.validate_response(
        ex.method, ex.url, ex.status, ex.response_headers, ex.response_body, source="suite",
        base_path=ctx.base_path, target=ctx.target, run_id=ctx.run_id)


EXCHANGE_CHECKS: dict[str, Callable[[CheckContext, Exchange], list[Finding]]] = {
    "contract_response": contract_response,
}


def _check_crashed(ctx: CheckContext, ex: Exchange, name: str, exc: Exception) -> Finding:
    """A check that raised leaves a "not checked" finding on its exchange (and is reported
    to ``run_exchange_checks``' ``on_crash``, which fails the run)."""
    op = None
    try:
        op = ctx.contract.operation_for(ex.method, ex.url, ctx.base_path)
    except Exception:  # the router itself may be what failed
        pass
    return Finding.make(
        Kind.VALIDATION_ERROR, source="suite", location="response",
        message=f"Check {name} failed on this exchange: {type(exc).__name__}: {exc}",
        operation_id=op.operation_id if op else None, method=ex.method,
        path_template=op.path_template if op else None, status=ex.status,
        evidence=evidence_of(ex, ctx.secrets()), target=ctx.target, run_id=ctx.run_id,
        secrets=ctx.secrets())


def run_exchange_checks(ctx: CheckContext, ex: Exchange, known: Callable[[str], bool],
                        on_crash: Callable[[str, Exchange, Exception], object] | None = None
                        ) -> list[Finding]:
    """Findings of every exchange check; evidence is attached to those not ``known`` yet.
    A check that raises is handed to ``on_crash`` (name, exchange, exception), and the
    other checks still run."""
    out = []
    for name, check in EXCHANGE_CHECKS.items():
        try:
            found = check(ctx, ex)
        except Exception as exc:
            out.append(_check_crashed(ctx, ex, name, exc))
            if on_crash is not None:
                on_crash(name, ex, exc)
            continue
        for finding in found:
            if not known(finding.fingerprint):
                finding = dataclasses.replace(
                    finding, evidence=evidence_of(ex, ctx.secrets()))
            out.append(finding)
    return out


# ---------------------------------------------------------------- Schemathesis failures

@dataclass(frozen=True)
class FailureKind:
    kind: Kind
    location: str
    methods: frozenset[str] | None = None  # report only failures of these methods


# A 404 after a create means "not available" only when reading the resource: a merge that
# names a missing source contact, say, answers 404 about that other contact.
_READ = frozenset({"GET"})


FAILURE_KINDS: dict[str, FailureKind] = {
    "not_a_server_error": FailureKind(Kind.SERVER_ERROR, "response.status"),
    "negative_data_rejection": FailureKind(Kind.NEGATIVE_DATA_ACCEPTED, "request"),
    "missing_required_header": FailureKind(Kind.NEGATIVE_DATA_ACCEPTED, "request.header"),
    "unsupported_method": FailureKind(Kind.NEGATIVE_DATA_ACCEPTED, "request.method"),
    "positive_data_acceptance": FailureKind(Kind.POSITIVE_DATA_REJECTED, "request"),
    "use_after_free": FailureKind(Kind.USE_AFTER_DELETE, "response.status"),
    "ensure_resource_availability": FailureKind(Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE,
                                                "response.status", _READ),
    "ignored_auth": FailureKind(Kind.AUTH_IGNORED, "request.header.authorization"),
    "response_headers_conformance": FailureKind(Kind.RESPONSE_BODY_SCHEMA, "response.header"),
    "allow_header_conformance": FailureKind(Kind.RESPONSE_BODY_SCHEMA, "response.header.allow"),
}
# Checks whose verdict depends on whether the request was valid. The contract core
# re-judges the request, so suite, proxy and emulator agree on what "valid" means: an
# unknown enum value, say, is drift an API may accept, not invalid data it must refuse.
_NEEDS_VALID_REQUEST = frozenset({"positive_data_acceptance"})
_NEEDS_INVALID_REQUEST = frozenset({"negative_data_rejection", "missing_required_header"})


def request_is_invalid(ctx: CheckContext, ex: Exchange) -> bool | None:
    """The contract's verdict on a request: does it break the spec (drift aside)? None
    when the contract could not tell (its validator raised)."""
    try:
        found = ctx.contract.validate_request(ex.method, ex.url, ex.request_headers,
                                              ex.request_body, source="suite",
                                              base_path=ctx.base_path)
    except Exception:
        return None
    return any(f.kind in REJECTING_KINDS for f in found)


def keep_failure(ctx: CheckContext, checks: Iterable[str], ex: Exchange) -> bool:
    """Whether a Schemathesis failure is one the suite reports (it raised by ``checks``
    on ``ex``). Dropped ones cost Schemathesis no shrinking and no early stop."""
    names = set(checks)
    if ex.status == 429 and names != {"not_a_server_error"}:
        return False  # throttled past the retries: no verdict on the request (drift covers it)
    if "ignored_auth" in names and ex.status >= 500:
        return False  # a 5xx is the server_error check's finding, not ignored auth
    mapped = [FAILURE_KINDS[n] for n in names if n in FAILURE_KINDS]
    if not mapped:
        return not names  # a failure of no known check: keep; of an unmapped check: drop
    if all(m.methods and ex.method not in m.methods for m in mapped):
        return False
    # when the contract cannot tell, Schemathesis' own verdict stands
    if names & _NEEDS_VALID_REQUEST and request_is_invalid(ctx, ex) is True:
        return False
    if names & _NEEDS_INVALID_REQUEST and request_is_invalid(ctx, ex) is False:
        return False
    return True


# Schemathesis checks the suite leaves off, and why (shown in the run's summary).
DISABLED_CHECKS: dict[str, str] = {
    "status_code_conformance": "the contract core decides documented statuses (and drift)",
    "content_type_conformance": "the contract core decides response content types",
    "response_schema_conformance": "the contract core validates response bodies",
    "object_level_authorization": "needs a second identity; the suite has one key",
    "max_response_time": "no response-time budget in the contract",
}
