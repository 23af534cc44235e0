"""What happens to each checked exchange, live or replayed: check, record, count, print.

The live add-on feeds a :class:`Pipeline` from its background worker; ``replay`` feeds one
from a file. Both therefore produce the same findings for the same traffic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from conformance.exchange.checks import CheckContext, check_exchange, operation_of
from conformance.exchange.har import HarWriter
from conformance.exchange.model import Exchange, WireCapture, to_exchange
from conformance.exchange.selected import is_selected
from conformance.findings import Finding
from conformance.findings_io import FindingsWriter
from conformance.proxy.summary import Summary, flow_line
from conformance.selection import OperationFilter

__all__ = ["Pipeline"]

log = logging.getLogger(__name__)


class Pipeline:
    """Check an exchange, write its findings (and HAR entry), count it, print a line."""

    def __init__(self, ctx: CheckContext, *, limit: int, strict: bool = False,
                 writer: FindingsWriter | None = None, har: HarWriter | None = None,
                 emit: Callable[[str], None] | None = None,
                 selection: OperationFilter | None = None) -> None:
        self.ctx = ctx
        self.selection = selection or OperationFilter()
        self.limit = limit
        self.writer = writer
        self.har = har
        self.emit = emit
        self.summary = Summary(strict)

    def process_capture(self, capture: WireCapture,
                        request_findings: list[Finding] | None = None) -> list[Finding]:
        return self.process(to_exchange(capture, self.limit), request_findings)

    def process(self, ex: Exchange,
                request_findings: list[Finding] | None = None) -> list[Finding]:
        if not is_selected(self.ctx, ex, self.selection):  # passed on, neither checked
            self.summary.add_filtered()  # nor recorded
            return []
        findings = check_exchange(self.ctx, ex, request_findings)
        if self.writer is not None:
            for finding in findings:
                self.writer.write(finding)
        if self.har is not None:
            try:
                self.har.add(ex)
            except Exception:  # noqa: BLE001 - a recording problem must not stop checking
                log.exception("sinch-conformance: could not record a HAR entry")
        violating = self.summary.add(ex.method, findings, operation_of(self.ctx, ex)[0])
        if violating and self.emit is not None:
            self.emit(flow_line(ex.method, ex.url, ex.status, findings,
                                self.summary.strict))
        return findings

    def close(self) -> None:
        if self.har is not None:
            self.har.close()
        if self.writer is not None:
            self.writer.close()
