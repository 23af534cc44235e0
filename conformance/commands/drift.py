"""`sinch-conformance drift`: drift per operation and field, gated by a reviewed baseline.

Inputs are findings (``--findings``, default ``reports/findings`` when no HAR file is given)
and/or HAR recordings, which are checked against the spec here (source ``replay``) and also
say which documented fields were never seen. Writes ``<out>/drift.md`` and
``<out>/drift.json``, prints the ``--format`` one, and exits 1 when a finding is not in the
baseline (0 with ``--update-baseline``, which rewrites the baseline to this run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.errors import UserError
from conformance.selection import OperationFilter, add_filter_arguments
from conformance.spec_loader import DEFAULT_SPEC

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("har", nargs="*", metavar="FILE.har",
                        help="Recordings to check against the spec, as `replay` does: HAR "
                             "(e.g. the proxy's) or `mitmdump -w` flow files.")
    parser.add_argument("--findings", metavar="PATH",
                        help="A findings .jsonl file or directory (default: reports/findings "
                             "when no HAR file is given).")
    parser.add_argument("--spec", default=str(DEFAULT_SPEC), metavar="FILE",
                        help="The spec to compare with (default: the repository's spec with "
                             "its overlays).")
    parser.add_argument("--base-path", default=None, metavar="PATH",
                        help="A prefix in front of the spec's paths in the recorded URLs "
                             "(default: the one each recording was made with, else none).")
    parser.add_argument("--baseline", metavar="FILE",
                        help="The reviewed YAML file of accepted drift (e.g. "
                             "drift-baseline.yaml).")
    parser.add_argument("--update-baseline", action="store_true",
                        help="Rewrite --baseline to this run: new entries get reason "
                             "'TODO: review', entries no longer seen are dropped; exit 0.")
    parser.add_argument("--junit", metavar="FILE",
                        help="Also write JUnit XML: one test case per fingerprint, failing "
                             "when it is not in the baseline.")
    parser.add_argument("--format", choices=("md", "json"), default="md",
                        help="What to print on stdout (default: md, fit for "
                             "$GITHUB_STEP_SUMMARY).")
    parser.add_argument("--out", default="reports", metavar="DIR",
                        help="Where drift.md and drift.json are written (default: reports).")
    add_filter_arguments(parser, "report")


def run(args: argparse.Namespace) -> int:
    from conformance.contract import Contract
    from conformance.exchange.bodies import DEFAULT_MAX_BODY
    from conformance.exchange.recordings import load_recording
    from conformance.exchange.selected import checked_operations, operation_tags
    from conformance.reports import baseline
    from conformance.reports.drift import aggregate
    from conformance.reports.inputs import load_findings
    from conformance.reports.traffic import Traffic, check_traffic
    from conformance.reports.writers import WRITERS

    if args.update_baseline and not args.baseline:
        raise UserError("--update-baseline needs --baseline FILE to know which file to write",
                        tip="add --baseline drift-baseline.yaml")
    contract = Contract.load(args.spec)
    selection = OperationFilter.from_args(args)
    checked_operations(contract, selection)
    tags = operation_tags(contract)
    inputs: list[str] = []
    findings = []
    if args.findings or not args.har:
        path = args.findings or "reports/findings"
        findings = load_findings(path)
        inputs.append(str(path))
    in_scope = [f for f in findings if selection.matches(f.operation_id,
                                                          tags.get(f.operation_id or "", ()))]
    traffic = Traffic()
    for har in args.har:
        exchanges, recorded_base = load_recording(Path(har), DEFAULT_MAX_BODY)
        base_path = recorded_base if args.base_path is None else args.base_path
        check_traffic(contract, exchanges, run_id=Path(har).stem, base_path=base_path,
                      into=traffic, selection=selection)
        inputs.append(str(har))
    report = aggregate(in_scope + traffic.findings, contract, inputs=inputs,
                       calls=traffic.calls if args.har else None,
                       used=traffic.used if args.har else None)
    if selection.active:
        report.notes.append(f"operation filters {selection.describe()}: "
                            f"{len(findings) - len(in_scope)} finding(s) and {traffic.filtered} "
                            "exchange(s) of other operations left out")
    entries, kept = [], []
    if args.baseline:
        entries = baseline.load(args.baseline, missing_ok=args.update_baseline)
        # entries of operations left out are neither seen nor fixed: kept as they are
        kept = [e for e in entries if not selection.matches(e.operation_id or None,
                                                            tags.get(e.operation_id, ()))]
        entries = [e for e in entries if e not in kept]
        baseline.apply(report, entries, args.baseline)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    markdown, as_json = WRITERS["drift.md"].obj(report), WRITERS["drift.json"].obj(report)
    (out / "drift.md").write_text(markdown, encoding="utf-8")
    (out / "drift.json").write_text(as_json, encoding="utf-8")
    if args.junit:
        Path(args.junit).write_text(WRITERS["drift-junit"].obj(report), encoding="utf-8")
    sys.stdout.write(markdown if args.format == "md" else as_json)
    if args.update_baseline:
        new_entries = sorted(baseline.updated(report, entries) + kept,
                             key=lambda e: (e.operation_id, e.kind, e.location, e.fingerprint))
        baseline.save(args.baseline, new_entries)
        print(f"wrote {len(new_entries)} entries to {args.baseline} ({len(report.new)} added, "
              f"{len(report.fixed)} no longer seen removed)", file=sys.stderr)
        return 0
    return 1 if report.new else 0
