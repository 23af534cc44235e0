"""Authentication: HTTP Basic, the OAuth2 client-credentials endpoint, expiry, 401/403."""

from __future__ import annotations

import pytest
from emulator_fixtures import KEY_ID, PROJECT, SECRET, client, config, findings_of, ok, p

from conformance.emulator import create_app
from tests.aids.inprocess import InProcessClient

FORM = {"content-type": "application/x-www-form-urlencoded"}


def token_for(c: InProcessClient, **kwargs: object) -> dict[str, object]:
    return ok(c.post("/oauth2/token", data="grant_type=client_credentials", headers=FORM,
                     **kwargs))


@pytest.mark.parametrize("auth", [False, ("wrong", "creds"), (KEY_ID, "bad-secret"),
                                  "not-a-token"])
def test_bad_or_missing_credentials_get_401_with_the_spec_body(auth: object) -> None:
    c = client()
    resp = c.get(p("/apps"), auth=auth)
    assert resp.status_code == 401
    body = resp.json()
    assert body["code"] == 401 and body["status"] == "UNAUTHENTICATED" and body["details"] == []
    assert findings_of(resp) == []


@pytest.mark.parametrize("header", ["Basic !!!", "Basic " + "a" * 8, "Digest x", "Bearer"])
def test_malformed_authorization_headers(header: str) -> None:
    assert client().get(p("/apps"), headers={"Authorization": header},
                        auth=False).status_code == 401


def test_token_flow_with_basic_and_with_form_fields() -> None:
    c = client()
    issued = token_for(c, auth=(KEY_ID, SECRET))
    assert set(issued) == {"access_token", "expires_in", "scope", "token_type"}
    assert issued["expires_in"] == 3600 and issued["token_type"] == "bearer"
    assert ok(c.get(p("/apps"), auth=issued["access_token"])) == {"apps": []}
    form = f"grant_type=client_credentials&client_id={KEY_ID}&client_secret={SECRET}"
    other = ok(c.post("/oauth2/token", data=form, headers=FORM, auth=False))
    assert other["access_token"] != issued["access_token"]


def test_token_endpoint_errors() -> None:
    c = client()
    bad = c.post("/oauth2/token", data="grant_type=client_credentials", auth=("x", "y"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    grant = c.post("/oauth2/token", data="grant_type=password", auth=(KEY_ID, SECRET))
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    assert c.get("/oauth2/token").status_code == 405


def test_tokens_expire() -> None:
    now = [1_000_000.0]
    c = InProcessClient(create_app(config(token_ttl_seconds=30), clock=lambda: now[0]))
    token = token_for(c, auth=(KEY_ID, SECRET))["access_token"]
    now[0] += 29
    assert c.get(p("/apps"), auth=token).status_code == 200
    now[0] += 2
    expired = c.get(p("/apps"), auth=token)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]


def test_key_of_another_project_gets_403() -> None:
    resp = client().get(p("/apps", project="some-other-project"))
    assert resp.status_code == 403 and resp.json()["status"] == "PERMISSION_DENIED"
    assert findings_of(resp) == []


def test_auth_is_checked_before_validation() -> None:
    resp = client().post(p("/contacts"), json={"nonsense": True}, auth=False)
    assert resp.status_code == 401
    assert PROJECT in p()
