"""What the suite tests: a base URL and the credentials to call it.

Names follow the official Sinch SDKs (``project_id``, ``key_id``, ``key_secret``); every
value comes from a flag or its ``SINCH_*`` environment variable. :class:`TokenSource`
turns the credentials into an ``Authorization`` header: HTTP Basic, or an OAuth2
client-credentials token fetched from the token URL and refreshed before it expires.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from conformance.errors import UserError

if TYPE_CHECKING:
    from conformance.suite.transport import Transport

__all__ = ["AUTH_MODES", "SINCH_TOKEN_URL", "Credentials", "Target", "Token", "TokenSource",
           "target_from"]

SINCH_TOKEN_URL = "https://auth.sinch.com/oauth2/token"
AUTH_MODES = ("basic", "oauth2")
_ENV = {"project_id": "SINCH_PROJECT_ID", "key_id": "SINCH_KEY_ID",
        "key_secret": "SINCH_KEY_SECRET", "auth": "SINCH_AUTH", "token_url": "SINCH_TOKEN_URL",
        "target": "SINCH_TARGET", "second_project_id": "SINCH_SECOND_PROJECT_ID",
        "second_key_id": "SINCH_SECOND_KEY_ID",
        "second_key_secret": "SINCH_SECOND_KEY_SECRET"}
_SECOND = ("second_project_id", "second_key_id", "second_key_secret")


@dataclass(frozen=True)
class Credentials:
    project_id: str
    key_id: str
    key_secret: str = field(repr=False)
    auth: str = "oauth2"  # basic | oauth2
    token_url: str = SINCH_TOKEN_URL


@dataclass(frozen=True)
class Target:
    """A system under test: base URL (scheme, host, optional base path) and credentials."""

    base_url: str
    credentials: Credentials
    name: str = ""  # what reports call it: the URL, or "emulator"
    # a second project's key, for the access probes (None: they invent foreign ids)
    second: Credentials | None = None

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path.rstrip("/")

    @property
    def label(self) -> str:
        return self.name or self.base_url

    def url(self, path: str) -> str:
        """Absolute URL of a spec path with ``{project_id}`` filled in."""
        return self.base_url.rstrip("/") + path.replace("{project_id}",
                                                        self.credentials.project_id)


def _check_url(url: str, flag: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UserError(f"{flag} {url!r} is not an http(s) URL",
                        tip=f"pass a base URL like https://us.conversation.api.sinch.com "
                            f"with {flag}")
    return url.rstrip("/")


def target_from(url: str, values: Mapping[str, str | None],
                env: Mapping[str, str]) -> Target:
    """A Target from flag values (``None`` = not given), falling back to ``SINCH_*``."""
    def pick(name: str) -> str:
        return (values.get(name) or env.get(_ENV[name]) or "").strip()

    missing = [n for n in ("project_id", "key_id", "key_secret") if not pick(n)]
    if missing:
        flags = ", ".join(f"--{n.replace('_', '-')}" for n in missing)
        names = ", ".join(_ENV[n] for n in missing)
        raise UserError(f"testing {url} needs credentials: {flags} is missing",
                        tip=f"pass {flags} or set {names}")
    auth = pick("auth") or "oauth2"
    if auth not in AUTH_MODES:
        raise UserError(f"--auth {auth!r} is not one of {', '.join(AUTH_MODES)}",
                        tip="pass --auth basic or --auth oauth2")
    token_url = _check_url(pick("token_url") or SINCH_TOKEN_URL, "--token-url")
    creds = Credentials(pick("project_id"), pick("key_id"), pick("key_secret"), auth,
                        token_url)
    return Target(_check_url(url, "--target"), creds, second=_second(creds, pick))


def _second(creds: Credentials, pick: Callable[[str], str]) -> Credentials | None:
    """The second project's credentials: all three values, or none."""
    given = [n for n in _SECOND if pick(n)]
    if not given:
        return None
    if len(given) < len(_SECOND):
        flags = ", ".join(f"--{n.replace('_', '-')}" for n in _SECOND if n not in given)
        raise UserError(f"a second project needs its project id, key id and key secret: "
                        f"{flags} is missing",
                        tip="pass --second-project-id, --second-key-id and "
                            "--second-key-secret (or SINCH_SECOND_*), or none of them")
    if pick("second_project_id") == creds.project_id:
        raise UserError("--second-project-id is the project under test; it must be another",
                        tip="pass the id of another project of yours with --second-project-id")
    return Credentials(pick("second_project_id"), pick("second_key_id"),
                       pick("second_key_secret"), creds.auth, creds.token_url)


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    expires_at: float  # monotonic clock
    lifetime: float


def basic_header(key_id: str, key_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()


class TokenSource:
    """The ``Authorization`` header for a target, thread-safe.

    OAuth2 tokens are fetched with HTTP Basic (key id, key secret) and
    ``grant_type=client_credentials``, cached, and refreshed once less than a tenth of
    their lifetime (at least one second) is left; :meth:`invalidate` forces a refresh.
    """

    def __init__(self, credentials: Credentials, transport: Transport,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.credentials = credentials
        self._transport = transport
        self._clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()
        self.fetches = 0
        self.issued: list[str] = []  # every token value seen, for redaction
        self.companion: TokenSource | None = None  # its secrets are redacted with ours

    @property
    def secrets(self) -> tuple[str, ...]:
        more = self.companion.secrets if self.companion is not None else ()
        return (self.credentials.key_secret, *self.issued, *more)

    def header(self) -> str:
        creds = self.credentials
        if creds.auth == "basic":
            return basic_header(creds.key_id, creds.key_secret)
        return f"Bearer {self.token().value}"

    def token(self) -> Token:
        with self._lock:
            token = self._token
            if token is None or token.expires_at - self._clock() < max(1.0,
                                                                      token.lifetime / 10):
                token = self._token = self.fetch()
            return token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def fetch(self) -> Token:
        """A fresh token from the token URL (not cached); UserError when refused."""
        creds = self.credentials
        try:
            resp = self._transport.request(
                "POST", creds.token_url, data={"grant_type": "client_credentials"},
                headers={"Authorization": basic_header(creds.key_id, creds.key_secret),
                         "Content-Type": "application/x-www-form-urlencoded"}, record=False,
                api_call=False)
        except UserError as exc:
            raise UserError(f"{exc.message} (the OAuth2 token URL)",
                            tip="check --token-url (Sinch's is " + SINCH_TOKEN_URL + "), or "
                                "pass --auth basic") from None
        if resp.status_code in (400, 401, 403):
            raise UserError(f"the token URL {creds.token_url} refused the key id and secret "
                            f"({resp.status_code})",
                            tip="check --key-id/--key-secret (or SINCH_KEY_ID/SINCH_KEY_SECRET)"
                                " and --token-url")
        try:
            data = resp.json()
            value = str(data["access_token"])
            lifetime = float(data.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise UserError(f"the token URL {creds.token_url} answered {resp.status_code} "
                            "without an access_token",
                            tip="check --token-url (Sinch's is " + SINCH_TOKEN_URL + ")"
                            ) from None
        self.fetches += 1
        self.issued.append(value)
        return Token(value, self._clock() + lifetime, lifetime)
