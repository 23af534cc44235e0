"""Operational errors: a user mistake, not a finding about the API.

A ``UserError`` carries one sentence saying what is wrong and a one-line tip naming the
flag, variable or file to change. The CLI prints both and exits 2, never a traceback.

``EXIT_RUN_FAILED`` is the other side: the run itself failed (the engine, a check or a
probe raised, or the cleanup could not finish), so its verdict is incomplete, whatever it
found.
"""

from __future__ import annotations

__all__ = ["EXIT_RUN_FAILED", "EXIT_USER_ERROR", "UserError"]

EXIT_USER_ERROR = 2
EXIT_RUN_FAILED = 3  # the run itself failed: an internal error, not a finding


class UserError(Exception):
    """A mistake the user can fix: bad flag, missing file, unreachable target."""

    def __init__(self, message: str, tip: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.tip = tip

    def __str__(self) -> str:
        return self.message

    def render(self) -> str:
        """The two lines the CLI prints to stderr (the tip line only when there is one)."""
        lines = [f"error: {self.message}"]
        if self.tip:
            lines.append(f"tip: {self.tip}")
        return "\n".join(lines)
