"""`sinch-conformance lint`: report the spec's own defects (examples that fail their
schema, ambiguous oneOf, unused components, copy-pasted descriptions, ...).

Exit code 1 when there is any defect, 0 when none, 2 on a user error (see cli.py).
"""

from __future__ import annotations

import argparse
import sys

from conformance.lint import lint_file, summary_line, text_report
from conformance.spec_loader import DEFAULT_SPEC


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", default=str(DEFAULT_SPEC), metavar="PATH",
                        help="The OpenAPI 3.1 file to check, as given (no overlays are "
                        "applied). Default: %(default)s.")
    parser.add_argument("--json", action="store_true",
                        help="Print one Finding JSON object per line instead of text; the "
                        "summary line goes to stderr.")


def run(args: argparse.Namespace) -> int:
    findings = lint_file(args.spec)
    if args.json:
        for finding in findings:
            print(finding.to_json())
        print(summary_line(findings), file=sys.stderr)
    else:
        print(text_report(findings))
    return 1 if findings else 0
