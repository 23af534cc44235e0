"""Per-operation overrides of the configuration file, one table per operationId::

    [tool.sinch-conformance.operations.Messages_SendMessage]
    skip = true                          # never called: not by Schemathesis, not by a probe

    [tool.sinch-conformance.operations.Contact_CreateContact]
    max-examples = 25                    # this operation's examples per phase
    expected-statuses = ["2xx", 400]     # what valid data may get here (default: 2xx, 3xx,
                                         # 400, 401, 403, 404, 409, 429, 5xx)

(``[operations.<operationId>]`` in ``sinch-conformance.toml``). A key or an operationId the
tool does not know is one error naming it and the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from conformance.config import Section, check_keys, did_you_mean, interpolate
from conformance.errors import UserError

__all__ = ["SKIPPED_BY_CONFIG", "OperationOverride", "check_operation_ids", "parse_operations"]

SKIPPED_BY_CONFIG = "skipped by config"
_KEYS = {"skip": bool, "max-examples": int, "expected-statuses": list}
_STATUS = re.compile(r"[1-5](\d\d|xx)")


@dataclass(frozen=True)
class OperationOverride:
    """What the file changes for one operation (``where``: its table and file)."""

    operation_id: str
    skip: bool = False
    max_examples: int | None = None
    expected_statuses: tuple[str, ...] = ()  # "2xx", "400", ...; () = the suite's default
    where: str = ""

    def expects(self, status: int) -> bool:
        """Whether valid data may get ``status`` here (only with expected-statuses set)."""
        code = str(status)
        return any(p == code or (p.endswith("xx") and p[0] == code[0])
                   for p in self.expected_statuses)

    def skip_reason(self) -> str:
        return f"{SKIPPED_BY_CONFIG} ({self.where})"

    def describe(self) -> str:
        """``skip``, ``max-examples 25, expected-statuses 2xx 400``, for ``config``."""
        parts = ["skip"] if self.skip else []
        if self.max_examples is not None:
            parts.append(f"max-examples {self.max_examples}")
        if self.expected_statuses:
            parts.append(f"expected-statuses {' '.join(self.expected_statuses)}")
        return ", ".join(parts) or "nothing"


def _statuses(section: Section, values: list[object]) -> tuple[str, ...]:
    out = []
    for value in values:
        text = str(value).lower()
        if isinstance(value, bool) or not isinstance(value, int | str) or \
                not _STATUS.fullmatch(text):
            raise section.error("expected-statuses", f"holds {value!r}; use status codes "
                                                     "(200, \"404\") or classes (\"2xx\")")
        out.append(text)
    return tuple(out)


def parse_operations(top: Section,
                     env: Mapping[str, str] | None = None) -> dict[str, OperationOverride]:
    """The ``operations`` table of the top-level section, checked (keys, types, values;
    the operationIds are checked against a spec by :func:`check_operation_ids`)."""
    if "operations" not in top.values:
        return {}
    table = top.sub("operations", top.values["operations"])
    out = {}
    for op_id, raw in table.values.items():
        section = table.sub(op_id, raw)
        section = Section(section.name, interpolate(section, section.values, env=env),
                          section.file)
        check_keys(section, _KEYS)
        values = section.values
        if values.get("max-examples", 1) < 1:
            raise section.error("max-examples", "must be at least 1")
        out[op_id] = OperationOverride(
            op_id, values.get("skip", False), values.get("max-examples"),
            _statuses(section, values.get("expected-statuses", [])), section.where())
    return out


def check_operation_ids(overrides: Mapping[str, OperationOverride],
                        known: Iterable[str]) -> None:
    """A UserError for an override whose operationId the spec does not have."""
    ids = sorted(known)
    for op_id, override in overrides.items():
        if op_id not in ids:
            hint = did_you_mean(op_id, ids)
            raise UserError(f"{override.where} names no operation of the spec{hint}",
                            tip="use an operationId the spec has, as the run's table "
                                "lists them (e.g. App_ListApps)")
