"""A recording file as exchanges, for ``replay`` and ``drift`` alike: HAR 1.2 (the proxy's
own recordings and other tools') or a mitmproxy flow file (``mitmdump -w``)."""

from __future__ import annotations

from pathlib import Path

from conformance.errors import UserError
from conformance.exchange.har import HarError, read_har
from conformance.exchange.model import Exchange

__all__ = ["load_recording"]

_TIP = "pass a HAR 1.2 recording (.har) or a `mitmdump -w` flow file"


def load_recording(path: Path, limit: int) -> tuple[list[Exchange], str]:
    """(exchanges, recorded base path) of a HAR or flow file; UserError when unreadable.
    Bodies over ``limit`` bytes are not checked (their exchanges say why)."""
    if not path.is_file():
        raise UserError(f"the recording {path} does not exist",
                        tip="pass the HAR file written by `sinch-conformance proxy --record`")
    try:
        with path.open("rb") as fh:
            head = fh.read(64).lstrip()
        if head.startswith(b"{"):
            recording = read_har(path, limit)
            return recording.exchanges, recording.base_path
        from conformance.exchange.flows import FlowFileError, read_flow_file

        try:
            return read_flow_file(path, limit), ""
        except FlowFileError as exc:
            raise UserError(f"{path} is neither a HAR file nor a mitmproxy flow file ({exc})",
                            tip=_TIP) from None
    except (HarError, UnicodeDecodeError, OSError) as exc:
        raise UserError(f"cannot read the recording {path}: {exc}", tip=_TIP) from None
