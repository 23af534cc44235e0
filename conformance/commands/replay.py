"""`sinch-conformance replay FILE`: check a recording against the spec, offline.

Reads HAR 1.2 (the proxy's own recordings and other tools') and mitmproxy flow files
(``mitmdump -w``), and runs exactly the checks the live proxy runs, with source
``replay``. Exit 0 when nothing was found, 1 when any finding (violation or drift) was
made, 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

from conformance.contract import Contract
from conformance.errors import UserError
from conformance.exchange.bodies import DEFAULT_MAX_BODY, parse_size
from conformance.exchange.checks import CheckContext
from conformance.exchange.model import Exchange
from conformance.exchange.recordings import load_recording
from conformance.exchange.selected import checked_operations
from conformance.findings_io import FindingsWriter
from conformance.proxy.pipeline import Pipeline
from conformance.selection import OperationFilter, add_filter_arguments

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="HAR file or mitmproxy flow file to check")
    parser.add_argument("--json", action="store_true",
                        help="print one Finding per line (JSON) instead of the summary")
    parser.add_argument("--spec", type=Path, default=None,
                        help="OpenAPI spec to check against (default: the bundled one)")
    parser.add_argument("--base-path", default=None,
                        help="path prefix in front of the spec's paths (default: the one "
                             "the recording was made with, else none)")
    parser.add_argument("--hosts", default="",
                        help="comma-separated host patterns to check (host or host:port, "
                             "* wildcards); default: every entry")
    parser.add_argument("--max-body", default=str(DEFAULT_MAX_BODY),
                        help="largest body checked, e.g. 512k or 1m (default: 1m, like "
                             "the proxy)")
    parser.add_argument("--strict", action="store_true",
                        help="count drift as a violation in the printed lines and summary")
    parser.add_argument("--findings", type=Path, default=None, metavar="DIR",
                        help="also write the findings as JSON lines under DIR")
    add_filter_arguments(parser, "check")


def _selected(exchanges: list[Exchange], hosts: str) -> list[Exchange]:
    patterns = [p.strip().lower() for p in hosts.split(",") if p.strip()]
    if not patterns:
        return exchanges
    out = []
    for ex in exchanges:
        parts = urlsplit(ex.url)
        host = (parts.hostname or "").lower()
        hostport = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        if any(fnmatch(host, p) or fnmatch(hostport, p) for p in patterns):
            out.append(ex)
    return out


def run(args: argparse.Namespace) -> int:
    try:
        limit = parse_size(args.max_body)
    except ValueError as exc:
        raise UserError(str(exc), tip="pass --max-body like 512k or 1m") from None
    contract = Contract.load(args.spec) if args.spec else Contract.default()
    selection = OperationFilter.from_args(args)
    checked_operations(contract, selection)
    exchanges, recorded_base = load_recording(args.file, limit)
    base_path = recorded_base if args.base_path is None else args.base_path
    writer = FindingsWriter(args.findings, "replay") if args.findings else None
    ctx = CheckContext(contract, "replay", f"replay-{uuid.uuid4().hex[:12]}", base_path)
    emit = None if args.json else print
    pipeline = Pipeline(ctx, limit=limit, strict=args.strict, writer=writer, emit=emit,
                        selection=selection)
    total = 0
    try:
        for ex in _selected(exchanges, args.hosts):
            findings = pipeline.process(ex)
            total += len(findings)
            if args.json:
                for finding in findings:
                    sys.stdout.write(finding.to_json() + "\n")
    finally:
        pipeline.close()
    if not args.json:
        print(pipeline.summary.render())
    elif pipeline.summary.filtered:
        print(f"{pipeline.summary.filtered} exchange(s) of operations not selected were not "
              "checked (operation filters)", file=sys.stderr)
    return 1 if total else 0
