"""`sinch-conformance diff OLD NEW`: what changed between two spec versions.

Each change is graded major, minor or patch for clients (the request side and the response
side graded each their way), placed at the file, line and column of its node; prints
Markdown, JSON, JUnit XML or GitHub annotations, optionally writes JUnit XML too, and exits 1
when a change at or above ``--fail-on`` exists (or, with ``--check-version``, when
``info.version`` is not bumped enough). Both files are compared as written (no overlays).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD.yaml", help="The earlier spec version.")
    parser.add_argument("new", metavar="NEW.yaml", help="The later spec version.")
    parser.add_argument("--format", choices=("md", "json", "junit", "github"), default="md",
                        help="What to print on stdout (default: md); github: workflow "
                             "annotations with file, line and column.")
    parser.add_argument("--junit", metavar="FILE",
                        help="Also write JUnit XML: one test case per change, failing at or "
                             "above --fail-on.")
    parser.add_argument("--fail-on", choices=("major", "minor"), default="major",
                        help="Exit 1 when a change of this grade or higher exists "
                             "(default: major).")
    parser.add_argument("--check-version", action="store_true",
                        help="Also exit 1 when NEW's info.version is not bumped enough for "
                             "the highest grade (MAJOR[.MINOR[.PATCH]] versions).")


def run(args: argparse.Namespace) -> int:
    from conformance.reports.diff_model import Grade, load_spec_file
    from conformance.reports.diff_version import check_version
    from conformance.reports.spec_diff import diff_specs
    from conformance.reports.writers import WRITERS

    old = load_spec_file(args.old, given_as="the OLD.yaml argument")
    new = load_spec_file(args.new, given_as="the NEW.yaml argument")
    changes = diff_specs(old, new)
    gate = Grade[args.fail_on.upper()]
    problem = check_version(old.version, new.version, changes) if args.check_version \
        else None
    if args.format in ("md", "json"):
        sys.stdout.write(WRITERS[f"diff.{args.format}"].obj(old, new, changes,
                                                             version_problem=problem))
    else:
        sys.stdout.write(WRITERS[f"diff-{args.format}"].obj(changes, gate))
    if args.junit:
        Path(args.junit).write_text(WRITERS["diff-junit"].obj(changes, gate),
                                    encoding="utf-8")
    if problem:
        sys.stderr.write(f"error: {problem}\n")
    return 1 if problem or any(c.grade >= gate for c in changes) else 0
