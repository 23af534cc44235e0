"""The settings of a run, each from the first of: a flag, an environment variable, the
configuration file (:mod:`conformance.config`), the default.

:func:`load_settings` reads the environment and the file (the pytest plugin calls it);
:func:`apply_settings` adds the flags a command line gave (even a flag given with its
default value wins) and writes the effective values back into the argparse namespace, so
a command reads ``args.max_examples`` whatever set it. Every value remembers where it came
from, for ``sinch-conformance config``. The key secret is never printed, and the file may
hold it only as a ``${VARIABLE}`` reference (a literal secret in a file that is usually
committed is refused), or name the variable with ``key-secret-env``.

Per-operation overrides (``[operations.<operationId>]``: ``skip``, ``max-examples``,
``expected-statuses``) are in :mod:`conformance.operation_settings`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance.config import Section, check_type, did_you_mean, interpolate, load_top
from conformance.errors import UserError
from conformance.operation_settings import OperationOverride, check_operation_ids, parse_operations
from conformance.redact import MASK, is_secret_header, redact_url
from conformance.setting_table import (
    BY_KEY,
    DRIFT_KEYS,
    NUMBER,
    PATHS,
    PHASES,
    SECTIONS,
    SETTINGS,
    Setting,
    variable_of,
)

__all__ = ["PHASES", "SECTIONS", "SETTINGS", "Setting", "Settings", "Value", "apply_settings",
           "explicit_dests", "load_settings"]


@dataclass(frozen=True)
class Value:
    """A setting's effective value and where it came from: ``flag`` (``origin`` = the
    flag), ``env`` (the variable), ``file`` (the file) or ``default``."""

    value: Any
    source: str = "default"
    origin: str = ""


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Value]
    top: Section = field(default_factory=lambda: Section(""))
    operations: Mapping[str, OperationOverride] = field(default_factory=dict)

    @property
    def file(self) -> Path | None:
        return self.top.file

    def __getitem__(self, key: str) -> Any:
        return self.values[key].value

    def section(self, name: str) -> Section:
        """Another command's table (``lint``, ``drift``), ``${ENV}`` filled in."""
        section = self.top.sub(name, self.top.values.get(name, {}))
        return replace(section, values=interpolate(section, section.values))

    def with_flags(self, args: argparse.Namespace, explicit: set[str]) -> Settings:
        """These settings with the flags given on the command line (``explicit``: their
        argparse names) taking precedence."""
        values = dict(self.values)
        for s in SETTINGS:
            if s.flag and s.arg in explicit:
                given = getattr(args, s.arg)
                values[s.key] = Value(not given if s.dest == "no_probes" else given, "flag",
                                      s.flag)
        return replace(self, values=values)

    def apply_to(self, args: argparse.Namespace) -> None:
        """Write the effective values into ``args`` (argparse's names and forms)."""
        for s in SETTINGS:
            if s.flag:
                value = self[s.key]
                setattr(args, s.arg, not value if s.dest == "no_probes" else value)

    def shown(self, key: str) -> Any:
        """The value as ``config`` prints it: secrets masked, never the secret itself."""
        setting, value = BY_KEY[key], self[key]
        if value is None or value == []:
            return None
        if setting.secret:
            return MASK
        if key in ("target", "token-url"):
            return redact_url(value)
        if key == "headers":
            return [f"{n}: {MASK if is_secret_header(n) else v}"
                    for n, _, v in (h.partition(": ") for h in value)]
        if key in PATHS:  # shown relative to the current directory when inside it
            path = Path(value)
            return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd())
                       else path)
        return value


def _from_file(top: Section, setting: Setting, value: Any) -> Any:
    """A checked file value in the form argparse gives the flag's."""
    if setting.key == "phases":
        return ",".join(value)
    if setting.key == "headers":
        return [f"{name}: {text}" for name, text in value.items()]
    if setting.key in PATHS:
        return str(top.resolve(value)) if setting.key == "out" else top.resolve(value)
    if setting.types == NUMBER:
        return float(value)
    return value


