"""The checker's side that builds and runs the pipeline: its picklable configuration, the
pipeline it opens, its closing summary, and :func:`serve`, the body of the child process
(``spawn``ed by :class:`conformance.proxy.checker.ProcessChecker`).

The child ignores SIGINT (the parent shuts it down), runs at a lower priority than
mitmproxy, sends console lines and log records back to the parent, and exits by itself
when the parent dies, closing the HAR file first.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any

from conformance.contract import Contract
from conformance.exchange.checks import CheckContext
from conformance.exchange.har import HarWriter
from conformance.findings_io import FindingsWriter
from conformance.proxy.gc_tuning import freeze_long_lived
from conformance.proxy.pipeline import Pipeline
from conformance.selection import OperationFilter

__all__ = ["CheckConfig", "close_summary", "open_pipeline", "serve"]

Emit = Callable[[str], None]
CHILD_NICENESS = 10


@dataclasses.dataclass(frozen=True)
class CheckConfig:
    """Everything a checker needs to build its pipeline (picklable, for the child)."""

    spec: str = ""
    base_path: str = ""
    findings_dir: str = "reports/findings"
    record: str = ""
    strict: bool = False
    limit: int = 1024 * 1024
    run_id: str = ""
    selection: OperationFilter = OperationFilter()  # operations checked; others pass


def open_pipeline(config: CheckConfig, emit: Emit) -> Pipeline:
    contract = Contract.load(config.spec) if config.spec else Contract.default()
    har = HarWriter(config.record, config.base_path) if config.record else None
    return Pipeline(CheckContext(contract, "proxy", config.run_id, config.base_path),
                    limit=config.limit, strict=config.strict, har=har, emit=emit,
                    writer=FindingsWriter(config.findings_dir, "proxy"),
                    selection=config.selection)


def close_summary(pipeline: Pipeline, unchecked: int, dropped: int) -> str:
    pipeline.summary.unchecked, pipeline.summary.dropped = unchecked, dropped
    pipeline.close()
    text = pipeline.summary.render()
    writer = pipeline.writer
    if writer is not None and writer.count:
        text += f"\nsinch-conformance: {writer.count} findings written to {writer.path}"
    return text


class _Forward(logging.Handler):
    """Log records of the child, sent to the parent's log."""

    def __init__(self, send: Callable[[tuple[Any, ...]], None]) -> None:
        super().__init__(logging.INFO)
        self.send = send

    def emit(self, record: logging.LogRecord) -> None:
        self.send(("log", record.levelno, record.getMessage()))


def _drain(inbox: Any, parent: Any) -> list[tuple[Any, ...]] | None:
    """The next batch of messages; None when the parent is gone."""
    while not inbox.poll(1.0):
        if parent is not None and not parent.is_alive():
            return None
    try:
        return list(pickle.loads(inbox.recv_bytes()))
    except (EOFError, OSError):
        return None


def serve(config: CheckConfig, inbox: Any, outbox: Any, done_bytes: Any) -> None:
    """The child process: check batches of flows until told to close or the parent is
    gone (then the HAR file is still closed properly)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # traffic first: under full load the kernel lets mitmproxy run before checks
        os.nice(CHILD_NICENESS)
    except OSError as exc:
        logging.getLogger("sinch_conformance").debug("could not lower the priority: %s", exc)
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            outbox.send(message)

    logging.getLogger().addHandler(_Forward(send))
    logging.getLogger().setLevel(logging.INFO)
    pipeline = open_pipeline(config, lambda line: send(("line", line)))
    freeze_long_lived()
    parent = multiprocessing.parent_process()
    while (batch := _drain(inbox, parent)) is not None:
        for message in batch:
            if message[0] == "flow":
                try:
                    pipeline.process_capture(*message[1])
                except Exception:  # noqa: BLE001 - one bad flow must not end the checker
                    logging.getLogger("sinch_conformance").exception("checking a flow failed")
                done_bytes.value += message[2]  # this process is the only writer
            elif message[0] == "barrier":
                send(("ack", message[1]))
            elif message[0] == "close":
                send(("summary", close_summary(pipeline, message[1], message[2])))
                return
    pipeline.close()
