"""``python -m conformance.suite.emulator_main [--host H] [--port P] [--token-ttl S]
[--fault NAME ...]``: the bundled emulator that ``sinch-conformance run`` starts and stops
(:class:`~conformance.suite.emulator_runner.EmulatorProcess`).

Credentials come from ``SINCH_PROJECT_ID``, ``SINCH_KEY_ID`` and ``SINCH_KEY_SECRET`` (never
the command line; what is missing is generated); ``SINCH_SECOND_PROJECT_ID``,
``SINCH_SECOND_KEY_ID`` and ``SINCH_SECOND_KEY_SECRET``, when all set, add a second project
with its own key. It serves through the emulator's own
:func:`conformance.emulator.server.serve`, which binds the socket (``TCP_NODELAY`` on, so
keep-alive answers never wait for the client's delayed ACK) and prints the start line with
the base URL before the first request; the runner reads the URL from that line. Bad input
is an ``error:`` line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from conformance.errors import UserError, exit_code

if TYPE_CHECKING:
    from conformance.emulator.config import AccessKey

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conformance.suite.emulator_main",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on.")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one.")
    parser.add_argument("--token-ttl", type=int, default=3600, metavar="SECONDS",
                        help="Lifetime of OAuth2 access tokens.")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="Switch on a fault of the catalogue (repeatable).")
    return parser


def _serve(args: argparse.Namespace) -> int:
    from conformance.emulator.config import generated_config
    from conformance.emulator.faults import FAULTS
    from conformance.emulator.server import serve

    faults = frozenset(n.strip() for v in args.fault for n in v.split(",") if n.strip())
    unknown = sorted(faults - set(FAULTS))
    if unknown:
        raise UserError(f"unknown emulator fault(s): {', '.join(unknown)}",
                        tip="run 'sinch-conformance emulator --list-faults' for the names")
    if args.token_ttl <= 0:
        raise UserError("--token-ttl must be a positive number of seconds")
    secret = os.environ.get("SINCH_KEY_SECRET")
    config = generated_config(os.environ.get("SINCH_PROJECT_ID"),
                              os.environ.get("SINCH_KEY_ID"), secret, faults=faults,
                              token_ttl_seconds=args.token_ttl, extra_keys=_second_key())
    try:
        return serve(config, args.host, args.port, show_secret=not secret)
    except (OSError, OverflowError) as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port} "
                        f"({getattr(exc, 'strerror', None) or exc})",
                        tip="pick another --port, or --port 0 for a free one") from None


def _second_key() -> tuple[AccessKey, ...]:
    from conformance.emulator.config import AccessKey

    key_id, secret, project = (os.environ.get(f"SINCH_SECOND_{n}", "")
                               for n in ("KEY_ID", "KEY_SECRET", "PROJECT_ID"))
    return (AccessKey(key_id, secret, project),) if key_id and secret and project else ()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return exit_code(lambda: _serve(args))


if __name__ == "__main__":
    sys.exit(main())
