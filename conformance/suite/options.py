"""Everything a run is asked to do, in one frozen value (built by the ``run`` command)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.operation_settings import OperationOverride
from conformance.selection import OperationFilter
from conformance.settings import PHASES
from conformance.suite.shards import Shard
from conformance.suite.target import Target

__all__ = ["ALL_PHASES", "DEFAULT_CONSISTENCY_WINDOW", "DEFAULT_MAX_EXAMPLES",
           "DEFAULT_RATE_LIMIT", "EMULATOR_CONSISTENCY_WINDOW", "SuiteOptions"]

ALL_PHASES = PHASES
DEFAULT_MAX_EXAMPLES = 10
DEFAULT_RATE_LIMIT = 20.0  # requests per second; Sinch allows 25 per app
DEFAULT_CONSISTENCY_WINDOW = 10.0  # seconds; the bundled emulator's default is 2
EMULATOR_CONSISTENCY_WINDOW = 2.0


@dataclass(frozen=True)
class SuiteOptions:
    target: Target
    out: Path = Path("reports")
    max_examples: int = DEFAULT_MAX_EXAMPLES
    time_budget: float | None = None  # seconds for the Schemathesis phases
    seed: int | None = None
    rate_limit: float | None = DEFAULT_RATE_LIMIT  # requests per second, None = unlimited
    readonly: bool = False
    phases: tuple[str, ...] = ALL_PHASES
    probes: bool = True
    workers: int = 1
    max_steps: int = 10  # stateful: calls per sequence at most
    request_timeout: float = 30.0
    retries: int = 3
    run_id: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request
    shrink: bool = True  # let Hypothesis minimise a failing case (clearer, slower)
    record: Path | None = None  # a HAR file of every exchange, secrets redacted
    extra_notes: tuple[str, ...] = field(default_factory=tuple)
    # the configuration file's [operations.<operationId>] tables: skip, max-examples, ...
    operations: Mapping[str, OperationOverride] = field(default_factory=dict)

    def skipped_by_config(self, operation_id: str) -> str:
        """Why the configuration skips this operation, or "" when it does not."""
        override = self.operations.get(operation_id)
        return override.skip_reason() if override and override.skip else ""
    # which operations are tested (--include-*/--exclude-*); the others are not selected
    selection: OperationFilter = OperationFilter()
    consistency_window: float = DEFAULT_CONSISTENCY_WINDOW  # seconds a read may lag a write
    shard: Shard | None = None  # --shard K/N: this run does the K-th of N parts
    # Schemathesis' unit phases feed ids from earlier operations' responses into later
    # ones ("extra data sources"); off, an operation's cases depend on it alone, so N shards
    # find exactly what one run finds (tests/test_shards.py). No flag: on is the better run.
    reuse_responses: bool = True
