"""The consistency probes (read-your-writes, identity, pagination, edges) against the
bundled emulator: each fault gives its kind on the right operations, the clean emulator and
the lagging one (read-lag, inside the window) give none, a lag longer than the window gives
a finding that says how long it waited, and an endless page walk stops."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from test_suite_support import P, credentials, emulator_process, options

from conformance.contract import Contract
from conformance.findings import Finding, Kind
from conformance.suite.probe_reads import PAGE_LIMIT
from conformance.suite.resources import families, lists
from conformance.suite.runner import run_suite
from conformance.suite.target import Target

pytestmark = pytest.mark.slow
CONSISTENCY_KINDS = {Kind.READ_YOUR_WRITES_VIOLATED, Kind.IDENTITY_MISMATCH,
                     Kind.LIST_FILTER_IGNORED, Kind.EDGE_VALUE_SERVER_ERROR,
                     Kind.PAGINATION_INCONSISTENT, Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE,
                     Kind.USE_AFTER_DELETE}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Target]:
    with emulator_process(credentials("consistency-secret-0003")) as target:
        yield target


def _probes(target: Target, out: Path, fault: str = "", **extra: Any) -> list[Finding]:
    headers = (("X-Emulator-Fault", fault),) if fault else ()
    opts = options(target, out, phases=(), headers=headers, consistency_window=0.8, **extra)
    result = run_suite(opts, io.StringIO(), "quiet")
    assert not result.summary.errors, [e.line() for e in result.summary.errors]
    return result.summary.findings


def test_resources_are_derived_from_the_contract() -> None:
    contract = Contract.default()
    fams = families(contract)
    assert {f.create for f in fams.values()} == {
        "App_CreateApp", "Contact_CreateContact", "Conversation_CreateConversation",
        "Webhooks_CreateWebhook", "Messages_SendMessage"}
    assert fams["ConversationMessage"].id_pointer == "/message_id"
    by_op = {lst.operation_id: lst for lst in lists(contract)}
    assert {op for op, lst in by_op.items() if lst.paginated} == {
        "Contact_ListContacts", "Conversation_ListConversations", "Messages_ListMessages"}
    assert {(f.param, f.field, f.flag_value) for f in by_op[
        "Conversation_ListConversations"].filters} == {
        ("app_id", "app_id", None), ("contact_id", "contact_id", None),
        ("only_active", "active", True)}
    assert [f.location for f in by_op["Webhooks_ListWebhooks"].filters] == ["path"]


@pytest.mark.parametrize(("fault", "kind", "operations"), [
    ("update-not-persisted", Kind.READ_YOUR_WRITES_VIOLATED,
     {"App_GetApp", "Contact_GetContact", "Conversation_GetConversation"}),
    ("list-misses-created", Kind.READ_YOUR_WRITES_VIOLATED,
     {"Contact_ListContacts", "Conversation_ListConversations", "Messages_ListMessages"}),
    ("get-returns-other", Kind.IDENTITY_MISMATCH,
     {"App_GetApp", "Contact_GetContact", "Conversation_GetConversation",
      "Messages_GetMessage", "Webhooks_GetWebhook"}),
    ("list-filter-ignored", Kind.LIST_FILTER_IGNORED,
     {"Conversation_ListConversations", "Messages_ListMessages", "Webhooks_ListWebhooks"}),
    ("pagination-total-size-wrong", Kind.PAGINATION_INCONSISTENT,
     {"Conversation_ListConversations"}),
    ("pagination-skips", Kind.PAGINATION_INCONSISTENT,
     {"Contact_ListContacts", "Conversation_ListConversations", "Messages_ListMessages"}),
    ("long-value-500", Kind.EDGE_VALUE_SERVER_ERROR,
     {"App_CreateApp", "Contact_CreateContact", "Contact_UpdateContact"}),
    ("server-error", Kind.EDGE_VALUE_SERVER_ERROR, {"App_CreateApp", "Messages_SendMessage"}),
])
def test_fault_gives_its_kind_on_its_operations(emulator: Target, tmp_path: Path, fault: str,
                                                kind: Kind, operations: set[str]) -> None:
    found = {f.operation_id for f in _probes(emulator, tmp_path, fault) if f.kind is kind}
    assert operations <= found, (fault, found)


def test_clean_and_lagging_emulator_give_no_consistency_finding(emulator: Target,
                                                                tmp_path: Path) -> None:
    for fault in ("", "read-lag"):
        found = [f for f in _probes(emulator, tmp_path / (fault or "clean"), fault)
                 if f.kind in CONSISTENCY_KINDS]
        assert found == [], (fault, [f.message for f in found])


def test_lag_longer_than_the_window_is_reported_with_the_wait(emulator: Target,
                                                              tmp_path: Path) -> None:
    opts = options(emulator, tmp_path, phases=(), consistency_window=0.1,
                   headers=(("X-Emulator-Fault", "read-lag"),))
    found = run_suite(opts, io.StringIO(), "quiet").summary.findings
    lagging = [f for f in found if f.kind in {Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE,
                                              Kind.READ_YOUR_WRITES_VIOLATED}]
    assert lagging
    assert all(re.search(r"after 0\.\d s of re-reads \(\d+ reads\)", f.message)
               for f in lagging), [f.message for f in lagging]


def test_an_endless_walk_stops_and_is_reported(emulator: Target, tmp_path: Path) -> None:
    opts = options(emulator, tmp_path, phases=(), consistency_window=0.8,
                   headers=(("X-Emulator-Fault", "pagination-endless"),))
    result = run_suite(opts, io.StringIO(), "quiet")
    cycles = {f.operation_id for f in result.summary.findings
              if f.location == "response.body/next_page_token"}
    assert cycles == {"Contact_ListContacts", "Conversation_ListConversations",
                      "Messages_ListMessages"}
    calls = result.summary.operations["Contact_ListContacts"].calls
    assert calls < 3 * PAGE_LIMIT  # every walk stopped at the cycle or the page limit


SMS = {"channel": "SMS", "identity": "+46700000009"}


def test_readonly_checks_reads_on_existing_data(emulator: Target, tmp_path: Path) -> None:
    creds = emulator.credentials
    made = [requests.post(emulator.url(P + "/contacts"), auth=(creds.key_id, creds.key_secret),
                          json={"channel_identities": [SMS], "language": "EN"}, timeout=10
                          ).json()["id"] for _ in range(2)]
    try:
        found = _probes(emulator, tmp_path, "get-returns-other", readonly=True)
    finally:
        for ident in made:
            requests.delete(emulator.url(f"{P}/contacts/{ident}"),
                            auth=(creds.key_id, creds.key_secret), timeout=10)
    assert {f.operation_id for f in found if f.kind is Kind.IDENTITY_MISMATCH} == {
        "Contact_GetContact"}


def test_consistency_window_flag_and_defaults() -> None:
    import argparse

    from conformance.commands.run import _window, add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    emulator, real = Target("http://127.0.0.1:1", credentials(), "emulator"), Target(
        "https://x.example", credentials(), "https://x.example")
    assert _window(parser.parse_args([]), emulator) == 2.0
    assert _window(parser.parse_args([]), real) == 10.0
    assert _window(parser.parse_args(["--consistency-window", "0.5"]), real) == 0.5
    with pytest.raises(SystemExit):
        parser.parse_args(["--consistency-window", "-1"])
