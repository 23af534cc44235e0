"""Everything a run is asked to do, in one frozen value (built by the ``run`` command)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.selection import OperationFilter
from conformance.suite.target import Target

__all__ = ["ALL_PHASES", "DEFAULT_MAX_EXAMPLES", "DEFAULT_RATE_LIMIT", "SuiteOptions"]

ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
DEFAULT_MAX_EXAMPLES = 10
DEFAULT_RATE_LIMIT = 20.0  # requests per second; Sinch allows 25 per app


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
    # which operations are tested (--include-*/--exclude-*); the others are not selected
    selection: OperationFilter = OperationFilter()
