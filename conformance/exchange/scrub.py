"""Secrets out of recordings and findings, without changing what validation would say.

:mod:`conformance.redact` decides *what* is a secret. This module applies it to whole
exchanges:

* :func:`known_secrets` collects the literal secret values an exchange carries
  (credentials in Authorization, cookies, credential-named query parameters and JSON
  fields), so they can be scrubbed from free text such as validator messages.
* :func:`redact_body_bytes` redacts a body for a HAR file so that validating the redacted
  body gives the same verdict as the original: a masked string stays a string (``"***"``),
  a masked number stays a number of the same kind, ``true``/``false``/``null`` stay.
  Bodies that are not JSON are scrubbed as text (``"token": "..."`` and ``token=...``
  pairs), so even a truncated JSON body keeps no credential.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.exchange.model import Exchange, Headers
from conformance.redact import (
    MASK,
    MIN_SECRET_LENGTH,
    is_secret_header,
    is_secret_name,
    redact_headers,
    redact_query,
    redact_text,
)

__all__ = ["body_excerpt", "known_secrets", "mask_typed", "redact_body_bytes",
           "redact_header_pairs", "redact_json_typed"]

EXCERPT_CHARS = 2000
_JSON_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"?|-?[0-9][0-9.eE+-]*)')
# Every name is_secret_name() accepts contains one of these (lower-cased, '_'/'-' removed):
# a body without any of them has nothing to redact and is not parsed at all.
_NEEDLES = ("token", "secret", "passw", "pwd", "key", "authoriz", "cookie", "signature",
            "bearer", "session", "credential")
# Key names repeat across bodies: remember the verdict instead of normalising again.
_is_secret_name = functools.lru_cache(maxsize=8192)(is_secret_name)
_is_secret_header = functools.lru_cache(maxsize=1024)(is_secret_header)


def redact_header_pairs(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """:func:`conformance.redact.redact_headers` for pairs, with names looked up once."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        if _is_secret_header(name):
            masked = redact_headers([(name, value)])
            assert isinstance(masked, list)
            name, value = masked[0]
        out.append((name, value))
    return out
_FORM_PAIR = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)=([^&\s\"']*)")


def mask_typed(value: Any) -> Any:
    """A stand-in of the same JSON type: strings ``***``, numbers 0 or 0.5, containers
    with every leaf masked; ``null``, booleans and ``""`` kept."""
    if isinstance(value, Mapping):
        return {k: mask_typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_typed(v) for v in value]
    if value is None or isinstance(value, bool) or value == "":
        return value
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0 if value.is_integer() else 0.5
    return MASK


def redact_json_typed(data: Any) -> Any:
    """Copy of parsed JSON with credential-named values replaced by :func:`mask_typed`."""
    if isinstance(data, Mapping):
        return {k: mask_typed(v) if isinstance(k, str) and _is_secret_name(k)
                else redact_json_typed(v) for k, v in data.items()}
    if isinstance(data, list):
        return [redact_json_typed(v) for v in data]
    return data


def _collect_json(data: Any, out: set[str], inside: bool = False) -> None:
    if isinstance(data, Mapping):
        for k, v in data.items():
            _collect_json(v, out, inside or (isinstance(k, str) and _is_secret_name(k)))
    elif isinstance(data, list):
        for v in data:
            _collect_json(v, out, inside)
    elif inside and data is not None and not isinstance(data, bool):
        out.add(str(data))


def _header_secrets(headers: Headers, out: set[str]) -> None:
    for name, value in headers:
        if not _is_secret_header(name):
            continue
        scheme, _, credential = value.strip().partition(" ")
        if name.lower() in ("authorization", "proxy-authorization") and credential:
            out.add(credential.strip())
            if scheme.lower() == "basic":
                try:
                    decoded = base64.b64decode(credential.strip()).decode("utf-8")
                except ValueError:
                    continue
                out.update(p for p in decoded.split(":", 1))
        else:
            out.add(value)
            for part in re.split(r"[;,]\s*", value):  # cookie pairs: name=value
                out.add(part.partition("=")[2])


def _may_hold_secrets(text: str) -> bool:
    folded = text.lower().replace("page_token", "").replace("_", "").replace("-", "")
    return any(needle in folded for needle in _NEEDLES)


def _body_secrets(body: bytes, out: set[str]) -> None:
    if not body.strip():
        return
    text = body.decode("utf-8", "replace")
    if not _may_hold_secrets(text):
        return
    try:
        _collect_json(json.loads(text), out)
        return
    except (ValueError, RecursionError):  # not JSON, or nested too deep to walk
        pass
    for m in _JSON_PAIR.finditer(text):
        if is_secret_name(m.group(1)):
            out.add(m.group(3).strip('"'))
    for m in _FORM_PAIR.finditer(text):
        if is_secret_name(m.group(1)):
            out.add(m.group(2))


def known_secrets(ex: Exchange) -> tuple[str, ...]:
    """Literal secret values the exchange carries (long enough to scrub safely)."""
    out: set[str] = set()
    _header_secrets(ex.request_headers, out)
    _header_secrets(ex.response_headers, out)
    for name, value in parse_qsl(urlsplit(ex.url).query, keep_blank_values=True):
        if is_secret_name(name):
            out.add(value)
    _body_secrets(ex.request_body, out)
    _body_secrets(ex.response_body, out)
    return tuple(sorted((s for s in out if len(s) >= MIN_SECRET_LENGTH and s != MASK),
                        key=len, reverse=True))


def _scrub_pairs(text: str) -> str:
    def json_pair(m: re.Match[str]) -> str:
        if not is_secret_name(m.group(1)):
            return m.group(0)
        value = m.group(3)
        masked = f'"{MASK}"' if value.startswith('"') else "0"
        return f'"{m.group(1)}"{m.group(2)}{masked}'

    def form_pair(m: re.Match[str]) -> str:
        return f"{m.group(1)}={MASK}" if is_secret_name(m.group(1)) and m.group(2) \
            else m.group(0)

    return _FORM_PAIR.sub(form_pair, _JSON_PAIR.sub(json_pair, text))


def redact_body_bytes(body: bytes, content_type: str | None,
                      secrets: Iterable[str] = ()) -> bytes:
    """Body bytes safe to record, unchanged when nothing in them is a credential."""
    if not body:
        return body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body  # binary: nothing we can recognise as a named credential
    ctype = (content_type or "").lower()
    out = text
    if not _may_hold_secrets(text):
        pass
    elif "json" in ctype or text.lstrip()[:1] in ("{", "["):
        try:
            parsed = json.loads(text)
            redacted = redact_json_typed(parsed)
            if redacted != parsed:
                out = json.dumps(redacted, ensure_ascii=False)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to walk
            out = _scrub_pairs(text)
    elif "x-www-form-urlencoded" in ctype:
        out = redact_query(text)
    else:
        out = _scrub_pairs(text)
    out = redact_text(out, secrets)
    return body if out == text else out.encode("utf-8")


def body_excerpt(body: bytes, content_type: str | None, secrets: Iterable[str] = (),
                 limit: int = EXCERPT_CHARS) -> str:
    """Redacted, shortened text of a body for a Finding's evidence."""
    if not body:
        return ""
    safe = redact_body_bytes(body, content_type, secrets)
    try:
        text = safe.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(body)} bytes of binary data>"
    if len(text) > limit:
        return text[:limit] + f"... ({len(text) - limit} more characters)"
    return text
