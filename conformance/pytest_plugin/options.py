"""The plugin's command-line options (``--sinch-*``), its markers, and what they ask for.

Every setting takes the first value it finds, as ``sinch-conformance run``'s do: a
``--sinch-*`` flag, then the ``SINCH_*`` variables ``run`` reads, then the configuration
file (``[tool.sinch-conformance]`` in ``pyproject.toml`` or ``sinch-conformance.toml``,
found from pytest's rootdir: credentials, budget, phases, probes, read-only, rate limit,
operation filters and per-operation overrides), then the default.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.errors import UserError
from conformance.operation_settings import OperationOverride
from conformance.selection import OperationFilter
from conformance.settings import Settings, load_settings

__all__ = ["MARKERS", "PHASE_MARKERS", "SEED_KEY", "PluginOptions", "add_options",
           "plugin_flags", "plugin_options", "session_seed"]

SEED_KEY = "sinch-conformance/seed"  # in pytest's cache: the last session's seed, for --lf

PHASE_MARKERS = {"examples": "sinch_examples", "coverage": "sinch_coverage",
                 "fuzzing": "sinch_fuzzing", "stateful": "sinch_stateful",
                 "probes": "sinch_probe"}
MARKERS = {
    "sinch": "an item of the Sinch conformance suite (--sinch-target or --sinch-emulator)",
    "sinch_examples": "the suite's examples phase, one item per operation",
    "sinch_coverage": "the suite's coverage phase, one item per operation",
    "sinch_fuzzing": "the suite's fuzzing phase, one item per operation",
    "sinch_stateful": "the suite's stateful run (sequences of linked calls)",
    "sinch_probe": "one of the suite's targeted probes (lifecycle, pagination, auth, ...)",
    "sinch_fault(*names)": "the sinch_emulator fixture of this test runs with these faults",
}
_PHASES = ("examples", "coverage", "fuzzing", "stateful")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("sinch-conformance", "Sinch Conversation API conformance suite")
    group.addoption("--sinch-target", metavar="URL",
                    help="Collect the conformance suite against this base URL (credentials "
                         "from SINCH_PROJECT_ID, SINCH_KEY_ID, SINCH_KEY_SECRET, SINCH_AUTH, "
                         "SINCH_TOKEN_URL or the flags below).")
    group.addoption("--sinch-emulator", action="store_true",
                    help="Collect the conformance suite against the bundled emulator "
                         "(started and stopped by the plugin).")
    group.addoption("--sinch-fault", action="append", default=[], metavar="NAME",
                    help="Switch on this emulator fault for --sinch-emulator (repeatable; "
                         "'sinch-conformance emulator --list-faults' lists them).")
    group.addoption("--sinch-project-id", help="Sinch project id (default: $SINCH_PROJECT_ID).")
    group.addoption("--sinch-key-id", help="Access key id (default: $SINCH_KEY_ID).")
    group.addoption("--sinch-key-secret",
                    help="Access key secret (default: $SINCH_KEY_SECRET; prefer the variable, "
                         "a flag shows in the process list). Never shown.")
    group.addoption("--sinch-auth", choices=("basic", "oauth2"),
                    help="HTTP Basic or OAuth2 (default: $SINCH_AUTH, else oauth2).")
    group.addoption("--sinch-token-url", help="OAuth2 token URL (default: $SINCH_TOKEN_URL).")
    group.addoption("--sinch-seed", type=int, metavar="N",
                    help="Seed of the generated data (default: one per session, printed; "
                         "every xdist worker uses it).")
    group.addoption("--sinch-max-examples", type=int, default=None, metavar="N",
                    help="Examples per operation and phase (default: 10).")
    group.addoption("--sinch-phases", default=None, metavar="LIST",
                    help="Comma-separated phases to collect (default: the config file's "
                         "phases, else all four).")
    group.addoption("--sinch-no-probes", action="store_true", help="Collect no probe items.")
    group.addoption("--sinch-readonly", action="store_true",
                    help="Send no mutating request (mutating items are skipped).")
    group.addoption("--sinch-fail-on", choices=("violation", "drift"), default="violation",
                    help="Fail items on violations (default), or on drift too.")
    group.addoption("--sinch-out", metavar="DIR",
                    help="Keep the run's findings/ and summary.json here (default: a "
                         "temporary directory, removed at the end).")


@dataclass(frozen=True)
class PluginOptions:
    """What the flags ask for. ``target`` is None for the bundled emulator."""

    target: str | None
    faults: tuple[str, ...]
    values: dict[str, str | None]  # flag values for target_from (None: not given)
    seed: int
    max_examples: int
    phases: tuple[str, ...]
    probes: bool
    readonly: bool
    fail_on: str
    out: Path | None
    rate_limit: float | None = None  # requests per second for a target (None: no limit)
    selection: OperationFilter = OperationFilter()  # the config file's operation filters
    operations: Mapping[str, OperationOverride] = field(default_factory=dict)


def _phases(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in _PHASES]
    if unknown:
        raise UserError(f"unknown phase(s): {', '.join(unknown)}",
                        tip=f"--sinch-phases takes a comma-separated list of "
                            f"{', '.join(_PHASES)}")
    return names


_CLI_FLAG = re.compile(r"(?<![\w-])--(target|project-id|key-id|key-secret|auth|token-url|"
                       r"emulator-fault|max-examples|seed)\b")


def plugin_flags(text: str) -> str:
    """A message of the shared code with the ``run`` command's flags named as this
    plugin's (``--key-id`` -> ``--sinch-key-id``, ``--emulator-fault`` -> ``--sinch-fault``)."""
    return _CLI_FLAG.sub(lambda m: "--sinch-" + m.group(1).replace("emulator-", ""), text)


