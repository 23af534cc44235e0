"""`sinch-conformance run`: the stateful property-based suite against a target.

With no ``--target`` it starts the bundled emulator on a free loopback port (with
``--emulator-fault`` switched on, if given), tests it and stops it. Writes under ``--out``:
``findings/``, ``summary.json``, ``allure-results/`` and ``junit.xml``. Exit 0 when no
violation was found, 1 when one was (with ``--fail-on drift``, drift counts too), 2 for
a usage or connection error, 3 when the run itself failed (an internal error: a phase
that ended in error, a check or probe that raised, a cleanup that could not finish; it
wins over 1 and 0), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import traceback
from pathlib import Path
from typing import Any

from conformance.commands.run_arguments import add_arguments
from conformance.errors import EXIT_INTERRUPTED, EXIT_RUN_FAILED, EXIT_USER_ERROR, UserError
from conformance.selection import OperationFilter

__all__ = ["add_arguments", "check_args", "effective_settings", "run"]


def _phases(text: str) -> tuple[str, ...]:
    from conformance.suite.options import ALL_PHASES

    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in ALL_PHASES]
    if unknown:
        raise UserError(f"unknown phase(s): {', '.join(unknown)}",
                        tip=f"--phases takes a comma-separated list of {', '.join(ALL_PHASES)}")
    return names


def _check_args(args: argparse.Namespace) -> None:
    if args.target and args.emulator_fault:
        raise UserError("--emulator-fault switches on a fault of the bundled emulator, but "
                        "--target names another system",
                        tip="drop --target ($SINCH_TARGET, target in the config) to test it")
    if not args.target and any(getattr(args, f"second_{n}", None)
                               for n in ("project_id", "key_id", "key_secret")):
        raise UserError("--second-project-id and its key name a project of a --target; the "
                        "bundled emulator serves a second project of its own",
                        tip="pass --target too, or drop the --second-* flags")
    if args.max_examples is not None and args.max_examples < 1:
        raise UserError("--max-examples must be at least 1", tip="pass e.g. --max-examples 10")
    if args.workers < 1 or args.retries < 0:
        raise UserError("--workers must be at least 1 and --retries at least 0",
                        tip="pass e.g. --workers 1 --retries 3")
    if args.workers > 1:
        raise UserError(f"--workers {args.workers} is not supported: with more than one "
                        "worker, Schemathesis' threads trip a thread-safety bug of Python's "
                        "ast module ('AST constructor recursion depth mismatch') that ends "
                        "phases in error and leaves operations untested",
                        tip="drop --workers (one worker is the default); to make a run "
                            "shorter, lower --max-examples or set --time-budget")
    if args.emulator_fault:
        from conformance.emulator.faults import FAULTS

        unknown = [f for f in args.emulator_fault if f not in FAULTS]
        if unknown:
            raise UserError(f"unknown emulator fault(s): {', '.join(unknown)}",
                            tip="run 'sinch-conformance emulator --list-faults' for the names")


def effective_settings(args: argparse.Namespace) -> Any:
    """Flags over variables over the configuration file over defaults, into ``args``."""
    from conformance.contract import Contract
    from conformance.settings import apply_settings

    return apply_settings(args, add_arguments, Contract.default().operations)


def check_args(args: argparse.Namespace) -> None:
    """Every check of the effective flags a run makes before it starts."""
    _check_args(args)
    _phases(args.phases)
    _headers(args.header)
    _selection(args)
    if args.shard:
        from conformance.suite.shards import parse_shard

        parse_shard(args.shard)


def _headers(values: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise UserError(f"--header {value!r} is not 'NAME: VALUE'",
                            tip="pass e.g. --header 'X-Request-Source: nightly'")
        if name.strip().lower() == "authorization":
            raise UserError("--header cannot set Authorization",
                            tip="pass credentials with --key-id/--key-secret and --auth")
        out.append((name.strip(), text.strip()))
    return tuple(out)


def _selection(args: argparse.Namespace) -> OperationFilter:
    """The operation filters, checked against the spec before a target is started."""
    from conformance.contract import Contract

    selection = OperationFilter.from_args(args)
    selection.check({op.operation_id: op.tags for op in Contract.default().operations.values()})
    return selection


def _options(args: argparse.Namespace, target: Any, seed: int) -> Any:
    from conformance.suite.options import DEFAULT_MAX_EXAMPLES, DEFAULT_RATE_LIMIT, SuiteOptions
    from conformance.suite.shards import parse_shard

    if args.rate_limit is not None:
        rate = args.rate_limit or None
    else:
        rate = None if target.name == "emulator" else DEFAULT_RATE_LIMIT
    shard = parse_shard(args.shard) if args.shard else None
    if rate and shard:  # N shards at once stay within the limit together
        rate = rate / shard.count
    return SuiteOptions(
        target=target, out=Path(args.out), seed=seed, rate_limit=rate,
        max_examples=args.max_examples or DEFAULT_MAX_EXAMPLES, time_budget=args.time_budget,
        readonly=args.readonly, phases=_phases(args.phases), probes=not args.no_probes,
        workers=args.workers, request_timeout=args.request_timeout, retries=args.retries,
        headers=_headers(args.header), shrink=not args.no_shrink, record=args.record,
        operations=getattr(args, "operation_overrides", {}),
        selection=OperationFilter.from_args(args), shard=shard,
        consistency_window=_window(args, target))


def _window(args: argparse.Namespace, target: Any) -> float:
    from conformance.suite.options import (
        DEFAULT_CONSISTENCY_WINDOW,
        EMULATOR_CONSISTENCY_WINDOW,
    )

    if args.consistency_window is not None:
        return float(args.consistency_window)
    return (EMULATOR_CONSISTENCY_WINDOW if target.name == "emulator"
            else DEFAULT_CONSISTENCY_WINDOW)


def run(args: argparse.Namespace) -> int:
    """The run, its reports and its exit code (3 on a crash of the suite itself)."""
    settings = effective_settings(args)
    check_args(args)
    if settings.file is not None and args.progress != "quiet":
        print(f"sinch-conformance run: settings from {settings.file}", file=sys.stderr)
    try:
        return _run(args)
    except (UserError, KeyboardInterrupt):
        raise
    except Exception as exc:  # loud: the traceback, then one error line
        traceback.print_exc(file=sys.stderr)
        print(f"error: the run itself failed ({type(exc).__name__}, traceback above)",
              file=sys.stderr)
        return EXIT_RUN_FAILED


def _run(args: argparse.Namespace) -> int:
    # Hypothesis caches (constants, unicode data) go under --out too, not into the cwd
    from hypothesis.configuration import set_hypothesis_home_dir

    from conformance.suite.emulator_runner import EmulatorProcess, emulator_credentials
    from conformance.suite.progress import mode_for
    from conformance.suite.runner import run_suite
    from conformance.suite.target import target_from

    set_hypothesis_home_dir(Path(args.out) / ".hypothesis")
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    mode = mode_for(sys.stderr, args.progress)
    emulator = None
    try:
        if args.target:
            target = target_from(args.target, vars(args), {})  # variables: in args
        else:
            creds = emulator_credentials(args.auth or os.environ.get("SINCH_AUTH") or "oauth2")
            emulator = EmulatorProcess(creds, tuple(args.emulator_fault))
            target = emulator.start()
        options = _options(args, target, seed)
        fault = f" with fault {', '.join(args.emulator_fault)}" if args.emulator_fault else ""
        if mode != "quiet":
            print(f"sinch-conformance run: {target.label} ({target.base_url}){fault}, seed "
                  f"{seed}, max {options.max_examples} examples, rate limit "
                  f"{f'{options.rate_limit:g}/s' if options.rate_limit else 'none'}"
                  f"{', read-only' if options.readonly else ''}"
                  f"{f', shard {options.shard.label}' if options.shard else ''}", file=sys.stderr)
            if options.selection.active:
                print(f"operation filters: {options.selection.describe()}", file=sys.stderr)
        result = run_suite(options, sys.stderr, mode)
    finally:
        if emulator is not None:
            emulator.stop()
    _write_reports(result.summary, options.out)
    _print_summary(result, options, args, seed)
    if result.interrupted:
        return EXIT_INTERRUPTED
    summary = result.summary
    if summary.transport.get("unreachable"):
        print(f"error: the target stopped responding during the run "
              f"({summary.transport['unreachable']:g} request(s) could not connect); the "
              f"findings so far are written, but the run is incomplete\n"
              f"tip: check that {summary.target} is up, then run again", file=sys.stderr)
        return EXIT_USER_ERROR
    if summary.errors:
        print(f"error: the run itself failed: {len(summary.errors)} internal error(s), "
              "listed above (ERROR lines) and in summary.json; its verdicts are incomplete\n"
              f"tip: reproduce with --seed {seed}", file=sys.stderr)
        return EXIT_RUN_FAILED
    failing = summary.violations + (summary.drift if args.fail_on == "drift" else [])
    return 1 if failing else 0


def _print_summary(result: Any, options: Any, args: argparse.Namespace, seed: int) -> None:
    from conformance.suite.summary import SUCCESS_GOAL
    from conformance.suite.summary_text import render_table, untested_lines

    summary = result.summary
    print(render_table(summary))
    for note in summary.notes:
        if note.startswith(("overlay", "Conversation_", "Schemathesis positive",
                            "success top-up")):
            print(f"note: {note}")
    for problem in summary.problems[:20]:
        print(f"problem: {problem}")
    for error in summary.errors:
        print(f"ERROR: {error.line()}")
    for line in untested_lines(summary):
        print(line)
    few = [s for s in summary.few_successes() if s.exercised]
    if few:
        print(f"WARNING: {len(few)} operation(s) with fewer than {SUCCESS_GOAL} distinct "
              "successful (2xx) exchanges, so the checks of their successful answers saw "
              f"little: {', '.join(f'{s.operation_id} ({s.successes})' for s in few)}")
    where = result.findings_file or "(no findings)"
    print(f"findings: {len(summary.violations)} violation(s), {len(summary.drift)} drift "
          f"-> {where}")
    print(f"reports: {options.out / 'allure-results'}, {options.out / 'junit.xml'}, "
          f"{options.out / 'summary.json'}; reproduce with --seed {seed}")


def _write_reports(summary: Any, out: Path) -> None:
    """Allure results and JUnit XML through the one route ``report`` takes too (so a later
    `sinch-conformance report` rebuilds the same files, rather than duplicating them)."""
    from conformance.contract import Contract
    from conformance.reports.run_reports import RunInputs
    from conformance.reports.writers import write_run_reports

    write_run_reports(RunInputs(summary.findings, summary.to_json(), Contract.default(),
                                os.environ), out)
