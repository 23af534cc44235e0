"""Generated junk against the contract core and the add-on's hooks: nothing escapes.

Hypothesis throws arbitrary methods, paths (spec templates with odd values, and plain
noise), query strings, headers and bodies (bytes, non-UTF-8, JSON trees, deep nesting)
at ``Contract.validate_request`` / ``validate_response`` and at every hook of the
``sinch_validator`` add-on on mitmproxy test flows. Asserted:

* no exception escapes the contract core: it answers with Findings;
* no exception escapes a hook, the flow is unchanged (``get_state()`` before == after),
  and the add-on's checker never logs a failure (a bug in validation becomes a
  ``validation_error`` finding, never a traceback).

Inputs that once escaped as exceptions (lone surrogates in JSON strings, an unbalanced
IPv6 host) are generated like any other and have their own tests at the end.
"""

from __future__ import annotations

import json
import logging
import re
import string
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from file_modules import load_file_module
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mitmproxy import http
from mitmproxy.test import taddons, tflow

from conformance.contract import Contract
from conformance.findings import Finding, Kind
from conformance.proxy.launcher import ADDON_PATH

HOST = "api.test"
# Past jsonschema-rs' limit (256) and Python's recursion limit (~1000).
MAX_DEPTH = 3000
FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

CONTRACT = Contract.default()
OPERATIONS = sorted(CONTRACT.operations.values(), key=lambda op: op.operation_id)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
           "PROPFIND", "get", "pOsT", "BREW", ""]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8",
                 "application/json; charset=latin-1", "APPLICATION/JSON", "text/plain",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                 "application/octet-stream", "application/problem+json", "*/*", "json", ";",
                 "", "application/json;;;", "\u00e9/\u00e9"]
ENCODINGS = ["gzip", "deflate", "br", "zstd", "identity", "gzip, br", "x-unknown", ""]


# ---------------------------------------------------------------- strategies
def _segment() -> st.SearchStrategy[str]:
    plain = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=30)
    odd = st.one_of(
        st.text(min_size=0, max_size=20),  # any unicode, control characters included
        st.sampled_from(["%2F", "%3A", "..", ".", "%00", "%ZZ", ":", "a:b", "{id}",
                         "\u00e9t\u00e9", "\x00", " ", "%"]))
    return st.one_of(plain, plain, plain, odd)  # mostly values that route


@st.composite
def paths(draw: st.DrawFn) -> tuple[str, str]:
    """(method, path): mostly a documented operation with odd values, else noise."""
    if draw(st.integers(0, 3)):
        op = draw(st.sampled_from(OPERATIONS))
        parts = re.split(r"\{[^}]+\}", op.path_template)
        path = parts[0] + "".join(draw(_segment()) + part for part in parts[1:])
        path += draw(st.sampled_from(["", "", "", "/", "//", "/extra", ":verb"]))
        method = draw(st.one_of(st.just(op.method), st.just(op.method),
                                st.sampled_from(METHODS)))
        return method, path
    method = draw(st.one_of(st.sampled_from(METHODS), st.text(max_size=10)))
    return method, draw(st.one_of(
        st.lists(_segment(), max_size=8).map(lambda s: "/" + "/".join(s)),
        st.text(max_size=60),
        st.just("/" + "a" * 10_000),
    ))


queries = st.one_of(
    st.just(""),
    st.lists(st.tuples(st.sampled_from(["page_size", "page_token", "view", "app_id",
                                        "only_recipient_originated", "x", "", "a[b]"]),
                       st.text(max_size=20)), max_size=5)
    .map(lambda kv: "&".join(f"{k}={v}" for k, v in kv)),
    st.text(max_size=40),
)

# Lone surrogates (JSON "\\ud83d") included: half an emoji, as JavaScript's slice leaves it.
json_text = st.text(max_size=20)
json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.integers(min_value=-(2**70), max_value=2**70), json_text)
json_trees = st.recursive(
    json_leaves,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(json_text, children, max_size=4)),
    max_leaves=30)


@st.composite
def nested(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(min_value=1, max_value=MAX_DEPTH))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"),
                                           ('{"display_name":', "}")]))
    return (opener * depth + "1" + closer * depth).encode()


