"""Real ids for generated requests: most operations need an existing app or contact.

Random ids only ever reach "not found", so before the Schemathesis phases the suite makes
(or, read-only, finds) an app and a contact and hands their ids to Schemathesis as
dictionaries: a generated ``app_id`` / ``contact_id`` is then a real one about half the
time. Ids go into request bodies and queries; path parameters only in read-only runs
(otherwise a generated delete would remove the fixture for everything after it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from conformance.suite.probes import bodies
from conformance.suite.target import Target, TokenSource
from conformance.suite.transport import Transport

__all__ = ["Fixtures", "make_fixtures"]

P = "/v1/projects/{project_id}"
PROBABILITY = 0.5
_BODY_BINDINGS = {"apps": ("body.app_id", "query.app_id"),
                  "contacts": ("body.contact_id", "body.recipient.contact_id",
                               "query.contact_id")}
_PATH_BINDINGS = {"apps": ("path.app_id",), "contacts": ("path.contact_id",),
                  "conversations": ("path.conversation_id", "query.conversation_id")}


@dataclass
class Fixtures:
    ids: dict[str, list[str]] = field(default_factory=dict)  # apps, contacts, ...
    readonly: bool = False

    def config(self) -> dict[str, Any]:
        """``dictionaries`` and ``parameters`` entries for the Schemathesis config."""
        dictionaries: dict[str, Any] = {}
        parameters: dict[str, Any] = {}
        bindings = dict(_BODY_BINDINGS)
        if self.readonly:
            bindings = {k: _BODY_BINDINGS.get(k, ()) + _PATH_BINDINGS.get(k, ())
                        for k in {*_BODY_BINDINGS, *_PATH_BINDINGS}}
        for name, keys in bindings.items():
            values = self.ids.get(name)
            if not values:
                continue
            dictionaries[name] = {"values": values}
            for key in keys:
                parameters[key] = {"dictionary": name, "probability": PROBABILITY}
        return {"dictionaries": dictionaries, "parameters": parameters}


def _ids(resp: requests.Response, key: str) -> list[str]:
    try:
        items = resp.json().get(key) or []
    except (ValueError, AttributeError):
        return []
    return [i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)][:5]


def make_fixtures(target: Target, transport: Transport, tokens: TokenSource,
                  readonly: bool) -> Fixtures:
    """Create an app and a contact (or, read-only, list existing ones); never raises for
    an answer the API gives, only for an unreachable target."""
    def call(method: str, path: str, body: Any = None) -> requests.Response:
        return transport.request(method, target.url(path), json=body, origin="probe",
                                 headers={"Authorization": tokens.header()})

    fixtures = Fixtures(readonly=readonly)
    try:
        if readonly:
            fixtures.ids["apps"] = _ids(call("GET", f"{P}/apps"), "apps")
            fixtures.ids["contacts"] = _ids(call("GET", f"{P}/contacts"), "contacts")
            fixtures.ids["conversations"] = _ids(
                call("GET", f"{P}/conversations?only_active=false"), "conversations")
            return fixtures
        for name, path, body in (("apps", f"{P}/apps", bodies()["app"]),
                                 ("contacts", f"{P}/contacts", bodies()["contact"])):
            resp = call("POST", path, body)
            ident = resp.json().get("id") if resp.ok else None
            if isinstance(ident, str) and ident:
                fixtures.ids[name] = [ident]
    except (ValueError, AttributeError):  # a body that is not a JSON object: no fixture
        pass
    return fixtures
