"""`sinch-conformance lint`: report the spec's own defects (examples that fail their
schema, ambiguous oneOf, unused components, copy-pasted descriptions, errors against the
OpenAPI 3.1 schema, ...), each at its file:line:col.

Configured like Spectral or Redocly: per-rule off/severity and the failing severity in
``[tool.sinch-conformance.lint]`` (pyproject.toml) or ``[lint]`` (sinch-conformance.toml),
see :mod:`conformance.lint.settings`; accepted findings in an ignore file
(:mod:`conformance.lint.ignore`). Exit 1 when a finding not in the ignore file is at or
above the failing severity (default: any finding), 0 otherwise, 2 on a user error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from conformance.spec_loader import DEFAULT_SPEC

__all__ = ["add_arguments", "run"]

_FORMATS = ("text", "json", "github", "sarif", "junit")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", default=str(DEFAULT_SPEC), metavar="PATH",
                        help="The OpenAPI 3.1 file to check, as given (no overlays are "
                        "applied). Default: %(default)s.")
    parser.add_argument("--format", choices=_FORMATS, default="text",
                        help="What to print: text (file:line:col lines and a summary; the "
                        "default), json (one Finding per line), github (workflow "
                        "annotations), sarif (SARIF 2.1.0 for code scanning) or junit (a test "
                        "case per rule). Except with text, the summary goes to stderr.")
    parser.add_argument("--json", dest="format", action="store_const", const="json",
                        help="The same as --format json.")
    parser.add_argument("--list-rules", action="store_true",
                        help="List every rule with the severity it runs at (off when "
                        "disabled) and what it checks, then exit.")
    parser.add_argument("--config", metavar="FILE",
                        help="The configuration file: a pyproject.toml "
                        "([tool.sinch-conformance.lint]) or a TOML file with a [lint] table. "
                        "Default: sinch-conformance.toml, else pyproject.toml, in the current "
                        "directory.")
    parser.add_argument("--fail-on", metavar="SEVERITY",
                        help="Exit 1 only for findings this severe or more (blocker, critical, "
                        "normal, minor, trivial); overrides the configuration's fail-on. "
                        "Default: trivial, any finding.")
    parser.add_argument("--ignore-file", metavar="FILE",
                        help="The YAML file of accepted findings (fingerprint and reason "
                        "each); they do not fail the run. Default: the configuration's "
                        "ignore-file, else .sinch-lint-ignore.yaml when present.")
    parser.add_argument("--update-ignore", action="store_true",
                        help="Rewrite the ignore file to this run's findings: new ones get "
                        "reason 'TODO: review', those no longer found are dropped; exit 0.")


def _ignore_path(args: argparse.Namespace, configured: Path | None) -> tuple[Path, bool]:
    """The ignore file, and whether it may be missing."""
    from conformance.lint.ignore import DEFAULT_IGNORE_FILE

    if args.ignore_file:
        return Path(args.ignore_file), args.update_ignore
    if configured is not None:
        return configured, args.update_ignore
    return Path(DEFAULT_IGNORE_FILE), True


def run(args: argparse.Namespace) -> int:
    from conformance.config import load_section
    from conformance.lint import RULES, lint_file
    from conformance.lint.formats import FORMATS, rule_list, rule_table
    from conformance.lint.ignore import load_ignore, save_ignore, sort_out, updated
    from conformance.lint.report import build_report
    from conformance.lint.settings import parse_severity, settings_from

    settings = settings_from(load_section("lint", args.config), RULES.names())
    if args.fail_on:
        settings = dataclasses.replace(settings, fail_on=parse_severity(args.fail_on,
                                                                        "--fail-on"))
    if args.list_rules:
        rows = rule_list(settings)
        print(json.dumps(rows, indent=2) if args.format == "json" else rule_table(settings),
              end="\n" if args.format == "json" else "")
        return 0
    findings = lint_file(args.spec, settings=settings)
    path, missing_ok = _ignore_path(args, settings.ignore_file)
    entries = load_ignore(path, missing_ok=missing_ok)
    if args.update_ignore:
        new_entries = updated(findings, entries)
        save_ignore(path, new_entries)
        split = sort_out(findings, entries)
        print(f"wrote {len(new_entries)} entries to {path} ({len(split.new)} added, "
              f"{len(split.stale)} no longer found removed)", file=sys.stderr)
        return 0
    shown = str(path) if path.exists() else ""
    ran = tuple(e.name for e in RULES.running_in("lint") if settings.enabled(e.name))
    report = build_report(args.spec, findings, settings, entries, shown, ran)
    sys.stdout.write(FORMATS[args.format].obj(report))
    if args.format != "text":
        for line in [*report.stale_lines(), report.summary()]:
            print(line, file=sys.stderr)
    return report.exit_code
