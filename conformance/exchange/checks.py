"""Every exchange check, registered in :data:`EXCHANGE_CHECKS`, and :func:`check_exchange`:
the one path from an exchange to its findings, for suite, proxy, replay and drift alike.

A check is a plain function ``(ctx, exchange, found_so_far) -> findings`` registered with
the Finding kinds it can make and where it runs (``ctx.source``: the suite sends invalid
requests on purpose, so it runs only the response checks). ``check_exchange`` runs them in
order, reports bodies it could not check as ``body_skipped``, turns an exception of a check
into a ``validation_error`` finding (and tells ``ctx.on_crash``), and attaches redacted
evidence (request, response and a curl line) to the findings. It never raises for a problem
in the traffic or in a check.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from conformance.contract import REJECTING_KINDS, Contract
from conformance.exchange.evidence import evidence_for
from conformance.exchange.model import Exchange
from conformance.exchange.scrub import known_secrets
from conformance.findings import Finding, Kind
from conformance.redact import redact_text, redact_url
from conformance.registry import Registry

__all__ = ["EXCHANGE_CHECKS", "CheckContext", "ExchangeCheck", "check_exchange",
           "check_request", "operation_of", "with_route_cache"]

log = logging.getLogger(__name__)
# A body too large or undecodable is still checked for status and content type: a stand-in
# body takes its place and the findings about the stand-in itself are dropped.
_PLACEHOLDER = b"{}"


@dataclasses.dataclass(frozen=True)
class CheckContext:
    """Where findings come from and how to route URLs: the same for a whole run."""

    contract: Contract
    source: str  # suite, proxy or replay (drift's recordings are replayed): where checks run
    run_id: str | None = None
    base_path: str = ""
    target: str | None = None  # the system tested; default: scheme://host of each URL
    # secrets the producer knows besides those in the exchange (the suite's credentials)
    secrets: Callable[[], tuple[str, ...]] = dataclasses.field(default=lambda: (),
                                                               compare=False, repr=False)
    # told of every check that raised (name, exchange, exception): the suite fails the run
    on_crash: Callable[[str, Exchange, Exception], object] | None = dataclasses.field(
        default=None, compare=False, repr=False)
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


def _target(ctx: CheckContext, ex: Exchange) -> str:
    return ctx.target or ex.target


def _check_failed(ctx: CheckContext, ex: Exchange, name: str, side: str, exc: Exception,
                  secrets: Sequence[str]) -> Finding:
    """A check that raised leaves a ``validation_error`` on its exchange, logged once per
    kind of failure (every one is a finding), and ``ctx.on_crash`` is told."""
    op = operation_of(ctx, ex)
    key = f"{side}:{type(exc).__name__}"
    if key not in ctx.warned:
        ctx.warned.add(key)
        log.warning("sinch-conformance: the %s validator failed on %s %s (%s: %s); such "
                    "flows pass unchecked and are reported as validation_error", side,
                    ex.method, redact_url(ex.url), type(exc).__name__,
                    redact_text(str(exc), secrets))
    if ctx.on_crash is not None:
        ctx.on_crash(name, ex, exc)
    return Finding.make(
        Kind.VALIDATION_ERROR, source=ctx.source, target=_target(ctx, ex), run_id=ctx.run_id,
        message=f"The {side} validator failed ({type(exc).__name__}: {exc}); the flow was "
                "passed on unchanged and this message is not checked.",
        operation_id=op[0], method=ex.method, path_template=op[1],
        status=ex.status if side == "response" else None, location=side, secrets=secrets)


def operation_of(ctx: CheckContext, ex: Exchange) -> tuple[str | None, str | None]:
    """(operation id, path template) of an exchange, (None, None) when it matches none. A
    label only: if the router itself fails, the checks report that as their finding."""
    try:
        m = ctx.contract.match(ex.method, _target_path(ex), ctx.base_path)
    except Exception:  # noqa: BLE001
        log.debug("no operation for %s %s: the router failed", ex.method, redact_url(ex.url),
                  exc_info=True)
        return None, None
    if m is None:
        return None, None
    return (m.route.operation_id if m.route else None), m.path_template


def _skipped(ctx: CheckContext, ex: Exchange, side: str, reason: str,
             op: tuple[str | None, str | None]) -> Finding:
    return Finding.make(
        Kind.BODY_SKIPPED, source=ctx.source, target=_target(ctx, ex), run_id=ctx.run_id,
        message=f"The {side} body was not validated: {reason}.", operation_id=op[0],
        method=ex.method, path_template=op[1],
        status=ex.status if side == "response" else None, location=f"{side}.body")


def _unless_skipped(ctx: CheckContext, ex: Exchange, side: str, skipped: str | None,
                    findings: list[Finding]) -> list[Finding]:
    """A body that was not checked: the findings about its stand-in go, ``body_skipped``
    says why (when the exchange is an operation's)."""
    if not skipped:
        return findings
    kept = [f for f in findings if not f.location.startswith(f"{side}.body")]
    op = operation_of(ctx, ex)
    return kept + ([_skipped(ctx, ex, side, skipped, op)] if op[0] is not None else [])


# ---------------------------------------------------------------- the registered checks

ExchangeCheck = Callable[[CheckContext, Exchange, list[Finding]], list[Finding]]
EXCHANGE_CHECKS: Registry[ExchangeCheck] = Registry("exchange check")
# which side of the exchange a check judges: names its failures ("the request validator")
_SIDE = {"contract_request": "request"}

_REQUEST_KINDS = (Kind.REQUEST_BODY_SCHEMA, Kind.REQUEST_PARAM, Kind.REQUEST_CONTENT_TYPE,
                  Kind.READONLY_IN_REQUEST, Kind.OPERATION_UNDOCUMENTED,
                  Kind.UNDOCUMENTED_FIELD, Kind.UNDOCUMENTED_ENUM_VALUE,
                  Kind.UNDOCUMENTED_QUERY_PARAM, Kind.BODY_SKIPPED)
_RESPONSE_KINDS = (Kind.RESPONSE_BODY_SCHEMA, Kind.RESPONSE_STATUS_UNDOCUMENTED,
                   Kind.RESPONSE_CONTENT_TYPE, Kind.SERVER_ERROR, Kind.UNDOCUMENTED_STATUS,
                   Kind.UNDOCUMENTED_FIELD, Kind.UNDOCUMENTED_ENUM_VALUE, Kind.BODY_SKIPPED)


def check_request(ctx: CheckContext, ex: Exchange) -> list[Finding]:
    """Findings for the request alone, without evidence (cheap; enforce mode uses it)."""
    body = _PLACEHOLDER if ex.request_skipped else ex.request_body
    findings = ctx.contract.validate_request(  # header pairs: the contract lowers them
        ex.method, _target_path(ex), ex.request_headers, body, source=ctx.source,
        base_path=ctx.base_path, target=_target(ctx, ex), run_id=ctx.run_id)
    return _unless_skipped(ctx, ex, "request", ex.request_skipped, findings)


@EXCHANGE_CHECKS.register(kinds=_REQUEST_KINDS, where={"proxy", "replay"})
def contract_request(ctx: CheckContext, ex: Exchange, found: list[Finding]) -> list[Finding]:
    """The contract core's verdict on the request: operation, parameters, body, drift."""
    return check_request(ctx, ex)


@EXCHANGE_CHECKS.register(kinds=_RESPONSE_KINDS, where={"suite", "proxy", "replay"})
def contract_response(ctx: CheckContext, ex: Exchange, found: list[Finding]) -> list[Finding]:
    """The contract core's verdict on the response: status, content type, body, drift."""
    if ex.status is None or ex.enforced:
        return []
    body = _PLACEHOLDER if ex.response_skipped else ex.response_body
    findings = ctx.contract.validate_response(
        ex.method, _target_path(ex), ex.status, ex.response_headers, body,
        source=ctx.source, base_path=ctx.base_path, target=_target(ctx, ex),
        run_id=ctx.run_id)
    return _unless_skipped(ctx, ex, "response", ex.response_skipped, findings)


@EXCHANGE_CHECKS.register(kinds={Kind.NEGATIVE_DATA_ACCEPTED}, where={"proxy", "replay"})
def negative_data_accepted(ctx: CheckContext, ex: Exchange,
                           found: list[Finding]) -> list[Finding]:
    """The API answered 2xx to a request the spec rejects (the request checks found it)."""
    if ex.enforced or ex.status is None or not 200 <= ex.status < 300:
        return []
    rejected = [f for f in found if f.kind in REJECTING_KINDS and f.operation_id]
    if not rejected:
        return []
    first = rejected[0]
    return [Finding.make(
        Kind.NEGATIVE_DATA_ACCEPTED, source=ctx.source, target=_target(ctx, ex),
        run_id=ctx.run_id,
        message=f"Received {ex.status} for a request the spec rejects ({first.kind} at "
                f"{first.location}); documented: a 4XX answer.",
        operation_id=first.operation_id, method=ex.method,
        path_template=first.path_template, status=ex.status, location="response.status")]


# ---------------------------------------------------------------- the one path

def _secrets(ctx: CheckContext, ex: Exchange) -> tuple[str, ...]:
    try:
        return tuple(dict.fromkeys((*ctx.secrets(), *known_secrets(ex))))
    except Exception as exc:  # noqa: BLE001 - then only the name-based redaction applies
        log.warning("could not collect the secrets of %s %s (%s); only names are redacted",
                    ex.method, redact_url(ex.url), type(exc).__name__)
        return ()


def check_exchange(ctx: CheckContext, ex: Exchange,
                   request_findings: list[Finding] | None = None,
                   known: Callable[[str], bool] | None = None) -> list[Finding]:
    """All findings of the checks registered for ``ctx.source``, evidence attached and
    secrets scrubbed.

    ``request_findings`` are reused when the request was already checked (enforce mode);
    findings whose fingerprint is ``known`` already (the suite keeps one per fingerprint)
    get no evidence, which is the costly part.
    """
    secrets: tuple[str, ...] | None = None
    findings: list[Finding] = []
    for entry in EXCHANGE_CHECKS.running_in(ctx.source):
        if entry.name == "contract_request" and request_findings is not None:
            findings += request_findings
            continue
        try:
            findings += entry.obj(ctx, ex, findings)
        except Exception as exc:  # noqa: BLE001 - a check's bug must never reach the flow
            secrets = _secrets(ctx, ex) if secrets is None else secrets
            side = _SIDE.get(entry.name, "response")
            findings.append(_check_failed(ctx, ex, entry.name, side, exc, secrets))
    if not findings:
        return findings
    fresh = [known is None or not known(f.fingerprint) for f in findings]
    if not any(fresh):  # every one was reported already, with its evidence
        return findings
    secrets = _secrets(ctx, ex) if secrets is None else secrets
    try:
        evidence = evidence_for(ex, secrets)
    except Exception as exc:  # noqa: BLE001 - evidence is a courtesy, findings must survive
        log.warning("could not build evidence for %s %s: %s", ex.method, redact_url(ex.url),
                    type(exc).__name__)
        evidence = {"request": {"method": ex.method, "url": redact_url(ex.url)}}
    return [dataclasses.replace(f, message=redact_text(f.message, secrets), evidence=evidence)
            if new else f for f, new in zip(findings, fresh, strict=True)]
