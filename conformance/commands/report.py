"""`sinch-conformance report`: findings of every source -> one Allure report.

Writes ``<out>/allure-results/`` (results, attachments, categories, environment, executor);
with ``--html`` also renders ``<out>/allure-report/`` with the pinned Allure CLI, keeping
the trend history in ``<out>/history/`` (``--install-allure`` first installs the pinned Allure
CLI into a per-user cache). Always exits 0: gating is the job of ``drift``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from conformance.errors import UserError
from conformance.reports.inputs import load_findings
from conformance.spec_loader import DEFAULT_SPEC

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--findings", default="reports/findings", metavar="PATH",
                        help="A findings .jsonl file or a directory of them (default: "
                             "reports/findings). A missing directory means no findings.")
    parser.add_argument("--out", default="reports", metavar="DIR",
                        help="Where allure-results/, allure-report/ and history/ go "
                             "(default: reports).")
    parser.add_argument("--summary", metavar="FILE",
                        help="The suite's per-operation summary JSON, for passed results "
                             "(default: <out>/summary.json when it exists).")
    parser.add_argument("--spec", default=str(DEFAULT_SPEC), metavar="FILE",
                        help="The spec the findings were checked against, for tags and the "
                             "environment (default: the repository's spec with its overlays).")
    parser.add_argument("--html", action="store_true",
                        help="Also render HTML with the Allure CLI: --allure-cli, else "
                             "`allure` on PATH, ./node_modules, ./reports/node_modules or the "
                             "per-user cache --install-allure fills.")
    parser.add_argument("--install-allure", action="store_true",
                        help="Install the pinned Allure CLI into the per-user cache with npm "
                             "(once; needs Node.js 20+), then render HTML (implies --html).")
    parser.add_argument("--allure-cli", metavar="PATH",
                        help="Use this Allure executable (Allure 2 or 3).")


def _summary(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"the suite summary {path} is not valid JSON ({exc})",
                        tip="delete it or pass another file with --summary") from None
    return data if isinstance(data, dict) else None


def run(args: argparse.Namespace) -> int:
    from conformance.contract import Contract
    from conformance.reports import allure, allure_cli, allure_meta, html

    cli, no_cli = None, None
    try:  # without a CLI the results are still written, then the error is raised
        if args.install_allure and not args.allure_cli:
            cli = allure_cli.install()
        elif args.html or args.install_allure:
            cli = allure_cli.find_cli(args.allure_cli)
    except UserError as exc:
        no_cli = exc
    out = Path(args.out)
    findings = load_findings(args.findings)
    summary_path = Path(args.summary) if args.summary else out / "summary.json"
    if args.summary and not summary_path.exists():
        raise UserError(f"the suite summary {summary_path} does not exist",
                        tip="drop --summary or pass an existing file")
    contract = Contract.load(args.spec)
    results = allure.build_results(findings, contract=contract, summary=_summary(summary_path),
                                   now=int(time.time() * 1000))
    meta = allure_meta.meta_files(findings, contract, os.environ,
                                  cli.version if cli else None)
    results_dir = out / "allure-results"
    allure.write_results(results, results_dir, meta)
    counts = ", ".join(f"{results.count(s)} {s}" for s in ("failed", "broken", "passed",
                                                            "skipped"))
    print(f"wrote {len(results.results)} Allure results ({counts}) to {results_dir}")
    if no_cli is not None:
        raise no_cli
    if cli is not None:
        index = html.render(cli, results_dir, out / "allure-report", out / "history"
                            / "history.jsonl")
        print(f"rendered {index} with Allure {cli.version}")
    return 0
