"""`sinch-conformance emulator`: serve the in-memory Conversation API emulator."""

from __future__ import annotations

import argparse
import os

from conformance.errors import UserError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="Interface to listen on (default: 127.0.0.1, loopback only).")
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port; 0 (the default) picks a free port and prints it.")
    parser.add_argument("--project-id", default=os.environ.get("SINCH_PROJECT_ID"),
                        help="Project id the key is valid for (default: $SINCH_PROJECT_ID, "
                        "else a generated one).")
    parser.add_argument("--key-id", default=os.environ.get("SINCH_KEY_ID"),
                        help="Access key id (default: $SINCH_KEY_ID, else generated).")
    parser.add_argument("--key-secret", default=os.environ.get("SINCH_KEY_SECRET"),
                        help="Access key secret (default: $SINCH_KEY_SECRET, else generated "
                        "and printed once).")
    parser.add_argument("--token-ttl", type=int, default=3600, metavar="SECONDS",
                        help="Lifetime of OAuth2 access tokens (default: 3600).")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="Switch on a fault from the catalogue for every request "
                        "(repeatable, or comma-separated); see --list-faults.")
    parser.add_argument("--list-faults", action="store_true",
                        help="Print the fault catalogue, one line each, and exit.")


def _faults(values: list[str]) -> frozenset[str]:
    from conformance.emulator.faults import FAULTS

    names = frozenset(n.strip() for v in values for n in v.split(",") if n.strip())
    unknown = sorted(names - set(FAULTS))
    if unknown:
        raise UserError(f"unknown emulator fault(s): {', '.join(unknown)}",
                        tip="run 'sinch-conformance emulator --list-faults' for the names")
    return names


def list_faults() -> str:
    from conformance.emulator.faults import CATALOGUE

    return "\n".join(f.line() for f in CATALOGUE)


def run(args: argparse.Namespace) -> int:
    if args.list_faults:
        print(list_faults())
        return 0
    from conformance.emulator.config import generated_config
    from conformance.emulator.server import serve

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a port number",
                        tip="pass --port between 1 and 65535, or --port 0 for a free one")
    if args.token_ttl <= 0:
        raise UserError("--token-ttl must be a positive number of seconds",
                        tip="pass e.g. --token-ttl 3600")
    config = generated_config(args.project_id, args.key_id, args.key_secret,
                              faults=_faults(args.fault), token_ttl_seconds=args.token_ttl)
    try:
        return serve(config, args.host, args.port, show_secret=not args.key_secret)
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})",
                        tip="pick another --port, or --port 0 for a free one") from None
