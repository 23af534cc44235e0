"""Show a run as it goes: one live status line on a terminal, plain lines in CI.

A consumer of :mod:`conformance.suite.events`; it prints and does nothing else. On a
terminal (``tty``) the live line says the current phase, how many of its operations (probes,
stateful sequences) are done out of how many, the operation being tested, the calls so far
and per second, the findings, the time spent and, under ``--time-budget``, the time left.
In CI (``plain``) every phase ends with one line of the same figures and no control
characters. Every violation is printed once with the curl line that reproduces it; drift is
counted here and listed in the summary.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import TextIO

from conformance.findings import Finding
from conformance.suite import events

__all__ = ["FULL_WIDTH", "MAX_PRINTED_FINDINGS", "Progress", "mode_for"]

MAX_PRINTED_FINDINGS = 25
REDRAW_EVERY = 0.1  # seconds between two redraws of the live line
FULL_WIDTH = 110  # a live line this wide has room for every figure and the operation
_WIDTH = 100
_BUDGETED = frozenset({"examples", "coverage", "fuzzing", "stateful"})  # --time-budget's
_UNITS = {"probes": "probes", "stateful": "sequences"}  # what a phase counts; else operations


def mode_for(stream: TextIO, requested: str = "auto") -> str:
    """``tty`` (live line), ``plain`` (CI logs) or ``quiet``."""
    if requested != "auto":
        return requested
    isatty = getattr(stream, "isatty", None)
    return "tty" if callable(isatty) and isatty() else "plain"


def _short(text: str, width: int = _WIDTH) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 3] + "..."


def _middle(text: str, width: int) -> str:
    """``POST /v1/projects/{project_id}/messages:send`` -> ``POST .../messages:send``: the
    start (the method) and the end (the resource) say most."""
    if len(text) <= width:
        return text
    method, _, rest = text.partition(" ")
    if not rest or len(method) + 8 > width:
        return text[: width - 3] + "..."
    return f"{method} ...{rest[len(rest) - (width - len(method) - 4):]}"


def _rate(calls: int, seconds: float) -> str:
    return f"{calls / seconds if seconds > 0 else 0.0:.1f} calls/s"


class Progress:
    """``clock`` (seconds, monotonic) and ``width`` (of the live line; the terminal's by
    default) are there for tests."""

    def __init__(self, stream: TextIO, mode: str = "plain", *,
                 time_budget: float | None = None,
                 clock: Callable[[], float] = time.monotonic, width: int | None = None) -> None:
        self.stream = stream
        self.mode = mode
        self.time_budget = time_budget
        self.clock = clock
        self.width = width or max(40, shutil.get_terminal_size((_WIDTH + 1, 24)).columns - 1)
        self.phase = ""
        self.phase_total = 0  # operations (probes) the phase will test; 0: not known
        self.phase_started = self.budget_started = 0.0
        self.budget_running = False
        self.current = ""  # the operation (probe, sequence) being tested
        self.done: set[str] = set()  # labels the phase finished
        self.sequences = 0
        self.calls = 0
        self.phase_calls = 0
        self.findings = 0
        self.printed = 0
        self.drift = 0
        self.started = clock()
        self._problems: set[str] = set()
        self._live = False
        self._drawn = float("-inf")

    # ---------------------------------------------------------------- figures
    def done_count(self) -> str:
        """``12/33 operations`` (``3 sequences`` when the total is not known)."""
        noun = _UNITS.get(self.phase, "operations")
        if self.phase_total:
            return f"{min(len(self.done), self.phase_total)}/{self.phase_total} {noun}"
        return f"{self.sequences if self.phase == 'stateful' else len(self.done)} {noun}"

    def time_left(self, now: float) -> float | None:
        """Seconds of ``--time-budget`` left, while a budgeted (Schemathesis) phase runs."""
        if not self.time_budget or not self.budget_running or self.phase not in _BUDGETED:
            return None
        return max(0.0, self.time_budget - (now - self.budget_started))

    # ---------------------------------------------------------------- output
    def line(self, text: str) -> None:
        if self.mode == "quiet":
            return
        if self._live:
            self.stream.write("\r\x1b[K")
            self._live = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def status_line(self, now: float) -> str:
        """The live line: phase and count, calls, rate, findings, time (left), and last the
        operation being tested, shortened in the middle to fit the width; on a terminal
        narrower than :data:`FULL_WIDTH` only the rate and the time (left) stay beside it."""
        count = self.done_count() if self.phase not in ("", "cleanup") else ""
        head = f"[{self.phase or 'starting'}{' ' if count else ''}{count}]"
        left = self.time_left(now)
        rate = _rate(self.phase_calls, now - self.phase_started)
        time_part = f"{left:.0f} s left" if left is not None else f"{now - self.started:.0f} s"
        figures = [rate, time_part]
        if self.width >= FULL_WIDTH:
            figures = [f"{self.calls} calls", rate, f"{self.findings} finding(s)",
                       *([f"{now - self.started:.0f} s"] if left is not None else []),
                       time_part]
        text = f"{head} {', '.join(figures)}"
        room = self.width - len(text) - 3
        if self.current and room >= 12:
            text += f" | {_middle(self.current, room)}"
        return text[: self.width]

    def _status(self, force: bool = False) -> None:
        now = self.clock()
        if self.mode != "tty" or (not force and now - self._drawn < REDRAW_EVERY):
            return
        self._drawn = now
        self.stream.write("\r\x1b[K" + self.status_line(now))
        self.stream.flush()
        self._live = True

    def close(self) -> None:
        if self._live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._live = False

    def _phase_line(self, ev: events.PhaseFinished) -> str:
        note = f" ({ev.note})" if ev.note else ""
        figures = ("" if ev.name == "cleanup" else
                   f", {self.done_count()}, {self.phase_calls} calls, "
                   f"{_rate(self.phase_calls, ev.seconds)}")
        left = self.time_left(self.clock())
        budget = (f", {left:.0f} s left of the {self.time_budget:g} s time budget"
                  if left is not None else "")
        return f"phase {ev.name}: {ev.status}{note}{figures}, {ev.seconds:.1f} s{budget}"

    # ---------------------------------------------------------------- events
    def handle(self, ev: events.Event) -> None:
        force = False
        if isinstance(ev, events.PhaseStarted):
            self._phase_started(ev)
            force = True
        elif isinstance(ev, events.ScenarioStarted):
            self.current = ev.label
        elif isinstance(ev, events.PhaseFinished):
            self.current = ""
            if ev.status == "skip" and ev.note == "disabled":
                return
            self.line(self._phase_line(ev))
        elif isinstance(ev, events.ScenarioDone):
            self.calls += ev.calls
            self.phase_calls += ev.calls
            self.done.add(ev.label)
            self.sequences += 1 if ev.calls else 0
        elif isinstance(ev, events.FindingRaised):
            self._finding(ev.finding)
        elif isinstance(ev, (events.Problem, events.InternalError)):
            self._problem(ev)
        elif isinstance(ev, events.Interrupted):
            self.line("interrupted: cleaning up, then writing what was found")
        self._status(force)

    def _phase_started(self, ev: events.PhaseStarted) -> None:
        now = self.clock()
        self.phase, self.phase_total, self.phase_started = ev.name, ev.operations, now
        self.phase_calls, self.sequences, self.current = 0, 0, ""
        self.done = set()
        if ev.name in _BUDGETED and not self.budget_running:
            self.budget_running, self.budget_started = True, now

    def _problem(self, ev: events.Problem | events.InternalError) -> None:
        if isinstance(ev, events.Problem):
            key = f"{ev.where}: {ev.message}"
            text = f"problem: {_short(key)}"
        else:
            key = f"{ev.what} at {ev.where}: {ev.message}"
            text = f"ERROR {_short(key, 160)}"
        if key not in self._problems:
            self._problems.add(key)
            self.line(text)

    def _finding(self, finding: Finding) -> None:
        self.findings += 1
        if finding.is_drift:
            self.drift += 1
            return
        if self.printed >= MAX_PRINTED_FINDINGS:
            if self.printed == MAX_PRINTED_FINDINGS:
                self.line("... more findings are in the findings file")
                self.printed += 1
            return
        self.printed += 1
        where = finding.operation_id or f"{finding.method} {finding.path_template}"
        status = f" ({finding.status})" if finding.status is not None else ""
        self.line(f"FINDING {finding.title} [{finding.severity}] {where}{status}: "
                  f"{_short(finding.message, 160)}")
        curl = finding.evidence.get("curl")
        if curl:
            self.line(f"    reproduce: {curl}")