def session_seed(config: pytest.Config) -> int:
    """The seed of this session: --sinch-seed, else the controller's (xdist), else the
    last one when rerunning failures (--lf), else a new random one."""
    given = config.getoption("sinch_seed")
    if given is not None:
        return int(given)
    worker = getattr(config, "workerinput", None)
    if worker and "sinch_seed" in worker:
        return int(worker["sinch_seed"])
    cache = getattr(config, "cache", None)
    if cache is not None and config.getoption("lf", False):
        last = cache.get(SEED_KEY, None)
        if isinstance(last, int):
            return last
    return random.randrange(2**31)


def plugin_options(config: pytest.Config, seed: int) -> PluginOptions | None:
    """The plugin's options, or None when neither --sinch-target nor --sinch-emulator was
    given (then the plugin collects nothing)."""
    target = config.getoption("sinch_target")
    emulator = config.getoption("sinch_emulator")
    faults = tuple(config.getoption("sinch_fault") or ())
    if not target and not emulator:
        if faults:
            raise UserError("--sinch-fault needs --sinch-emulator",
                            tip="add --sinch-emulator to test the bundled emulator")
        return None
    if target and emulator:
        raise UserError("--sinch-target and --sinch-emulator name two targets",
                        tip="pass one of --sinch-target URL or --sinch-emulator")
    if target and faults:
        raise UserError("--sinch-fault switches on a fault of the bundled emulator, but "
                        "--sinch-target names another system",
                        tip="pass --sinch-emulator instead of --sinch-target")
    if faults:
        from conformance.emulator.faults import FAULTS

        unknown = [f for f in faults if f not in FAULTS]
        if unknown:
            raise UserError(f"unknown emulator fault(s): {', '.join(unknown)}",
                            tip="run 'sinch-conformance emulator --list-faults' for the names "
                                "to pass with --sinch-fault")
    settings = load_settings(Path(str(config.rootpath)))
    max_examples = _first(config.getoption("sinch_max_examples"), settings["max-examples"])
    if max_examples is not None and max_examples < 1:
        raise UserError("--sinch-max-examples must be at least 1",
                        tip="pass e.g. --sinch-max-examples 10")
    out = config.getoption("sinch_out")
    values = {name: _first(config.getoption(f"sinch_{name}"), settings[name.replace("_", "-")])
              for name in ("project_id", "key_id", "key_secret", "auth", "token_url")}
    if target:  # a wrong URL or missing credentials: a usage error before collection
        from conformance.suite.target import target_from

        target_from(target, values, os.environ)
    phases = _first(config.getoption("sinch_phases"), settings["phases"])
    return PluginOptions(
        target=target or None, faults=faults, values=values, seed=seed,
        max_examples=int(max_examples or 10),
        phases=_phases(phases if isinstance(phases, str) else ",".join(phases)),
        probes=not config.getoption("sinch_no_probes") and bool(settings["probes"]),
        readonly=bool(config.getoption("sinch_readonly") or settings["readonly"]),
        fail_on=config.getoption("sinch_fail_on"), out=Path(out) if out else None,
        rate_limit=_rate(settings), selection=_selection(settings),
        operations=settings.operations)


def _first(flag: Any, setting: Any) -> Any:
    """The flag's value when given, else the setting's (variable, file or default)."""
    return flag if flag is not None else setting


def _rate(settings: Settings) -> float | None:
    from conformance.suite.options import DEFAULT_RATE_LIMIT

    rate = settings["rate-limit"]
    return DEFAULT_RATE_LIMIT if rate is None else (float(rate) or None)


def _selection(settings: Settings) -> OperationFilter:
    return OperationFilter(*(tuple(settings[key] or ()) for key in (
        "include-operation-id", "include-tag", "exclude-operation-id", "exclude-tag")))

