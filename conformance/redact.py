"""Remove secrets from anything that may end up in a Finding, a recording or a log line.

Rules (one place, used by every producer):

* Headers: ``Authorization``/``Proxy-Authorization`` keep their scheme word
  (``Bearer ***``); cookies, API-key headers and any header whose name looks like a
  credential become ``***``.
* JSON-like data, query strings and form bodies: a value whose *key* looks like a
  credential (see :func:`is_secret_name`) becomes ``***``. Containers under such a key keep
  their shape; their scalar leaves become ``***``. ``null``, booleans and ``""`` are kept.
* Free text: :func:`redact_text` removes known literal secret values (and their
  percent-encoded form); values shorter than :data:`MIN_SECRET_LENGTH` are ignored.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "MIN_SECRET_LENGTH",
    "curl_line",
    "is_secret_header",
    "is_secret_name",
    "redact_body",
    "redact_evidence",
    "redact_headers",
    "redact_json",
    "redact_query",
    "redact_text",
    "redact_url",
]

MASK = "***"
MIN_SECRET_LENGTH = 4

# Names are normalised first: camelCase -> snake_case, lower case, '-'/'.'/' ' -> '_'.
_SECRET_EXACT = frozenset(
    {"token", "secret", "password", "passwd", "pwd", "authorization", "cookie", "set_cookie",
     "bearer", "signature", "session", "session_id", "sessionid", "credential"}
)
_SECRET_PARTS = (
    "secret", "password", "passwd", "token", "api_key", "apikey", "aes_key", "sender_key",
    "private_key", "access_key", "signing_key", "authorization", "cookie", "signature",
)
# Names that contain a secret-looking part but name something public.
_NOT_SECRET = frozenset(
    {"token_type", "page_token", "next_page_token", "prev_page_token", "previous_page_token",
     "token_url", "token_uri", "token_endpoint", "token_expires_in", "expires_in", "key_id",
     "secret_id", "api_key_id", "signature_algorithm"}
)
_AUTH_SCHEME = re.compile(r"^\s*(basic|bearer|digest|token|key|hmac|aws4-hmac-sha256)\s+\S",
                          re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@functools.lru_cache(maxsize=4096)  # the same few hundred names, every flow
def _normalise(name: str) -> str:
    return re.sub(r"[-. ]", "_", _CAMEL.sub("_", name).lower())


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True when a JSON key, query parameter or form field name looks like a credential."""
    norm = _normalise(name)
    if norm in _NOT_SECRET or norm.endswith("page_token"):
        return False
    return norm in _SECRET_EXACT or any(part in norm for part in _SECRET_PARTS)


def is_secret_header(name: str) -> bool:
    """True for headers that carry credentials (Authorization, cookies, API keys, ...)."""
    norm = _normalise(name)
    return norm in {"x_api_key", "api_key", "x_auth"} or is_secret_name(norm)


def _mask_header_value(name: str, value: str) -> str:
    if _normalise(name) in {"authorization", "proxy_authorization"}:
        match = _AUTH_SCHEME.match(value)
        if match:
            return f"{match.group(1)} {MASK}"
    return MASK


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> dict[str, str] | list[tuple[str, str]]:
    """Mask credential headers. A mapping gives a dict, pairs give a list of pairs."""
    if isinstance(headers, Mapping):
        return dict(_redact_pairs(headers.items()))
    return _redact_pairs(headers)


def _redact_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, _mask_header_value(k, v) if is_secret_header(k) else v) for k, v in pairs]


