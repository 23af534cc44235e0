"""What the suite tells its consumers (progress display, summary) while it runs.

The engine and the probes yield these; they never print. Consumers never import the
engine, the engine never imports a consumer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.findings import Finding

__all__ = ["EngineDone", "Event", "FindingRaised", "InternalError", "Interrupted",
           "PhaseFinished", "PhaseStarted", "Problem", "ScenarioDone", "ScenarioStarted",
           "Skipped"]


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class PhaseStarted(Event):
    name: str  # examples, coverage, fuzzing, stateful, probes, cleanup
    operations: int = 0  # how many the phase will test (operations, probes); 0: not known


@dataclass(frozen=True)
class PhaseFinished(Event):
    name: str
    status: str  # success, failure, error, skip, interrupted
    seconds: float
    note: str = ""


@dataclass(frozen=True)
class ScenarioStarted(Event):
    """A phase started testing one operation ("METHOD /path"), a stateful sequence or a
    probe."""

    phase: str
    label: str


@dataclass(frozen=True)
class ScenarioDone(Event):
    phase: str
    label: str
    calls: int
    new_findings: int
    operations: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class FindingRaised(Event):
    finding: Finding


@dataclass(frozen=True)
class Problem(Event):
    """A problem of the target that did not stop the run (a network error, a timeout)."""

    where: str
    message: str
    phase: str = ""


@dataclass(frozen=True)
class InternalError(Event):
    """The run itself failed somewhere (Schemathesis or Hypothesis raised, a phase ended in
    error, a check or probe crashed): the run goes on, but exits 3."""

    what: str  # "coverage phase", "engine", "check contract_response", "probe lifecycle"
    where: str  # "METHOD /path" as Schemathesis names the operation, a probe, a stage
    message: str  # one line
    phase: str = ""


@dataclass(frozen=True)
class Skipped(Event):
    """A phase did not test an operation (no examples in the schema, ...)."""

    phase: str
    label: str  # "METHOD /path" as Schemathesis names the operation
    reason: str


@dataclass(frozen=True)
class Interrupted(Event):
    pass


@dataclass(frozen=True)
class EngineDone(Event):
    stop_reason: str
    seconds: float
