"""What the suite makes of Schemathesis' own check failures.

Every exchange the suite sees (Schemathesis' calls, its checks' extra requests, our probes
and cleanup) goes through the one :func:`conformance.exchange.check_exchange`, so suite and
proxy give the same verdict on the same exchange. Here: :data:`FAILURE_KINDS`, a
:class:`conformance.registry.Registry` of Schemathesis check name -> our Finding kind (the
entry's ``kinds``) and location, for the checks the contract core cannot make (stateful,
auth, positive/negative data). Its response checks (status code, content type, body schema)
stay off (:data:`DISABLED_CHECKS`): the contract core already decides those, and knows drift
from violation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.contract import REJECTING_KINDS
from conformance.exchange.checks import CheckContext, check_request
from conformance.exchange.model import Exchange
from conformance.findings import Kind
from conformance.registry import Registry

log = logging.getLogger(__name__)

__all__ = ["DISABLED_CHECKS", "FAILURE_KINDS", "FailureKind", "keep_failure",
           "request_is_invalid"]


# ---------------------------------------------------------------- Schemathesis failures

@dataclass(frozen=True)
class FailureKind:
    """What a failure of one Schemathesis check becomes: a Finding of ``kind`` at
    ``location``."""

    kind: Kind
    location: str
    methods: frozenset[str] | None = None  # report only failures of these methods


# A 404 after a create means "not available" only when reading the resource: a merge that
# names a missing source contact, say, answers 404 about that other contact.
_READ = frozenset({"GET"})


FAILURE_KINDS: Registry[FailureKind] = Registry("Schemathesis failure mapping")


def _maps(check: str, kind: Kind, location: str, methods: frozenset[str] | None = None
          ) -> None:
    FAILURE_KINDS.add(FailureKind(kind, location, methods), check, kinds={kind},
                      where={"suite"}, doc=f"a failure of Schemathesis' {check}: {kind}")


_maps("not_a_server_error", Kind.SERVER_ERROR, "response.status")
_maps("negative_data_rejection", Kind.NEGATIVE_DATA_ACCEPTED, "request")
_maps("missing_required_header", Kind.NEGATIVE_DATA_ACCEPTED, "request.header")
_maps("unsupported_method", Kind.NEGATIVE_DATA_ACCEPTED, "request.method")
_maps("positive_data_acceptance", Kind.POSITIVE_DATA_REJECTED, "request")
_maps("use_after_free", Kind.USE_AFTER_DELETE, "response.status")
_maps("ensure_resource_availability", Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE,
      "response.status", _READ)
_maps("ignored_auth", Kind.AUTH_IGNORED, "request.header.authorization")
_maps("response_headers_conformance", Kind.RESPONSE_BODY_SCHEMA, "response.header")
_maps("allow_header_conformance", Kind.RESPONSE_BODY_SCHEMA, "response.header.allow")
# Checks whose verdict depends on whether the request was valid. The contract core
# re-judges the request, so suite, proxy and emulator agree on what "valid" means: an
# unknown enum value, say, is drift an API may accept, not invalid data it must refuse.
_NEEDS_VALID_REQUEST = frozenset({"positive_data_acceptance"})
_NEEDS_INVALID_REQUEST = frozenset({"negative_data_rejection", "missing_required_header"})


def request_is_invalid(ctx: CheckContext, ex: Exchange) -> bool | None:
    """The contract's verdict on a request: does it break the spec (drift aside)? None
    when the contract could not tell (its validator raised)."""
    try:
        found = check_request(ctx, ex)
    except Exception:  # noqa: BLE001 - "cannot tell": Schemathesis' own verdict stands
        log.debug("the request validator failed on %s %s", ex.method, ex.url, exc_info=True)
        return None
    return any(f.kind in REJECTING_KINDS for f in found)


def keep_failure(ctx: CheckContext, checks: Iterable[str], ex: Exchange) -> bool:
    """Whether a Schemathesis failure is one the suite reports (it raised by ``checks``
    on ``ex``). Dropped ones cost Schemathesis no shrinking and no early stop."""
    names = set(checks)
    if ex.status == 429 and names != {"not_a_server_error"}:
        return False  # throttled past the retries: no verdict on the request (drift covers it)
    if "ignored_auth" in names and (ex.status or 0) >= 500:
        return False  # a 5xx is the server_error check's finding, not ignored auth
    mapped = [FAILURE_KINDS[n].obj for n in names if n in FAILURE_KINDS]
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
