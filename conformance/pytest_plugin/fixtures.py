"""Fixtures for a team's own tests (no flag needed):

* ``sinch_contract``: the loaded contract (:meth:`conformance.contract.Contract.default`);
* ``sinch_check``: check a ``requests`` or ``httpx`` response (or a request and a response)
  against the spec through the one exchange pipeline; an ``AssertionError`` lists the
  findings, each with its one-sentence message and curl line;
* ``sinch_emulator``: a running bundled emulator (base URL, throwaway credentials), one per
  set of faults per session; ``@pytest.mark.sinch_fault("wrong-type")`` picks the faults
  of one test, ``sinch_emulator.with_faults(...)`` another set within a test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from conformance.pytest_plugin.emulators import RunningEmulator
from conformance.pytest_plugin.state import STATE

if TYPE_CHECKING:
    from conformance.contract import Contract
    from conformance.findings import Finding

__all__ = ["SinchCheck", "sinch_check", "sinch_contract", "sinch_emulator"]


class SinchCheck:
    """``sinch_check(response)`` or ``sinch_check(request, response)``: the findings of
    the exchange; raises ``AssertionError`` listing them when one is a violation (or drift,
    with ``drift=True``). ``request=False`` judges the response only (for tests that send
    invalid requests on purpose); ``base_path`` is the API's path prefix, if any."""

    def __init__(self, contract: Contract, secrets: tuple[str, ...] = ()) -> None:
        self.contract = contract
        self.secrets = secrets

    def __call__(self, first: Any, second: Any = None, *, drift: bool = False,
                 request: bool = True, base_path: str = "") -> list[Finding]:
        from conformance.exchange.checks import CheckContext, check_exchange
        from conformance.exchange.clients import from_client
        from conformance.findings import Kind

        response, sent = (second, first) if second is not None else (first, None)
        exchange = from_client(response, "pytest", sent)
        # "replay": an exchange checked after it was made, request and response alike
        ctx = CheckContext(self.contract, "replay", base_path=base_path.rstrip("/"),
                           secrets=lambda: self.secrets)
        findings = check_exchange(ctx, exchange)
        if not request:
            findings = [f for f in findings if not f.location.startswith("request")
                        and f.kind != Kind.NEGATIVE_DATA_ACCEPTED]
        failing = [f for f in findings
                   if f.category != "not checked" and (drift or not f.is_drift)]
        if failing:
            raise AssertionError(describe(exchange.method, exchange.url, failing))
        return findings


def describe(method: str, url: str, findings: list[Finding]) -> str:
    """The findings of one exchange as the assertion message (secrets already redacted)."""
    from conformance.redact import redact_url

    lines = [f"{method} {redact_url(url)} breaks the Sinch contract: {len(findings)} "
             "finding(s)"]
    for index, finding in enumerate(findings, 1):
        lines.append(f"[{index}] " + finding.describe().replace("\n", "\n    "))
    return "\n".join(lines)


@pytest.fixture(scope="session")
def sinch_contract() -> Contract:
    """The Sinch Conversation API contract (the spec and its overlays), loaded once."""
    from conformance.contract import Contract

    return Contract.default()


@pytest.fixture
def sinch_check(sinch_contract: Contract, request: pytest.FixtureRequest) -> SinchCheck:
    """Check a response (or request + response) against the spec; see :class:`SinchCheck`."""
    state = request.config.stash.get(STATE, None)
    return SinchCheck(sinch_contract, state.secrets() if state is not None else ())


@pytest.fixture
def sinch_emulator(request: pytest.FixtureRequest) -> RunningEmulator:
    """A running bundled emulator (started once per set of faults and session, stopped at
    its end): ``base_url``, ``project_id``, ``key_id``, ``key_secret``, ``auth``,
    ``token_url``, ``url(path)``; faults from the test's ``sinch_fault`` marks."""
    from conformance.errors import UserError

    faults: list[str] = []
    for mark in request.node.iter_markers("sinch_fault"):
        faults += [str(a) for a in mark.args]
    try:
        return request.config.stash[STATE].pool.get(tuple(faults))
    except UserError as exc:
        pytest.fail(f"sinch_emulator: {exc.message}" + (f" ({exc.tip})" if exc.tip else ""),
                    pytrace=False)
