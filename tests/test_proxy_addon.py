"""The sinch_validator add-on, hooks called directly on test flows (no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from file_modules import load_file_module
from mitmproxy import exceptions, http
from mitmproxy.test import taddons, tflow

from conformance.contract import Contract
from conformance.findings import Finding
from conformance.findings_io import read_findings
from conformance.proxy.launcher import ADDON_PATH
from tests.aids.fakeapi import app_body

HOST = "api.test"
APPS = f"http://{HOST}/v1/projects/p1/apps"


def _load_addon_module() -> ModuleType:
    return load_file_module("sinch_validator_under_test", ADDON_PATH)


MOD = _load_addon_module()


class Harness:
    def __init__(self, addon: Any, tctx: taddons.context, findings_dir: Path) -> None:
        self.addon, self.tctx, self.findings_dir = addon, tctx, findings_dir

    def run(self, flow: http.HTTPFlow) -> http.HTTPFlow:
        """Every hook mitmproxy calls for a flow, in order."""
        self.addon.requestheaders(flow)
        self.addon.request(flow)
        if flow.response is not None:
            self.addon.responseheaders(flow)
            self.addon.response(flow)
        else:
            self.addon.error(flow)
        return flow

    def findings(self) -> list[Finding]:
        self.addon.checker.join()
        if not self.findings_dir.exists():
            return []
        return read_findings(self.findings_dir)

    def kinds(self) -> set[str]:
        return {str(f.kind) for f in self.findings()}


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    addon = MOD.SinchValidator()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, sinch_findings_dir=str(tmp_path / "findings"),
                       sinch_hosts=HOST, sinch_record=str(tmp_path / "rec.har"),
                       sinch_check_in="thread")
        addon.running()
        yield Harness(addon, tctx, tmp_path / "findings")
        addon.done()


def make_flow(method: str = "GET", url: str = f"{APPS}/app1", body: bytes = b"",
              status: int | None = 200, resp_body: Any = None,
              ctype: str = "application/json", req_headers: dict[str, str] | None = None,
              resp_headers: dict[str, str] | None = None) -> http.HTTPFlow:
    headers = {"Content-Type": "application/json"} if body else {}
    req = http.Request.make(method, url, body, {**headers, **(req_headers or {})})
    resp: http.Response | bool = False
    if status is not None:
        payload = resp_body if isinstance(resp_body, bytes) else json.dumps(
            app_body("app1") if resp_body is None else resp_body).encode()
        resp = http.Response.make(status, payload,
                                  {"Content-Type": ctype, **(resp_headers or {})})
    return tflow.tflow(req=req, resp=resp, err=status is None)


def snapshot(flow: http.HTTPFlow) -> tuple[Any, Any]:
    req = flow.request.get_state()
    resp = flow.response.get_state() if flow.response else None
    return req, resp


CASES = [
    ("conforming", {}, set()),
    ("wrong type", {"resp_body": app_body("a", display_name=1)}, {"response_body_schema"}),
    ("undocumented field", {"resp_body": app_body("a", colour="x")}, {"undocumented_field"}),
    ("undocumented enum", {"resp_body": app_body("a", processing_mode="TURBO")},
     {"undocumented_enum_value"}),
    ("4xx not documented", {"status": 404, "resp_body": {"code": 404}}, {"undocumented_status"}),
    ("5xx not documented", {"status": 503, "resp_body": {"code": 503}},
     {"response_status_undocumented", "server_error"}),
    ("wrong content type", {"ctype": "text/html", "resp_body": b"<html/>"},
     {"response_content_type"}),
    ("not JSON", {"resp_body": b'{"id": "a", "disp'}, {"response_body_schema"}),
    ("undocumented path", {"url": f"http://{HOST}/v2/elsewhere"}, {"operation_undocumented"}),
    ("undocumented query param", {"url": f"{APPS}/app1?colour=blue"},
     {"undocumented_query_param"}),
    ("bad query param type", {"url": f"http://{HOST}/v1/projects/p1/messages?page_size=ten",
                              "status": 400, "resp_body": {"code": 400, "message": "no"}},
     {"request_param"}),
    ("request body schema", {"method": "POST", "url": APPS,
                             "body": json.dumps({"display_name": 5}).encode()},
     {"request_body_schema", "negative_data_accepted"}),
    ("request content type", {"method": "POST", "url": APPS, "body": b"display_name=x",
                              "req_headers": {"Content-Type": "application/x-www-form-urlencoded"}},
     {"request_content_type", "negative_data_accepted"}),
    ("no response", {"status": None}, set()),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_case_gives_exactly_its_findings_and_leaves_the_flow(
        harness: Harness, name: str, kwargs: dict[str, Any], expected: set[str]) -> None:
    flow = make_flow(**kwargs)
    before = snapshot(flow)
    harness.run(flow)
    assert snapshot(flow) == before
    assert harness.kinds() == expected


def test_findings_are_proxy_findings_with_redacted_evidence(harness: Harness) -> None:
    flow = make_flow("POST", f"{APPS}?access_token=qs-secret-111",
                     json.dumps({"display_name": 5, "channel_credentials": [
                         {"channel": "SMS", "callback_secret": 98765432}]}).encode(),
                     req_headers={"Authorization": "Bearer hdr-secret-222"})
    harness.run(flow)
    findings = harness.findings()
    assert findings and all(f.source == "proxy" for f in findings)
    text = "\n".join(f.to_json() for f in findings)
    for secret in ("qs-secret-111", "hdr-secret-222", "98765432"):
        assert secret not in text
    assert findings[0].evidence["curl"].startswith("curl -X POST")


def test_other_hosts_pass_unchecked(harness: Harness) -> None:
    flow = make_flow(url="http://example.org/v1/projects/p1/apps/x", resp_body={"no": 1})
    before = snapshot(flow)
    harness.run(flow)
    assert snapshot(flow) == before
    assert harness.findings() == []
    assert harness.addon.unchecked == 1


def test_validator_exception_becomes_a_finding_not_a_failure(
        harness: Harness, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def boom(*args: Any, **kwargs: Any) -> list[Finding]:
        raise RuntimeError("validator bug")

    monkeypatch.setattr(Contract, "validate_response", boom)
    flows = [make_flow(), make_flow()]
    before = [snapshot(f) for f in flows]
    with caplog.at_level("WARNING"):
        for flow in flows:
            harness.run(flow)
        findings = harness.findings()
    assert [snapshot(f) for f in flows] == before
    assert [str(f.kind) for f in findings] == ["validation_error", "validation_error"]
    assert "validator bug" in findings[0].message
    assert caplog.text.count("validator failed") == 1  # logged once, reported every time


@pytest.mark.parametrize("side", ["request", "response"])
def test_body_over_the_limit_is_streamed_and_skipped(harness: Harness, side: str) -> None:
    harness.tctx.configure(harness.addon, sinch_max_body="1k")
    big = json.dumps({"display_name": "x" * 5000, "channel_credentials": []}).encode()
    if side == "request":
        flow = make_flow("POST", APPS, big, resp_body=app_body("a"))
        flow.request.headers["content-length"] = str(len(big))
    else:
        flow = make_flow(resp_body=big)
        flow.response.headers["content-length"] = str(len(big))
    harness.addon.requestheaders(flow)
    harness.addon.responseheaders(flow)
    message = flow.request if side == "request" else flow.response
    assert message.stream is True
    harness.addon.response(flow)
    findings = harness.findings()
    assert [(str(f.kind), f.location) for f in findings] == [("body_skipped", f"{side}.body")]


def test_unknown_length_body_is_teed_unchanged_and_checked(harness: Harness) -> None:
    flow = make_flow(resp_body=app_body("a", colour="x"))
    flow.response.headers["transfer-encoding"] = "chunked"
    del flow.response.headers["content-length"]
    payload = flow.response.raw_content
    harness.addon.requestheaders(flow)
    harness.addon.responseheaders(flow)
    tee = flow.response.stream
    assert callable(tee)
    assert tee(payload[:10]) == payload[:10] and tee(payload[10:]) == payload[10:]
    assert tee(b"") == b""
    flow.response.raw_content = None  # a streamed body is not kept by mitmproxy
    harness.addon.response(flow)
    assert harness.kinds() == {"undocumented_field"}


def test_enforce_answers_invalid_requests_with_the_spec_error(harness: Harness) -> None:
    harness.tctx.configure(harness.addon, sinch_enforce=True)
    flow = make_flow("POST", APPS, json.dumps({"display_name": 5}).encode(), status=None)
    flow.error = None
    harness.addon.requestheaders(flow)
    harness.addon.request(flow)
    assert flow.response is not None and flow.response.status_code == 400
    body = flow.response.content
    contract = Contract.default()
    errors = contract.validate_response("POST", "/v1/projects/p1/apps", 400,
                                        dict(flow.response.headers), body, source="proxy")
    assert errors == []
    harness.addon.responseheaders(flow)
    harness.addon.response(flow)
    assert harness.kinds() == {"request_body_schema"}


def test_enforce_forwards_valid_requests(harness: Harness) -> None:
    harness.tctx.configure(harness.addon, sinch_enforce=True)
    body = json.dumps({"display_name": "ok", "channel_credentials": []}).encode()
    flow = make_flow("POST", APPS, body, status=None)
    flow.error = None
    harness.addon.requestheaders(flow)
    harness.addon.request(flow)
    assert flow.response is None


def test_full_queue_records_the_flow_as_not_checked(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness.addon.checker, "submit", lambda item: False)
    flow = make_flow()
    harness.run(flow)
    findings = read_findings(harness.findings_dir)
    assert [(str(f.kind), f.location) for f in findings] == [("body_skipped", "flow")]
    assert harness.addon.dropped == 1


@pytest.mark.parametrize(("option", "value", "needle"), [
    ("sinch_max_body", "lots", "sinch_max_body"),
    ("sinch_base_path", "proxy", "sinch_base_path"),
    ("sinch_spec", "/nonexistent/spec.yaml", "sinch_spec"),
    ("sinch_record", "{tmp}/a-file/x.har", "sinch_record"),
])
def test_bad_options_are_option_errors(harness: Harness, option: str, value: str,
                                       needle: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    value = value.format(tmp=tmp_path)
    with pytest.raises(exceptions.OptionsError, match=needle):
        harness.tctx.configure(harness.addon, **{option: value})


def test_default_hosts_are_sinch_and_the_reverse_upstream(tmp_path: Path) -> None:
    addon = MOD.SinchValidator()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, mode=["reverse:http://127.0.0.1:9999"],
                       sinch_findings_dir=str(tmp_path), sinch_check_in="thread")
        assert addon.hosts == ("*.conversation.api.sinch.com", "127.0.0.1:9999")
        sinch = make_flow(url="https://us.conversation.api.sinch.com/v1/projects/p/apps")
        upstream = make_flow(url="http://127.0.0.1:9999/v1/projects/p/apps")
        other = make_flow(url="http://127.0.0.1:9998/v1/projects/p/apps")
        assert [addon._checked(f) for f in (sinch, upstream, other)] == [True, True, False]
        addon.done()


def test_done_prints_the_summary_and_closes_the_har(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    harness.run(make_flow(resp_body=app_body("a", display_name=1)))
    harness.run(make_flow())
    harness.addon.checker.join()
    with caplog.at_level("INFO"):
        harness.addon.done()
    text = caplog.text
    assert "2 flows checked, 1 with violations" in text
    assert "App_GetApp" in text and "response_body_schema" in text
    har = json.loads((harness.findings_dir.parent / "rec.har").read_text())
    assert len(har["log"]["entries"]) == 2


def test_checking_in_a_child_process_gives_the_same_findings(tmp_path: Path) -> None:
    addon = MOD.SinchValidator()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, sinch_findings_dir=str(tmp_path / "findings"), sinch_hosts=HOST,
                       sinch_check_in="process")
        addon.running()
        harness = Harness(addon, tctx, tmp_path / "findings")
        harness.run(make_flow(resp_body=app_body("a", display_name=1)))
        harness.run(make_flow(resp_body=app_body("a", colour="x")))
        assert harness.kinds() == {"response_body_schema", "undocumented_field"}
        addon.done()


def test_the_checker_starts_when_mitmproxy_runs_not_while_it_takes_options(
        tmp_path: Path) -> None:
    """A start-up error (a bad option, a port in use) ends mitmproxy before running():
    no checker process may be left behind then."""
    addon = MOD.SinchValidator()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, sinch_findings_dir=str(tmp_path / "findings"), sinch_hosts=HOST,
                       sinch_check_in="thread")
        assert addon.checker is None
        addon.running()
        first = addon.checker
        assert first is not None
        tctx.configure(addon, sinch_strict=True)  # a changed option: a new checker
        assert addon.checker is not None and addon.checker is not first
        addon.done()
        assert addon.checker is None
        Harness(addon, tctx, tmp_path / "findings").run(make_flow())
        assert addon.checker is None  # not restarted after done()
        assert addon.dropped == 1


def test_a_host_that_never_calls_running_still_gets_its_flows_checked(
        tmp_path: Path) -> None:
    addon = MOD.SinchValidator()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, sinch_findings_dir=str(tmp_path / "findings"), sinch_hosts=HOST,
                       sinch_check_in="thread")
        harness = Harness(addon, tctx, tmp_path / "findings")
        harness.run(make_flow(resp_body=app_body("a", display_name=1)))
        assert harness.kinds() == {"response_body_schema"}
        addon.done()
