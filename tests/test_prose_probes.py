"""The prose probes against the emulator: the clean emulator breaks no rule; each prose
fault makes every rule that names it fire, on the rule's operation, with its sentence quoted;
``--readonly`` keeps only the read probe, which still finds a broken default page size."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import requests
from test_suite_support import RecordingEmulator, credentials, emulator_process, options

from conformance.findings import Finding, Kind
from conformance.suite.probe_context import P
from conformance.suite.prose import CATALOGUE, rule
from conformance.suite.runner import run_suite
from conformance.suite.transport import MUTATING_METHODS

pytestmark = pytest.mark.slow
FAULTS = sorted({f for r in CATALOGUE for f in r.faults})
PROSE_FAULTS = ("prose-two-active-conversations", "prose-stop-ignored",
                "prose-send-ignores-active", "prose-metadata-wrong",
                "prose-delete-cascade-wrong", "prose-messages-oldest-first",
                "prose-defaults-ignored", "prose-update-mask-ignored", "prose-merge-wrong",
                "prose-page-size-default", "prose-webhook-limit-ignored",
                "prose-input-rules-ignored", "prose-request-options-ignored")


def test_the_prose_faults_are_the_ones_tested_here() -> None:
    assert set(PROSE_FAULTS) == {f for f in FAULTS if f.startswith("prose-")}
    assert "invalid-body-accepted" in FAULTS  # the overlay's limits, refused by the contract


@pytest.fixture(scope="module")
def emulator() -> Any:
    with emulator_process(credentials("prose-secret-0003"), token_ttl=3600) as target:
        yield target


def _probe(target: Any, out: Path, fault: str = "", readonly: bool = False
           ) -> tuple[list[Finding], Any]:
    headers = (("X-Emulator-Fault", fault),) if fault else ()
    result = run_suite(options(target, out, phases=(), headers=headers, readonly=readonly),
                       io.StringIO(), "quiet")
    return result.summary.findings, result.summary


def _prose(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.kind == Kind.PROSE_RULE_VIOLATED]


def test_the_clean_emulator_breaks_no_prose_rule(emulator: Any, tmp_path: Path) -> None:
    findings, summary = _probe(emulator, tmp_path)
    assert summary.errors == [] and summary.problems == []
    assert _prose(findings) == []
    assert [f for f in findings if not f.is_drift] == []  # nor anything else


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_breaks_the_rules_that_name_it(fault: str, emulator: Any,
                                                  tmp_path: Path) -> None:
    findings, summary = _probe(emulator, tmp_path, fault)
    assert summary.errors == []
    prose = _prose(findings)
    fired = {f.location.removeprefix("prose:") for f in prose}
    expected = {r.id for r in CATALOGUE if fault in r.faults}
    assert expected - fired == set(), (fault, sorted(fired))
    for finding in prose:
        r = rule(finding.location.removeprefix("prose:"))
        assert r.quote in finding.message and f"prose rule {r.id}" in finding.message
        assert finding.operation_id == (r.operation or None)
        assert finding.schema_path == r.pointer
        assert finding.evidence["sentence"] == r.sentence


def _seed_contacts(target: Any, count: int) -> None:
    c = target.credentials
    s = requests.Session()
    s.auth = (c.key_id, c.key_secret)
    for i in range(count):
        s.post(target.url(f"{P}/contacts"), json={
            "channel_identities": [{"channel": "SMS", "identity": f"+4670000030{i:02d}"}],
            "language": "EN_US"}, timeout=10).raise_for_status()


def test_readonly_keeps_only_the_read_probe(tmp_path: Path) -> None:
    with RecordingEmulator(credentials()) as emu:
        _seed_contacts(emu.target(), 12)
        emu.arrivals.clear()
        findings, summary = _probe(emu.target(), tmp_path / "clean", readonly=True)
        assert _prose(findings) == []
        findings, _ = _probe(emu.target(), tmp_path / "fault", "prose-page-size-default",
                             readonly=True)
    api = [a for a in emu.arrivals if a.path.startswith("/v1/")]
    assert api and not [a for a in api if a.method in MUTATING_METHODS]
    assert {f.location for f in _prose(findings)} == {"prose:contacts-page-size"}
