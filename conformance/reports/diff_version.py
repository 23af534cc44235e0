"""``diff --check-version``: is ``info.version`` bumped enough for what changed?

A version is ``MAJOR[.MINOR[.PATCH]]`` with an optional leading ``v`` and an optional
``-pre-release`` or ``+build`` suffix, which is ignored (``1``, ``1.2``, ``v1.2.3``,
``1.2.3-rc.1``; a missing part is 0). The highest grade of the changes asks for a bump:
major -> a higher MAJOR; minor -> a higher MAJOR.MINOR; patch -> a higher MAJOR.MINOR.PATCH;
no change asks for none. 0.x versions follow the same rule (no special case).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from conformance.errors import UserError
from conformance.reports.diff_model import Change, Grade

__all__ = ["check_version", "parse_version"]

_VERSION = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?")


def parse_version(text: str, which: str) -> tuple[int, int, int]:
    """``(major, minor, patch)`` of ``text``; a UserError naming ``which`` spec otherwise."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise UserError(f"info.version {text!r} of {which} is not a version --check-version "
                        "understands (MAJOR[.MINOR[.PATCH]], e.g. 1.2.0)",
                        tip="drop --check-version, or give the spec a semantic version")
    major, minor, patch = (int(g or 0) for g in match.groups())
    return major, minor, patch


def check_version(old: str, new: str, changes: Sequence[Change]) -> str | None:
    """``None`` when ``new`` is bumped enough from ``old`` for ``changes``, else why not."""
    vo, vn = parse_version(old, "OLD.yaml"), parse_version(new, "NEW.yaml")
    if not changes:
        return None
    grade = max(c.grade for c in changes)
    parts = {Grade.MAJOR: 1, Grade.MINOR: 2, Grade.PATCH: 3}[grade]
    if vn[:parts] > vo[:parts]:
        return None
    need = {Grade.MAJOR: "a major", Grade.MINOR: "at least a minor",
            Grade.PATCH: "at least a patch"}[grade]
    return (f"info.version went from {old} to {new}, but the highest change is "
            f"{grade.label}: it needs {need} version bump")
