"""Each fault of the catalogue: on (header or config) it shows, off the emulator is clean.

Where a response check can see the fault, the test asserts that the contract raises the
fault's documented Finding kind; behavioural faults are shown by their behaviour."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from emulator_fixtures import (
    KEY_ID,
    SECRET,
    SMS_APP,
    SMS_ID,
    World,
    client,
    config,
    findings_of,
    make_world,
    ok,
    p,
)

from conformance.emulator import FAULTS, create_app
from conformance.emulator.faults import PROPOSED_KINDS, READ_LAG_SECONDS
from conformance.findings import Kind
from tests.aids.inprocess import InProcessClient, InProcessResponse


def with_fault(name: str) -> dict[str, dict[str, str]]:
    return {"headers": {"X-Emulator-Fault": name}}


def kinds(resp: InProcessResponse) -> set[str]:
    return {str(f.kind) for f in findings_of(resp, allow_404=False)}


@pytest.fixture()
def c() -> InProcessClient:
    return client()


@pytest.fixture()
def w(c: InProcessClient) -> World:
    return make_world(c)


READS: dict[str, Callable[[World], str]] = {
    "app": lambda w: p(f"/apps/{w.app['id']}"),
    "apps": lambda w: p("/apps"),
    "contact": lambda w: p(f"/contacts/{w.contact['id']}"),
    "contacts": lambda w: p("/contacts"),
    "conversation": lambda w: p(f"/conversations/{w.conversation['id']}"),
    "conversations": lambda w: p("/conversations?only_active=false"),
    "message": lambda w: p(f"/messages/{w.message_id}"),
    "messages": lambda w: p(f"/messages?contact_id={w.contact['id']}"),
    "webhook": lambda w: p(f"/webhooks/{w.webhook['id']}"),
    "webhooks": lambda w: p(f"/apps/{w.app['id']}/webhooks"),
}
RESPONSE_FAULTS = {name: FAULTS[name].finding for name in (
    "missing-required-field", "wrong-type", "null-value", "enum-outside-spec",
    "undocumented-field", "bad-timestamp", "undocumented-status", "wrong-content-type")}
NOT_APPLICABLE = {  # reads whose body has no field of the kind the fault damages
    ("missing-required-field", "conversation"), ("missing-required-field", "conversations"),
    ("bad-timestamp", "app"), ("bad-timestamp", "apps"), ("bad-timestamp", "contact"),
    ("bad-timestamp", "contacts"), ("bad-timestamp", "webhook"), ("bad-timestamp", "webhooks"),
}


@pytest.mark.parametrize("fault", sorted(RESPONSE_FAULTS))
@pytest.mark.parametrize("read", sorted(READS))
def test_response_fault_gives_its_finding(c: InProcessClient, w: World, fault: str,
                                          read: str) -> None:
    url = READS[read](w)
    clean = c.get(url)
    assert clean.status_code == 200 and kinds(clean) == set()
    broken = c.get(url, **with_fault(fault))
    changed = (broken.status_code, broken.headers["content-type"], broken.content) != (
        clean.status_code, clean.headers["content-type"], clean.content)
    assert changed == ((fault, read) not in NOT_APPLICABLE)
    if changed:
        assert RESPONSE_FAULTS[fault] in kinds(broken), (broken.status_code, broken.content)
    assert c.get(url).content == clean.content  # the stored resource is untouched


def test_faults_from_config_apply_to_every_request() -> None:
    c = client(faults=frozenset({"wrong-type"}))
    app = c.post(p("/apps"), json=SMS_APP)
    assert app.status_code == 200 and app.json()["id"] == 12345
    assert "response_body_schema" in kinds(app)


def test_error_body_shape(c: InProcessClient) -> None:
    for resp_of in (lambda **kw: c.get(p("/conversations"), **kw),  # 400: only_active
                    lambda **kw: c.get(p("/apps"), auth=False, **kw)):  # 401
        assert kinds(resp_of()) == set()
        broken = resp_of(**with_fault("error-body-shape"))
        assert "error" in broken.json() and "response_body_schema" in kinds(broken)


def test_server_error_on_non_ascii(c: InProcessClient) -> None:
    body = {"channel_identities": [SMS_ID], "language": "EN", "display_name": "Zoë"}
    assert c.post(p("/contacts"), json=body).status_code == 200
    broken = c.post(p("/contacts"), json=body, **with_fault("server-error"))
    assert broken.status_code == 500 and "server_error" in kinds(broken)
    plain = c.post(p("/contacts"), json={**body, "display_name": "Zoe"},
                   **with_fault("server-error"))
    assert plain.status_code == 200  # only some valid input breaks it


def test_rate_limited(c: InProcessClient) -> None:
    assert c.get(p("/apps")).status_code == 200
    broken = c.get(p("/apps"), **with_fault("rate-limited"))
    assert broken.status_code == 429 and broken.headers["retry-after"] == "1"
    assert "undocumented_status" in kinds(broken)


def test_auth_ignored(c: InProcessClient) -> None:
    assert c.get(p("/apps"), auth=False).status_code == 401
    assert c.get(p("/apps"), auth=("x", "y")).status_code == 401
    for auth in (False, ("x", "y")):
        assert c.get(p("/apps"), auth=auth, **with_fault("auth-ignored")).status_code == 200


def test_expired_token_accepted() -> None:
    now = [1_700_000_000.0]
    app = create_app(config(token_ttl_seconds=60), clock=lambda: now[0])
    c = InProcessClient(app)
    token = ok(c.post("/oauth2/token", data="grant_type=client_credentials",
                      auth=(KEY_ID, SECRET)))["access_token"]
    assert c.get(p("/apps"), auth=token).status_code == 200
    now[0] += 61
    assert c.get(p("/apps"), auth=token).status_code == 401
    expired = c.get(p("/apps"), auth=token, **with_fault("expired-token-accepted"))
    assert expired.status_code == 200


def test_invalid_body_accepted(c: InProcessClient) -> None:
    bad = {"channel_identities": "not a list"}  # and language missing
    assert c.post(p("/contacts"), json=bad).status_code == 400
    broken = c.post(p("/contacts"), json=bad, **with_fault("invalid-body-accepted"))
    assert broken.status_code == 200 and kinds(broken) == set()
    assert ok(c.get(p("/contacts")))["contacts"] == []  # nothing was stored
    hook = c.post(p("/webhooks"), json={"target": 1}, **with_fault("invalid-body-accepted"))
    assert hook.status_code == 200 and kinds(hook) == set()  # minimal valid Webhook


def test_valid_body_rejected(c: InProcessClient) -> None:
    assert c.post(p("/apps"), json=SMS_APP).status_code == 200
    broken = c.post(p("/apps"), json=SMS_APP, **with_fault("valid-body-rejected"))
    assert broken.status_code == 400 and kinds(broken) == set()
    assert c.get(p("/apps"), **with_fault("valid-body-rejected")).status_code == 200


@pytest.mark.parametrize("what", ["app", "contact", "conversation", "message", "webhook"])
def test_deleted_still_readable(c: InProcessClient, w: World, what: str) -> None:
    url = READS[what](w)
    assert c.delete(url, **with_fault("deleted-still-readable")).status_code == 200
    assert c.get(url).status_code == 200  # use after delete
    assert c.delete(url).status_code == 200
    assert c.get(url).status_code == 404  # the clean emulator deletes


CREATES: dict[str, tuple[str, Callable[[World], dict[str, Any]], str]] = {
    "app": ("/apps", lambda w: SMS_APP, "/apps/{}"),
    "contact": ("/contacts", lambda w: {"channel_identities": [SMS_ID], "language": "EN"},
                "/contacts/{}"),
    "conversation": ("/conversations", lambda w: {"app_id": w.app["id"], "contact_id": w.contact[
        "id"], "active": False}, "/conversations/{}"),
    "webhook": ("/webhooks", lambda w: {"app_id": w.app["id"], "target": "https://x.y",
                                        "triggers": []}, "/webhooks/{}"),
    "message": ("/messages:send", lambda w: {"app_id": w.app["id"], "recipient": {
        "contact_id": w.contact["id"]}, "message": {"message": {
            "omni_template": {"template_id": "t", "version": "1"}}}}, "/messages/{}"),
}


@pytest.mark.parametrize("what", sorted(CREATES))
def test_created_not_readable(c: InProcessClient, w: World, what: str) -> None:
    path, body, read = CREATES[what]
    for fault, expected in (("created-not-readable", 404), (None, 200)):
        extra = with_fault(fault) if fault else {}
        made = ok(c.post(p(path), json=body(w), **extra))
        ident = made.get("id") or made.get("message_id")
        assert c.get(p(read.format(ident))).status_code == expected


def _walk(c: InProcessClient, extra: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    token = ""
    while True:
        params: dict[str, Any] = {"page_size": 4, **({"page_token": token} if token else {})}
        page = ok(c.get(p("/contacts"), params=params, **extra))
        seen += [x["id"] for x in page["contacts"]]
        token = page["next_page_token"]
        if not token:
            return seen


@pytest.mark.parametrize("fault", ["pagination-repeats", "pagination-skips"])
def test_pagination_faults(c: InProcessClient, fault: str) -> None:
    ids = [ok(c.post(p("/contacts"), json={"channel_identities": [SMS_ID], "language": "EN"}))[
        "id"] for _ in range(14)]
    assert _walk(c, {}) == ids
    walked = _walk(c, with_fault(fault))
    if fault == "pagination-repeats":
        assert len(walked) > len(set(walked)) and set(walked) == set(ids)
    else:
        assert len(set(walked)) < len(ids)


def test_page_size_above_max(c: InProcessClient) -> None:
    for _ in range(25):
        ok(c.post(p("/contacts"), json={"channel_identities": [SMS_ID], "language": "EN"}))
    assert len(ok(c.get(p("/contacts?page_size=25")))["contacts"]) == 20
    big = ok(c.get(p("/contacts?page_size=25"), **with_fault("page-size-above-max")))
    assert len(big["contacts"]) == 25


def test_unknown_fault_names_are_refused(c: InProcessClient) -> None:
    resp = c.get(p("/apps"), headers={"X-Emulator-Fault": "no-such-fault"})
    assert resp.status_code == 400 and "no-such-fault" in resp.json()["message"]
    with pytest.raises(ValueError, match="no-such-fault"):
        create_app(config(faults=frozenset({"no-such-fault"})))


def test_catalogue_is_documented_and_every_fault_is_tested() -> None:
    for fault in FAULTS.values():
        assert fault.finding in {str(k) for k in Kind} | PROPOSED_KINDS, fault.name
        assert fault.summary and fault.applies_to and fault.stage in {
            "auth", "request", "handler", "response"}
    source = "".join(f.read_text() for f in Path(__file__).parent.glob("test_*faults.py")) + (
        Path(__file__).parent / "test_prose_probes.py").read_text()
    tested = {name for name in FAULTS if f'"{name}"' in source}
    assert tested == set(FAULTS), sorted(set(FAULTS) - tested)


# ---------------------------------------------------------------- consistency faults

CONTACT = {"channel_identities": [{"channel": "SMS", "identity": "+46700000009"}],
           "language": "EN"}


def test_read_lag_shows_writes_late(c: InProcessClient) -> None:
    lag = with_fault("read-lag")
    made = ok(c.post(p("/contacts"), json=CONTACT, **lag))["id"]
    assert c.get(p(f"/contacts/{made}"), **lag).status_code == 404  # not yet visible
    assert made not in [x["id"] for x in ok(c.get(p("/contacts"), **lag))["contacts"]]
    assert c.get(p(f"/contacts/{made}")).status_code == 200  # the primary has it
    time.sleep(READ_LAG_SECONDS + 0.05)
    assert c.get(p(f"/contacts/{made}"), **lag).status_code == 200


def test_update_not_persisted(c: InProcessClient, w: World) -> None:
    url = p(f"/contacts/{w.contact['id']}")
    answer = ok(c.patch(url, json={"display_name": "New"}, **with_fault("update-not-persisted")))
    assert answer["display_name"] == "New" and ok(c.get(url))["display_name"] != "New"


def test_list_misses_created(c: InProcessClient) -> None:
    made = [ok(c.post(p("/contacts"), json=CONTACT))["id"] for _ in range(3)]
    listed = [x["id"] for x in ok(c.get(p("/contacts"), **with_fault("list-misses-created")))[
        "contacts"]]
    assert listed == made[:2]


def test_get_returns_other(c: InProcessClient) -> None:
    made = [ok(c.post(p("/contacts"), json=CONTACT))["id"] for _ in range(2)]
    assert ok(c.get(p(f"/contacts/{made[1]}")))["id"] == made[1]
    assert ok(c.get(p(f"/contacts/{made[1]}"), **with_fault("get-returns-other")))[
        "id"] == made[0]


def test_list_filter_ignored(c: InProcessClient, w: World) -> None:
    other = ok(c.post(p("/apps"), json=SMS_APP))["id"]
    ok(c.post(p("/webhooks"), json={"app_id": other, "target": "https://x.y", "triggers": []}))
    url = p(f"/apps/{w.app['id']}/webhooks")
    assert {h["app_id"] for h in ok(c.get(url))["webhooks"]} == {w.app["id"]}
    hooks = ok(c.get(url, **with_fault("list-filter-ignored")))["webhooks"]
    assert {h["app_id"] for h in hooks} == {w.app["id"], other}


def test_pagination_total_size_and_endless(c: InProcessClient, w: World) -> None:
    url = p(f"/conversations?only_active=false&app_id={w.app['id']}")
    clean = ok(c.get(url))
    assert clean["total_size"] == len(clean["conversations"])
    wrong = ok(c.get(url, **with_fault("pagination-total-size-wrong")))
    assert wrong["total_size"] == len(clean["conversations"]) + 1
    for _ in range(5):
        ok(c.post(p("/contacts"), json=CONTACT))
    first = ok(c.get(p("/contacts?page_size=2"), **with_fault("pagination-endless")))
    token, seen = first["next_page_token"], {first["next_page_token"]}
    for _ in range(10):  # bounded: the cycle comes back to the first page's token
        token = ok(c.get(p(f"/contacts?page_size=2&page_token={token}"),
                         **with_fault("pagination-endless")))["next_page_token"]
        if token in seen:
            break
        seen.add(token)
    assert token in seen and _walk(c, {}) == _walk(c, {})  # the clean walk ends


def test_long_value_500(c: InProcessClient) -> None:
    long_name = {**CONTACT, "display_name": "x" * 300}
    assert c.post(p("/contacts"), json=long_name).status_code == 200
    broken = c.post(p("/contacts"), json=long_name, **with_fault("long-value-500"))
    assert broken.status_code == 500 and "server_error" in kinds(broken)
    assert c.post(p("/contacts"), json=CONTACT, **with_fault("long-value-500")).status_code == 200
