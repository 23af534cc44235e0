"""Redaction: no credential shape survives into a Finding, a recording or a curl line."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from conformance.redact import (
    MASK,
    curl_line,
    is_secret_header,
    is_secret_name,
    redact_body,
    redact_evidence,
    redact_headers,
    redact_json,
    redact_query,
    redact_text,
    redact_url,
)

PLANTED = "PLANTED-4f9c2e7a1b"


@pytest.mark.parametrize(
    "name",
    [
        "token", "access_token", "refresh_token", "id_token", "auth_token", "accessToken",
        "secret", "client_secret", "callback_secret", "key_secret", "app_secret",
        "password", "Password", "apple_pay_certificate_password", "api_key", "apikey",
        "API-Key", "aes_key", "sender_key", "private_key", "hmac_secret", "authorization",
        "cookie", "Set-Cookie",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "token_type", "next_page_token", "page_token", "nextPageToken", "expires_in", "key_id",
        "project_id", "app_id", "client_id", "token_url", "page_size", "contact_id", "scope",
    ],
)
def test_public_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("Authorization", f"Bearer {PLANTED}", "Bearer ***"),
        ("authorization", f"Basic {PLANTED}", "Basic ***"),
        ("Authorization", PLANTED, MASK),
        ("Proxy-Authorization", f"Basic {PLANTED}", "Basic ***"),
        ("Cookie", f"session={PLANTED}", MASK),
        ("Set-Cookie", f"sid={PLANTED}; HttpOnly", MASK),
        ("X-Api-Key", PLANTED, MASK),
        ("X-Auth-Token", PLANTED, MASK),
        ("x-sinch-webhook-signature", PLANTED, MASK),
        ("Content-Type", "application/json", "application/json"),
        ("Accept", "*/*", "*/*"),
    ],
)
def test_headers(name: str, value: str, expected: str) -> None:
    assert redact_headers({name: value}) == {name: expected}
    assert redact_headers([(name, value)]) == [(name, expected)]
    assert is_secret_header(name) == (expected != value)


def test_nested_json() -> None:
    data: dict[str, Any] = {
        "app": {
            "display_name": "shop",
            "channel_credentials": [
                {"channel": "TELEGRAM", "telegram_credentials": {"token": PLANTED}},
                {"channel": "MMS", "mms_credentials": {
                    "account_id": "acc", "api_key": PLANTED,
                    "basic_auth": {"username": "u", "password": PLANTED}}},
                {"channel": "WECHAT", "wechat_credentials": {
                    "app_id": "wx", "app_secret": PLANTED, "token": PLANTED,
                    "aes_key": PLANTED}},
                {"channel": "KAKAOTALK", "kakaotalk_credentials": {"sender_key": PLANTED}},
            ],
            "callback_settings": {"secret_for_overridden_callback_urls": PLANTED},
        },
        "webhook": {"secret": PLANTED, "client_credentials": {
            "client_id": "cid", "client_secret": PLANTED, "endpoint": "https://a/t"}},
        "next_page_token": "page-2",
        "token_type": "bearer",
        "expires_in": 3600,
        "refresh_token": None,
        "private_key": {"pem": PLANTED, "bits": 2048},
    }
    out = redact_json(data)
    assert PLANTED not in json.dumps(out)
    assert out["app"]["channel_credentials"][1]["mms_credentials"]["account_id"] == "acc"
    assert out["app"]["channel_credentials"][0]["channel"] == "TELEGRAM"
    assert out["webhook"]["client_credentials"]["client_id"] == "cid"
    assert out["next_page_token"] == "page-2"
    assert out["token_type"] == "bearer"
    assert out["expires_in"] == 3600
    assert out["refresh_token"] is None
    assert out["private_key"] == {"pem": MASK, "bits": MASK}
    assert data["webhook"]["secret"] == PLANTED, "input must not be modified"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"access_token={PLANTED}&page_size=10", "access_token=***&page_size=10"),
        (f"page_token=abc&api_key={PLANTED}", "page_token=abc&api_key=***"),
        ("page_size=10&page_token=x%20y", "page_size=10&page_token=x%20y"),
        ("", ""),
        ("token=", "token="),
    ],
)
def test_query(query: str, expected: str) -> None:
    assert redact_query(query) == expected


def test_url() -> None:
    url = f"https://key:{PLANTED}@eu.conversation.api.sinch.com/v1/p?token={PLANTED}&a=1"
    out = redact_url(url)
    assert PLANTED not in out
    assert out == "https://key:***@eu.conversation.api.sinch.com/v1/p?token=***&a=1"
    assert redact_url("https://h/v1/x?page_size=2") == "https://h/v1/x?page_size=2"


def test_text_literal_secrets() -> None:
    secret = "Zx9+/ab=Q-long"
    text = f"got {secret} and Zx9%2B%2Fab%3DQ-long and a/b"
    assert redact_text(text, [secret]) == "got *** and *** and a/b"
    assert redact_text(f"{PLANTED}{PLANTED}", [PLANTED, None, ""]) == "******"
    assert redact_text("x/y", ["/"]) == "x/y", "too-short values are ignored"
    assert redact_text("a+b c", ["a+b c"]) == MASK


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (json.dumps({"client_secret": PLANTED}), "application/json"),
        (json.dumps({"client_secret": PLANTED}).encode(), None),
        ({"nested": [{"password": PLANTED}]}, None),
        (f"grant_type=client_credentials&client_secret={PLANTED}",
         "application/x-www-form-urlencoded"),
        (f"free text with {PLANTED}", "text/plain"),
    ],
)
def test_body_shapes(body: Any, ctype: str | None) -> None:
    out = redact_body(body, ctype, secrets=[PLANTED])
    assert PLANTED not in json.dumps(out)


def test_binary_body() -> None:
    assert redact_body(b"\xff\xfe\x00") == "<3 bytes of binary data>"


def test_evidence() -> None:
    basic = base64.b64encode(f"key:{PLANTED}".encode()).decode()
    evidence = {
        "request": {
            "method": "POST",
            "url": f"https://h/v1/x?client_secret={PLANTED}",
            "headers": [["Authorization", f"Basic {basic}"], ["Accept", "*/*"]],
            "body": json.dumps({"app_id": "A", "aes_key": PLANTED}),
        },
        "response": {"headers": {"Set-Cookie": PLANTED}, "body": {"access_token": PLANTED}},
        "api_key": PLANTED,
        "log": [f"message with {PLANTED}"],
    }
    redacted = redact_evidence(evidence, [PLANTED])
    out = json.dumps(redacted)
    assert PLANTED not in out and basic not in out
    assert json.loads(redacted["request"]["body"]) == {"app_id": "A", "aes_key": MASK}
    assert redacted["request"]["headers"][1] == ("Accept", "*/*")


def test_curl_line_never_contains_a_planted_secret() -> None:
    basic = base64.b64encode(f"key:{PLANTED}".encode()).decode()
    line = curl_line(
        "post",
        f"https://h/v1/projects/p/messages:send?token={PLANTED}",
        {"Authorization": f"Basic {basic}", "Content-Type": "application/json",
         "X-Debug": PLANTED},
        {"app_id": "A", "message": {"text_message": {"text": "hi"}}, "secret": PLANTED},
        secrets=[PLANTED],
    )
    assert PLANTED not in line and basic not in line
    assert line.startswith("curl -X POST -H 'Authorization: Basic ***'")
    assert "'Content-Type: application/json'" in line
    assert line.endswith("'https://h/v1/projects/p/messages:send?token=***'")
    assert '"text": "hi"' in line


def test_curl_line_without_body() -> None:
    assert curl_line("GET", "https://h/v1/x") == "curl -X GET https://h/v1/x"
