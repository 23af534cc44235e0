"""The ``sinch-conformance`` command line: a table of subcommands, each in its own module.

A subcommand module ``conformance.commands.<name>`` exposes ``add_arguments(parser)`` and
``run(args) -> int``. Only the module of the command being run is imported, so
``sinch-conformance lint`` never pays for importing mitmproxy or Schemathesis.
A :class:`~conformance.errors.UserError` becomes ``error:``/``tip:`` lines and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from collections.abc import Sequence
from types import ModuleType

from conformance import __version__
from conformance.errors import EXIT_USER_ERROR, UserError, exit_code

__all__ = ["COMMANDS", "build_parser", "main", "missing_package", "version_text"]

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
    "config": "Print the settings a run would use, where each came from, secrets masked.",
}


# import name -> the distribution pip installs it from, where the two differ
_DISTRIBUTIONS = {"yaml": "pyyaml", "jsonschema_rs": "jsonschema-rs", "backports": "backports.zstd",
                  "rfc3339_validator": "rfc3339-validator", "allure_commons": "allure-pytest",
                  "openapi_core": "openapi-core", "openapi_spec_validator":
                  "openapi-spec-validator"}
_EXTRAS = {"sinch": "sdk", "openapi_core": "dev"}  # optional: in an extra, not a dependency


def missing_package(command: str, exc: ModuleNotFoundError) -> UserError:
    """The error for a package that a command imports but that is not installed."""
    top = (exc.name or "?").split(".")[0]
    dist = _DISTRIBUTIONS.get(top, top.replace("_", "-"))
    extra = _EXTRAS.get(top)
    tip = (f"install it with: pip install 'sinch-conformance[{extra}]'" if extra else
           f"install it with: pip install '{dist}' (a dependency of sinch-conformance; "
           "reinstalling sinch-conformance brings it back)")
    return UserError(f"the '{command}' command needs the Python package '{dist}', which is not "
                     "installed", tip=tip)


def version_text() -> str:
    """``--version``: this tool's version and those of the engines it drives."""
    from importlib.metadata import PackageNotFoundError, version

    engines = []
    for dist in ("schemathesis", "mitmproxy"):
        try:
            engines.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            engines.append(f"{dist} not installed")
    engines.append(f"{platform.python_implementation()} {platform.python_version()}")
    return f"sinch-conformance {__version__} ({', '.join(engines)})"


class _Version(argparse.Action):
    """``--version`` printed as one line (argparse's own action wraps it at the terminal width)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(version_text())
        parser.exit()


def _load(name: str) -> ModuleType:
    module_name = f"conformance.commands.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name or not exc.name or exc.name.startswith("conformance"):
            raise
        raise missing_package(name, exc) from exc


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
    parser.add_argument("--version", action=_Version,
                        help="Print the versions of this tool, Schemathesis, mitmproxy and "
                             "Python, and exit.")
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
    args.command_argv = argv[argv.index(args.command) + 1:]  # which flags were given
    try:
        return int(args._run(args) or 0)
    except ModuleNotFoundError as exc:  # a package imported lazily by the command
        if not exc.name or exc.name.startswith("conformance"):
            raise
        raise missing_package(args.command, exc) from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sinch-conformance``; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    return exit_code(lambda: _dispatch(args))
