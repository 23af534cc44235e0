"""Where a lint finding is in the file: ``evidence["position"]`` (file, line, column of the
YAML node its ``location`` names), and how outputs show it.

The Finding record has no field for a position and other code depends on its fields, so the
position rides in the evidence, which the fingerprint does not cover: moving a defect to
another line keeps its fingerprint. A pointer to a node the file lacks (a missing required
field) is placed at the nearest node above it that the file has.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.findings import Finding
from conformance.spec_loader import Positions

__all__ = ["Position", "locate", "position_of", "shown_path", "where"]


@dataclasses.dataclass(frozen=True)
class Position:
    file: str
    line: int
    column: int


def _nearest(positions: Positions, pointer: str) -> tuple[int, int]:
    while pointer and pointer not in positions:
        pointer = pointer.rsplit("/", 1)[0]
    return positions.get(pointer, (1, 1))


def locate(findings: Iterable[Finding], positions: Positions, file: str) -> list[Finding]:
    """``findings``, each with ``evidence["position"]`` for its location in ``file``."""
    out = []
    for finding in findings:
        line, column = _nearest(positions, finding.location)
        evidence: dict[str, Any] = {**finding.evidence,
                                    "position": {"file": file, "line": line, "column": column}}
        out.append(dataclasses.replace(finding, evidence=evidence))
    return out


def position_of(finding: Finding) -> Position | None:
    raw = finding.evidence.get("position")
    if not isinstance(raw, dict):
        return None
    try:
        return Position(str(raw["file"]), int(raw["line"]), int(raw["column"]))
    except (KeyError, TypeError, ValueError):
        return None  # evidence from elsewhere without a usable position: shown by pointer


def shown_path(file: str) -> str:
    """``file`` relative to the current directory when it is below it, else as given."""
    path = Path(file)
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return os.fspath(path)
    return path.as_posix()


def where(finding: Finding) -> str:
    """``spec.yaml:12:5`` (file:line:col), or the JSON pointer when there is no position."""
    pos = position_of(finding)
    if pos is None:
        return finding.location or "/"
    return f"{shown_path(pos.file)}:{pos.line}:{pos.column}"
