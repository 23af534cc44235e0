"""mitmproxy flows as :class:`WireCapture` / :class:`Exchange`: live hooks and flow files.

``capture_flow`` only takes references (bytes and header tuples are immutable), so it is
cheap enough to run inside a hook on mitmproxy's event loop; decoding happens later in
:func:`conformance.exchange.model.to_exchange`.
"""

from __future__ import annotations

import os
from pathlib import Path

from mitmproxy import http, io
from mitmproxy.exceptions import FlowReadException

from conformance.exchange.model import Exchange, WireCapture, to_exchange

__all__ = ["ENFORCED", "FlowFileError", "capture_flow", "read_flow_file"]

ENFORCED = "sinch_enforced"  # flow.metadata key: the response was made by enforce mode

_KEEP = object()


class FlowFileError(ValueError):
    """The file is not a mitmproxy flow file we can read."""


def capture_flow(flow: http.HTTPFlow, *, request_raw: bytes | None | object = _KEEP,
                 response_raw: bytes | None | object = _KEEP, request_skip: str | None = None,
                 response_skip: str | None = None, enforced: bool = False) -> WireCapture:
    """A hand-off copy of a flow; ``*_raw`` override the bodies (e.g. from a stream tee)."""
    req, resp = flow.request, flow.response
    req_raw = req.raw_content if request_raw is _KEEP else request_raw
    resp_raw = (resp.raw_content if resp else None) if response_raw is _KEEP else response_raw
    ended = (resp.timestamp_end if resp else None) or req.timestamp_end or req.timestamp_start
    return WireCapture(
        method=req.method, url=req.url, http_version=req.http_version,
        request_fields=req.headers.fields, request_raw=req_raw,  # type: ignore[arg-type]
        request_skip=request_skip,
        status=resp.status_code if resp else None, reason=resp.reason if resp else "",
        response_fields=resp.headers.fields if resp else (),
        response_raw=resp_raw, response_skip=response_skip,  # type: ignore[arg-type]
        enforced=enforced or bool(flow.metadata.get(ENFORCED)),
        started=req.timestamp_start or 0.0, ended=ended or 0.0,
        error=flow.error.msg if flow.error else None)


def read_flow_file(path: str | os.PathLike[str], limit: int) -> list[Exchange]:
    """Every HTTP flow of a mitmproxy flow file (``mitmdump -w``) as an Exchange."""
    exchanges = []
    with Path(path).open("rb") as fh:
        try:
            for flow in io.FlowReader(fh).stream():
                if isinstance(flow, http.HTTPFlow):
                    exchanges.append(to_exchange(capture_flow(flow), limit))
        except FlowReadException as exc:
            raise FlowFileError(str(exc)) from None
    return exchanges
