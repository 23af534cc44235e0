"""Call an ASGI app in-process, without sockets or httpx: a tiny requests-like client.

    client = InProcessClient(create_app(config), auth=(config.key_id, config.key_secret))
    reply = client.post(f"/v1/projects/{pid}/contacts", json={...})
    reply.status_code, reply.json()

Each request runs the app's ASGI coroutine to completion on the client's own event loop.
"""

from __future__ import annotations

import asyncio
import base64
import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

__all__ = ["InProcessClient", "InProcessResponse", "basic_auth"]

Auth = tuple[str, str] | str | None


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class InProcessResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes
    method: str = ""
    url: str = ""
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: bytes = b""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class InProcessClient:
    def __init__(self, app: Any, auth: Auth = None) -> None:
        self.app = app
        self.auth = auth
        self._loop = asyncio.new_event_loop()

    def close(self) -> None:
        self._loop.close()

    def request(self, method: str, url: str, *, json: Any = None, data: bytes | str | None = None,
                params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                auth: Auth | bool = True) -> InProcessResponse:
        """``auth``: True uses the client's credentials, False/None sends none, a (user,
        password) pair is HTTP Basic, a string is a bearer token."""
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        body = data.encode() if isinstance(data, str) else (data or b"")
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent.setdefault("content-type", "application/json")
        credentials = self.auth if auth is True else (None if auth is False else auth)
        if credentials is not None and "authorization" not in sent:
            sent["authorization"] = (basic_auth(*credentials) if isinstance(credentials, tuple)
                                     else f"Bearer {credentials}")
        parts = urlsplit(url)
        query = parts.query
        if params:
            extra = urlencode(params, doseq=True)
            query = f"{query}&{extra}" if query else extra
        status, out_headers, content = self._loop.run_until_complete(
            self._run(method.upper(), parts.path, query, sent, body))
        full = f"{parts.path}?{query}" if query else parts.path
        return InProcessResponse(status, out_headers, content, method.upper(), full, sent, body)

    async def _run(self, method: str, path: str, query: str, headers: dict[str, str],
                   body: bytes) -> tuple[int, dict[str, str], bytes]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": unquote(path),
                 "raw_path": path.encode("latin-1"), "query_string": query.encode("latin-1"),
                 "headers": [(k.encode("latin-1"), v.encode("latin-1"))
                             for k, v in headers.items()],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
        received = False
        status, out_headers, chunks = 500, {}, []

        async def receive() -> dict[str, Any]:
            nonlocal received
            if received:
                return {"type": "http.disconnect"}
            received = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers = {k.decode("latin-1"): v.decode("latin-1")
                               for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, out_headers, b"".join(chunks)

    def get(self, url: str, **kwargs: Any) -> InProcessResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> InProcessResponse:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> InProcessResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> InProcessResponse:
        return self.request("DELETE", url, **kwargs)
