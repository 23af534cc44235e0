"""Read the findings a report is built from; shared by the report and drift commands."""

from __future__ import annotations

import sys
from pathlib import Path

from conformance.errors import UserError
from conformance.findings import Finding
from conformance.findings_io import read_findings

__all__ = ["load_findings"]


def load_findings(path: str | Path) -> list[Finding]:
    """Findings in a ``.jsonl`` file or a directory of them.

    A clean run writes no findings file, so a missing directory is an empty set (said on
    stderr); a missing ``.jsonl`` file is a user error."""
    path = Path(path)
    if not path.exists():
        if path.suffix == ".jsonl":
            raise UserError(f"the findings file {path} does not exist",
                            tip="pass an existing .jsonl file or directory with --findings")
        print(f"no findings directory at {path}: 0 findings", file=sys.stderr)
        return []
    return read_findings(path)
