"""The suite's parts one by one: bucket, retries, generation document, links, cleanup,
probe bodies, failure judgement, evidence redaction, targets, findings sink, summary."""

from __future__ import annotations

import dataclasses
import json
from email.utils import formatdate
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig

from conformance.contract import REJECTING_KINDS, Contract
from conformance.errors import UserError
from conformance.exchange.checks import EXCHANGE_CHECKS, CheckContext, check_exchange
from conformance.exchange.evidence import evidence_for
from conformance.exchange.model import Exchange
from conformance.findings import Finding, Kind
from conformance.suite.checks import FAILURE_KINDS, keep_failure
from conformance.suite.cleanup import Cleanup, CleanupApi
from conformance.suite.collector import FindingSink
from conformance.suite.generation import generation_document
from conformance.suite.probes import PROBES, bodies
from conformance.suite.run_errors import RunErrors
from conformance.suite.summary import RunSummary, new_stats
from conformance.suite.summary_text import render_table
from conformance.suite.target import Credentials, Target, target_from
from conformance.suite.transport import (
    RetryBreaker,
    RetryPolicy,
    TokenBucket,
    Transport,
    retry_after_seconds,
)

C = Contract.default()
P = "/v1/projects/proj"
SECRET = "unit-test-secret-4711"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# ---------------------------------------------------------------- rate limit and retries

def test_token_bucket_spaces_requests_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, burst=1, clock=clock, sleep=clock.sleep)
    for _ in range(6):
        bucket.acquire()
    assert clock.now - 100.0 == pytest.approx(0.5)  # first free, then 0.1 s apart
    assert all(s == pytest.approx(0.1) for s in clock.slept)


class LateClock(FakeClock):
    """A clock whose sleeps overshoot by 40 ms, as a loaded machine's do."""

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds + 0.04)


@pytest.mark.parametrize("clock_type", [FakeClock, LateClock])
def test_token_bucket_never_lets_rate_plus_one_through_in_a_second(clock_type: type) -> None:
    clock = clock_type()
    bucket = TokenBucket(20, burst=1, clock=clock, sleep=clock.sleep)
    sent = []
    for i in range(200):
        bucket.acquire()
        sent.append(clock.now)
        clock.now += 0.013 * (i % 3)  # the request itself takes a while
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t < start + 1.05) <= 20
    assert (len(sent) - 1) / (sent[-1] - sent[0]) > 15  # and not much slower than asked


def test_token_bucket_refills_while_idle_up_to_its_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, burst=3, clock=clock, sleep=clock.sleep)
    clock.now += 60  # a long pause earns at most `burst` tokens
    for _ in range(3):
        bucket.acquire()
    assert clock.slept == []
    bucket.acquire()  # the bucket would allow it 0.5 s later; the window only after 1.05 s
    assert clock.slept == [pytest.approx(1.05)]


@pytest.mark.parametrize(("value", "expected"), [
    ("3", 3.0), ("0.5", 0.5), ("120", 10.0), ("soon", None), ("", None), (None, None),
])
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value, cap=10.0) == expected


def test_retry_after_http_date() -> None:
    in_two = formatdate(timeval=__import__("time").time() + 2, usegmt=True)
    assert 0.5 < (retry_after_seconds(in_two, cap=10.0) or 0) <= 2.0


def test_backoff_doubles_with_jitter_and_honours_retry_after() -> None:
    import random

    policy, rng = RetryPolicy(backoff=0.1, max_delay=1.0), random.Random(1)
    delays = [policy.delay(n, 503, None, rng) for n in range(5)]
    for n, d in enumerate(delays):
        assert min(1.0, 0.1 * 2 ** n) / 2 <= d <= min(1.0, 0.1 * 2 ** n)
    assert policy.delay(0, 429, "0.7", rng) == 0.7
    assert policy.delay(0, 429, None, rng) <= 0.1  # no Retry-After: back-off


def test_breaker_gives_up_on_a_persistent_5xx_per_operation_then_on_all() -> None:
    breaker = RetryBreaker(dead_limit=2)
    assert breaker.allows("op1", 500)
    breaker.exhausted("op1", 500)
    assert not breaker.allows("op1", 500) and breaker.allows("op2", 503)
    breaker.exhausted("op2", 503)
    assert not breaker.allows("op3", 500)  # two operations failed for good: stop retrying


