"""The child-process checker on its own: batches larger than a default pipe get through
whole, every flow in them is checked, and the pipe was widened where Linux allows it."""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

import pytest

from conformance.exchange.model import WireCapture
from conformance.findings_io import read_findings
from conformance.proxy.checker import CheckConfig, ProcessChecker

PAGE = json.dumps({"messages": [{"id": f"m{i}", "undocumented_here": "x" * 900}
                                for i in range(20)]}).encode()


def _capture(i: int) -> WireCapture:
    return WireCapture(
        "GET", f"http://127.0.0.1:9/v1/projects/p{i}/messages", "HTTP/1.1",
        ((b"host", b"127.0.0.1:9"),), b"", status=200, reason="OK",
        response_fields=((b"content-type", b"application/json"),), response_raw=PAGE)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
def test_a_batch_larger_than_a_default_pipe_is_checked_whole(tmp_path: Path) -> None:
    checker = ProcessChecker(CheckConfig(findings_dir=str(tmp_path), run_id="pipe"),
                             lambda line: None)
    try:
        assert fcntl.fcntl(checker._fd, fcntl.F_GETPIPE_SZ) >= 256 * 1024
        flows = 40  # ~760 KB in one batch: twelve times Linux's default 64 KiB pipe
        for i in range(flows):
            assert checker.submit((_capture(i), None))
        checker.join(60)
    finally:
        summary = checker.close()
    assert f"{flows} flows checked" in summary, summary
    found = [f for path in tmp_path.glob("*.jsonl") for f in read_findings(path)]
    assert len({f.evidence["request"]["url"] for f in found
                if f.kind == "undocumented_field"}) == flows
