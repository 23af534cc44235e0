"""Every user mistake on every command is two lines (error, tip), and every flag a tip names
exists on the command that printed it (or on the `sinch-conformance <command>` it quotes);
a missing Python package is named with how to install it."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pytest

from conformance import cli
from conformance.cli import main

PLACEHOLDER = "{tmp}"
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_QUOTED = re.compile(r"sinch-conformance ([a-z]+)((?: [^`'\"]*)?)")


def _options(command: str) -> set[str]:
    parser = cli.build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {s for a in sub.choices[command]._actions for s in a.option_strings}


def flags_named_wrongly(command: str, tip: str) -> list[str]:
    """Flags in ``tip`` that the command they belong to does not have."""
    wrong = []
    quoted_spans = []
    for match in _QUOTED.finditer(tip):
        other, rest = match.group(1), match.group(2)
        quoted_spans.append(match.span())
        if other in cli.COMMANDS:
            wrong += [f for f in _FLAG.findall(rest) if f not in _options(other)]
    plain = tip
    for start, end in reversed(quoted_spans):
        plain = plain[:start] + plain[end:]
    own = _options(command)
    wrong += [f for f in _FLAG.findall(plain) if f not in own]
    return wrong


def _files(tmp: Path) -> None:
    (tmp / "not-openapi.yaml").write_text("a: 1\n")
    (tmp / "broken.yaml").write_text("a: [1,\n")
    (tmp / "openapi30.yaml").write_text("openapi: 3.0.3\npaths: {}\n")
    (tmp / "text.har").write_text("not a har")
    (tmp / "bad-baseline.yaml").write_text("entries: [{kind: x}]\n")
    (tmp / "summary.json").write_text("{not json")


MISTAKES: list[tuple[str, list[str]]] = [
    ("lint", ["--spec", "{tmp}/missing.yaml"]),
    ("lint", ["--spec", "{tmp}/not-openapi.yaml"]),
    ("lint", ["--spec", "{tmp}/broken.yaml"]),
    ("lint", ["--spec", "{tmp}/openapi30.yaml"]),
    ("run", ["--target", "ftp://example.org"]),
    ("run", ["--target", "http://127.0.0.1:1", "--key-id", "k", "--key-secret", "s",
             "--project-id", "p", "--auth", "basic"]),
    ("run", ["--phases", "examples,bogus"]),
    ("run", ["--emulator-fault", "no-such-fault"]),
    ("run", ["--header", "no colon here"]),
    ("run", ["--max-examples", "0"]),
    ("emulator", ["--fault", "no-such-fault"]),
    ("emulator", ["--port", "70000"]),
    ("proxy", ["--target", "ftp://example.org"]),
    ("proxy", ["--target", "http://127.0.0.1:1", "--spec", "{tmp}/missing.yaml"]),
    ("proxy", ["--target", "http://127.0.0.1:1", "--max-body", "huge"]),
    ("proxy", ["--target", "http://127.0.0.1:1", "--record", "{tmp}/no/dir/x.har"]),
    ("replay", ["{tmp}/missing.har"]),
    ("replay", ["{tmp}/text.har"]),
    ("replay", ["{tmp}/text.har", "--spec", "{tmp}/missing.yaml"]),
    ("report", ["--findings", "{tmp}/missing.jsonl"]),
    ("report", ["--findings", "{tmp}/none", "--summary", "{tmp}/missing.json"]),
    ("report", ["--findings", "{tmp}/none", "--summary", "{tmp}/summary.json", "--out",
                "{tmp}/out"]),
    ("report", ["--findings", "{tmp}/none", "--out", "{tmp}/out", "--spec",
                "{tmp}/not-openapi.yaml"]),
    ("report", ["--findings", "{tmp}/none", "--out", "{tmp}/out", "--html", "--allure-cli",
                "{tmp}/no-allure"]),
    ("drift", ["--findings", "{tmp}/missing.jsonl"]),
    ("drift", ["--findings", "{tmp}/none", "--baseline", "{tmp}/missing.yaml"]),
    ("drift", ["--findings", "{tmp}/none", "--baseline", "{tmp}/bad-baseline.yaml"]),
    ("drift", ["--findings", "{tmp}/none", "--spec", "{tmp}/broken.yaml"]),
    ("drift", ["{tmp}/text.har"]),
    ("diff", ["{tmp}/missing.yaml", "{tmp}/not-openapi.yaml"]),
    ("diff", ["{tmp}/openapi30.yaml", "{tmp}/broken.yaml"]),
    ("run", ["--include-operation-id", "Nope*"]),
    ("run", ["--include-tag", "contact"]),
    ("run", ["--include-tag", "App", "--exclude-operation-id", "App_*"]),
    ("proxy", ["--target", "http://127.0.0.1:1", "--exclude-tag", "Nope"]),
    ("replay", ["{tmp}/text.har", "--exclude-operation-id", "app_getapp"]),
    ("drift", ["--findings", "{tmp}/none", "--include-tag", "Nope"]),
]


@pytest.mark.parametrize(("command", "args"), MISTAKES,
                         ids=[f"{c}-{i}" for i, (c, _) in enumerate(MISTAKES)])
def test_a_mistake_is_an_error_and_a_tip_naming_real_flags(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
        args: list[str]) -> None:
    _files(tmp_path)
    argv = [command, *(a.replace(PLACEHOLDER, str(tmp_path)) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    tips = [line for line in lines if line.startswith("tip: ")]
    assert errors and tips, err
    assert flags_named_wrongly(command, tips[-1]) == [], tips[-1]


def test_the_flag_checker_catches_a_wrong_flag() -> None:
    assert flags_named_wrongly("run", "tip: pass the right path with --spec") == ["--spec"]
    assert flags_named_wrongly("run", "tip: run `sinch-conformance lint --spec x`") == []
    assert flags_named_wrongly("diff", "tip: run `sinch-conformance lint --nope`") == ["--nope"]


@pytest.mark.parametrize(("module", "needle"), [
    ("yaml", "pip install 'pyyaml'"),
    ("jsonschema_rs", "pip install 'jsonschema-rs'"),
    ("backports", "pip install 'backports.zstd'"),
])
def test_a_missing_package_is_named_with_its_install_command(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        module: str, needle: str) -> None:
    (tmp_path / "x.har").write_text('{"log": {"entries": []}}')
    for name in [m for m in sys.modules if m.startswith(("conformance.commands.replay",
                                                          "conformance.proxy",
                                                          "conformance.exchange",
                                                          "conformance.contract",
                                                          "conformance.spec_loader",
                                                          "conformance.schemas",
                                                          "conformance.validation"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import of it raises ModuleNotFoundError
    if module == "backports":
        monkeypatch.setitem(sys.modules, "backports.zstd", None)
    assert main(["replay", str(tmp_path / "x.har")]) == 2
    err = capsys.readouterr().err
    assert "'replay' command needs the Python package" in err, err
    assert needle in err and "Traceback" not in err


def test_an_optional_package_names_its_extra() -> None:
    exc = ModuleNotFoundError("No module named 'sinch'", name="sinch")
    assert "pip install 'sinch-conformance[sdk]'" in cli.missing_package("run", exc).tip
