"""`sinch-conformance diff OLD NEW`: what changed between two spec versions.

Each change is classed breaking or non-breaking for clients; prints Markdown or JSON,
optionally writes JUnit XML, and exits 1 when any change is breaking. Both files are
compared as written (no overlays).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD.yaml", help="The earlier spec version.")
    parser.add_argument("new", metavar="NEW.yaml", help="The later spec version.")
    parser.add_argument("--format", choices=("md", "json"), default="md",
                        help="What to print on stdout (default: md).")
    parser.add_argument("--junit", metavar="FILE",
                        help="Also write JUnit XML: one test case per change, failing when "
                             "breaking.")


def run(args: argparse.Namespace) -> int:
    from conformance.contract import Contract
    from conformance.reports.spec_diff import diff_specs
    from conformance.reports.writers import WRITERS

    old = Contract.load(args.old, overlays=(), given_as="the OLD.yaml argument")
    new = Contract.load(args.new, overlays=(), given_as="the NEW.yaml argument")
    changes = diff_specs(old, new)
    if args.format == "md":
        sys.stdout.write(WRITERS["diff.md"].obj(old, new, changes))
    else:
        sys.stdout.write(WRITERS["diff.json"].obj(old, new, changes))
    if args.junit:
        Path(args.junit).write_text(WRITERS["diff-junit"].obj(changes), encoding="utf-8")
    return 1 if any(c.breaking for c in changes) else 0
