"""Which operations a command looks at: include/exclude filters by operation id and tag.

The same rule as Schemathesis' ``--include-*``/``--exclude-*`` options (each value is a
filter of its own; ``schemathesis.config._operations``), with shell-style globs
(:func:`fnmatch.fnmatchcase`, case-sensitive) instead of exact values:

* an operation is **included** when no include filter is given, or when it matches at least
  one of them, of either kind (``--include-tag Contact --include-operation-id 'App_*'``
  selects the Contact operations *and* the App ones);
* it is **excluded** when it matches any exclude filter, of either kind; exclusion wins;
* it matches a tag filter when any of its tags matches the glob.

An exchange that routes to no operation (an undocumented path) is selected only when no
include filter is given: it belongs to no selected operation. Every glob must match at
least one operation of the spec, and the filters together must leave at least one: a
typo is a :class:`~conformance.errors.UserError`, never a silently empty run.

Plain data and standard library only: the suite, the proxy (in its child process too),
``replay``, ``drift`` and the reports all use it.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from conformance.errors import UserError

__all__ = ["FLAGS", "OperationFilter", "add_filter_arguments"]

# flag -> the OperationFilter field it fills
FLAGS = {"--include-operation-id": "include_operation_ids", "--include-tag": "include_tags",
         "--exclude-operation-id": "exclude_operation_ids", "--exclude-tag": "exclude_tags"}


@dataclass(frozen=True)
class OperationFilter:
    """Globs over operation ids and tags; the empty filter selects everything."""

    include_operation_ids: tuple[str, ...] = ()
    include_tags: tuple[str, ...] = ()
    exclude_operation_ids: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in FLAGS.values())

    @property
    def includes(self) -> bool:
        return bool(self.include_operation_ids or self.include_tags)

    def matches(self, operation_id: str | None, tags: Iterable[str] = ()) -> bool:
        """Whether the operation (``None``: an exchange of no documented operation) is
        selected."""
        tags = tuple(tags)
        if operation_id is None:
            return not self.includes
        if _hit(self.exclude_operation_ids, (operation_id,)) or _hit(self.exclude_tags, tags):
            return False
        return not self.includes or (_hit(self.include_operation_ids, (operation_id,))
                                     or _hit(self.include_tags, tags))

    def selected(self, operations: Mapping[str, Sequence[str]]) -> list[str]:
        """The selected ones of ``operations`` (operation id -> tags), sorted."""
        return sorted(op for op, tags in operations.items() if self.matches(op, tags))

    def check(self, operations: Mapping[str, Sequence[str]]) -> list[str]:
        """The selected operations; a UserError when a glob matches no operation or the
        filters leave none."""
        for flag, field_name in FLAGS.items():
            by_tag = field_name.endswith("tags")
            names = sorted({t for tags in operations.values() for t in tags} if by_tag
                           else operations)
            for pattern in getattr(self, field_name):
                if not any(fnmatchcase(name, pattern) for name in names):
                    raise UserError(f"no {'tag' if by_tag else 'operation id'} of the spec "
                                    f"matches {flag} {pattern!r}", tip=_tip(flag, pattern,
                                                                            names))
        chosen = self.selected(operations)
        if not chosen:
            raise UserError(f"the filters {self.describe()} leave no operation to check",
                            tip="drop an --exclude-operation-id or --exclude-tag, or widen "
                                "the --include-operation-id/--include-tag globs")
        return chosen

    def describe(self) -> str:
        """The filters as flags, e.g. ``--include-tag 'Contact' --exclude-tag 'App'``."""
        return " ".join(f"{flag} {pattern!r}" for flag, field_name in FLAGS.items()
                        for pattern in getattr(self, field_name)) or "(none)"

    def to_json(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in FLAGS.values()
                if getattr(self, name)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> OperationFilter:
        data = data or {}
        return cls(**{name: tuple(str(v) for v in data.get(name) or ())
                      for name in FLAGS.values()})

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> OperationFilter:
        return cls(**{name: tuple(getattr(args, name, None) or ()) for name in FLAGS.values()})


def _hit(patterns: Sequence[str], values: Sequence[str]) -> bool:
    return any(fnmatchcase(value, pattern) for pattern in patterns for value in values)


def _tip(flag: str, pattern: str, names: Sequence[str]) -> str:
    folded = [n for n in names if fnmatchcase(n.lower(), pattern.lower())]
    if folded:
        return (f"globs are case-sensitive: {pattern!r} matches {folded[0]!r} only when case "
                f"is ignored; pass {flag} with the case of the spec")
    close = difflib.get_close_matches(pattern, names, n=3, cutoff=0.5)
    if close:
        return f"did you mean {flag} {close[0]!r}? (globs are case-sensitive)"
    shown = ", ".join(repr(n) for n in names[:10])
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return f"pass {flag} with a glob of one of {shown}{more}"


def add_filter_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """The four filter flags, repeatable; ``what`` says what they limit (e.g. "tested")."""
    group = parser.add_argument_group(
        "operation filters (globs; like Schemathesis': an operation is kept when it matches "
        "any include filter, or none is given, and no exclude filter)")
    for flag, field_name in FLAGS.items():
        include = flag.startswith("--include")
        kind = "operation id" if "operation" in flag else "tag"
        group.add_argument(
            flag, dest=field_name, action="append", default=[], metavar="GLOB",
            help=f"{'Only' if include else 'Do not'} {what} operations whose {kind} "
                 f"matches GLOB, e.g. {'Contact_*' if kind != 'tag' else 'Contact'} "
                 "(repeatable).")