# A body: JSON (spec-shaped or not), nesting, broken JSON, non-UTF-8, raw bytes.
documents = st.one_of(
    json_trees.map(lambda t: json.dumps(t).encode()),
    st.dictionaries(st.sampled_from(["display_name", "channel_credentials", "id",
                                     "app_id", "contact_id", "message", "recipient",
                                     "metadata_json", "channel_identities", "target",
                                     "triggers", "secret", "language"]),
                    json_trees, max_size=6).map(lambda d: json.dumps(d).encode()),
    nested(),
    st.binary(max_size=200),
    st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(max_size=40).map(lambda t: t.encode("utf-16", "surrogatepass")),
    st.sampled_from([b"", b"{", b"[1,", b'{"a":1}garbage', b"\xff\xfe\x00", b"null",
                     b"NaN", b"1e99999", b"\x1f\x8b\x08\x00junk",
                     b'{"a":' + b"9" * 5000 + b"}"]),
)


header_names = st.one_of(
    st.sampled_from(["Content-Type", "content-encoding", "Authorization", "Cookie",
                     "Transfer-Encoding", "Content-Length", "Accept", "X-Emulator-Fault",
                     "Retry-After"]),
    st.text(string.ascii_letters + "-", min_size=1, max_size=20))
header_values = st.one_of(st.sampled_from(CONTENT_TYPES + ENCODINGS + [
    "Basic !!!", "Bearer ", "Basic " + "QQ==" * 3, "chunked", "-1", "99999999999999999999"]),
    st.text(max_size=40))
headers = st.dictionaries(header_names, header_values, max_size=6)
statuses = st.one_of(st.sampled_from([200, 201, 204, 301, 400, 401, 404, 429, 500, 503]),
                     st.integers(min_value=100, max_value=999))


@st.composite
def _headers(draw: st.DrawFn) -> dict[str, str]:
    drawn = draw(headers)
    if draw(st.booleans()):  # half the time a JSON body says so, to reach the schemas
        drawn["Content-Type"] = "application/json"
    return drawn


@st.composite
def requests_(draw: st.DrawFn) -> dict[str, Any]:
    (method, path), query = draw(paths()), draw(queries)
    return {"method": method,
            # an absolute URL keeps its host (a path not starting with '/' would extend it)
            "url": f"http://{HOST}/{path.lstrip('/')}" + (f"?{query}" if query else ""),
            "path": path, "query": query, "headers": draw(_headers()),
            "body": draw(documents), "status": draw(statuses),
            "resp_headers": draw(_headers()), "resp_body": draw(documents)}


# ---------------------------------------------------------------- the contract core
@FUZZ
@given(requests_())
def test_contract_core_never_raises(req: dict[str, Any]) -> None:
    for url in (req["url"], req["path"] + (f"?{req['query']}" if req["query"] else "")):
        found = CONTRACT.validate_request(req["method"], url, req["headers"], req["body"],
                                          source="proxy")
        found += CONTRACT.validate_response(req["method"], url, req["status"],
                                            req["resp_headers"], req["resp_body"],
                                            source="proxy")
        assert all(isinstance(f, Finding) for f in found)
        event("routed to an operation" if CONTRACT.operation_for(req["method"], url)
              else "no operation")
        for kind in sorted({str(f.kind) for f in found}):
            event(f"finding {kind}")
        for f in found:  # every finding serialises to UTF-8 (what the writers do with it)
            f.to_json().encode("utf-8")


@FUZZ
@given(st.one_of(st.text(max_size=200),
                 st.text(max_size=60).map(lambda t: "http://" + t),
                 st.text(max_size=60).map(lambda t: "http://[" + t)), st.sampled_from(METHODS))
def test_router_never_raises(url: str, method: str) -> None:
    CONTRACT.match(method, url)
    CONTRACT.match(method, url, base_path="/proxy")


# ---------------------------------------------------------------- the add-on's hooks
def _addon_module() -> ModuleType:
    return load_file_module("sinch_validator_fuzzed", ADDON_PATH)


