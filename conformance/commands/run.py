"""`sinch-conformance run`: placeholder until the real implementation lands."""

from __future__ import annotations

import argparse

from conformance.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options yet."""


def run(args: argparse.Namespace) -> int:
    raise UserError(
        "the 'run' command is not implemented yet",
        tip="run 'sinch-conformance --help' to see the commands; this one is still a placeholder",
    )
