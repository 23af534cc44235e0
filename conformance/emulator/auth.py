"""Authentication like Sinch's: HTTP Basic with an access key, or an OAuth2 bearer token.

``POST /oauth2/token`` (on the emulator's own base URL, standing in for
``https://auth.sinch.com/oauth2/token``) takes the key id and secret as HTTP Basic
credentials (or ``client_id``/``client_secret`` form fields) and
``grant_type=client_credentials``; it answers ``access_token``, ``expires_in``, ``scope``
and ``token_type``. Tokens expire after ``token_ttl_seconds``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
from urllib.parse import parse_qs

from conformance.emulator.config import AccessKey, EmulatorConfig
from conformance.emulator.ids import Clock
from conformance.emulator.replies import ApiError, Reply

__all__ = ["TOKEN_PATH", "Authenticator"]

TOKEN_PATH = "/oauth2/token"


def _oauth_error(status: int, error: str, description: str) -> Reply:
    headers = [("www-authenticate", 'Basic realm="sinch"')] if status == 401 else []
    return Reply(status, {"error": error, "error_description": description}, headers=headers)


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None  # not base64 of "key:secret": no credentials, hence the 401
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class Authenticator:
    """Checks credentials and issues tokens; one per app instance."""

    def __init__(self, config: EmulatorConfig, clock: Clock) -> None:
        self._keys = {k.key_id: k for k in config.keys}
        self._ttl = config.token_ttl_seconds
        self._clock = clock
        self._tokens: dict[str, tuple[AccessKey, float]] = {}
        self._lock = threading.Lock()

    def key_for(self, key_id: str, secret: str, *, any_secret: bool = False
                ) -> AccessKey | None:
        """The key with this id and secret; ``any_secret`` (a fault) skips the secret."""
        key = self._keys.get(key_id)
        if key is None or not (any_secret or hmac.compare_digest(key.key_secret.encode(),
                                                                 secret.encode())):
            return None
        return key

    def authenticate(self, authorization: str, *, accept_expired: bool = False,
                     any_secret: bool = False, any_token: bool = False) -> AccessKey:
        """The access key behind an Authorization header, or a 401 ApiError.

        The keyword flags are faults: an expired token, any secret of a known key id, any
        bearer token (an unknown one stands for the first key) are taken."""
        if not authorization:
            raise ApiError.unauthenticated("Request is missing credentials: send HTTP Basic "
                                           "(key id, key secret) or an OAuth2 bearer token.")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer":
            return self._bearer(value.strip(), accept_expired, any_token)
        pair = _basic(authorization)
        key = self.key_for(*pair, any_secret=any_secret) if pair else None
        if key is None:
            raise ApiError.unauthenticated()
        return key

    def _bearer(self, token: str, accept_expired: bool, any_token: bool) -> AccessKey:
        entry = self._tokens.get(token)
        if entry is None and any_token and token:
            return next(iter(self._keys.values()))
        if entry is None:
            raise ApiError.unauthenticated()
        key, expires = entry
        if expires <= self._clock.peek() and not accept_expired:
            raise ApiError.unauthenticated("Request had invalid credentials: the access "
                                           "token has expired.")
        return key

    # ---------------------------------------------------------------- token endpoint
    def token_endpoint(self, method: str, authorization: str, body: bytes, *,
                       any_secret: bool = False) -> Reply:
        if method != "POST":
            return Reply(405, {"error": "invalid_request",
                               "error_description": "use POST"}, headers=[("allow", "POST")])
        try:
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}
        except UnicodeDecodeError:
            form = {}  # not UTF-8: no form credentials (401 unless Basic auth is given)
        pair = _basic(authorization) if authorization else None
        if pair is None and "client_id" in form:
            pair = (form["client_id"], form.get("client_secret", ""))
        key = self.key_for(*pair, any_secret=any_secret) if pair else None
        if key is None:
            return _oauth_error(401, "invalid_client", "Unknown key id or wrong key secret.")
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type",
                                "Only grant_type=client_credentials is supported.")
        return Reply(200, self._issue(key))

    def _issue(self, key: AccessKey) -> dict[str, object]:
        now = self._clock.peek()
        token = secrets.token_urlsafe(32)
        with self._lock:
            for stale in [t for t, (_, exp) in self._tokens.items() if exp <= now]:
                del self._tokens[stale]
            self._tokens[token] = (key, now + self._ttl)
        return {"access_token": token, "expires_in": self._ttl, "scope": "",
                "token_type": "bearer"}
