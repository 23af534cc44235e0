"""The Schemathesis configuration of a run: phases, budgets, checks switched off or tuned,
the fixtures' dictionaries and parameters, and the configuration file's per-operation
overrides (``[[operations]]`` entries)."""

from __future__ import annotations

import math
from typing import Any

from schemathesis.config import SchemathesisConfig

from conformance.suite.checks import DISABLED_CHECKS
from conformance.suite.fixtures import Fixtures
from conformance.suite.options import SuiteOptions

__all__ = ["POSITIVE_DATA_STATUSES", "operation_configs", "schemathesis_config"]

POSITIVE_DATA_STATUSES = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]


def schemathesis_config(options: SuiteOptions,
                        fixtures: Fixtures | None = None) -> SchemathesisConfig:
    creds = options.target.credentials
    readonly = options.readonly
    checks: dict[str, Any] = {name: {"enabled": False} for name in DISABLED_CHECKS
                              if name != "max_response_time"}
    # Generated "valid" data often breaks rules the schema cannot state (a conversation
    # needs an existing app and contact): a 400 for it is not a violation. Curated valid
    # bodies must still be accepted: the lifecycle probe checks those.
    checks["positive_data_acceptance"] = {"expected-statuses": POSITIVE_DATA_STATUSES}
    if readonly:  # it sends PUT/DELETE/... to every path to see a 405
        checks["unsupported_method"] = {"enabled": False}
    phases: dict[str, Any] = {name: {"enabled": name in options.phases}
                              for name in ("examples", "coverage", "fuzzing", "stateful")}
    if readonly:  # every link starts at a create: no sequence is read-only
        phases["stateful"]["enabled"] = False
    stateful = phases["stateful"]
    stateful["max-steps"] = max(2, options.max_steps)
    # Sequences are where stateful bugs show: five times the examples of the unit phases.
    stateful["generation"] = {"max-examples": max(1, options.max_examples) * 5}
    # Dependency analysis infers ~220 transitions for this spec, mostly between unrelated
    # ids; they crowd out the explicit links (a third as many link steps per sequence).
    # Location headers would help, but this API sends none; inference stays on for them.
    stateful["inference"] = {"algorithms": ["location-headers"]}
    if readonly:
        phases["coverage"]["unexpected-methods"] = []
    if not options.reuse_responses:  # each operation's cases independent of the others'
        for name in ("examples", "coverage", "fuzzing"):
            phases[name]["extra-data-sources"] = {"responses": False}
    data: dict[str, Any] = {
        "base-url": options.target.base_url,
        "workers": max(1, options.workers),
        "cache": {"enabled": False},
        "request-timeout": options.request_timeout,
        "suppress-health-check": ["too_slow", "data_too_large", "large_base_example"],
        "generation": {"max-examples": max(1, options.max_examples), "database": "none",
                       "no-shrink": not options.shrink},
        "parameters": {"path.project_id": creds.project_id},
        "dictionaries": {},
        "auth": {"auto-signup": False},
        "checks": checks,
        "phases": phases,
    }
    if fixtures is not None:
        extra = fixtures.config()
        data["dictionaries"].update(extra["dictionaries"])
        data["parameters"].update(extra["parameters"])
    if not data["dictionaries"]:
        del data["dictionaries"]
    if options.headers:
        data["headers"] = dict(options.headers)
    if options.seed is not None:
        data["seed"] = options.seed
    if options.time_budget:
        data["max-time"] = max(1, math.ceil(options.time_budget))
    if options.operations:
        data["operations"] = operation_configs(options)
    return SchemathesisConfig.from_dict(data)


def operation_configs(options: SuiteOptions) -> list[dict[str, Any]]:
    """Schemathesis' ``[[operations]]`` entries for the configuration file's per-operation
    overrides: off (skip), its own max-examples, its own expected statuses for valid data."""
    entries = []
    for op_id, override in options.operations.items():
        entry: dict[str, Any] = {"include-operation-id": op_id}
        if override.skip:
            entry["enabled"] = False
        if override.max_examples is not None:
            entry["generation"] = {"max-examples": override.max_examples}
        if override.expected_statuses:
            entry["checks"] = {"positive_data_acceptance": {
                "expected-statuses": list(override.expected_statuses)}}
        if len(entry) > 1:
            entries.append(entry)
    return entries
