"""The CLI skeleton: help, version, lazy command modules, user errors without tracebacks."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import types

import pytest

from conformance import __version__, cli
from conformance.errors import UserError


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )


def test_help_via_python_m() -> None:
    proc = run_module("--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: sinch-conformance")
    for name in cli.COMMANDS:
        assert name in proc.stdout


def test_version() -> None:
    proc = run_module("--version")
    assert proc.returncode == 0
    line = proc.stdout.strip()
    assert "\n" not in line
    assert re.fullmatch(rf"sinch-conformance {re.escape(__version__)} \(schemathesis [0-9.]+, "
                        r"mitmproxy [0-9.]+, CPython 3\.\d+\.\d+\)", line), line


def test_subcommand_help() -> None:
    proc = run_module("lint", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "usage: sinch-conformance lint" in proc.stdout


FAILING_COMMAND = """
import sys, types
from conformance import cli
from conformance.errors import UserError

def fail(args):
    raise UserError("the spec file spec/x.yaml does not exist", tip="pass --spec PATH")

cli._load = lambda name: types.SimpleNamespace(add_arguments=lambda p: None, run=fail)
sys.exit(cli.main(["lint"]))
"""


def test_user_error_exit_code_and_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", FAILING_COMMAND],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr == (
        "error: the spec file spec/x.yaml does not exist\ntip: pass --spec PATH\n"
    )


def test_user_error_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(args: argparse.Namespace) -> int:
        raise UserError("the spec file spec/x.yaml does not exist", tip="pass --spec PATH")

    fake = types.SimpleNamespace(add_arguments=lambda parser: None, run=fail)
    monkeypatch.setattr(cli, "_load", lambda name: fake)
    assert cli.main(["lint"]) == 2
    err = capsys.readouterr().err
    assert err == "error: the spec file spec/x.yaml does not exist\ntip: pass --spec PATH\n"


def test_keyboard_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    fake = types.SimpleNamespace(add_arguments=lambda parser: None, run=interrupted)
    monkeypatch.setattr(cli, "_load", lambda name: fake)
    assert cli.main(["run"]) == 130


def test_usage_error_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert cli.main(["no-such-command"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_only_the_selected_command_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []
    fake = types.SimpleNamespace(add_arguments=lambda parser: None, run=lambda args: 0)

    def load(name: str) -> types.SimpleNamespace:
        loaded.append(name)
        return fake

    monkeypatch.setattr(cli, "_load", load)
    assert cli.main(["report"]) == 0
    assert loaded == ["report"]


def test_missing_dependency_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_import(name: str) -> types.ModuleType:
        raise ModuleNotFoundError("No module named 'mitmproxy'", name="mitmproxy")

    monkeypatch.setattr(cli.importlib, "import_module", fake_import)
    with pytest.raises(UserError, match="mitmproxy"):
        cli._load("proxy")


def test_a_closed_pipe_is_not_a_traceback() -> None:
    """`sinch-conformance lint --json | head -c 100`: the reader leaves early."""
    proc = subprocess.Popen([sys.executable, "-m", "conformance", "lint", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the first line: whatever the output's size, writing fails
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
