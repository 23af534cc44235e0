"""Check one :class:`Exchange` against the contract: the same code for live and replay.

``check_exchange`` validates the request and (when the API answered) the response with
the contract core, reports bodies it could not check as ``body_skipped``, turns any
exception of the validator into a ``validation_error`` finding, and attaches redacted
evidence (request, response and a curl line) to every finding. It never raises for a
problem in the traffic or in the validator.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from conformance.contract import REJECTING_KINDS, Contract
from conformance.findings import Finding, Kind
from conformance.proxy.exchange import Exchange
from conformance.proxy.scrub import body_excerpt, known_secrets
from conformance.redact import curl_line, redact_evidence, redact_headers, redact_text, redact_url

__all__ = ["CheckContext", "check_exchange", "check_request", "with_route_cache"]

log = logging.getLogger(__name__)
# A body too large or undecodable is still checked for status and content type: a stand-in
# body takes its place and the findings about the stand-in itself are dropped.
_PLACEHOLDER = b"{}"


@dataclasses.dataclass(frozen=True)
class CheckContext:
    """Where findings come from and how to route URLs: the same for a whole run."""

    contract: Contract
    source: str
    run_id: str | None = None
    base_path: str = ""
    warned: set[str] = dataclasses.field(default_factory=set, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "contract", with_route_cache(self.contract))


def with_route_cache(contract: Contract, size: int = 4096) -> Contract:
    """The same contract (compiled schemas and router shared) whose ``match`` remembers
    its last answers: request, response and summary of one flow route it once."""
    if getattr(contract, "_route_cached", False):
        return contract
    clone = copy.copy(contract)
    clone.match = functools.lru_cache(maxsize=size)(contract.match)  # type: ignore[method-assign]
    clone._route_cached = True  # type: ignore[attr-defined]
    return clone


def _target_path(ex: Exchange) -> str:
    parts = urlsplit(ex.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _validator_failed(ctx: CheckContext, ex: Exchange, side: str, exc: Exception,
                      secrets: Sequence[str]) -> Finding:
    op = _safe_operation(ctx, ex)
    key = f"{side}:{type(exc).__name__}"
    if key not in ctx.warned:  # once per kind of failure; every one is a finding
        ctx.warned.add(key)
        log.warning("sinch-conformance: the %s validator failed on %s %s (%s: %s); such "
                    "flows pass unchecked and are reported as validation_error", side,
                    ex.method, redact_url(ex.url), type(exc).__name__,
                    redact_text(str(exc), secrets))
    return Finding.make(
        Kind.VALIDATION_ERROR, source=ctx.source, target=ex.target, run_id=ctx.run_id,
        message=f"The {side} validator failed ({type(exc).__name__}: {exc}); the flow was "
                "passed on unchanged and this message is not checked.",
        operation_id=op[0], method=ex.method, path_template=op[1],
        status=ex.status if side == "response" else None, location=side, secrets=secrets)


def _safe_operation(ctx: CheckContext, ex: Exchange) -> tuple[str | None, str | None]:
    try:
        m = ctx.contract.match(ex.method, _target_path(ex), ctx.base_path)
    except Exception:  # noqa: BLE001 - only used to label a validator failure
        return None, None
    if m is None:
        return None, None
    return (m.route.operation_id if m.route else None), m.path_template


def _skipped(ctx: CheckContext, ex: Exchange, side: str, reason: str,
             op: tuple[str | None, str | None]) -> Finding:
    return Finding.make(
        Kind.BODY_SKIPPED, source=ctx.source, target=ex.target, run_id=ctx.run_id,
        message=f"The {side} body was not validated: {reason}.", operation_id=op[0],
        method=ex.method, path_template=op[1],
        status=ex.status if side == "response" else None, location=f"{side}.body")


def _without_body(findings: list[Finding], side: str) -> list[Finding]:
    return [f for f in findings if not f.location.startswith(f"{side}.body")]


def check_request(ctx: CheckContext, ex: Exchange) -> list[Finding]:
    """Findings for the request alone, without evidence (cheap; enforce mode uses it)."""
    body = _PLACEHOLDER if ex.request_skipped else ex.request_body
    findings = ctx.contract.validate_request(  # header pairs: the contract lowers them
        ex.method, _target_path(ex), ex.request_headers, body, source=ctx.source,
        base_path=ctx.base_path, target=ex.target, run_id=ctx.run_id)
    if ex.request_skipped:
        findings = _without_body(findings, "request")
        op = _safe_operation(ctx, ex)
        if op[0] is not None:
            findings.append(_skipped(ctx, ex, "request", ex.request_skipped, op))
    return findings


def _check_response(ctx: CheckContext, ex: Exchange) -> list[Finding]:
    if ex.status is None or ex.enforced:
        return []
    body = _PLACEHOLDER if ex.response_skipped else ex.response_body
    findings = ctx.contract.validate_response(
        ex.method, _target_path(ex), ex.status, ex.response_headers, body,
        source=ctx.source, base_path=ctx.base_path, target=ex.target, run_id=ctx.run_id)
    if ex.response_skipped:
        findings = _without_body(findings, "response")
        op = _safe_operation(ctx, ex)
        if op[0] is not None:
            findings.append(_skipped(ctx, ex, "response", ex.response_skipped, op))
    return findings


def _accepted_invalid(ctx: CheckContext, ex: Exchange,
                      findings: list[Finding]) -> list[Finding]:
    """``negative_data_accepted`` when the API answered 2xx to a request the spec rejects."""
    if ex.enforced or ex.status is None or not 200 <= ex.status < 300:
        return []
    rejected = [f for f in findings if f.kind in REJECTING_KINDS and f.operation_id]
    if not rejected:
        return []
    first = rejected[0]
    return [Finding.make(
        Kind.NEGATIVE_DATA_ACCEPTED, source=ctx.source, target=ex.target, run_id=ctx.run_id,
        message=f"Received {ex.status} for a request the spec rejects ({first.kind} at "
                f"{first.location}); documented: a 4XX answer.",
        operation_id=first.operation_id, method=ex.method,
        path_template=first.path_template, status=ex.status, location="response.status")]


def evidence_for(ex: Exchange, secrets: Sequence[str]) -> dict[str, object]:
    """Redacted request/response excerpt and a curl line reproducing the request."""
    req_type = ex.request_header("content-type")
    request_body = body_excerpt(ex.request_body, req_type, secrets)
    evidence: dict[str, object] = {
        "request": {"method": ex.method, "url": redact_url(ex.url),
                    "headers": redact_headers(list(ex.request_headers)),
                    "body": request_body},
        "curl": curl_line(ex.method, ex.url, list(ex.request_headers),
                          request_body or None, secrets),
    }
    if ex.status is not None:
        evidence["response"] = {
            "status": ex.status, "headers": redact_headers(list(ex.response_headers)),
            "body": body_excerpt(ex.response_body, ex.response_header("content-type"),
                                 secrets)}
    return redact_evidence(evidence, secrets)


def _secrets(ex: Exchange) -> tuple[str, ...]:
    try:
        return known_secrets(ex)
    except Exception:  # noqa: BLE001 - then only the name-based redaction applies
        return ()


def check_exchange(ctx: CheckContext, ex: Exchange,
                   request_findings: list[Finding] | None = None) -> list[Finding]:
    """All findings for one exchange, evidence attached and secrets scrubbed.

    ``request_findings`` are reused when the request was already checked (enforce mode).
    """
    secrets: tuple[str, ...] = ()
    findings: list[Finding] = []
    try:
        findings += check_request(ctx, ex) if request_findings is None else request_findings
    except Exception as exc:  # noqa: BLE001 - a validator bug must never reach the flow
        secrets = _secrets(ex)
        findings.append(_validator_failed(ctx, ex, "request", exc, secrets))
    try:
        findings += _check_response(ctx, ex)
        findings += _accepted_invalid(ctx, ex, findings)
    except Exception as exc:  # noqa: BLE001
        secrets = secrets or _secrets(ex)
        findings.append(_validator_failed(ctx, ex, "response", exc, secrets))
    if not findings:
        return findings
    try:
        secrets = secrets or known_secrets(ex)
        evidence = evidence_for(ex, secrets)
    except Exception as exc:  # noqa: BLE001 - evidence is a courtesy, findings must survive
        log.warning("could not build evidence for %s %s: %s", ex.method, redact_url(ex.url),
                    type(exc).__name__)
        evidence = {"request": {"method": ex.method, "url": redact_url(ex.url)}}
    return [dataclasses.replace(f, message=redact_text(f.message, secrets), evidence=evidence)
            for f in findings]