def _mask_leaves(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _mask_leaves(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_leaves(v) for v in value]
    if value is None or isinstance(value, bool) or value == "":
        return value
    return MASK


def redact_json(data: Any) -> Any:
    """A copy of ``data`` with the values of credential-named keys masked, at any depth."""
    if isinstance(data, Mapping):
        return {
            k: _mask_leaves(v) if isinstance(k, str) and is_secret_name(k) else redact_json(v)
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [redact_json(v) for v in data]
    return data


def redact_query(query: str) -> str:
    """Mask credential-named parameters in a query string (``a=1&token=x`` -> ``token=***``)."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_name(k) and v for k, v in pairs):
        return query
    masked = [(k, MASK if is_secret_name(k) and v else v) for k, v in pairs]
    return urlencode(masked, safe="*")


def redact_url(url: str) -> str:
    """Mask the password in the userinfo part and credential-named query parameters."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = f"{userinfo.split(':', 1)[0]}:{MASK}"
        netloc = f"{userinfo}@{host}"
    return urlunsplit(parts._replace(netloc=netloc, query=redact_query(parts.query)))


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace every occurrence of each known secret value (and its %-encoded form)."""
    values = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
    for secret in sorted(values, key=len, reverse=True):
        text = text.replace(secret, MASK)
        encoded = quote(secret, safe="")
        if encoded != secret:
            text = text.replace(encoded, MASK)
    return text


def redact_body(body: Any, content_type: str | None = None, secrets: Iterable[str] = ()) -> Any:
    """Redact a message body: parsed JSON, JSON text, form-encoded text or bytes."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary data>"
    if not isinstance(body, str):
        return redact_json(body)
    ctype = (content_type or "").lower()
    stripped = body.lstrip()
    if stripped[:1] in ("{", "[") or "json" in ctype:
        try:
            return redact_text(json.dumps(redact_json(json.loads(body)), ensure_ascii=False),
                               secrets)
        except ValueError:
            pass
        except RecursionError:  # nested too deeply for Python: mask by the keys' names
            return redact_text(_redact_json_text(body), secrets)
    if "x-www-form-urlencoded" in ctype:
        body = redact_query(body)
    return redact_text(body, secrets)


_JSON_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*')
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _redact_json_text(text: str) -> str:
    """JSON text too deep to parse, with the string value of every credential-named key
    masked; when such a key holds anything but a string, a placeholder for the body."""
    out, pos = [], 0
    for key in _JSON_KEY.finditer(text):
        if key.start() < pos or not is_secret_name(key.group(1)):
            continue
        value = _JSON_STRING.match(text, key.end())
        if value is None:
            return f"<{len(text)} characters of deeply nested JSON with a credential field>"
        out += [text[pos:key.end()], f'"{MASK}"']
        pos = value.end()
    return "".join(out) + text[pos:]


def _redact_value(key: str, value: Any, secrets: tuple[str, ...]) -> Any:
    lowered = key.lower()
    if isinstance(value, Mapping | list) and lowered.endswith("headers"):
        return redact_headers(value)
    if isinstance(value, str) and lowered.endswith("url"):
        return redact_text(redact_url(value), secrets)
    if lowered.endswith("body"):
        return redact_body(value, secrets=secrets)
    return redact_evidence(value, secrets)


def redact_evidence(evidence: Any, secrets: Iterable[str] = ()) -> Any:
    """Redact a Finding's evidence: headers, URLs, bodies, nested excerpts and free text."""
    known = tuple(s for s in secrets if s)
    if isinstance(evidence, Mapping):
        out: dict[str, Any] = {}
        for key, value in evidence.items():
            if is_secret_name(str(key)) and not str(key).lower().endswith("headers"):
                out[key] = _mask_leaves(value)
            else:
                out[key] = _redact_value(str(key), value, known)
        return out
    if isinstance(evidence, list | tuple):
        return [redact_evidence(v, known) for v in evidence]
    if isinstance(evidence, str):
        return redact_text(evidence, known)
    return evidence


def curl_line(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: Any = None,
    secrets: Iterable[str] = (),
) -> str:
    """A redacted ``curl`` command that reproduces a request."""
    known = tuple(secrets)
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    ctype = next((v for k, v in pairs if k.lower() == "content-type"), None)
    parts = ["curl", "-X", method.upper()]
    for name, value in _redact_pairs(pairs):
        parts += ["-H", f"{name}: {value}"]
    if body is not None and body != b"" and body != "":
        data = redact_body(body, ctype, known)
        if not isinstance(data, str):
            data = json.dumps(data, ensure_ascii=False)
        parts += ["-d", data]
    parts.append(redact_url(url))
    return redact_text(shlex.join(parts), known)
