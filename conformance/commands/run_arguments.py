"""The command line of `sinch-conformance run` (also taken by `config`, which shows what a
run with the same flags would use)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from conformance.selection import add_filter_arguments

__all__ = ["add_arguments"]


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_argument_group("target (default: the bundled emulator)")
    target.add_argument("--target", metavar="URL", default=os.environ.get("SINCH_TARGET"),
                        help="Base URL of the API to test, e.g. "
                             "https://us.conversation.api.sinch.com (default: $SINCH_TARGET; "
                             "without one the bundled emulator is started and tested).")
    target.add_argument("--project-id", help="Sinch project id (default: $SINCH_PROJECT_ID).")
    target.add_argument("--key-id", help="Access key id (default: $SINCH_KEY_ID).")
    target.add_argument("--key-secret",
                        help="Access key secret (default: $SINCH_KEY_SECRET; prefer the "
                             "variable, a flag shows in the process list). Never written out.")
    target.add_argument("--auth", choices=("basic", "oauth2"),
                        help="How to authenticate: HTTP Basic with the key, or an OAuth2 token "
                             "from --token-url (default: $SINCH_AUTH, else oauth2).")
    target.add_argument("--token-url", help="OAuth2 token URL (default: $SINCH_TOKEN_URL, else "
                                            "https://auth.sinch.com/oauth2/token).")
    target.add_argument("--second-project-id",
                        help="Another project of yours, for the access probes: its key must "
                             "not reach the project under test, nor the other way round "
                             "(default: $SINCH_SECOND_PROJECT_ID; without one they invent "
                             "foreign ids).")
    target.add_argument("--second-key-id",
                        help="Access key id of --second-project-id "
                             "(default: $SINCH_SECOND_KEY_ID).")
    target.add_argument("--second-key-secret",
                        help="Access key secret of --second-project-id (default: "
                             "$SINCH_SECOND_KEY_SECRET; prefer the variable). Never written "
                             "out.")
    target.add_argument("--emulator-fault", action="append", default=[], metavar="NAME",
                        help="Test the bundled emulator with this fault switched on "
                             "(see 'sinch-conformance emulator --list-faults').")
    target.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="Send this header with every request (repeatable), e.g. "
                             "'X-Emulator-Fault: server-error' to switch a fault on per "
                             "request.")
    budget = parser.add_argument_group("budget and safety")
    budget.add_argument("--max-examples", type=int, default=None, metavar="N",
                        help="Examples per operation and phase (default: 10).")
    budget.add_argument("--time-budget", type=_positive_float, metavar="SECONDS",
                        help="Spend about this long in the Schemathesis phases (they repeat "
                             "fuzzing and stateful sequences until it is used up).")
    budget.add_argument("--seed", type=int, help="Seed for reproducible generation "
                                                 "(default: a random one, printed).")
    budget.add_argument("--rate-limit", type=_positive_float, metavar="PER_SECOND",
                        help="Requests per second across the whole run (default: 20 for a "
                             "--target, below Sinch's 25; none for the bundled emulator; 0 = "
                             "no limit).")
    budget.add_argument("--readonly", action="store_true",
                        help="Send no mutating request (only GET operations are tested).")
    budget.add_argument("--phases", default="examples,coverage,fuzzing,stateful",
                        help="Comma-separated Schemathesis phases to run (default: all four).")
    budget.add_argument("--no-probes", action="store_true",
                        help="Skip the targeted probes (lifecycle, pagination, auth, inputs).")
    budget.add_argument("--no-shrink", action="store_true",
                        help="Do not minimise failing cases (faster; reproductions are "
                             "bigger).")
    budget.add_argument("--workers", type=int, default=1, metavar="N",
                        help="Parallel workers for the unit phases. Only 1 (the default) "
                             "is supported: with more, a thread-safety bug of Python's ast "
                             "module makes Schemathesis' phases end in error.")
    budget.add_argument("--consistency-window", type=_positive_float, metavar="SECONDS",
                        help="How long a probe re-reads (with back-off) before it reports a "
                             "read that disagrees with a write, so an eventually consistent "
                             "API's lag is not taken for lost data (default: 10 for a "
                             "--target, 2 for the bundled emulator).")
    budget.add_argument("--request-timeout", type=_positive_float, default=30.0,
                        metavar="SECONDS", help="Timeout of one request (default: 30).")
    budget.add_argument("--retries", type=int, default=3, metavar="N",
                        help="Retries on 429 and 5xx, with back-off (default: 3).")
    budget.add_argument("--shard", metavar="K/N",
                        help="Do the K-th of N deterministic parts of the run (e.g. 1/2 and "
                             "2/2 in two CI jobs), each with 1/N of --rate-limit; `report` "
                             "and `drift` merge the shards' outputs.")
    add_filter_arguments(parser, "test")
    output = parser.add_argument_group("output")
    output.add_argument("--out", default="reports", metavar="DIR",
                        help="Directory for everything the run writes (default: reports).")
    output.add_argument("--record", type=Path, metavar="FILE.har",
                        help="Record every exchange of the run as HAR 1.2, secrets redacted "
                             "like the proxy's recordings (`replay FILE.har` checks it again).")
    output.add_argument("--fail-on", choices=("violation", "drift"), default="violation",
                        help="Exit 1 on violations (default), or on drift too.")
    output.add_argument("--progress", choices=("auto", "tty", "plain", "quiet"),
                        default="auto", help="Live status line on a terminal, plain lines "
                                             "otherwise (default: auto).")
    output.add_argument("--config", metavar="FILE",
                        help="The configuration file (default: sinch-conformance.toml, else a "
                             "pyproject.toml with [tool.sinch-conformance], in this directory "
                             "or a parent); flags and variables override it.")
