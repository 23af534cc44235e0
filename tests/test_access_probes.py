"""The access probes against the emulator: each access fault is found by its probe, with
its kind, on the operation it breaks; the clean emulator gives none of their kinds (with a
second project and without one); a read-only run keeps only their reads; the second
project's secret is in no output."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_suite_support import RecordingEmulator, credentials, options

from conformance.emulator import FAULTS
from conformance.findings import Finding, Kind
from conformance.suite import runner
from conformance.suite.emulator_runner import EmulatorProcess
from conformance.suite.probes import PROBES, ProbeContext
from conformance.suite.probes_access import ACCESS_PROBES
from conformance.suite.target import Credentials, Target
from conformance.suite.transport import MUTATING_METHODS

ACCESS = [f.__name__ for f, *_ in ACCESS_PROBES]
ACCESS_KINDS = {Kind.CROSS_PROJECT_ACCESS, Kind.WRONG_CREDENTIALS_ACCEPTED,
                Kind.CHILD_VIA_WRONG_PARENT, Kind.FAILED_CREATE_LEFT_RESOURCE,
                Kind.INVALID_ID_NOT_REJECTED}
SECOND_SECRET = "Yw" + secrets.token_hex(16) + "Qk"  # planted: must be in no output


def run_probes(target: Target, out: Path, names: list[str], *,
               contexts: list[ProbeContext] | None = None, **overrides: Any
               ) -> list[Finding]:
    """Run the named probes as the suite does (one run's transport, checks and sink)."""
    run = runner._Run(options(target, out, **overrides), lambda event: None)
    try:
        ctx = ProbeContext(target, run.transport, run.tokens, run.sink, run.checks,
                           run.options.readonly)
        if contexts is not None:
            contexts.append(ctx)
        for name in names:
            PROBES[name].obj.run(ctx)
    finally:
        run.close()
    return list(run.sink.findings)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Target]:
    """The bundled emulator as `run` starts it: OAuth2, and a second project."""
    second = Credentials("0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6e",
                         "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", SECOND_SECRET)
    proc = EmulatorProcess(credentials("access-secret-0003", auth="oauth2"), token_ttl=60,
                           second=second)
    try:
        yield proc.start()
    finally:
        proc.stop()


# fault -> (probe, operations its findings must name)
FIRES = {
    "project-not-checked": ("foreign_project", {"App_ListApps", "Contact_ListContacts"}),
    "foreign-ids-served": ("foreign_project", {"App_GetApp", "App_UpdateApp",
                                               "Webhooks_GetWebhook", "Webhooks_DeleteWebhook",
                                               "Webhooks_CreateWebhook"}),
    "wrong-secret-accepted": ("wrong_credentials", {"App_ListApps", None}),  # None: token URL
    "forged-token-accepted": ("wrong_credentials", {"App_ListApps"}),
    "webhook-any-app": ("resource_hierarchy", {"Webhooks_ListWebhooks"}),
    "failed-create-persists": ("failed_create", {"App_CreateApp", "Webhooks_CreateWebhook"}),
    "garbled-id-500": ("garbled_ids", {"App_GetApp", "App_DeleteApp", "Webhooks_ListWebhooks",
                                       "Conversation_InjectMessage"}),
}


def test_every_access_fault_has_a_probe_here() -> None:
    assert {name for name, f in FAULTS.items() if f.finding in ACCESS_KINDS} == set(FIRES)
    assert tuple(n for n in PROBES.names() if n in ACCESS) == tuple(ACCESS)
    assert {k for name in ACCESS for k in PROBES[name].kinds} == ACCESS_KINDS


@pytest.mark.parametrize("fault", sorted(FIRES))
def test_access_fault_is_found_by_its_probe(fault: str, emulator: Target,
                                            tmp_path: Path) -> None:
    probe, operations = FIRES[fault]
    found = run_probes(emulator, tmp_path, [probe], headers=(("X-Emulator-Fault", fault),))
    hits = [f for f in found if f.kind == FAULTS[fault].finding]
    assert operations <= {f.operation_id for f in hits}, [(f.kind, f.operation_id)
                                                          for f in found]
    assert all(f.message.endswith(".") and "\n" not in f.message for f in hits)