def _check_top(top: Section) -> None:
    for key, value in top.values.items():
        if key in SECTIONS:
            top.sub(key, value)  # a table, or an error
            continue
        if key not in BY_KEY:
            raise top.error(key, "is not a setting" + (did_you_mean(key, [*BY_KEY, *SECTIONS])
                                                       or " (`sinch-conformance config` "
                                                          "lists them)"))
        setting = BY_KEY[key]
        check_type(top, key, value, setting.types)
        if isinstance(value, list) and not all(isinstance(p, str) for p in value):
            raise top.error(key, "must be an array of strings")
        if setting.secret and "${" not in value:
            raise UserError(f"{top.where(key)} holds a literal secret; a configuration file "
                            "is usually committed, so it may hold the secret only as a "
                            "${VARIABLE} reference",
                            tip=f"write {key} = \"${{{variable_of(setting)}}}\" in "
                                f"{top.file}, and export the variable")


def load_settings(start_dir: Path | None = None, config_path: str | Path | None = None,
                  env: Mapping[str, str] | None = None) -> Settings:
    """The settings from the environment, the configuration file (``config_path``, else
    the one found from ``start_dir``, default the current directory) and the defaults;
    a UserError naming the key and the file for an unknown key, a wrong type or value, a
    literal key secret, or a ``${VARIABLE}`` that is not set."""
    environ = os.environ if env is None else env
    top = load_top(config_path, cwd=start_dir)
    _check_top(top)
    values: dict[str, Value] = {}
    for setting in SETTINGS:
        key = setting.key
        variable = values[setting.env].value if setting.env in values else setting.env
        if variable and environ.get(variable):
            values[key] = Value(environ[variable], "env", f"${variable}")
        elif key in top.values:
            raw = interpolate(top, top.values[key], key, environ)
            problem = setting.check(raw) if setting.check else ""
            if problem:
                raise top.error(key, problem)
            values[key] = Value(_from_file(top, setting, raw), "file", str(top.file))
        else:
            values[key] = Value(setting.default)
    settings = Settings(values, top, parse_operations(top, environ))
    drift = settings.section("drift")
    for key, value in drift.values.items():
        if key not in DRIFT_KEYS:
            raise drift.error(key, f"is not a setting (known: {', '.join(DRIFT_KEYS)})"
                                   f"{did_you_mean(key, DRIFT_KEYS)}")
        check_type(drift, key, value, DRIFT_KEYS[key])
    return settings


def explicit_dests(add_arguments: Callable[[argparse.ArgumentParser], None],
                   argv: list[str]) -> set[str]:
    """The argparse names of the options ``argv`` gives (parsed again into a namespace
    where every name is None already, so argparse fills in no default: a flag given with
    its default value counts as given)."""
    probe = argparse.ArgumentParser(add_help=False)
    add_arguments(probe)
    names = vars(probe.parse_known_args([])[0])
    given, _ = probe.parse_known_args(argv, argparse.Namespace(**dict.fromkeys(names)))
    return {name for name, value in vars(given).items() if value is not None}


def apply_settings(args: argparse.Namespace,
                   add_arguments: Callable[[argparse.ArgumentParser], None],
                   operation_ids: Iterable[str] = ()) -> Settings:
    """Load the settings (``args.config``, else the file found), let the flags of
    ``args.command_argv`` (the words after the command, kept by the CLI) win, and write
    the effective values into ``args`` (the per-operation overrides, checked against
    ``operation_ids``, as ``args.operation_overrides``)."""
    settings = load_settings(config_path=getattr(args, "config", None))
    argv = getattr(args, "command_argv", None)
    if argv is None:  # built without the CLI: a value other than the default counts
        probe = argparse.ArgumentParser(add_help=False)
        add_arguments(probe)
        defaults = vars(probe.parse_known_args([])[0])
        explicit = {k for k, v in vars(args).items() if k in defaults and v != defaults[k]}
    else:
        explicit = explicit_dests(add_arguments, list(argv))
    settings = settings.with_flags(args, explicit)
    settings.apply_to(args)
    check_operation_ids(settings.operations, operation_ids)
    args.operation_overrides = settings.operations
    return settings
