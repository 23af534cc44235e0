"""What a handler returns (:class:`Reply`) and what it raises (:class:`ApiError`).

Error bodies have the spec's ``runtimeError`` shape: ``code`` (the HTTP status), ``message``,
``status`` (the gRPC-style name the API uses: ``INVALID_ARGUMENT``, ``UNAUTHENTICATED``,
``PERMISSION_DENIED``, ``NOT_FOUND``, ``FAILED_PRECONDITION``, ``INTERNAL``) and ``details``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JSON", "ApiError", "Reply", "error_body"]

JSON = "application/json"
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # stateless


@dataclass
class Reply:
    """One HTTP answer: status, a JSON-ready body and extra headers."""

    status: int
    body: Any = None
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        return _ENCODER.encode(self.body).encode()


def error_body(code: int, status: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "status": status, "details": []}


class ApiError(Exception):
    """An error answer with the spec's runtimeError body."""

    def __init__(self, code: int, status: str, message: str,
                 headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.headers = list(headers or [])

    def reply(self) -> Reply:
        return Reply(self.code, error_body(self.code, self.status, self.message),
                     headers=list(self.headers))

    @classmethod
    def not_found(cls, what: str, ident: str) -> ApiError:
        return cls(404, "NOT_FOUND", f"Requested {what} '{ident}' not found.")

    @classmethod
    def invalid(cls, message: str) -> ApiError:
        return cls(400, "INVALID_ARGUMENT", message)

    @classmethod
    def precondition(cls, message: str) -> ApiError:
        return cls(400, "FAILED_PRECONDITION", message)

    @classmethod
    def unauthenticated(cls, message: str = "Request had invalid credentials.") -> ApiError:
        return cls(401, "UNAUTHENTICATED", message,
                   [("www-authenticate", 'Basic realm="sinch", Bearer')])

    @classmethod
    def forbidden(cls, project_id: str) -> ApiError:
        return cls(403, "PERMISSION_DENIED",
                   f"You do not have access to the requested resource (project '{project_id}').")

    @classmethod
    def internal(cls, message: str = "There was an internal server error.") -> ApiError:
        return cls(500, "INTERNAL", message)
