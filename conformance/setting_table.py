"""The table of a run's settings: each setting's key in the configuration file, its types,
default, flag, environment variable and check (used by :mod:`conformance.settings`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["BY_KEY", "DRIFT_KEYS", "NUMBER", "PATHS", "PHASES", "SECTIONS", "SETTINGS",
           "Setting", "variable_of"]

PHASES = ("examples", "coverage", "fuzzing", "stateful")
SECTIONS = {"lint": "lint's rules and severities", "drift": "drift's baseline",
            "operations": "per-operation overrides"}
DRIFT_KEYS = {"baseline": str}


def _at_least(low: float, strict: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        bad = value <= low if strict else value < low
        return f"must be {'more than' if strict else 'at least'} {low:g}, not {value!r}" \
            if bad else ""
    return check


def _one_of(*choices: str) -> Callable[[Any], str]:
    return lambda value: "" if value in choices else \
        f"must be one of {', '.join(choices)}, not {value!r}"


def _phases(value: Any) -> str:
    unknown = [p for p in value if p not in PHASES]
    return f"names unknown phase(s) {', '.join(map(str, unknown))} (known: " \
           f"{', '.join(PHASES)})" if unknown else ""


def _url(value: Any) -> str:
    return "" if re.match(r"https?://[^/]", value) else f"must be an http(s) URL, not {value!r}"


def _headers(value: Any) -> str:
    bad = [k for k, v in value.items() if not isinstance(v, str) or k.lower() == "authorization"]
    return f"cannot hold {bad[0]!r} (values are strings; credentials go in key-id/key-secret)" \
        if bad else ""


@dataclass(frozen=True)
class Setting:
    """One setting: its key in the file, its types there, default, flag and variable."""

    key: str
    types: tuple[type, ...]
    default: Any = None
    flag: str = ""  # "--max-examples"; "" when only the file sets it
    env: str = ""  # the variable, or the key of the setting that names it ("key-id-env")
    check: Callable[[Any], str] | None = None  # a problem with a valid-typed value, or ""
    none: str = ""  # what no value means, for `config`
    secret: bool = False
    dest: str = ""  # argparse's name, when not the flag's

    @property
    def arg(self) -> str:
        return self.dest or self.flag.lstrip("-").replace("-", "_")


NUMBER = (int, float)
SETTINGS: tuple[Setting, ...] = (
    Setting("target", (str,), None, "--target", "SINCH_TARGET", _url, "the bundled emulator"),
    Setting("auth", (str,), "oauth2", "--auth", "SINCH_AUTH", _one_of("basic", "oauth2")),
    Setting("token-url", (str,), None, "--token-url", "SINCH_TOKEN_URL", _url,
            "https://auth.sinch.com/oauth2/token"),
    Setting("project-id-env", (str,), "SINCH_PROJECT_ID"),
    Setting("key-id-env", (str,), "SINCH_KEY_ID"),
    Setting("key-secret-env", (str,), "SINCH_KEY_SECRET"),
    Setting("project-id", (str,), None, "--project-id", "project-id-env"),
    Setting("key-id", (str,), None, "--key-id", "key-id-env"),
    Setting("key-secret", (str,), None, "--key-secret", "key-secret-env", secret=True),
    Setting("second-project-id", (str,), None, "--second-project-id", "SINCH_SECOND_PROJECT_ID",
            none="none: invented foreign ids"),
    Setting("second-key-id", (str,), None, "--second-key-id", "SINCH_SECOND_KEY_ID"),
    Setting("second-key-secret", (str,), None, "--second-key-secret", "SINCH_SECOND_KEY_SECRET",
            secret=True),
    Setting("max-examples", (int,), 10, "--max-examples", check=_at_least(1)),
    Setting("time-budget", NUMBER, None, "--time-budget", check=_at_least(0), none="no limit"),
    Setting("seed", (int,), None, "--seed", none="a random one"),
    Setting("phases", (list,), ",".join(PHASES), "--phases", check=_phases),
    Setting("rate-limit", NUMBER, None, "--rate-limit", check=_at_least(0),
            none="20/s for a --target, none for the emulator"),
    Setting("readonly", (bool,), False, "--readonly"),
    Setting("probes", (bool,), True, "--no-probes", dest="no_probes"),
    Setting("consistency-window", NUMBER, None, "--consistency-window", check=_at_least(0),
            none="10 s for a --target, 2 s for the emulator"),
    Setting("request-timeout", NUMBER, 30.0, "--request-timeout", check=_at_least(0, True)),
    Setting("retries", (int,), 3, "--retries", check=_at_least(0)),
    Setting("out", (str,), "reports", "--out"),
    Setting("record", (str,), None, "--record", none="no recording"),
    Setting("fail-on", (str,), "violation", "--fail-on", check=_one_of("violation", "drift")),
    Setting("headers", (dict,), [], "--header", check=_headers, dest="header"),
    Setting("include-operation-id", (list,), [], "--include-operation-id",
            dest="include_operation_ids"),
    Setting("include-tag", (list,), [], "--include-tag", dest="include_tags"),
    Setting("exclude-operation-id", (list,), [], "--exclude-operation-id",
            dest="exclude_operation_ids"),
    Setting("exclude-tag", (list,), [], "--exclude-tag", dest="exclude_tags"),
)
BY_KEY = {s.key: s for s in SETTINGS}


def variable_of(setting: Setting) -> str:
    """The variable a setting is read from (``key-secret``: the one ``key-secret-env`` names
    by default)."""
    return setting.env if setting.env.isupper() else str(BY_KEY[setting.env].default)
PATHS = ("out", "record")
