"""`sinch-conformance config`: the settings a ``run`` with the same flags would use, each
with where it came from (a flag, an environment variable, the configuration file, the
default), and which configuration file was read. Secrets are masked, never printed; ``--json``
prints the same for machines. Exit 2 (one error naming the key and the file) when the file
has an unknown key, a wrong type or value, or a ``${VARIABLE}`` that is not set.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from conformance.commands import run as run_command
from conformance.settings import SETTINGS, Settings

__all__ = ["add_arguments", "as_json", "render", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    run_command.add_arguments(parser)
    parser.add_argument("--json", action="store_true",
                        help="Print the effective settings as JSON (secrets masked).")


def _source(settings: Settings, key: str) -> str:
    value = settings.values[key]
    if value.source == "flag":
        return f"flag {value.origin}"
    if value.source == "env":
        return f"env {value.origin}"
    return value.source


def _text(value: Any, none: str) -> str:
    if value is None:
        return f"({none})" if none else "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shown(settings: Settings, key: str) -> Any:
    value = settings.shown(key)
    return value.split(",") if key == "phases" and isinstance(value, str) else value


def _file_line(settings: Settings) -> str:
    if settings.file is None:
        return ("configuration file: none (no sinch-conformance.toml, nor a pyproject.toml "
                "with [tool.sinch-conformance], here or in a parent directory)")
    return f"configuration file: {settings.file} ({settings.top.table})"


def render(settings: Settings) -> str:
    """The table ``config`` prints: setting, value, where it came from."""
    rows = [(s.key, _text(_shown(settings, s.key), s.none), _source(settings, s.key))
            for s in SETTINGS]
    width = max(len(key) for key, _, _ in rows)
    value_width = min(48, max(len(value) for _, value, _ in rows))
    lines = [_file_line(settings), "",
             f"{'setting':<{width}}  {'value':<{value_width}}  from"]
    lines += [f"{key:<{width}}  {value:<{value_width}}  {source}" for key, value, source in rows]
    if settings.operations:
        table = settings.top.sub("operations", {}).table
        lines += ["", f"per operation ({table[:-1]}.<operationId>]):"]
        op_width = max(map(len, settings.operations))
        lines += [f"  {op_id:<{op_width}}  {override.describe()}"
                  for op_id, override in sorted(settings.operations.items())]
    drift = settings.section("drift")
    if drift.values:
        lines += ["", f"drift ({drift.table}): baseline {_baseline(settings)}"]
    if settings.top.values.get("lint"):
        lines += ["", f"lint ({settings.section('lint').table}): `sinch-conformance lint "
                      "--list-rules` shows each rule's effective severity"]
    return "\n".join(lines)


def _baseline(settings: Settings) -> str | None:
    drift = settings.section("drift")
    baseline = drift.values.get("baseline")
    return str(drift.resolve(baseline)) if baseline else None


def as_json(settings: Settings) -> dict[str, Any]:
    """``config --json``: the file, each setting's value and source, the overrides."""
    return {
        "file": str(settings.file) if settings.file else None,
        "settings": {s.key: {"value": _shown(settings, s.key),
                             "source": settings.values[s.key].source,
                             "from": settings.values[s.key].origin} for s in SETTINGS},
        "operations": {op_id: {"skip": o.skip, "max-examples": o.max_examples,
                               "expected-statuses": list(o.expected_statuses)}
                       for op_id, o in sorted(settings.operations.items())},
        "drift": {"baseline": _baseline(settings)},
    }


def run(args: argparse.Namespace) -> int:
    settings = run_command.effective_settings(args)
    run_command.check_args(args)
    print(json.dumps(as_json(settings), indent=2) if args.json else render(settings))
    return 0
