"""Before and around a run: one authenticated call that tells a wrong URL or key from a
working target, and SIGTERM turned into Ctrl-C so a killed run still cleans up."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conformance.errors import UserError
from conformance.suite.target import Target, TokenSource
from conformance.suite.transport import Transport

__all__ = ["check_connection", "sigterm_as_interrupt"]

P = "/v1/projects/{project_id}"


def check_connection(target: Target, tokens: TokenSource, transport: Transport) -> None:
    """One authenticated GET; a UserError with a tip when it shows a wrong URL or key."""
    creds = target.credentials
    resp = transport.request("GET", target.url(f"{P}/apps"),
                             headers={"Authorization": tokens.header()}, origin="probe")
    status = resp.status_code
    if status == 401:
        raise UserError(f"{target.label} refused the credentials (401) for key {creds.key_id}",
                        tip="check --key-id/--key-secret (or SINCH_KEY_ID/SINCH_KEY_SECRET) "
                            "and --auth")
    if status == 403:
        raise UserError(f"{target.label} denied access to project {creds.project_id} (403)",
                        tip="check --project-id (or SINCH_PROJECT_ID): the key must belong to it")
    if status in (404, 405):
        raise UserError(f"{target.base_url} does not serve the Conversation API "
                        f"(GET {P}/apps answered {status})",
                        tip="check --target: the base URL, e.g. "
                            "https://us.conversation.api.sinch.com, and --project-id")


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def raise_interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, raise_interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
