"""The one evidence builder: what a finding shows of the exchange that caused it.

Redacted request and response excerpts and a curl line that reproduces the request, the
same for every producer (suite, proxy, replay, drift). Secrets are masked by name
(:mod:`conformance.redact`) and by value (the ``secrets`` an exchange or a run knows).
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.exchange.model import Exchange
from conformance.exchange.scrub import body_excerpt
from conformance.redact import curl_line, redact_evidence, redact_headers, redact_url

__all__ = ["evidence_for"]

# Origins of the suite's exchanges (its phases, probes, cleanup): shown as the "phase".
_SUITE_ORIGINS = frozenset({"examples", "coverage", "fuzzing", "stateful", "probe", "cleanup",
                            "check"})


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
    if ex.origin in _SUITE_ORIGINS:
        evidence["phase"] = ex.origin
    return redact_evidence(evidence, secrets)
