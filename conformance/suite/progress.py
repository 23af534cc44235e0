"""Show a run as it goes: one live status line on a terminal, plain lines in CI.

A consumer of :mod:`conformance.suite.events`; it prints and does nothing else. Every
violation is printed once with the curl line that reproduces it; drift is counted here and
listed in the summary.
"""

from __future__ import annotations

import time
from typing import TextIO

from conformance.findings import Finding
from conformance.suite import events

__all__ = ["MAX_PRINTED_FINDINGS", "Progress", "mode_for"]

MAX_PRINTED_FINDINGS = 25
REDRAW_EVERY = 0.1  # seconds between two redraws of the live line
_WIDTH = 100


def mode_for(stream: TextIO, requested: str = "auto") -> str:
    """``tty`` (live line), ``plain`` (CI logs) or ``quiet``."""
    if requested != "auto":
        return requested
    isatty = getattr(stream, "isatty", None)
    return "tty" if callable(isatty) and isatty() else "plain"


def _short(text: str, width: int = _WIDTH) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 3] + "..."


class Progress:
    def __init__(self, stream: TextIO, mode: str = "plain") -> None:
        self.stream = stream
        self.mode = mode
        self.phase = ""
        self.calls = 0
        self.phase_calls = 0
        self.findings = 0
        self.printed = 0
        self.drift = 0
        self.started = time.monotonic()
        self._problems: set[str] = set()
        self._live = False
        self._drawn = 0.0

    # ---------------------------------------------------------------- output
    def line(self, text: str) -> None:
        if self.mode == "quiet":
            return
        if self._live:
            self.stream.write("\r\x1b[K")
            self._live = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def _status(self) -> None:
        now = time.monotonic()
        if self.mode != "tty" or now - self._drawn < REDRAW_EVERY:
            return
        self._drawn = now
        elapsed = now - self.started
        self.stream.write(f"\r\x1b[K[{self.phase or 'starting'}] {self.calls} calls, "
                          f"{self.findings} finding(s), {elapsed:.0f} s")
        self.stream.flush()
        self._live = True

    def close(self) -> None:
        if self._live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._live = False

    # ---------------------------------------------------------------- events
    def handle(self, ev: events.Event) -> None:
        if isinstance(ev, events.PhaseStarted):
            self.phase, self.phase_calls = ev.name, 0
        elif isinstance(ev, events.PhaseFinished):
            if ev.status == "skip" and ev.note == "disabled":
                return
            note = f" ({ev.note})" if ev.note else ""
            calls = "" if ev.name == "cleanup" else f", {self.phase_calls} calls"
            self.line(f"phase {ev.name}: {ev.status}{note}{calls}, {ev.seconds:.1f} s")
        elif isinstance(ev, events.ScenarioDone):
            self.calls += ev.calls
            self.phase_calls += ev.calls
        elif isinstance(ev, events.FindingRaised):
            self._finding(ev.finding)
        elif isinstance(ev, events.Problem):
            key = f"{ev.where}: {ev.message}"
            if key not in self._problems:
                self._problems.add(key)
                self.line(f"problem: {_short(key)}")
        elif isinstance(ev, events.InternalError):
            key = f"{ev.what} at {ev.where}: {ev.message}"
            if key not in self._problems:
                self._problems.add(key)
                self.line(f"ERROR {_short(key, 160)}")
        elif isinstance(ev, events.Interrupted):
            self.line("interrupted: cleaning up, then writing what was found")
        self._status()

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
