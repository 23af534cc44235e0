"""HAR 1.2 recordings with secrets redacted, and reading HAR files back as exchanges.

:class:`HarWriter` streams entries to disk as they come (one entry per line inside a
standard HAR document, so memory stays flat and a killed proxy leaves a file that
:func:`read_har` can still recover). Every entry is redacted before it is written:
headers, URL, query string and bodies (see :mod:`conformance.exchange.scrub`), so no secret
ever reaches disk. Bodies are stored decoded, as browsers do: text when UTF-8, base64
otherwise. Bodies that were not checked carry ``_sinchBodySkipped`` with the reason, so a
replay reports the same ``body_skipped`` finding the live proxy did.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from conformance import __version__
from conformance.exchange.bodies import too_large
from conformance.exchange.model import Exchange, Headers
from conformance.exchange.scrub import known_secrets, redact_body_bytes, redact_header_pairs
from conformance.redact import redact_text, redact_url

__all__ = ["HarError", "HarRecording", "HarWriter", "har_entry", "read_har"]

CREATOR = {"name": "sinch-conformance", "version": __version__}
SKIPPED = "_sinchBodySkipped"


class HarError(ValueError):
    """The file is not a HAR document we can read."""


def _headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in redact_header_pairs(headers)]


def _body_fields(body: bytes) -> dict[str, str]:
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}


def _request(ex: Exchange, secrets: tuple[str, ...]) -> dict[str, Any]:
    url = redact_text(redact_url(ex.url), secrets)
    ctype = ex.request_header("content-type") or ""
    request: dict[str, Any] = {
        "method": ex.method, "url": url, "httpVersion": ex.http_version, "cookies": [],
        "headers": _headers(ex.request_headers),
        "queryString": [{"name": k, "value": v} for k, v in
                        parse_qsl(urlsplit(url).query, keep_blank_values=True)],
        "headersSize": -1, "bodySize": ex.request_size or len(ex.request_body),
    }
    if ex.request_skipped:
        request[SKIPPED] = ex.request_skipped
    elif ex.request_body:
        body = _body_fields(redact_body_bytes(ex.request_body, ctype, secrets))
        if "encoding" in body:  # HAR 1.2 postData has no encoding field: ours is custom
            body["_encoding"] = body.pop("encoding")
        request["postData"] = {"mimeType": ctype, **body}
    return request


def _response(ex: Exchange, secrets: tuple[str, ...]) -> dict[str, Any]:
    if ex.status is None:
        return {"status": 0, "statusText": "", "httpVersion": "", "cookies": [],
                "headers": [], "content": {"size": 0, "mimeType": ""}, "redirectURL": "",
                "headersSize": -1, "bodySize": -1, "_error": ex.error or ""}
    ctype = ex.response_header("content-type") or ""
    content: dict[str, Any] = {"size": len(ex.response_body), "mimeType": ctype}
    if ex.response_skipped:
        content[SKIPPED] = ex.response_skipped
        content["size"] = ex.response_size
    elif ex.response_body:
        content.update(_body_fields(redact_body_bytes(ex.response_body, ctype, secrets)))
    if ex.response_size and not ex.response_skipped:
        content["compression"] = len(ex.response_body) - ex.response_size
    return {"status": ex.status, "statusText": ex.reason, "httpVersion": ex.http_version,
            "cookies": [], "headers": _headers(ex.response_headers), "content": content,
            "redirectURL": ex.response_header("location") or "", "headersSize": -1,
            "bodySize": ex.response_size}


def har_entry(ex: Exchange) -> dict[str, Any]:
    """One redacted HAR 1.2 entry."""
    secrets = known_secrets(ex)
    started = datetime.fromtimestamp(ex.started or 0.0, UTC)
    entry: dict[str, Any] = {
        "startedDateTime": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "time": round(ex.duration_ms, 3),
        "request": _request(ex, secrets),
        "response": _response(ex, secrets),
        "cache": {},
        "timings": {"send": 0, "wait": round(ex.duration_ms, 3), "receive": 0},
    }
    if ex.enforced:
        entry["_sinchEnforced"] = True
    return entry


class HarWriter:
    """Append redacted entries to a HAR file as they come; ``close()`` ends the document."""

    def __init__(self, path: str | os.PathLike[str], base_path: str = "") -> None:
        self.path = Path(path)
        self.count = 0
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = self.path.open("w", encoding="utf-8")
        head = {"version": "1.2", "creator": CREATOR, "pages": [],
                "_sinch": {"basePath": base_path}}
        opening = json.dumps({"log": head}, ensure_ascii=False)[:-2]  # drop the closing }}
        self._file.write(opening + ', "entries": [\n')
        self._file.flush()

    def add(self, ex: Exchange) -> None:
        line = json.dumps(har_entry(ex), ensure_ascii=False)
        with self._lock:
            if self._file is None:
                return
            self._file.write(("," if self.count else "") + line + "\n")
            self._file.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.write("]}}\n")
                self._file.close()
                self._file = None


# ---------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class HarRecording:
    exchanges: list[Exchange]
    base_path: str
    recovered: bool  # the file was cut off (a killed proxy) and read up to the last entry


def _recover(text: str) -> dict[str, Any]:
    lines = text.splitlines()
    if not lines or not lines[0].rstrip().endswith('"entries": ['):
        raise HarError("the file is not valid JSON")
    head = json.loads(lines[0].rstrip()[: -len(', "entries": [')] + "}}")
    entries = []
    for line in lines[1:]:
        try:
            entries.append(json.loads(line.lstrip(",")))
        except ValueError:
            break
    head["log"]["entries"] = entries
    return head


def _text_bytes(holder: Mapping[str, Any], encoding_key: str) -> bytes:
    text = holder.get("text")
    if text is None:
        params = holder.get("params") or []
        return urlencode([(p.get("name", ""), p.get("value", "")) for p in params]).encode()
    if holder.get(encoding_key) == "base64" or holder.get("encoding") == "base64":
        return base64.b64decode(text)
    return str(text).encode("utf-8")


def _har_headers(items: Any) -> Headers:
    out = []
    for item in items or []:
        if isinstance(item, Mapping):
            out.append((str(item.get("name", "")), str(item.get("value", ""))))
        else:  # [name, value] pairs, as some tools write
            out.append((str(item[0]), str(item[1])))
    return tuple(out)


def _limited(body: bytes, skipped: str | None, limit: int) -> tuple[bytes, str | None]:
    if skipped:
        return b"", skipped
    if len(body) > limit:
        return b"", too_large(len(body), limit)
    return body, None


def _started(entry: Mapping[str, Any]) -> float:
    try:
        stamp = str(entry.get("startedDateTime", "")).replace("Z", "+00:00")
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return 0.0


def _response_body(response: Mapping[str, Any]) -> tuple[bytes, str | None]:
    content = response.get("content") or {}
    if content.get(SKIPPED):
        return b"", str(content[SKIPPED])
    if content.get("text") is None:
        size = content.get("size") or 0
        if isinstance(size, int) and size > 0:
            return b"", f"the recording holds no body ({size} bytes were sent)"
        return b"", None
    return _text_bytes(content, "encoding"), None


def entry_exchange(entry: Mapping[str, Any], limit: int) -> Exchange:
    """The exchange an entry records (ours or another tool's)."""
    request, response = entry.get("request") or {}, entry.get("response") or {}
    req_headers = _har_headers(request.get("headers"))
    post = request.get("postData")
    req_body = _text_bytes(post, "_encoding") if post else b""
    req_body, req_skip = _limited(req_body, request.get(SKIPPED), limit)
    status = int(response.get("status") or 0) or None
    resp_body, resp_skip = _response_body(response) if status else (b"", None)
    resp_body, resp_skip = _limited(resp_body, resp_skip, limit)
    resp_headers = _har_headers(response.get("headers"))
    return Exchange(
        method=str(request.get("method", "GET")).upper(), url=str(request.get("url", "")),
        request_headers=req_headers, request_body=req_body, request_skipped=req_skip,
        status=status, reason=str(response.get("statusText", "")),
        response_headers=resp_headers, response_body=resp_body, response_skipped=resp_skip,
        enforced=bool(entry.get("_sinchEnforced")),
        http_version=str(request.get("httpVersion", "HTTP/1.1")), started=_started(entry),
        duration_ms=float(entry.get("time") or 0.0),
        error=response.get("_error") or None)


def _entries(data: Any) -> Iterator[Mapping[str, Any]]:
    log = data.get("log") if isinstance(data, Mapping) else None
    if not isinstance(log, Mapping) or not isinstance(log.get("entries"), list):
        raise HarError("the file has no log.entries list, so it is not a HAR document")
    yield from (e for e in log["entries"] if isinstance(e, Mapping))


def read_har(path: str | os.PathLike[str], limit: int) -> HarRecording:
    """Every entry of a HAR file as an Exchange (bodies over ``limit`` are skipped)."""
    text = Path(path).read_text(encoding="utf-8")
    recovered = False
    try:
        data = json.loads(text)
    except ValueError:
        data, recovered = _recover(text), True
    exchanges = []
    for entry in _entries(data):
        try:
            exchanges.append(entry_exchange(entry, limit))
        except (KeyError, TypeError, ValueError) as exc:
            raise HarError(f"entry {len(exchanges) + 1} is malformed ({exc})") from None
    base_path = str(((data.get("log") or {}).get("_sinch") or {}).get("basePath", ""))
    return HarRecording(exchanges, base_path, recovered)

