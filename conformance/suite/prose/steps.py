"""The small request steps the prose probes share: create a resource (its id, or "" when
the API refused), read one, and the app and contact most probes start from."""

from __future__ import annotations

from typing import Any

from conformance.suite.probe_context import P, ProbeContext, bodies
from conformance.suite.prose.verdicts import data

__all__ = ["PHONE", "P", "contact_body", "create", "read", "start", "stamp_of"]


PHONE = "+46700000101"  # the probes' contact (only ever sent to on a run's own app)


def create(ctx: ProbeContext, path: str, body: Any, key: str = "id") -> str:
    value = data(ctx.call("POST", f"{P}{path}", body=body)).get(key)
    return value if isinstance(value, str) else ""


def read(ctx: ProbeContext, path: str) -> dict[str, Any]:
    return data(ctx.call("GET", f"{P}{path}"))


def contact_body(number: str, **fields: Any) -> dict[str, Any]:
    """A valid contact with an SMS identity ``number`` and ``fields`` on top."""
    return {"channel_identities": [{"channel": "SMS", "identity": number}],
            "language": "EN_US", **fields}


def start(ctx: ProbeContext, probe: str) -> tuple[str, str]:
    """(app id, contact id) created for ``probe``; ("", "") with a note when refused."""
    app = create(ctx, "/apps", bodies()["app"])
    contact = create(ctx, "/contacts", contact_body(PHONE,
                                                    display_name="sinch-conformance prose"))
    if not (app and contact):
        ctx.notes.append(f"{probe} probe skipped: the API refused to create its app or contact")
        return "", ""
    return app, contact


def stamp_of(value: Any) -> str:
    return value if isinstance(value, str) else ""