def test_breaker_opens_on_persistent_429_for_a_cooldown() -> None:
    clock = FakeClock()
    breaker = RetryBreaker(limit=2, cooldown=30, clock=clock)
    breaker.exhausted("a", 429)
    assert breaker.allows("b", 429)
    breaker.exhausted("b", 429)
    assert not breaker.allows("c", 429)
    clock.now += 31
    assert breaker.allows("c", 429)


def _response(status: int, headers: dict[str, str] | None = None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.headers.update(headers or {})
    resp._content = b"{}"
    resp.request = requests.Request("GET", "http://t.example/x").prepare()
    return resp


def test_transport_retries_429_and_5xx_until_an_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [_response(429, {"Retry-After": "0"}), _response(503), _response(200)]
    sleeps: list[float] = []
    monkeypatch.setattr("conformance.suite.transport.time.sleep", sleeps.append)
    transport = Transport(policy=RetryPolicy(retries=3, backoff=0.01))
    monkeypatch.setattr(transport, "_send_once", lambda prepared: answers.pop(0))
    first = transport._send_once(None)  # type: ignore[arg-type]
    final = transport.retry(first, key="op")
    assert final is not None and final.status_code == 200
    assert transport.retried == 2 and sleeps[0] == 0.0


def test_transport_passes_on_the_last_answer_when_retries_run_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("conformance.suite.transport.time.sleep", lambda s: None)
    transport = Transport(policy=RetryPolicy(retries=2, backoff=0.0))
    monkeypatch.setattr(transport, "_send_once", lambda prepared: _response(500))
    final = transport.retry(_response(500), key="op")
    assert final is not None and final.status_code == 500 and transport.retried == 2
    assert transport.retry(_response(500), key="op") is None  # not retried again


def test_readonly_transport_refuses_mutating_requests() -> None:
    transport = Transport(readonly=True)
    with pytest.raises(RuntimeError, match="read-only"):
        transport.request("DELETE", "http://127.0.0.1:9/v1/projects/p/apps/a")


def test_unreachable_target_is_a_user_error() -> None:
    transport = Transport(policy=RetryPolicy(retries=0), timeout=2)
    with pytest.raises(UserError, match="cannot connect") as err:
        transport.request("GET", "http://127.0.0.1:9/v1/projects/p/apps")
    assert "--target" in err.value.tip


# ---------------------------------------------------------------- generation and links

def _schema() -> Any:
    doc, _ = generation_document(C.document)
    return schemathesis.openapi.from_dict(doc, config=SchemathesisConfig.from_dict(
        {"base-url": "http://127.0.0.1:9"}))


def test_generation_document_renames_the_dotted_parameter_only_for_schemathesis() -> None:
    doc, renames = generation_document(C.document)
    assert [(r.original, r.generated) for r in renames] == [
        ("message.conversation_id", "message_conversation_id")]
    paths = [p for p in doc["paths"] if "inject-message" in p]
    assert paths == ["/v1/projects/{project_id}/conversations/{message_conversation_id}"
                     ":inject-message"]
    assert any("{message.conversation_id}" in p for p in C.document["paths"])  # untouched
    link = doc["components"]["responses"]["createConversationResponse"]["links"]
    assert "message_conversation_id" in link["InjectMessage"]["parameters"]


def test_schemathesis_loads_all_33_operations() -> None:
    results = list(_schema().get_all_operations())
    errors = [r.err() for r in results if not hasattr(r, "ok")]
    assert len(results) == 33 and errors == []


def test_every_link_names_an_operation_and_its_parameters() -> None:
    doc, _ = generation_document(C.document)
    names = {op.operation_id: {p.name.replace(".", "_") for p in op.parameters}
             for op in C.operations.values()}
    seen = 0
    for response in doc["components"]["responses"].values():
        for link in (response.get("links") or {}).values():
            seen += 1
            assert link["operationId"] in names
            for key in link.get("parameters", {}):
                assert key.split(".", 1)[-1] in names[link["operationId"]], key
    webhook = doc["paths"]["/v1/projects/{project_id}/webhooks"]["post"]["responses"]["200"]
    seen += len(webhook["links"])
    assert seen >= 30
    assert _schema().statistic.transitions.total == seen  # Schemathesis accepts every link


def test_links_start_at_every_create_operation() -> None:
    creates = {"App_CreateApp", "Contact_CreateContact", "Conversation_CreateConversation",
               "Messages_SendMessage", "Webhooks_CreateWebhook"}
    targets = set()
    for response in C.document["components"]["responses"].values():
        targets |= {lk["operationId"] for lk in (response.get("links") or {}).values()}
    webhook = C.document["paths"]["/v1/projects/{project_id}/webhooks"]["post"]
    targets |= {lk["operationId"] for lk in webhook["responses"]["200"]["links"].values()}
    assert len(targets) >= 30 and creates - {"Messages_SendMessage"} <= targets | creates


# ---------------------------------------------------------------- probe bodies and fixtures

@pytest.mark.parametrize(("method", "path", "key"), [
    ("POST", "/apps", "app"), ("PATCH", "/apps/a1", "app_update"),
    ("POST", "/contacts", "contact"), ("PATCH", "/contacts/c1", "contact_update"),
    ("POST", "/webhooks", "webhook"), ("POST", "/conversations", "conversation"),
    ("PATCH", "/conversations/v1", "conversation_update"),
    ("POST", "/messages:send", "message"), ("POST", "/conversations/v1:inject-message", "inject"),
    ("POST", "/capability:query", "capability"), ("POST", "/events:send", "event"),
    ("POST", "/messages:transcode", "transcode"), ("POST", "/optins:register", "optin"),
    ("POST", "/optouts:register", "optin"),
    ("POST", "/contacts:getChannelProfile", "channel_profile"),
    ("POST", "/contacts", "non_ascii_contact"), ("PATCH", "/webhooks/w1", "webhook_update"),
])
def test_probe_bodies_are_valid(method: str, path: str, key: str) -> None:
    found = C.validate_request(method, P + path, {"content-type": "application/json"},
                               json.dumps(bodies("a1", "c1")[key]), source="suite")
    assert [f.message for f in found] == []


def test_wrong_type_probe_body_is_invalid() -> None:
    found = C.validate_request("POST", P + "/contacts", {"content-type": "application/json"},
                               json.dumps(bodies()["wrong_type_contact"]), source="suite")
    assert {f.kind for f in found} & REJECTING_KINDS


# ---------------------------------------------------------------- cleanup

def test_cleanup_registers_creates_and_crosses_off_deletes() -> None:
    cleanup = Cleanup(C)
    cleanup.observe("POST", f"http://h{P}/apps", 200, b'{"id": "A1"}')
    cleanup.observe("POST", f"http://h{P}/contacts", 200, b'{"id": "C1"}')
    cleanup.observe("POST", f"http://h{P}/messages:send", 200, b'{"message_id": "M1"}')
    cleanup.observe("POST", f"http://h{P}/apps", 400, b'{"id": "nope"}')
    cleanup.observe("DELETE", f"http://h{P}/contacts/C1", 200, b"{}")
    assert [r.delete_path for r in cleanup.pending] == [
        "/v1/projects/{project_id}/apps/A1", "/v1/projects/{project_id}/messages/M1"]


class _ListingApi:
    """A fake target for cleanup: each listing call returns the next listing given (more
    calls than listings fail the test; none given: always empty); deletes are recorded."""

    def __init__(self, contacts: list[dict[str, set[str]]] | None = None,
                 apps: list[dict[str, dict[str, object]]] | None = None) -> None:
        self._contacts, self._apps = contacts, apps
        self.deleted: list[str] = []

    def contacts(self) -> dict[str, set[str]]:
        return self._contacts.pop(0) if self._contacts is not None else {}

    def items(self, what: str) -> dict[str, dict[str, object]]:
        return self._apps.pop(0) if what == "app" and self._apps is not None else {}

    def delete(self, path: str) -> int:
        self.deleted.append(path.rsplit("/", 1)[-1])
        return 200


def test_cleanup_deletes_contacts_sending_created_but_never_older_ones() -> None:
    cleanup = Cleanup(C)
    listings = [{"old": {"+1"}}, {"old": {"+1"}, "new": {"+2"}, "other": {"+3"}}]
    api = _ListingApi(contacts=listings)
    cleanup.snapshot(api)  # type: ignore[arg-type]
    for identity in ("+1", "+2"):
        body = {"recipient": {"identified_by": {"channel_identities": [
            {"channel": "SMS", "identity": identity}]}}}
        cleanup.observe("POST", f"http://h{P}/messages:send", 200, b'{"message_id": "M"}',
                        json.dumps(body).encode())
    cleanup.observe("DELETE", f"http://h{P}/messages/M", 200, b"{}")
    report = cleanup.run(api)  # type: ignore[arg-type]
    assert api.deleted == ["new"] and report.deleted == 1


def test_cleanup_deletes_a_contact_made_by_a_send_to_no_identity() -> None:
    """A target that accepts identified_by with an empty identity list may make a contact
    without identities: a new one of those is the run's; an older one, or one with an
    identity nobody sent to, is not."""
    cleanup = Cleanup(C)
    listings: list[dict[str, set[str]]] = [{"old": set()},
                                           {"old": set(), "bare": set(), "other": {"+3"}}]
    api = _ListingApi(contacts=listings)
    cleanup.snapshot(api)  # type: ignore[arg-type]
    body: dict[str, Any] = {"recipient": {"identified_by": {"channel_identities": []}}}
    cleanup.observe("POST", f"http://h{P}/messages:send", 200, b'{"message_id": "M"}',
                    json.dumps(body).encode())
    cleanup.observe("DELETE", f"http://h{P}/messages/M", 200, b"{}")
    report = cleanup.run(api)  # type: ignore[arg-type]
    assert api.deleted == ["bare"] and report.deleted == 1


def test_cleanup_finds_what_a_timed_out_create_made_and_nothing_else() -> None:
    """A create that timed out may have happened: the resource that appeared since the
    snapshot with every scalar field the create sent is deleted; older ones, ones with
    other values, and creates it cannot look up (no listing) are left, the last reported."""
    cleanup = Cleanup(C)
    apps: list[dict[str, dict[str, object]]] = [
        {"old": {"id": "old", "display_name": "x"}},
        {"old": {"id": "old", "display_name": "x"},
         "late": {"id": "late", "display_name": "x", "channel_credentials": []},
         "theirs": {"id": "theirs", "display_name": "y"}}]
    api = _ListingApi(apps=apps)
    cleanup.snapshot(api)  # type: ignore[arg-type]
    cleanup.unanswered("POST", f"http://h{P}/apps",
                       json.dumps({"display_name": "x", "channel_credentials": []}).encode())
    cleanup.unanswered("POST", f"http://h{P}/webhooks", b'{"app_id": "old", "target": "t"}')
    cleanup.unanswered("GET", f"http://h{P}/apps", b"")  # not a create: nothing to find
    report = cleanup.run(api)  # type: ignore[arg-type]
    assert api.deleted == ["late"] and report.deleted == 1
    assert len(report.failed) == 1 and "webhook" in report.failed[0]


def test_cleanup_deletes_newest_first_and_reports_failures() -> None:
    cleanup = Cleanup(C)
    for ident in ("A1", "A2", "A3"):
        cleanup.observe("POST", f"http://h{P}/apps", 200, json.dumps({"id": ident}).encode())
    sent: list[str] = []

    class Stub:
        def request(self, method: str, url: str, **kw: Any) -> requests.Response:
            sent.append(url.rsplit("/", 1)[-1])
            return _response({"A3": 200, "A2": 404, "A1": 500}[sent[-1]])

    report = cleanup.run(CleanupApi(Stub(), lambda p: p, lambda: "Basic x"))  # type: ignore[arg-type]
    assert sent == ["A3", "A2", "A1"]
    assert (report.deleted, report.already_gone, len(report.failed)) == (1, 1, 1)
    assert cleanup.pending == []


# ---------------------------------------------------------------- judging failures

def _ctx() -> CheckContext:
    return CheckContext(C, "suite", "run1", "", target="unit", secrets=lambda: (SECRET,))


def _exchange(method: str, path: str, body: Any, status: int = 200) -> Exchange:
    return Exchange(method, f"http://h{path}", (("Content-Type", "application/json"),
                                                ("Authorization", "Basic abc")),
                    json.dumps(body).encode(), status=status,
                    response_headers=(("content-type", "application/json"),),
                    response_body=b"{}")


def test_unknown_enum_value_accepted_is_drift_not_a_violation() -> None:
    body = {**bodies()["contact"], "channel_priority": ["CARRIER_PIGEON"]}
    assert not keep_failure(_ctx(), ["negative_data_rejection"],
                            _exchange("POST", P + "/contacts", body))


def test_wrong_type_accepted_is_a_violation() -> None:
    assert keep_failure(_ctx(), ["negative_data_rejection"],
                        _exchange("POST", P + "/contacts", bodies()["wrong_type_contact"]))


def test_invalid_request_rejected_is_not_positive_data_rejected() -> None:
    ex = _exchange("POST", P + "/contacts", bodies()["wrong_type_contact"], 400)
    assert not keep_failure(_ctx(), ["positive_data_acceptance"], ex)
    ex = _exchange("POST", P + "/contacts", bodies()["contact"], 422)
    assert keep_failure(_ctx(), ["positive_data_acceptance"], ex)


def test_resource_availability_counts_only_reads() -> None:
    assert not keep_failure(_ctx(), ["ensure_resource_availability"],
                            _exchange("POST", P + "/contacts/c1:merge", {"source_id": "x"}, 404))
    assert keep_failure(_ctx(), ["ensure_resource_availability"],
                        _exchange("GET", P + "/contacts/c1", None, 404))
    assert not keep_failure(_ctx(), ["status_code_conformance"],
                            _exchange("GET", P + "/apps", None))


def test_a_check_that_raises_is_a_finding_not_a_crash() -> None:
    def broken(ctx: CheckContext, ex: Exchange, found: list[Finding]) -> list[Finding]:
        raise UnicodeEncodeError("utf-8", "\ud83d", 0, 1, "surrogates not allowed")

    crashed: list[tuple[str, str]] = []
    ctx = dataclasses.replace(_ctx(), on_crash=lambda name, ex, exc: crashed.append(
        (name, ex.url)))
    real = EXCHANGE_CHECKS.replace("contract_response", broken)
    try:
        found = check_exchange(ctx, _exchange("GET", P + "/apps", None), known=lambda fp: False)
    finally:
        EXCHANGE_CHECKS.replace("contract_response", real)
    assert [f.kind for f in found] == [Kind.VALIDATION_ERROR]
    assert found[0].operation_id == "App_ListApps" and "UnicodeEncodeError" in found[0].message
    assert crashed == [("contract_response", "http://h" + P + "/apps")]  # the run: exit 3


def test_every_mapped_check_is_a_schemathesis_check() -> None:
    from schemathesis.checks import CHECKS

    assert set(FAILURE_KINDS.names()) <= set(CHECKS.get_all_names())


def test_failure_kinds_are_registered_with_the_kind_they_map_to() -> None:
    assert len(FAILURE_KINDS) == 10 and FAILURE_KINDS.running_in("suite") == list(FAILURE_KINDS)
    assert all(e.kinds == {e.obj.kind} and e.doc for e in FAILURE_KINDS)
    assert FAILURE_KINDS["ensure_resource_availability"].obj.methods == {"GET"}
    with pytest.raises(KeyError, match="known: not_a_server_error"):
        FAILURE_KINDS["no_such_check"]


def test_probes_are_registered_in_the_run_order_with_their_kinds() -> None:
    assert PROBES.names() == ("auth_enforced", "lifecycle", "pagination", "inputs",
                              "expired_token", "identity", "edges", "wrong_credentials",
                              "foreign_project", "resource_hierarchy", "failed_create",
                              "garbled_ids", "prose_conversations", "prose_contacts",
                              "prose_apps", "prose_inputs", "prose_pages", "top_up")
    # top_up reports nothing itself: it only makes successes for the checks to see
    assert all(e.where == {"suite"} and (e.kinds or e.name == "top_up")
               and e.doc == e.obj.summary for e in PROBES)
    assert [e.name for e in PROBES if e.obj.mutating] == [
        "lifecycle", "inputs", "edges", "resource_hierarchy", "failed_create",
        "prose_conversations", "prose_contacts", "prose_apps", "prose_inputs", "top_up"]
    assert PROBES["auth_enforced"].kinds == {Kind.AUTH_IGNORED}
    assert PROBES.kinds() <= {str(k) for k in Kind}


def test_evidence_is_redacted_and_reproducible() -> None:
    ex = _exchange("POST", P + "/apps", {"display_name": SECRET, "secret": "s3"})
    ex = dataclasses.replace(ex, request_headers=(*ex.request_headers,
                                                  ("Authorization", "Basic " + SECRET)))
    ev = evidence_for(ex, (SECRET,))
    text = json.dumps(ev)
    assert SECRET not in text and "s3" not in text
    assert ev["curl"].startswith("curl -X POST") and "Basic ***" in ev["curl"]


# ---------------------------------------------------------------- targets, sink, summary

@pytest.mark.parametrize(("url", "values", "match"), [
    ("https://x.example", {}, "needs credentials"),
    ("ftp://x", {"project_id": "p", "key_id": "k", "key_secret": "s"}, "not an http"),
    ("https://x.example", {"project_id": "p", "key_id": "k", "key_secret": "s",
                           "auth": "digest"}, "--auth"),
])
def test_target_from_rejects_bad_input(url: str, values: dict[str, str], match: str) -> None:
    with pytest.raises(UserError, match=match):
        target_from(url, values, {})


def test_target_from_reads_sinch_environment() -> None:
    env = {"SINCH_PROJECT_ID": "p", "SINCH_KEY_ID": "k", "SINCH_KEY_SECRET": "s",
           "SINCH_AUTH": "basic"}
    target = target_from("https://us.conversation.api.sinch.com/", {}, env)
    assert target.credentials == Credentials("p", "k", "s", "basic",
                                             "https://auth.sinch.com/oauth2/token")
    assert target.url("/v1/projects/{project_id}/apps").endswith("/v1/projects/p/apps")
    assert "key_secret" not in repr(target.credentials)


def test_sink_keeps_one_finding_per_fingerprint() -> None:
    seen: list[Finding] = []
    sink = FindingSink(on_new=seen.append)
    f = Finding.make(Kind.SERVER_ERROR, source="suite", message="boom",
                     operation_id="App_GetApp", status=500, location="response.status")
    assert sink.add(f) and not sink.add(f)
    assert sink.occurrences[f.fingerprint] == 2 and seen == [f]


def test_summary_table_lists_every_operation() -> None:
    stats = new_stats(C)
    stats["App_GetApp"].add(_exchange("GET", P + "/apps/a", None))
    summary = RunSummary("unit", "r1", stats, [], {})
    table = render_table(summary)
    assert all(op in table for op in C.operations)
    assert "1/33 operations exercised, 1 calls" in table
    assert summary.to_json()["operations"]["App_GetApp"]["calls"] == 1


def test_run_errors_are_one_line_and_counted_once() -> None:
    errors = RunErrors()
    for _ in range(2):
        errors.exception("probe walk", "walk", KeyError("next_page_token"))
    errors.add("coverage phase", "GET /x", "Runtime Error: first line\n  second line",
               "App_ListApps")
    first, second = errors.items()
    assert first.count == 2 and first.line() == \
        "probe walk at walk: KeyError: 'next_page_token' (2 times)"
    assert second.message == "Runtime Error: first line" and len(errors) == 2
    summary = RunSummary("unit", "r1", new_stats(C), [], {}, errors=errors.items())
    data = summary.to_json()
    assert data["run"]["error_count"] == 2 and data["run"]["errors"][1]["operation"] == \
        "App_ListApps"
    assert data["operations"]["App_ListApps"]["errors"] == 1
    table = render_table(summary)
    assert "RUN FAILED: 2 internal error(s)" in table
    assert next(ln for ln in table.splitlines() if ln.startswith("App_ListApps ")).endswith(
        "ERROR (coverage phase)")


def test_junit_error_beside_a_failure_and_counted() -> None:
    import xml.etree.ElementTree as ET

    from conformance.reports.output import Case, junit_xml

    root = ET.fromstring(junit_xml("s", [
        Case("c", "both", failure="1 violation", error="engine at x: boom"),
        Case("c", "error only", skipped="not exercised", error="probe at y: boom"),
        Case("c", "passed")]))
    suite = root.find("testsuite")
    assert suite is not None and (suite.get("failures"), suite.get("errors"),
                                  suite.get("skipped")) == ("1", "2", "0")
    assert root.get("errors") == "2"
    cases = {tc.get("name"): [child.tag for child in tc] for tc in suite.iter("testcase")}
    assert cases == {"both": ["failure", "error"], "error only": ["error"], "passed": []}


def test_target_label() -> None:
    creds = Credentials("p", "k", "s")
    assert Target("http://h:1/base", creds).base_path == "/base"
    assert Target("http://h:1", creds, name="emulator").label == "emulator"
