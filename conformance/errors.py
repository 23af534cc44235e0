"""Operational errors: a user mistake, not a finding about the API.

A ``UserError`` carries one sentence saying what is wrong and a one-line tip naming the
flag, variable or file to change. The CLI prints both and exits 2, never a traceback.

``EXIT_RUN_FAILED`` is the other side: the run itself failed (the engine, a check or a
probe raised, or the cleanup could not finish), so its verdict is incomplete, whatever it
found.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "EXIT_RUN_FAILED", "EXIT_USER_ERROR",
           "UserError", "exit_code"]

EXIT_USER_ERROR = 2
EXIT_RUN_FAILED = 3  # the run itself failed: an internal error, not a finding
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command killed by it


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


def exit_code(call: Callable[[], int]) -> int:
    """Run a program's body and turn what ends it into its exit code: a ``UserError`` is
    its two lines on stderr and 2, Ctrl-C is "interrupted" and 130, a reader that closed the
    pipe (``... | head``) is 141, never a traceback."""
    try:
        return call()
    except UserError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit flush does not fail again
        return EXIT_BROKEN_PIPE
