"""Operation filters on recorded and live traffic: replay and drift (Sinch's SDK fixtures as
HAR), the proxy (a real mitmproxy child in front of the fake API). Exchanges of operations
left out pass unchecked and are counted."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from mitmproxy import exceptions

from conformance.cli import main
from conformance.contract import Contract
from conformance.findings import Finding
from conformance.proxy.addon_options import SELECTION_OPTIONS, parse_selection
from tests.aids.fakeapi import FakeSinch
from tests.aids.proxy_cli import proxy_command
from tests.spec_paths import FIXTURES
from tests.test_drift import fixtures_har

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"needs {FIXTURES}")
CONTRACT = Contract.default()


@pytest.fixture(scope="module")
def har(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixtures_har(tmp_path_factory.mktemp("har") / "sdk-fixtures.har")


def _replay(har: Path, capsys: pytest.CaptureFixture[str], *flags: str
            ) -> tuple[set[str | None], str]:
    main(["replay", str(har), "--json", *flags])
    captured = capsys.readouterr()
    ops = {Finding.from_json(line).operation_id for line in captured.out.splitlines()}
    return ops, captured.err


@pytest.mark.parametrize(("flags", "expected"), [
    (["--include-tag", "Contact"], lambda op: op.startswith("Contact_")),
    (["--include-operation-id", "App_*", "--include-operation-id", "*Webhook*"],
     lambda op: op.startswith(("App_", "Webhooks_"))),
    (["--exclude-tag", "Con*"], lambda op: not op.startswith(("Contact_", "Conversation_"))),
    (["--include-tag", "Messages", "--exclude-operation-id", "Messages_Send*"],
     lambda op: op.startswith("Messages_") and op != "Messages_SendMessage"),
])
def test_replay_checks_only_the_selected_operations(
        har: Path, capsys: pytest.CaptureFixture[str], flags: list[str], expected: Any) -> None:
    everything, _ = _replay(har, capsys)
    chosen, err = _replay(har, capsys, *flags)
    assert chosen == {op for op in everything if op and expected(op)}
    assert "of operations not selected were not checked" in err
    main(["replay", str(har), *flags])
    summary = capsys.readouterr().out
    assert re.search(r"\d+ of operations not selected passed unchecked", summary)


def test_replay_and_drift_refuse_a_glob_matching_nothing(
        har: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(har), "--include-tag", "Nope"]) == 2
    assert "no tag of the spec matches --include-tag 'Nope'" in capsys.readouterr().err
    assert main(["drift", str(har), "--exclude-operation-id", "x*",
                 "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--exclude-operation-id 'x*'" in err and "tip: " in err


def _drift(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["drift", *args, "--out", str(tmp_path / "out")])
    out = tmp_path / "out"
    return code, json.loads((out / "drift.json").read_text()), (out / "drift.md").read_text()


def test_drift_reports_only_selected_operations_and_keeps_other_baseline_entries(
        har: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.yaml"
    _drift(tmp_path, str(har), "--baseline", str(base), "--update-baseline")
    everything = yaml.safe_load(base.read_text())["entries"]
    code, data, md = _drift(tmp_path, str(har), "--include-tag", "App",
                            "--include-operation-id", "Contact_Get*", "--baseline", str(base))
    keys = {op["operation"] for op in data["operations"]}
    assert keys and all(k.startswith(("App_", "Contact_Get")) for k in keys)
    assert code == 0 and not data["fixed"]  # others' entries are not "no longer seen"
    assert any("operation filters --include-operation-id 'Contact_Get*' --include-tag "
               "'App'" in note and "exchange(s) of other operations left out" in note
               for note in data["notes"])
    assert "operation filters" in md
    _drift(tmp_path, str(har), "--exclude-tag", "App", "--baseline", str(base),
           "--update-baseline")
    assert yaml.safe_load(base.read_text())["entries"] == everything
    findings = tmp_path / "f.jsonl"
    writer_lines = [Finding.make("undocumented_field", source="proxy", message="m",
                                 operation_id=op, location="response.body/x").to_json()
                    for op in ("App_GetApp", "Contact_GetContact")]
    findings.write_text("\n".join(writer_lines) + "\n")
    _, data, _ = _drift(tmp_path, "--findings", str(findings), "--include-tag", "Contact")
    assert {op["operation"] for op in data["operations"]} == {"Contact_GetContact"}


def test_the_add_on_options_are_checked_against_the_spec() -> None:
    class Opts:
        sinch_include_operation_id = "App_*, Contact_GetContact"
        sinch_include_tag = ""
        sinch_exclude_operation_id = "App_Delete*"
        sinch_exclude_tag = ""

    selection = parse_selection(Opts(), CONTRACT)
    assert selection.include_operation_ids == ("App_*", "Contact_GetContact")
    assert not selection.matches("App_DeleteApp", ("App",))
    assert set(SELECTION_OPTIONS) == {"sinch_include_operation_id", "sinch_include_tag",
                                      "sinch_exclude_operation_id", "sinch_exclude_tag"}
    Opts.sinch_include_tag = "Nope"
    with pytest.raises(exceptions.OptionsError, match="--include-tag 'Nope'"):
        parse_selection(Opts(), CONTRACT)


def test_proxy_flags_refuse_a_typo_and_a_comma(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "--target", "http://127.0.0.1:1", "--include-tag", "Nope"]) == 2
    assert "--include-tag 'Nope'" in capsys.readouterr().err
    assert main(["proxy", "--target", "http://127.0.0.1:1", "--exclude-tag", "App,Contact"]) == 2
    assert "repeat --exclude-tag once per glob" in capsys.readouterr().err


@pytest.mark.slow
def test_the_proxy_passes_unselected_operations_on_unchecked(tmp_path: Path) -> None:
    with FakeSinch() as api, proxy_command(api.url, tmp_path, "--enforce", "--include-tag",
                                           "App", "--exclude-operation-id",
                                           "App_GetApp") as proxy:
        url = proxy.url
        session = requests.Session()
        session.trust_env = False
        bad = session.get(f"{url}/v1/projects/p/apps/bad-type", timeout=10)
        assert bad.status_code == 200 and bad.json()["display_name"] == 123
        listed = session.get(f"{url}/v1/projects/p/apps", timeout=10)
        assert listed.status_code == 200
        # a body the spec rejects, for an unselected operation: forwarded, not enforced
        sent = session.post(f"{url}/v1/projects/p/contacts", json={"language": 5},
                            timeout=10)
        assert sent.status_code == 404 and api.last.path.endswith("/contacts")
        rest = proxy.stop()
    proc = proxy.proc
    assert proc.returncode == 0, rest
    assert "1 flows checked, 0 with violations" in rest
    assert "2 of operations not selected passed unchecked" in rest
    assert "VIOLATION" not in rest
    har = json.loads((tmp_path / "rec.har").read_text())
    assert [e["request"]["url"].rsplit("/", 1)[1] for e in har["log"]["entries"]] == ["apps"]