class _Errors(logging.Handler):
    """Collects every WARNING+ log record: the add-on logs what it swallowed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def addon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, _Errors, Path]]:
    tmp = tmp_path_factory.mktemp("fuzz-addon")
    errors = _Errors()
    loggers = [logging.getLogger(n) for n in ("sinch_conformance", "conformance")]
    for lg in loggers:
        lg.addHandler(errors)
    instance = _addon_module().SinchValidator()
    try:
        with taddons.context(instance) as tctx:
            tctx.configure(instance, sinch_findings_dir=str(tmp / "findings"),
                           sinch_hosts=HOST, sinch_record=str(tmp / "rec.har"),
                           sinch_check_in="thread", sinch_max_body="64k")
            yield instance, errors, tmp
            instance.done()
    finally:
        for lg in loggers:
            lg.removeHandler(errors)


def _flow(req: dict[str, Any], with_response: bool, drop_length: bool) -> http.HTTPFlow:
    method = req["method"] or "GET"
    try:
        request = http.Request.make(method, req["url"], req["body"], req["headers"])
    except (ValueError, UnicodeEncodeError):  # mitmproxy itself refuses such a request
        request = http.Request.make("GET", f"http://{HOST}/", req["body"], req["headers"])
    response = http.Response.make(req["status"], req["resp_body"], req["resp_headers"])
    if drop_length:  # as if the body came chunked / unframed
        for message in (request, response):
            message.headers.pop("content-length", None)
    return tflow.tflow(req=request, resp=response if with_response else False,
                       err=not with_response)


@FUZZ
@given(requests_(), st.booleans(), st.booleans(), st.booleans())
def test_addon_hooks_never_raise_nor_change_the_flow(
        addon: tuple[Any, _Errors, Path], req: dict[str, Any], with_response: bool,
        drop_length: bool, enforce_in_request: bool) -> None:
    instance, errors, _ = addon
    try:
        flow = _flow(req, with_response, drop_length)
    except (ValueError, UnicodeEncodeError):
        return  # a status or header mitmproxy cannot even represent
    before = flow.get_state()
    instance.requestheaders(flow)
    instance.request(flow)
    if flow.response is not None:
        instance.responseheaders(flow)
        instance.response(flow)
    else:
        instance.error(flow)
    assert flow.get_state() == before
    instance.checker.join()
    failures = [r for r in errors.records if "failed" in r.getMessage()
                or r.exc_info is not None]
    assert not failures, [r.getMessage() for r in failures]


def test_addon_fuzz_left_no_stray_state(addon: tuple[Any, _Errors, Path]) -> None:
    """After the generated flows (this runs after the test above), no per-flow state is
    left behind: every flow that entered ``requestheaders`` left in ``response``/``error``."""
    instance, _, _ = addon
    assert instance._flows == {}


# ---------------------------------------------------------------- nesting, surrogates, hosts
def _deep(depth: int) -> bytes:
    return ('{"display_name":' + "[" * depth + "]" * depth + "}").encode()


@pytest.mark.parametrize(("depth", "kind"), [(300, Kind.BODY_SKIPPED),
                                             (100_000, Kind.REQUEST_BODY_SCHEMA)])
def test_contract_core_deep_nesting_is_a_finding(depth: int, kind: Kind) -> None:
    """Nesting past jsonschema-rs' limit (256) is not validated (body_skipped); past
    Python's recursion limit it is not even parsed (not valid JSON)."""
    found = CONTRACT.validate_request("POST", "/v1/projects/p/apps",
                                      {"content-type": "application/json"}, _deep(depth),
                                      source="proxy")
    assert kind in {f.kind for f in found}
    CONTRACT.validate_response("GET", "/v1/projects/p/apps/a", 200,
                               {"content-type": "application/json"}, _deep(depth),
                               source="proxy")


# invalid bodies (channel_credentials missing): the crash is in building the error
HALF_EMOJI = [b'{"display_name":"\\ud83d"}',  # a JSON escape
              b'{"display_name":"\xed\xa0\xbd"}']  # CESU-8 bytes


@pytest.mark.parametrize("body", HALF_EMOJI, ids=["escape", "cesu8-bytes"])
def test_contract_core_lone_surrogate_is_a_finding(body: bytes) -> None:
    found = CONTRACT.validate_request("POST", "/v1/projects/p/apps",
                                      {"content-type": "application/json"}, body,
                                      source="proxy")
    assert Kind.REQUEST_BODY_SCHEMA in {f.kind for f in found}


def test_proxy_pipeline_keeps_findings_with_a_lone_surrogate(tmp_path: Path) -> None:
    from conformance.exchange.checks import CheckContext
    from conformance.exchange.model import Exchange
    from conformance.findings_io import FindingsWriter, read_findings
    from conformance.proxy.pipeline import Pipeline

    pipeline = Pipeline(CheckContext(CONTRACT, "proxy"), limit=1 << 20,
                        writer=FindingsWriter(tmp_path, "proxy"))
    try:
        pipeline.process(Exchange(
            method="GET", url=f"http://{HOST}/v1/projects/p/apps/a", status=200,
            response_headers=(("content-type", "application/json"),),
            response_body=b'{"id":"a","display_name":"\\ud83d","colour":"x"}'))
    finally:
        pipeline.close()
    assert Kind.UNDOCUMENTED_FIELD in {f.kind for f in read_findings(tmp_path)}


def test_contract_core_bad_ipv6_host_is_not_an_exception() -> None:
    found = CONTRACT.validate_request("GET", "http://[::1/v1/projects/p/apps", {}, b"",
                                      source="proxy")
    assert isinstance(found, list)
