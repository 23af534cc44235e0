"""Progress people can read: :class:`conformance.suite.progress.Progress` driven with
synthetic events and a fake clock (no wall-clock time), and the engine's translation of
Schemathesis' phase and scenario events into what the display needs.

- plain (CI): one line per phase with operations done/total and calls per second, no
  control characters (snapshot of a short synthetic run);
- tty: a live line with the phase, operations done/total, the operation being tested,
  calls per second and, under ``--time-budget``, the time left.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterable

import pytest
from schemathesis.engine import events as st_events
from schemathesis.engine.run import Phase, PhaseName
from syrupy.assertion import SnapshotAssertion

from conformance.findings import Finding
from conformance.suite import engine, events
from conformance.suite.progress import Progress

SEND = "POST /v1/projects/{project_id}/messages:send"
APPS = "GET /v1/projects/{project_id}/apps"
CONTACT = "POST /v1/projects/{project_id}/contacts"
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # every control character but \n


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


Step = tuple[float, events.Event]  # seconds to move the clock first, then the event


def drive(progress: Progress, clock: Clock, steps: Iterable[Step]) -> None:
    for seconds, ev in steps:
        clock.now += seconds
        progress.handle(ev)


def _violation() -> Finding:
    return Finding.make("server_error", source="suite", status=500, location="response.status",
                        operation_id="Messages_SendMessage", method="POST",
                        path_template="/v1/projects/{project_id}/messages:send",
                        message="Messages_SendMessage answered 500.", run_id="r1",
                        target="emulator", timestamp="2026-05-01T02:03:04.000Z",
                        evidence={"curl": "curl -X POST http://127.0.0.1:1/v1/projects/p/"
                                          "messages:send"})


def _unit_phase(name: str, labels: list[str], calls: int, seconds: float) -> list[Step]:
    """A unit phase testing ``labels`` (``calls`` each) over ``seconds``."""
    steps: list[Step] = [(0.5, events.PhaseStarted(name, len(labels)))]
    for label in labels:
        steps += [(0.0, events.ScenarioStarted(name, label)),
                  (seconds / len(labels), events.ScenarioDone(name, label, calls, 0))]
    return steps + [(0.0, events.PhaseFinished(name, "success", seconds))]


def synthetic_run() -> list[Step]:
    """examples (3 operations), coverage (3), stateful (2 sequences), probes (2), cleanup."""
    ops = [APPS, CONTACT, SEND]
    steps = _unit_phase("examples", ops, 4, 3.0)
    steps += _unit_phase("coverage", ops, 20, 6.0)
    steps.insert(-1, (0.0, events.FindingRaised(_violation())))
    steps += [(0.5, events.PhaseStarted("stateful")),
              (0.0, events.ScenarioStarted("stateful", "stateful sequence")),
              (2.0, events.ScenarioDone("stateful", "stateful sequence", 7, 0)),
              (0.0, events.ScenarioStarted("stateful", "stateful sequence")),
              (2.0, events.ScenarioDone("stateful", "stateful sequence", 9, 0)),
              (0.0, events.PhaseFinished("stateful", "success", 4.0)),
              (0.0, events.PhaseStarted("probes", 2))]
    for probe in ("lifecycle", "auth_enforced"):
        steps += [(0.0, events.ScenarioStarted("probe", probe)),
                  (1.0, events.ScenarioDone("probe", probe, 5, 0))]
    return steps + [(0.0, events.PhaseFinished("probes", "success", 2.0)),
                    (0.0, events.PhaseStarted("cleanup")),
                    (0.5, events.PhaseFinished("cleanup", "success", 0.5, "3 deleted"))]


def _run(mode: str, budget: float | None = None, steps: Iterable[Step] | None = None,
         width: int = 120) -> tuple[str, Progress, Clock]:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, mode, time_budget=budget, clock=clock, width=width)
    drive(progress, clock, synthetic_run() if steps is None else steps)
    progress.close()
    return stream.getvalue(), progress, clock


def _last_live_line(text: str) -> str:
    """The live line as the terminal shows it last (after the last clear)."""
    return text.split("\r\x1b[K")[-1]


# ------------------------------------------------------------------ plain (CI)

def test_plain_is_one_line_per_phase_without_control_characters(
        snapshot: SnapshotAssertion) -> None:
    text, _, _ = _run("plain", budget=60)
    assert not CONTROL.search(text) and "\x1b" not in text and "\r" not in text
    phases = [line for line in text.splitlines() if line.startswith("phase ")]
    assert [line.split(":")[0] for line in phases] == [
        "phase examples", "phase coverage", "phase stateful", "phase probes", "phase cleanup"]
    assert "phase examples: success, 3/3 operations, 12 calls, 4.0 calls/s, 3.0 s" in phases[0]
    assert "3/3 operations, 60 calls, 10.0 calls/s" in phases[1]
    assert "2 sequences, 16 calls, 4.0 calls/s" in phases[2]
    assert "2/2 probes, 10 calls, 5.0 calls/s" in phases[3]
    assert text == snapshot


def test_plain_says_the_time_budget_left_after_each_budgeted_phase() -> None:
    text, _, _ = _run("plain", budget=60)
    phases = [line for line in text.splitlines() if line.startswith("phase ")]
    # examples started at +0.5 s and took 3 s; coverage ended 6.5 s later
    assert phases[0].endswith(", 3.0 s, 57 s left of the 60 s time budget")
    assert phases[1].endswith(", 6.0 s, 50 s left of the 60 s time budget")
    assert "time budget" not in phases[3] + phases[4]  # probes and cleanup are not budgeted
    assert "left" not in _run("plain")[0]


def test_quiet_prints_nothing() -> None:
    assert _run("quiet", budget=60)[0] == ""


# ------------------------------------------------------------------ tty (terminal)

def _coverage_half_way() -> list[Step]:
    """examples done, then coverage with two of three operations done, the third running."""
    steps = _unit_phase("examples", [APPS, CONTACT, SEND], 4, 3.0)
    return steps + [(0.5, events.PhaseStarted("coverage", 3)),
                    (0.0, events.ScenarioStarted("coverage", APPS)),
                    (1.0, events.ScenarioDone("coverage", APPS, 20, 0)),
                    (0.0, events.ScenarioStarted("coverage", CONTACT)),
                    (1.0, events.ScenarioDone("coverage", CONTACT, 10, 0)),
                    (0.5, events.ScenarioStarted("coverage", SEND))]


def test_tty_shows_phase_done_total_operation_rate_and_time_left() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, "tty", time_budget=60, clock=clock, width=140)
    drive(progress, clock, _coverage_half_way())
    line = _last_live_line(stream.getvalue())
    # 30 calls in the 2.5 s of coverage; 60 s from the start of examples, 6 s ago
    assert line.startswith("[coverage 2/3 operations] 42 calls, 12.0 calls/s, 0 finding(s), "
                           "6 s, 54 s left | ")
    assert line.endswith(f"| {SEND}")
    assert "\n" not in line and len(line) <= 140


def test_tty_without_a_budget_says_no_time_left_and_prints_phases_as_lines() -> None:
    text, _, _ = _run("tty")
    assert "left" not in text
    lines = [_last_live_line(chunk) for chunk in text.split("\n")]
    assert [line.split(":")[0] for line in lines if line.startswith("phase ")] == [
        "phase examples", "phase coverage", "phase stateful", "phase probes", "phase cleanup"]
    assert "[stateful 1 sequences]" in text and "[probes 1/2 probes]" in text
    assert "[cleanup] " in text
    assert "FINDING Server error" in text and "reproduce: curl -X POST" in text
    assert text.endswith("\r\x1b[K")  # closed: the live line is cleared


def test_tty_redraws_at_most_every_tenth_of_a_second_but_always_on_a_new_phase() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, "tty", clock=clock, width=120)
    drive(progress, clock, [(0.0, events.PhaseStarted("examples", 2)),
                            (0.01, events.ScenarioStarted("examples", APPS)),
                            (0.01, events.ScenarioDone("examples", APPS, 1, 0))])
    assert stream.getvalue().count("\r\x1b[K") == 1
    drive(progress, clock, [(0.2, events.ScenarioStarted("examples", SEND))])
    assert _last_live_line(stream.getvalue()).startswith("[examples 1/2 operations] 1 calls")
    drive(progress, clock, [(0.0, events.PhaseStarted("coverage", 2))])
    assert _last_live_line(stream.getvalue()).startswith("[coverage 0/2 operations] 1 calls")


@pytest.mark.parametrize("width", [80, 100])
def test_a_long_operation_is_shortened_in_the_middle_to_fit_the_line(width: int) -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, "tty", time_budget=600, clock=clock, width=width)
    label = "POST /v1/projects/{project_id}/conversations/{conversation_id}:stop"
    drive(progress, clock, [(0.0, events.PhaseStarted("fuzzing", 33)),
                            (0.2, events.ScenarioStarted("fuzzing", label))])
    line = _last_live_line(stream.getvalue())
    assert len(line) <= width and line.startswith("[fuzzing 0/33 operations]")
    shown = line.split(" | ")[1]
    assert shown.startswith("POST ...") and shown.endswith(":stop") and shown != label
    assert "600 s left" in line and "finding" not in line  # narrow: rate and time left stay


def test_a_line_too_narrow_for_the_operation_keeps_the_figures() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, "tty", time_budget=600, clock=clock, width=50)
    drive(progress, clock, [(0.0, events.PhaseStarted("fuzzing", 33)),
                            (0.2, events.ScenarioStarted("fuzzing", SEND))])
    assert _last_live_line(stream.getvalue()) == "[fuzzing 0/33 operations] 0.0 calls/s, 600 s left"


# ------------------------------------------------------------------ the engine's events

def test_the_engine_says_how_many_operations_a_phase_tests_and_which_one_starts() -> None:
    def translate(ev: object) -> list[events.Event]:
        return list(engine._translate(ev, collector=None, started={},  # type: ignore[arg-type]
                                      selected=33))

    every = st_events.PhaseStarted(phase=Phase(PhaseName.COVERAGE), payload=None)
    some = st_events.PhaseStarted(phase=Phase(PhaseName.COVERAGE), payload=None,
                                  operations=frozenset({APPS, SEND}))
    stateful = st_events.PhaseStarted(phase=Phase(PhaseName.STATEFUL_TESTING), payload=None)
    assert translate(every) == [events.PhaseStarted("coverage", 33)]
    assert translate(some) == [events.PhaseStarted("coverage", 2)]  # a catch-up pass
    assert translate(stateful) == [events.PhaseStarted("stateful", 0)]  # not known
    started = st_events.ScenarioStarted(phase=PhaseName.EXAMPLES, suite_id=uuid.uuid4(),
                                        label=SEND)
    sequence = st_events.ScenarioStarted(phase=PhaseName.STATEFUL_TESTING,
                                         suite_id=uuid.uuid4(), label=None)
    probing = st_events.ScenarioStarted(phase=PhaseName.AUTH_BOOTSTRAP, suite_id=uuid.uuid4(),
                                        label=APPS)
    assert translate(started) == [events.ScenarioStarted("examples", SEND)]
    assert translate(sequence) == [events.ScenarioStarted("stateful", "stateful sequence")]
    assert translate(probing) == []  # Schemathesis' own phases are not ours to show
