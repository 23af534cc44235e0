"""The official Sinch Python SDK (PyPI ``sinch`` 2.x), unchanged, through the validating
proxy to the emulator.

One run (module fixture, about 5 s): ``e2e/python_sdk_driver.py`` drives every Conversation
API call the SDK offers, with its OAuth2 token request and its API calls both pointed at
the proxy (``python -m conformance proxy``) in front of the emulator. The tests then pin
what happened: which calls work, which the emulator turns down and why, that the add-on
checked every exchange, and the exact drift the SDK provokes. The drift is real: it is
what Sinch's own client sends that Sinch's spec does not document. Do not make the
emulator or the contract hide it; when the SDK or the spec changes, update the pins.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conformance.contract import Contract

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # e2e/ is not installed
from e2e.__main__ import main as e2e_main  # noqa: E402
from e2e.sdk_run import SdkRun, finding_keys, python_sdk_unavailable, run_sdk  # noqa: E402

pytestmark = pytest.mark.slow

# Calls that fail, with the HTTP status (None: the SDK itself raised on the answer).
EXPECTED_FAILURES: dict[str, int | None] = {
    # instagram/kakaotalkchat/applebc/line_enterprise credentials are not in the spec, and
    # its prose requires line_credentials with a LINE credential (overlay prose-limits.yaml):
    # the SDK sends LINE_JAPAN's as line_enterprise_credentials, so the emulator says 400.
    "apps.create(undocumented credentials)": 400,
    "apps.create(undocumented credentials, raw_response)": 400,
    # Operations the SDK offers and the spec does not have.
    "contacts.list_identity_conflicts": 404,
    "messages.list_last_messages_by_channel_identity": 404,
    "messages.update": 405,
    # The SDK puts Python's str(True) in the query: 'True' is not a JSON Schema boolean.
    "messages.list(only_recipient_originated)": 400,
}

# Calls whose answer the SDK can only give back in part, as SinchRawResponse (it logs a
# warning): the emulator kept only what the spec documents, so a message's app_message
# comes back as {"text_message": {}} and an undocumented credential as {"channel": ...}.
RAW_RESPONSE_CALLS = {
    "messages.get", "messages.get(CONVERSATION_SOURCE)", "messages.list",
    "messages.list(filters)"}

DOCUMENTED_OPERATIONS = {
    "App_CreateApp", "App_GetApp", "App_ListApps", "App_UpdateApp", "App_DeleteApp",
    "Contact_CreateContact", "Contact_GetContact", "Contact_ListContacts",
    "Contact_UpdateContact", "Contact_DeleteContact", "Contact_MergeContact",
    "Contact_GetChannelProfile", "Messages_SendMessage", "Messages_GetMessage",
    "Messages_ListMessages", "Messages_DeleteMessage"}

# (kind, operationId or "METHOD path", location): every distinct finding of the run.
PINNED_DRIFT = {
    # Operations the spec does not have (the token endpoint is Sinch's auth API).
    ("operation_undocumented", "GET /v1/projects/{id}/contacts:identityConflicts",
     "request.path"),
    ("operation_undocumented", "POST /v1/projects/{id}/messages:fetch-last-message",
     "request.path"),
    ("operation_undocumented", "PATCH /v1/projects/{project_id}/messages/{message_id}",
     "request.path"),
    # Apps: settings and credential kinds the spec lacks.
    ("undocumented_enum_value", "App_CreateApp", "request.body/channel_credentials/*/channel"),
    ("undocumented_field", "App_CreateApp", "request.body/callback_settings"),
    ("undocumented_field", "App_CreateApp", "request.body/delivery_report_based_fallback"),
    ("undocumented_field", "App_CreateApp", "request.body/message_retry_settings"),
    *(("undocumented_field", "App_CreateApp", f"request.body/channel_credentials/*/{f}")
      for f in ("applebc_credentials", "credential_ordinal_number", "instagram_credentials",
                "kakaotalkchat_credentials", "line_credentials/is_default",
                "line_enterprise_credentials")),
    ("undocumented_field", "App_UpdateApp",
     "request.body/channel_credentials/*/credential_ordinal_number"),
    # The prose says a LINE credential must include line_credentials (prose-limits.yaml).
    ("request_body_schema", "App_CreateApp", "request.body/channel_credentials/*"),
    # PATCH: update_mask as one comma-joined parameter (the spec: update_mask.paths).
    ("undocumented_query_param", "App_UpdateApp", "request.query.update_mask"),
    ("undocumented_query_param", "Contact_UpdateContact", "request.query.update_mask"),
    # List filters the spec does not document.
    *(("undocumented_query_param", "Contact_ListContacts", f"request.query.{p}")
      for p in ("channel", "external_id", "identity")),
    *(("undocumented_query_param", "Messages_ListMessages", f"request.query.{p}")
      for p in ("channel", "channel_identity", "direction", "end_time", "start_time")),
    # A violation, not drift: Python's 'True' for a boolean query parameter.
    ("request_param", "Messages_ListMessages", "request.query.only_recipient_originated"),
    # SendMessageRequest fields the spec lacks.
    *(("undocumented_field", "Messages_SendMessage", f"request.body/{f}")
      for f in ("correlation_id", "conversation_metadata_update_strategy",
                "message_content_type")),
    # Every message kind: the spec's AppMessage has no text_message, card_message, ...
    # properties (only `message` and `explicit_channel_message`; anything else falls to
    # additionalProperties, an object with just contact_name), so their content is
    # undocumented.
    *(("undocumented_field", "Messages_SendMessage", f"request.body/message/{f}") for f in (
        "text_message/text",
        "card_message/choices", "card_message/description", "card_message/height",
        "card_message/media_message", "card_message/message_properties",
        "card_message/title",
        "carousel_message/cards", "carousel_message/choices",
        "choice_message/choices", "choice_message/message_properties",
        "choice_message/text_message",
        "contact_info_message/addresses", "contact_info_message/birthday",
        "contact_info_message/email_addresses", "contact_info_message/name",
        "contact_info_message/organization", "contact_info_message/phone_numbers",
        "contact_info_message/urls",
        "list_message/description", "list_message/media",
        "list_message/message_properties", "list_message/sections", "list_message/title",
        "location_message/coordinates", "location_message/label", "location_message/title",
        "media_message/filename_override", "media_message/thumbnail_url",
        "media_message/url",
        "template_message/channel_template", "template_message/omni_template")),
}
VIOLATIONS = {("request_param", "Messages_ListMessages",
               "request.query.only_recipient_originated"),
              # the prose: a LINE credential must include line_credentials (prose-limits.yaml)
              ("request_body_schema", "App_CreateApp", "request.body/channel_credentials/*")}


@pytest.fixture(scope="module")
def sdk_run(tmp_path_factory: pytest.TempPathFactory) -> SdkRun:
    reason = python_sdk_unavailable()
    if reason:
        pytest.skip(reason)
    return run_sdk("python", tmp_path_factory.mktemp("sdk-python"))


def test_every_call_works_except_the_pinned_ones(sdk_run: SdkRun) -> None:
    assert sdk_run.problems() == []
    failed = {c["call"]: c["status"] for c in sdk_run.calls if not c["ok"]}
    assert failed == EXPECTED_FAILURES
    assert sdk_run.exit_code == 0, sdk_run.driver_stderr


def test_every_message_kind_the_sdk_builds_is_sent(sdk_run: SdkRun) -> None:
    sent = {c["call"] for c in sdk_run.calls if c["operation"] == "Messages_SendMessage"
            and c["ok"]}
    kinds = ("text", "card", "carousel", "choice", "contact_info", "list", "location",
             "media", "template")
    assert {f"messages.send_{k}_message" for k in kinds} <= sent


def test_every_documented_operation_of_the_sdk_reached_the_emulator(
        sdk_run: SdkRun) -> None:
    called = {c["operation"] for c in sdk_run.calls if c["operation"]}
    assert called == DOCUMENTED_OPERATIONS
    answered = sdk_run.operations_answered(Contract.default())
    assert set(answered) == DOCUMENTED_OPERATIONS


def test_the_proxy_checked_every_exchange(sdk_run: SdkRun) -> None:
    assert sdk_run.proxy_exit == 0
    assert sdk_run.flows_checked == len(sdk_run.exchanges)
    # at least one exchange per call (pagination adds more); the OAuth2 token request
    # belongs to Sinch's auth API and passes unchecked (sinch_skip_paths)
    assert len(sdk_run.exchanges) >= len(sdk_run.calls)
    assert not any(e["request"]["url"].endswith("/oauth2/token") for e in sdk_run.exchanges)
    assert all(e["response"]["status"] > 0 for e in sdk_run.exchanges)


def test_the_emulator_answers_keep_the_contract(sdk_run: SdkRun) -> None:
    assert [f for f in sdk_run.findings if f.location.startswith("response")] == []


def test_the_sdk_drift_is_exactly_the_pinned_set(sdk_run: SdkRun) -> None:
    assert finding_keys(sdk_run.findings) == PINNED_DRIFT
    violations = {k for k in finding_keys(sdk_run.findings)
                  if k not in finding_keys([f for f in sdk_run.findings if f.is_drift])}
    assert violations == VIOLATIONS


def test_findings_name_the_field_and_nothing_keeps_a_secret(sdk_run: SdkRun) -> None:
    (finding,) = {f.fingerprint: f for f in sdk_run.findings
                  if f.location == "request.body/correlation_id"}.values()
    assert "`/correlation_id`" in finding.message
    written = [f.to_json() for f in sdk_run.findings] + [
        (sdk_run.workdir / name).read_text(encoding="utf-8")
        for name in ("traffic.har", "proxy.log")]
    for secret in ("sdk-e2e-key-secret", "sms-token", "wa-token", "wx-aes", "ig-token",
                   "override-secret"):
        assert not [text for text in written if secret in text], secret


def test_answers_lose_what_the_spec_does_not_document(sdk_run: SdkRun) -> None:
    warned = {c["call"] for c in sdk_run.calls if c.get("sdk_warnings")}
    assert warned == RAW_RESPONSE_CALLS


def test_the_run_command_writes_the_drift_report(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    if python_sdk_unavailable():
        pytest.skip(python_sdk_unavailable() or "")
    assert e2e_main(["--sdk", "python", "--out", str(tmp_path)]) == 0
    summary = capsys.readouterr().out
    assert summary.startswith("# What the official Sinch SDKs sent, as the proxy saw it")
    assert "## sinch 2." in summary and "**UNEXPECTED**" not in summary
    drift = json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))
    assert drift and (tmp_path / "drift.md").read_text(encoding="utf-8").startswith(
        "## Spec drift:")
    assert "request.body/correlation_id" in (tmp_path / "drift.md").read_text(
        encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "python").iterdir()) == [
        "calls.json", "drift.json", "drift.md", "driver.stderr.log", "emulator.log",
        "findings", "proxy.log", "traffic.har"]
