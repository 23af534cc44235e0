"""Console output of the proxy and the replay: one line per violating flow, a final table.

A flow *violates* when it has a finding that is neither drift nor "not checked"
(``validation_error``, ``body_skipped``); with ``strict``, drift counts as a violation too.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit

from conformance.findings import Finding, Kind
from conformance.redact import redact_url

__all__ = ["NOT_CHECKED", "Summary", "flow_line", "is_violation"]

NOT_CHECKED = frozenset({Kind.VALIDATION_ERROR, Kind.BODY_SKIPPED})
_MESSAGE_CHARS = 160


def is_violation(finding: Finding, strict: bool) -> bool:
    if finding.kind in NOT_CHECKED:
        return False
    return strict or not finding.is_drift


def _operation(findings: Sequence[Finding], fallback: str) -> str:
    return next((f.operation_id for f in findings if f.operation_id), None) or fallback


def flow_line(method: str, url: str, status: int | None, findings: Sequence[Finding],
              strict: bool) -> str:
    """``VIOLATION POST /v1/.../messages:send -> 200 Messages_SendMessage: kinds — msg``."""
    bad = [f for f in findings if is_violation(f, strict)]
    parts = urlsplit(redact_url(url))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    kinds = Counter(str(f.kind) for f in bad)
    listed = ", ".join(f"{k} x{n}" if n > 1 else k for k, n in kinds.items())
    message = bad[0].message if bad else ""
    if len(message) > _MESSAGE_CHARS:
        message = message[: _MESSAGE_CHARS - 3] + "..."
    shown = "-" if status is None else str(status)
    return (f"VIOLATION {method} {path} -> {shown} {_operation(bad, '(undocumented)')}: "
            f"{listed} | {message}")


class Summary:
    """Counts flows, per operation, and findings by kind; safe to feed from one thread
    while another reads it."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.flows = 0
        self.violating = 0
        self.unchecked = 0  # flows to other hosts, passed without a check
        self.dropped = 0  # flows not checked because the check queue was full
        self.filtered = 0  # flows of operations the operation filters leave out
        self.per_operation: Counter[str] = Counter()
        self.violating_per_operation: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, method: str, findings: Sequence[Finding], operation: str | None) -> bool:
        """Count one checked flow; True when it violates the contract."""
        op = operation or _operation(findings, f"{method} (undocumented)")
        bad = any(is_violation(f, self.strict) for f in findings)
        with self._lock:
            self.flows += 1
            self.per_operation[op] += 1
            self.kinds.update(str(f.kind) for f in findings)
            if bad:
                self.violating += 1
                self.violating_per_operation[op] += 1
        return bad

    def add_filtered(self) -> None:
        with self._lock:
            self.filtered += 1

    def render(self) -> str:
        """The table printed at shutdown."""
        with self._lock:
            lines = [f"sinch-conformance: {self.flows} flows checked, {self.violating} with "
                     f"violations{' (strict: drift counts)' if self.strict else ''}, "
                     f"{self.unchecked} to other hosts passed unchecked"
                     + (f", {self.dropped} not checked (queue full)" if self.dropped else "")
                     + (f", {self.filtered} of operations not selected passed unchecked "
                        "(operation filters)" if self.filtered else "")]
            if self.per_operation:
                width = max(len(op) for op in self.per_operation)
                lines.append(f"  {'operation'.ljust(width)}  flows  violating")
                for op, n in sorted(self.per_operation.items()):
                    lines.append(f"  {op.ljust(width)}  {n:5d}  "
                                 f"{self.violating_per_operation[op]:9d}")
            if self.kinds:
                width = max(len(k) for k in self.kinds)
                lines.append(f"  {'finding kind'.ljust(width)}  count")
                for kind, n in sorted(self.kinds.items(), key=lambda kv: (-kv[1], kv[0])):
                    lines.append(f"  {kind.ljust(width)}  {n:5d}")
            return "\n".join(lines)
