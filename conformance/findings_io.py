"""Findings on disk: append-only JSON lines, one file per producing process.

``FindingsWriter`` writes ``<dir>/<source>-<pid>-<UTC timestamp>.jsonl``, one Finding per
line, flushed per line and safe to share between threads. ``read_findings`` reads a file
or every ``*.jsonl`` in a directory back, skipping lines it cannot parse and reporting
each one (a process killed mid-write leaves a truncated last line).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from conformance.findings import Finding, encode_evidence

__all__ = ["BadLine", "FindingsWriter", "read_findings"]

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class BadLine:
    """A line of a findings file that could not be read back."""

    path: Path
    lineno: int
    error: str

    def __str__(self) -> str:
        return f"{self.path}:{self.lineno}: {self.error}"


class FindingsWriter:
    """Append Findings to this process's own JSON-lines file under ``directory``.

    The file is created on the first write, so a process that finds nothing leaves no file.
    """

    def __init__(self, directory: str | os.PathLike[str], source: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.path = Path(directory) / f"{source}-{os.getpid()}-{stamp}.jsonl"
        self.count = 0
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        # the evidence last encoded and its JSON, swapped whole (the findings of one flow
        # share one evidence dict: encoded once for all of them)
        self._evidence: tuple[object, str] = (None, "")

    def write(self, finding: Finding) -> None:
        """Append one finding as one line and flush it."""
        last = self._evidence
        if last[0] is not finding.evidence:
            last = self._evidence = (finding.evidence, encode_evidence(finding.evidence))
        line = finding.to_json(last[1]) + "\n"
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(line)
            self._file.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> FindingsWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _files(source: Path) -> list[Path]:
    if source.is_dir():
        return sorted(source.glob("*.jsonl"))
    if source.exists():
        return [source]
    raise FileNotFoundError(f"no findings file or directory at {source}")


def _read_file(path: Path, bad_lines: list[BadLine]) -> list[Finding]:
    findings = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                findings.append(Finding.from_json(line))
            except (ValueError, TypeError) as exc:
                bad = BadLine(path, lineno, f"{type(exc).__name__}: {exc}")
                log.warning("skipping unreadable finding at %s", bad)
                bad_lines.append(bad)
    return findings


def read_findings(
    source: str | os.PathLike[str], bad_lines: list[BadLine] | None = None
) -> list[Finding]:
    """All Findings in a ``.jsonl`` file or in every ``*.jsonl`` of a directory.

    Unreadable lines are skipped, logged as warnings and, when ``bad_lines`` is given,
    appended to it. A missing path raises ``FileNotFoundError``.
    """
    sink: list[BadLine] = [] if bad_lines is None else bad_lines
    findings: list[Finding] = []
    for path in _files(Path(source)):
        findings.extend(_read_file(path, sink))
    return findings