def test_clean_emulator_gives_no_access_finding(emulator: Target, tmp_path: Path) -> None:
    found = run_probes(emulator, tmp_path, ACCESS)
    assert not [f for f in found if f.kind in ACCESS_KINDS], found


def test_without_a_second_project_foreign_ids_are_invented(tmp_path: Path) -> None:
    with RecordingEmulator(credentials()) as emu:
        target = emu.target("basic")
        assert target.second is None
        clean = run_probes(target, tmp_path / "clean", ACCESS)
        broken = run_probes(target, tmp_path / "broken", ["foreign_project"],
                            headers=(("X-Emulator-Fault", "project-not-checked"),))
    assert not [f for f in clean if f.kind in ACCESS_KINDS]
    assert Kind.CROSS_PROJECT_ACCESS in {f.kind for f in broken}
    own = target.credentials.project_id
    projects = {a.path.split("/")[3] for a in emu.arrivals if a.path.startswith("/v1/")}
    assert own in projects and len(projects) >= 2  # an invented one next to ours


def test_readonly_keeps_only_the_read_checks(tmp_path: Path) -> None:
    with RecordingEmulator(credentials()) as emu:
        target = emu.target("basic")
        run_probes(target, tmp_path, [n for n in ACCESS if not PROBES[n].obj.mutating],
                   readonly=True)
    api = [a for a in emu.arrivals if a.path.startswith("/v1/")]
    assert api and not [a for a in api if a.method in MUTATING_METHODS]
    assert [e.name for e in PROBES if e.obj.mutating and e.name in ACCESS] == [
        "resource_hierarchy", "failed_create"]
    paths = {a.path for a in api}
    assert any("/apps/" in p for p in paths) and any("/webhooks/" in p for p in paths)


def test_second_project_secret_is_in_no_output(emulator: Target, tmp_path: Path) -> None:
    out, contexts = tmp_path / "out", []
    for fault in ("foreign-ids-served", "wrong-secret-accepted", "project-not-checked"):
        found = run_probes(emulator, out, ["wrong_credentials", "foreign_project"],
                           headers=(("X-Emulator-Fault", fault),),
                           record=out / f"{fault}.har", contexts=contexts)
        assert found
    second = emulator.second
    assert second is not None and second.key_secret == SECOND_SECRET
    tokens = [t for c in contexts if c.second is not None for t in c.second.issued]
    assert len(tokens) == 3  # the second project's key was used, through OAuth2
    needles = [SECOND_SECRET.encode(), *(t.encode() for t in tokens),
               base64.b64encode(f"{second.key_id}:{SECOND_SECRET}".encode())]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= 4  # findings and three recordings
    leaks = [(p.name, n) for p in files for n in needles if n in p.read_bytes()]
    assert leaks == []


@pytest.mark.parametrize(("values", "match"), [
    ({"second_project_id": "p2"}, "--second-key-id, --second-key-secret is missing"),
    ({"second_project_id": "p", "second_key_id": "k2", "second_key_secret": "s2"},
     "is the project under test"),
])
def test_second_project_flags_are_all_or_none(values: dict[str, str], match: str) -> None:
    from conformance.errors import UserError
    from conformance.suite.target import target_from

    base = {"project_id": "p", "key_id": "k", "key_secret": "s"}
    with pytest.raises(UserError, match=match):
        target_from("https://x.example", {**base, **values}, {})
    env = {"SINCH_SECOND_PROJECT_ID": "p2", "SINCH_SECOND_KEY_ID": "k2",
           "SINCH_SECOND_KEY_SECRET": "s2"}
    second = target_from("https://x.example", base, env).second
    assert second is not None and (second.project_id, second.key_id) == ("p2", "k2")
    assert target_from("https://x.example", base, {}).second is None


def test_second_project_flags_need_a_target() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--second-project-id",
                           "p2", "--out", "unused"], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "--second-project-id" in proc.stderr
    assert "Traceback" not in proc.stderr
