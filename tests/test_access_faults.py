"""The access faults of the catalogue, in process: each one on (header) shows its
behaviour, and off the emulator refuses what it must. A second project with its own key
is served next to the first (``EmulatorConfig.extra_keys``)."""

from __future__ import annotations

import pytest
import requests
from emulator_fixtures import KEY_ID, SECRET, SMS_APP, config, ok, p
from test_suite_support import credentials, emulator_process

from conformance.emulator import create_app
from conformance.emulator.config import AccessKey
from tests.aids.inprocess import InProcessClient

OTHER = AccessKey("6c1f3e2d-9a8b-4c7d-8e6f-5a4b3c2d1e0f", "second-secret",
                  "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918")
OTHER_AUTH = (OTHER.key_id, OTHER.key_secret)


def with_fault(name: str) -> dict[str, dict[str, str]]:
    return {"headers": {"X-Emulator-Fault": name}}


@pytest.fixture()
def c() -> InProcessClient:
    return InProcessClient(create_app(config(extra_keys=(OTHER,))), auth=(KEY_ID, SECRET))


def test_project_not_checked(c: InProcessClient) -> None:
    foreign = p("/apps", project="some-other-project")
    assert c.get(foreign).status_code == 403
    assert c.get(p("/apps"), auth=OTHER_AUTH).status_code == 403
    assert c.get(foreign, **with_fault("project-not-checked")).status_code == 200
    assert c.get(p("/apps"), auth=OTHER_AUTH, **with_fault("project-not-checked")
                 ).status_code == 200


def test_foreign_ids_served(c: InProcessClient) -> None:
    app = ok(c.post(p("/apps"), json=SMS_APP))["id"]
    hook = ok(c.post(p("/webhooks"), json={"app_id": app, "target": "https://example.com/h",
                                           "target_type": "HTTP", "triggers": []}))["id"]
    theirs = lambda path: p(path, project=OTHER.project_id)  # noqa: E731
    assert c.get(theirs(f"/apps/{app}"), auth=OTHER_AUTH).status_code == 404
    assert c.get(theirs(f"/webhooks/{hook}"), auth=OTHER_AUTH).status_code == 404
    leak = c.get(theirs(f"/apps/{app}"), auth=OTHER_AUTH, **with_fault("foreign-ids-served"))
    assert leak.status_code == 200 and leak.json()["id"] == app
    renamed = c.patch(theirs(f"/apps/{app}"), json={"display_name": "taken over"},
                      auth=OTHER_AUTH, **with_fault("foreign-ids-served"))
    assert renamed.status_code == 200
    assert ok(c.get(p(f"/apps/{app}")))["display_name"] == "taken over"  # a real write


def test_wrong_secret_accepted(c: InProcessClient) -> None:
    assert c.get(p("/apps"), auth=(KEY_ID, "wrong")).status_code == 401
    assert c.get(p("/apps"), auth=("unknown-key", SECRET)).status_code == 401
    broken = c.get(p("/apps"), auth=(KEY_ID, "wrong"), **with_fault("wrong-secret-accepted"))
    assert broken.status_code == 200
    token = c.post("/oauth2/token", data="grant_type=client_credentials",
                   auth=(KEY_ID, "wrong"), **with_fault("wrong-secret-accepted"))
    assert token.status_code == 200 and token.json()["access_token"]
    refused = c.post("/oauth2/token", data="grant_type=client_credentials",
                     auth=(KEY_ID, "wrong"))
    assert refused.status_code == 401
    # an unknown key id stays refused: the fault skips only the secret
    assert c.get(p("/apps"), auth=("unknown-key", SECRET),
                 **with_fault("wrong-secret-accepted")).status_code == 401


def test_forged_token_accepted(c: InProcessClient) -> None:
    token = ok(c.post("/oauth2/token", data="grant_type=client_credentials",
                      auth=(KEY_ID, SECRET)))["access_token"]
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert c.get(p("/apps"), auth=token).status_code == 200
    assert c.get(p("/apps"), auth=forged).status_code == 401
    assert c.get(p("/apps"), auth=forged, **with_fault("forged-token-accepted")
                 ).status_code == 200


def test_webhook_any_app(c: InProcessClient) -> None:
    one, two = (ok(c.post(p("/apps"), json=SMS_APP))["id"] for _ in range(2))
    hook = ok(c.post(p("/webhooks"), json={"app_id": one, "target": "https://example.com/h",
                                           "target_type": "HTTP", "triggers": []}))["id"]
    assert ok(c.get(p(f"/apps/{two}/webhooks")))["webhooks"] == []
    listed = ok(c.get(p(f"/apps/{two}/webhooks"), **with_fault("webhook-any-app")))
    assert [h["id"] for h in listed["webhooks"]] == [hook]


def test_failed_create_persists(c: InProcessClient) -> None:
    bad = {"display_name": "leak", "channel_credentials": "not-a-list"}
    assert c.post(p("/apps"), json=bad).status_code == 400
    assert ok(c.get(p("/apps")))["apps"] == []
    assert c.post(p("/apps"), json=bad, **with_fault("failed-create-persists")
                  ).status_code == 400
    assert [a["display_name"] for a in ok(c.get(p("/apps")))["apps"]] == ["leak"]


def test_garbled_id_500(c: InProcessClient) -> None:
    for ident in ("{}", "01ABC%3F%3F"):
        assert c.get(p(f"/apps/{ident}")).status_code == 404
        broken = c.get(p(f"/apps/{ident}"), **with_fault("garbled-id-500"))
        assert broken.status_code == 500
    # a well-formed unknown id stays a 404
    assert c.get(p("/apps/01ABCDEF"), **with_fault("garbled-id-500")).status_code == 404


def test_emulator_process_serves_a_second_project() -> None:
    with emulator_process(credentials()) as target:
        second = target.second
        assert second is not None and second.project_id != target.credentials.project_id
        own = target.url("/v1/projects/{project_id}/apps")
        theirs = own.replace(target.credentials.project_id, second.project_id)
        assert requests.get(theirs, auth=(second.key_id, second.key_secret),
                            timeout=10).status_code == 200
        assert requests.get(own, auth=(second.key_id, second.key_secret),
                            timeout=10).status_code == 403
