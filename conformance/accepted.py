"""Reviewed YAML files of accepted findings, one entry per fingerprint with its reason: the
drift baseline (:mod:`conformance.reports.baseline`) and the lint ignore file
(:mod:`conformance.lint.ignore`) read and write through here::

    entries:
      - fingerprint: 3f2a9c0d1e4b5a67
        reason: why this is accepted
        ...: other fields, for the reviewer

Each caller names its file (:class:`FileKind`) and turns the checked rows into its own
entries; a mistake in the file is a ``UserError`` naming the file and the flag that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import UserError

__all__ = ["TODO_REASON", "FileKind", "load_entries", "save_entries"]

TODO_REASON = "TODO: review"


@dataclass(frozen=True)
class FileKind:
    """How one kind of file is named in its errors."""

    file: str  # "the baseline file"
    entry_of: str  # "the baseline": "entry 3 of the baseline x.yaml"
    accepted: str  # what an entry accepts: "drift", "finding"
    update_flag: str  # the flag that (re)writes the file: "--update-baseline"
    missing_tip: str  # what to do when the file does not exist
    path_flag: str  # the flag that names the file: "--baseline"
    header: str  # the comment written at the top of the file


def _checked(kind: FileKind, path: Path, i: int, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw.get("fingerprint"):
        raise UserError(f"entry {i + 1} of {kind.entry_of} {path} has no fingerprint",
                        tip="each entry needs at least 'fingerprint' and 'reason'")
    if not str(raw.get("reason") or "").strip():
        raise UserError(f"entry {i + 1} of {kind.entry_of} {path} ({raw['fingerprint']}) has "
                        "no reason", tip=f"say in 'reason' why this {kind.accepted} is accepted")
    return raw


def load_entries(kind: FileKind, path: str | Path, *,
                 missing_ok: bool = False) -> list[dict[str, Any]]:
    """The entries of a file, each with a fingerprint and a reason (a missing file is empty
    when ``missing_ok``)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return []
        raise UserError(f"{kind.file} {path} does not exist", tip=kind.missing_tip) from None
    except (yaml.YAMLError, UnicodeDecodeError, IsADirectoryError):
        raise UserError(f"{kind.file} {path} is not a readable YAML file",
                        tip=f"fix the file or regenerate it with {kind.update_flag}") from None
    entries = (data or {}).get("entries") if isinstance(data, dict | None) else None
    if not isinstance(entries, list | None):
        raise UserError(f"{kind.file} {path} has no 'entries' list",
                        tip=f"regenerate it with {kind.update_flag}")
    return [_checked(kind, path, i, raw) for i, raw in enumerate(entries or [])]


def save_entries(kind: FileKind, path: str | Path, rows: list[dict[str, Any]]) -> None:
    """Write the file (and its folder when missing), its header comment first."""
    path = Path(path)
    body = yaml.safe_dump({"entries": rows}, sort_keys=False, allow_unicode=True, width=100)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(kind.header + body, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{kind.file} {path} cannot be written ({exc.strerror or exc})",
                        tip=f"give a writable path with {kind.path_flag}") from None
