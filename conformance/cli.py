"""The ``sinch-conformance`` command line: a table of subcommands, each in its own module.

A subcommand module ``conformance.commands.<name>`` exposes ``add_arguments(parser)`` and
``run(args) -> int``. Only the module of the command being run is imported, so
``sinch-conformance lint`` never pays for importing mitmproxy or Schemathesis.
A :class:`~conformance.errors.UserError` becomes ``error:``/``tip:`` lines and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from conformance import __version__
from conformance.errors import EXIT_USER_ERROR, UserError

__all__ = ["COMMANDS", "build_parser", "main"]

# name -> one-line help. The implementation lives in conformance.commands.<name>.
COMMANDS: dict[str, str] = {
    "lint": "Check the OpenAPI spec itself for defects before testing anything.",
    "run": "Run the stateful property-based suite against a target (default: the emulator).",
    "emulator": "Serve the in-memory Sinch Conversation API emulator on a local port.",
    "proxy": "Start mitmproxy with the validating, recording add-on.",
    "replay": "Check a recorded HAR file against the spec offline.",
    "report": "Turn findings into Allure results (and HTML when the Allure CLI is present).",
    "drift": "Compare findings with the spec and a baseline; fail on new drift.",
    "diff": "Compare two versions of the spec and list what changed.",
}
EXIT_INTERRUPTED = 130


def _load(name: str) -> ModuleType:
    module_name = f"conformance.commands.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name or not exc.name:
            raise
        raise UserError(
            f"the '{name}' command needs the Python package '{exc.name}', which is not installed",
            tip="install the project with: pip install -e '.[dev]'",
        ) from exc


def _selected(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (first non-option word), if any."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The full parser; only ``selected``'s module is imported to add its arguments."""
    parser = argparse.ArgumentParser(
        prog="sinch-conformance",
        description="Contract tests, validating proxy and drift reports for the Sinch "
        "Conversation API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            module = _load(name)
            module.add_arguments(command)
            command.set_defaults(_run=module.run)
    return parser


def _dispatch(argv: Sequence[str]) -> int:
    parser = build_parser(_selected(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USER_ERROR
    return int(args._run(args) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sinch-conformance``; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except UserError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
