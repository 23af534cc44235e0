"""HAR recordings: valid HAR 1.2, no secret on disk, and replay sees what live saw."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mitmproxy.io import har as mitm_har

from conformance.contract import Contract
from conformance.exchange.checks import CheckContext, check_exchange
from conformance.exchange.har import HarWriter, entry_exchange, har_entry, read_har
from conformance.exchange.model import Exchange, WireCapture, to_exchange
from conformance.exchange.scrub import redact_body_bytes
from tests.aids.fakeapi import app_body

URL = "https://us.conversation.api.sinch.com/v1/projects/p1/apps"
JSON = (("Content-Type", "application/json"),)
SECRETS = ("hdr-secret-0001", "qs-secret-0002", "body-secret-0003", "resp-secret-0004",
           "cookie-secret-0005", "client-secret-0006")

# Just enough of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) to catch a
# missing required field or a wrong type.
_NV = {"type": "object", "required": ["name", "value"],
       "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}
HAR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["log"],
    "properties": {"log": {
        "type": "object", "required": ["version", "creator", "entries"],
        "properties": {
            "version": {"const": "1.2"},
            "creator": {"type": "object", "required": ["name", "version"]},
            "entries": {"type": "array", "items": {
                "type": "object",
                "required": ["startedDateTime", "time", "request", "response", "cache",
                             "timings"],
                "properties": {
                    "startedDateTime": {"type": "string", "format": "date-time"},
                    "time": {"type": "number"},
                    "request": {"type": "object", "required": [
                        "method", "url", "httpVersion", "cookies", "headers", "queryString",
                        "headersSize", "bodySize"],
                        "properties": {"headers": {"type": "array", "items": _NV},
                                       "queryString": {"type": "array", "items": _NV},
                                       "postData": {"type": "object",
                                                    "required": ["mimeType"]}}},
                    "response": {"type": "object", "required": [
                        "status", "statusText", "httpVersion", "cookies", "headers",
                        "content", "redirectURL", "headersSize", "bodySize"],
                        "properties": {"status": {"type": "integer"},
                                       "headers": {"type": "array", "items": _NV},
                                       "content": {"type": "object",
                                                   "required": ["size", "mimeType"]}}},
                    "timings": {"type": "object", "required": ["send", "wait", "receive"]},
                }}},
        }}},
}


def secret_exchange() -> Exchange:
    body = {"display_name": 5, "channel_credentials": [
        {"channel": "SMS", "callback_secret": "body-secret-0003",
         "static_bearer": {"claimed_identity": "me", "token": 123456789},
         "client_credentials": {"client_secret": "client-secret-0006"}}]}
    response = app_body("a", channel_credentials=[
        {"channel": "SMS", "static_bearer": {"claimed_identity": "x",
                                             "token": "resp-secret-0004"}}], colour="x")
    return Exchange(
        method="POST", url=f"{URL}?access_token=qs-secret-0002&page_size=2",
        request_headers=(("Authorization", "Bearer hdr-secret-0001"),
                         ("Cookie", "sid=cookie-secret-0005"), *JSON),
        request_body=json.dumps(body).encode(), status=200, reason="OK",
        response_headers=(*JSON, ("Set-Cookie", "sid=cookie-secret-0005; Path=/")),
        response_body=json.dumps(response).encode(), started=1_700_000_000.0,
        duration_ms=12.5)


EXCHANGES = {
    "secrets": secret_exchange(),
    "conforming": Exchange("GET", f"{URL}/a", JSON, status=200, response_headers=JSON,
                           response_body=json.dumps(app_body("a")).encode()),
    "binary body": Exchange("GET", f"{URL}/a", JSON, status=200,
                            response_headers=(("Content-Type", "application/json"),),
                            response_body=b"\xff\xfe\x00binary"),
    "skipped bodies": Exchange("POST", URL, JSON, request_skipped="too big", status=200,
                               response_headers=JSON, response_skipped="too big"),
    "no response": Exchange("GET", f"{URL}/a", (), status=None, error="connection refused"),
    "enforced": Exchange("POST", URL, JSON, b'{"display_name": 1}', status=400,
                         response_headers=JSON, response_body=b'{"code": 400}',
                         enforced=True),
    "truncated json with secret": Exchange(
        "POST", URL, JSON, b'{"display_name": "x", "token": "body-secret-0003", "chan',
        status=400, response_headers=JSON, response_body=b'{"code": 400}'),
    "nested too deep to validate": Exchange(
        "POST", URL, JSON, b'{"display_name": ' + b"[" * 3000 + b"]" * 3000
        + b', "token": "body-secret-0003"}', status=200, response_headers=JSON,
        response_body=b"{}"),
    "form with secret": Exchange(
        "POST", URL, (("Content-Type", "application/x-www-form-urlencoded"),),
        b"client_secret=client-secret-0006&a=1", status=400, response_headers=JSON,
        response_body=b'{"code": 400}'),
}


def fingerprints(ex: Exchange) -> set[str]:
    ctx = CheckContext(Contract.default(), "proxy")
    return {f.fingerprint for f in check_exchange(ctx, ex)}


@pytest.mark.parametrize("name", list(EXCHANGES))
def test_replayed_entry_gives_the_same_findings(name: str) -> None:
    ex = EXCHANGES[name]
    again = entry_exchange(json.loads(json.dumps(har_entry(ex))), 1 << 20)
    assert fingerprints(again) == fingerprints(ex)


def test_recording_is_valid_har_that_mitmproxy_opens(tmp_path: Path) -> None:
    path = tmp_path / "rec.har"
    writer = HarWriter(path, base_path="")
    for ex in EXCHANGES.values():
        writer.add(ex)
    writer.close()
    data = json.loads(path.read_text())
    jsonschema.validate(data, HAR_SCHEMA, format_checker=jsonschema.FormatChecker())
    for entry in data["log"]["entries"]:
        flow = mitm_har.request_to_flow(entry)
        assert flow.request.method == entry["request"]["method"]


def test_no_secret_reaches_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "rec.har"
    writer = HarWriter(path)
    for ex in EXCHANGES.values():
        writer.add(ex)
    writer.close()
    text = path.read_text()
    for secret in SECRETS + ("123456789",):
        assert secret not in text
    entry = json.loads(text)["log"]["entries"][0]
    headers = {h["name"]: h["value"] for h in entry["request"]["headers"]}
    assert headers["Authorization"] == "Bearer ***"
    body = json.loads(entry["request"]["postData"]["text"])
    assert body["channel_credentials"][0]["static_bearer"]["token"] == 0  # still a number
    assert body["channel_credentials"][0]["callback_secret"] == "***"  # still a string


def test_bodies_are_stored_decoded_and_binary_as_base64() -> None:
    plain = json.dumps(app_body("a", channel_credentials=[])).encode()
    raw = gzip.compress(plain)
    capture = WireCapture("GET", f"{URL}/a", "HTTP/1.1", (), b"", status=200,
                          response_fields=(("Content-Type", "application/json"),
                                           ("Content-Encoding", "gzip")), response_raw=raw)
    entry = har_entry(to_exchange(capture, 1 << 20))
    assert entry["response"]["content"]["text"] == plain.decode()
    assert entry["response"]["content"]["compression"] == len(plain) - len(raw)
    binary = har_entry(EXCHANGES["binary body"])["response"]["content"]
    assert binary["encoding"] == "base64"
    assert base64.b64decode(binary["text"]) == b"\xff\xfe\x00binary"


def test_a_cut_off_recording_is_read_up_to_its_last_entry(tmp_path: Path) -> None:
    path = tmp_path / "rec.har"
    writer = HarWriter(path, base_path="/proxy")
    writer.add(EXCHANGES["conforming"])
    writer.add(EXCHANGES["secrets"])
    writer._file.flush()  # type: ignore[union-attr]  # the proxy was killed here
    text = path.read_text()
    recording = read_har(path, 1 << 20)
    writer.close()
    assert text.count("\n") == 3
    assert recording.recovered and recording.base_path == "/proxy"
    assert [e.method for e in recording.exchanges] == ["GET", "POST"]


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=32),
                    st.text(max_size=8))
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["token", "x", "id"]),
                                                 inner, max_size=3)), max_leaves=6)
_credential = st.fixed_dictionaries({"channel": st.sampled_from(["SMS", "TELEGRAM", 7])},
                                    optional={"callback_secret": _value,
                                              "static_bearer": st.fixed_dictionaries(
                                                  {"claimed_identity": _value},
                                                  optional={"token": _value}),
                                              "client_secret": _value})
_app = st.fixed_dictionaries({"display_name": _value},
                             optional={"channel_credentials": st.lists(_credential,
                                                                       max_size=2)})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_app)
def test_redaction_never_changes_a_verdict(body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    redacted = redact_body_bytes(raw, "application/json")
    original = Exchange("POST", URL, JSON, raw, status=400, response_headers=JSON,
                        response_body=b'{"code": 400}')
    assert fingerprints(original) == fingerprints(
        Exchange("POST", URL, JSON, redacted, status=400, response_headers=JSON,
                 response_body=b'{"code": 400}'))
