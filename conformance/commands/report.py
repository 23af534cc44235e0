"""`sinch-conformance report`: findings of every source -> one Allure report.

Writes ``<out>/allure-results/`` (results, attachments, categories, environment, executor)
and, given a suite run's ``summary.json``, the run's JUnit XML (``<out>/junit.xml`` or
``--junit``), through the same route as ``run``: from a run's findings and summary it
rebuilds the files that run wrote. With ``--html`` also renders ``<out>/allure-report/``
with the pinned Allure CLI, keeping the trend history in ``<out>/history/``
(``--install-allure`` first installs the pinned Allure CLI into a per-user cache). Always
exits 0: gating is the job of ``drift``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from conformance.errors import UserError
from conformance.reports.inputs import load_findings
from conformance.reports.merge import merge_findings
from conformance.spec_loader import DEFAULT_SPEC

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--findings", action="append", metavar="PATH",
                        help="A findings .jsonl file or a directory of them (default: "
                             "reports/findings). A missing directory means no findings. "
                             "Repeat it for the shards of a run: one finding per "
                             "fingerprint.")
    parser.add_argument("--out", default="reports", metavar="DIR",
                        help="Where allure-results/, allure-report/ and history/ go "
                             "(default: reports).")
    parser.add_argument("--summary", action="append", metavar="FILE",
                        help="The suite run's summary.json, for passed, skipped and broken "
                             "results per operation, their sample exchanges, the run's "
                             "environment lines and JUnit XML (default: <out>/summary.json "
                             "when it exists). Repeat it once per shard of a `run --shard "
                             "K/N` to merge them into one report.")
    parser.add_argument("--junit", metavar="FILE",
                        help="Where the run's JUnit XML goes, one test case per operation as "
                             "`run` writes it (default: <out>/junit.xml; written only with a "
                             "summary).")
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


def _summaries(paths: list[Path], default: Path, findings: list[Any]
               ) -> dict[str, Any] | None:
    """The summary to report: the one given (or the default), or the shards' merged."""
    from conformance.reports.merge import merge_summaries

    for path in paths:
        if not path.exists():
            raise UserError(f"the suite summary {path} does not exist",
                            tip="drop --summary or pass an existing file")
    if not paths:
        return _summary(default)
    items = [(str(p), _summary(p) or {}) for p in paths]
    shard = (items[0][1].get("run") or {}).get("shard") or {}
    if len(items) == 1 and (shard.get("count", 1) == 1 or "merged" in shard):
        return items[0][1]  # a whole run, or shards merged already
    merged, problems = merge_summaries(items, findings)
    print(f"merged the summaries of shards {merged['run']['shard']['shard']} of "
          f"{merged['run']['shard']['count']}", file=sys.stderr)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    target = default.parent / "summary.json"
    if all(p.resolve() != target.resolve() for p in paths):  # never over an input
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        print(f"wrote the merged summary to {target}", file=sys.stderr)
    return merged


def run(args: argparse.Namespace) -> int:
    from conformance.contract import Contract
    from conformance.reports import allure_cli, html
    from conformance.reports.run_reports import RunInputs
    from conformance.reports.writers import write_run_reports

    cli, no_cli = None, None
    try:  # without a CLI the results are still written, then the error is raised
        if args.install_allure and not args.allure_cli:
            cli = allure_cli.install()
        elif args.html or args.install_allure:
            cli = allure_cli.find_cli(args.allure_cli)
    except UserError as exc:
        no_cli = exc
    out = Path(args.out)
    paths = args.findings or ["reports/findings"]
    findings = (load_findings(paths[0]) if len(paths) == 1
                else merge_findings(load_findings(p) for p in paths))
    summary_path = Path(args.summary[-1]) if args.summary else out / "summary.json"
    summary = _summaries([Path(p) for p in args.summary] if args.summary else [],
                         out / "summary.json", findings)
    if args.junit and summary is None:
        raise UserError(f"--junit writes the JUnit XML of a suite run, but there is no run "
                        f"summary at {summary_path}",
                        tip="pass the run's summary.json with --summary, or drop --junit")
    inputs = RunInputs(findings, summary, Contract.load(args.spec), os.environ,
                       cli.version if cli else None, now=int(time.time() * 1000))
    written = write_run_reports(inputs, out, Path(args.junit) if args.junit else None)
    results, results_dir = written.results, written.allure_results
    counts = ", ".join(f"{results.count(s)} {s}" for s in ("failed", "broken", "passed",
                                                            "skipped"))
    print(f"wrote {len(results.results)} Allure results ({counts}) to {results_dir}")
    if written.junit is not None:
        print(f"wrote the run's JUnit XML to {written.junit}")
    if no_cli is not None:
        raise no_cli
    if cli is not None:
        index = html.render(cli, results_dir, out / "allure-report", out / "history"
                            / "history.jsonl")
        print(f"rendered {index} with Allure {cli.version}")
    return 0
