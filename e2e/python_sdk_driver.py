"""Drive every Conversation API call of the official Sinch Python SDK (PyPI ``sinch`` 2.x).

    python e2e/python_sdk_driver.py --base-url http://127.0.0.1:PORT \\
        --project-id P --key-id K --key-secret S [--out calls.json]

The SDK is used unchanged; only its configuration is pointed at ``--base-url`` (the
validating proxy in front of the emulator) for both the OAuth2 token request
(``configuration.auth_origin``) and the Conversation API
(``configuration.conversation_origin``; ``conversation_region`` must be set first, since
setting it recomputes the origin). Plain ``http://`` works: the SDK's ``requests``
transport takes any origin.

Each call is recorded as ``{"call", "operation", "ok", "status", "error",
"expected_failure", "sdk_warnings"}`` and the list is written as JSON to ``--out`` (or
stdout). ``operation`` is the spec's operationId the call maps to, or ``null`` for a call
the spec does not document (the SDK offers three: ``contacts:identityConflicts``,
``messages:fetch-last-message`` and PATCH on a message); those are sent too, and the
emulator, which implements the spec, answers them 404/405. ``expected_failure`` says why
a call is known to fail against a server that keeps to the spec; ``sdk_warnings`` holds
what the SDK logged (e.g. an answer it could only return as ``SinchRawResponse``).
The exit code is 0 when every call did what was expected (success, or the named
failure), 1 otherwise.
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata
import json
import logging
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sinch import SinchClient
from sinch.core.exceptions import SinchException

# One of each credential shape the SDK builds (its dict keys are the channel names), in two
# groups: the credential fields the spec documents, and those it does not.
DOCUMENTED_CREDENTIALS: dict[str, Any] = {
    "SMS": {"claimed_identity": "sms-sender", "token": "sms-token",
            "callback_secret": "cb-secret", "credential_ordinal_number": 0},
    "WHATSAPP": {"claimed_identity": "46700000000", "token": "wa-token"},
    "RCS": {"claimed_identity": "rcs-agent", "token": "rcs-token"},
    "VIBERBM": {"claimed_identity": "viber", "token": "viber-token"},
    "MESSENGER": {"token": "fb-token"},
    "MMS": {"account_id": "mms-account", "api_key": "mms-key",
            "basic_auth": {"username": "u", "password": "p"}},
    "TELEGRAM": {"token": "tg-token"},
    "KAKAOTALK": {"kakaotalk_plus_friend_id": "@friend", "kakaotalk_sender_key": "key"},
    "LINE": {"token": "line-token", "secret": "line-secret", "is_default": True},
    "WECHAT": {"app_id": "wx-app", "app_secret": "wx-secret", "token": "wx-token",
               "aes_key": "wx-aes"},
}
UNDOCUMENTED_CREDENTIALS: dict[str, Any] = {
    "INSTAGRAM": {"token": "ig-token", "business_account_id": "ig-biz"},
    "KAKAOTALKCHAT": {"kakaotalk_plus_friend_id": "@chat", "api_key": "chat-key"},
    "APPLEBC": {"business_chat_account_id": "abc-account", "merchant_id": "merchant",
                "apple_pay_certificate_reference": "cert-ref",
                "apple_pay_certificate_password": "cert-pass"},
    "LINE_JAPAN": {"token": "lj-token", "secret": "lj-secret", "is_default": True},
}
# Why a call fails against the emulator, which keeps to the spec; the proxy's findings
# for these calls are the drift or violation behind it.
DROPPED_CREDENTIALS = ("the spec documents no instagram_credentials, "
                       "kakaotalkchat_credentials, applebc_credentials or "
                       "line_enterprise_credentials, and its prose says a LINE credential "
                       "must include line_credentials ('you must include this object', "
                       "overlay prose-limits.yaml): the SDK sends LINE_JAPAN's as "
                       "line_enterprise_credentials, so the emulator answers 400")
NOT_IN_SPEC = "the spec has no such operation: the emulator answers 404/405"
PYTHON_BOOL = ("the SDK writes a Python bool into the query as 'True'/'False'; the spec's "
               "boolean is true/false, so the emulator answers 400")

MEDIA = {"url": "https://example.com/picture.png",
         "thumbnail_url": "https://example.com/thumb.png",
         "filename_override": "picture.png"}
START = datetime(2030, 1, 2, 10, 0, tzinfo=UTC)
CHOICES: list[dict[str, Any]] = [
    {"text_message": {"text": "yes"}, "postback_data": "pb-yes", "display_mode": "NORMAL"},
    {"url_message": {"title": "Site", "url": "https://example.com"}},
    {"call_message": {"phone_number": "+46700000001", "title": "Call us"}},
    {"location_message": {"coordinates": {"latitude": 59.33, "longitude": 18.06},
                          "title": "Office", "label": "HQ"}},
    {"calendar_message": {"title": "Meet", "event_start": START,
                          "event_end": START + timedelta(hours=1), "event_title": "Demo",
                          "event_description": "A demo", "fallback_url": "https://e.com"}},
    {"share_location_message": {"title": "Where are you?",
                                "fallback_url": "https://example.com/where"}},
]
CARD: dict[str, Any] = {
    "title": "Card", "description": "A card", "height": "MEDIUM", "media_message": MEDIA,
    "choices": CHOICES[:2], "message_properties": {"whatsapp_header": "Header"}}


class _WarningLog(logging.Handler):
    """Keeps the SDK's warnings (e.g. a response it could only return as SinchRawResponse)
    for the call being made."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


class Recorder:
    """Runs calls and records the outcome of each; one failure never stops the rest.

    ``fails`` names why a call is expected to fail (a body or operation the spec does not
    allow, which the emulator, implementing the spec, turns down); every other call must
    succeed."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._warnings = _WarningLog()
        logging.getLogger("sinch").addHandler(self._warnings)

    def __call__(self, name: str, operation: str | None, fn: Callable[[], Any],
                 fails: str | None = None) -> Any:
        entry: dict[str, Any] = {"call": name, "operation": operation, "ok": True,
                                 "status": None, "error": None, "expected_failure": fails}
        self.calls.append(entry)
        self._warnings.records = entry["sdk_warnings"] = []
        try:
            return fn()
        except SinchException as exc:
            entry.update(ok=False, status=exc.response_status_code,
                         error=f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
            entry.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                         traceback=traceback.format_exc(limit=6))
        return None


def unexpected(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Calls whose outcome is not the expected one (success, or the named failure)."""
    return [c for c in calls if c["ok"] == bool(c["expected_failure"])]


def make_client(base_url: str, project_id: str, key_id: str, key_secret: str) -> SinchClient:
    client = SinchClient(project_id=project_id, key_id=key_id, key_secret=key_secret,
                         conversation_region="us")
    client.configuration.auth_origin = base_url
    client.configuration.conversation_origin = base_url
    client.configuration.transport.http_session.trust_env = False  # loopback, no proxies
    return client


def _pages(paginator: Any) -> list[Any]:
    """Every item, following next_page (page_token) to the end."""
    items: list[Any] = []
    page = paginator
    while page is not None:
        items.extend(page.content())
        page = page.next_page()
    return items


def drive_apps(sdk: Any, run: Recorder) -> dict[str, Any]:
    apps = sdk.conversation.apps
    app = run("apps.create", "App_CreateApp", lambda: apps.create(
        channel_credentials=DOCUMENTED_CREDENTIALS, display_name="SDK e2e app",
        conversation_metadata_report_view="FULL",
        retention_policy={"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 30},
        dispatch_retention_policy={"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 7},
        processing_mode="CONVERSATION", smart_conversation={"enabled": False},
        event_destination_settings={"secret_for_overridden_target": "override-secret"},
        message_retry_settings={"retry_duration": 3600},
        delivery_report_based_fallback={"enabled": True,
                                        "delivery_report_waiting_time": 60}))
    dispatch = run("apps.create(DISPATCH)", "App_CreateApp", lambda: apps.create(
        channel_credentials={"SMS": DOCUMENTED_CREDENTIALS["SMS"]},
        display_name="SDK e2e dispatch app", processing_mode="DISPATCH"))
    app_id = getattr(app, "id", None) or "missing-app"
    run("apps.get", "App_GetApp", lambda: apps.get(app_id=app_id))
    run("apps.get(raw_response)", "App_GetApp",
        lambda: apps.get(app_id=app_id, raw_response=True))
    run("apps.list", "App_ListApps", lambda: apps.list())
    run("apps.create(undocumented credentials)", "App_CreateApp", lambda: apps.create(
        channel_credentials=UNDOCUMENTED_CREDENTIALS, display_name="SDK e2e app 3"),
        fails=DROPPED_CREDENTIALS)
    run("apps.create(undocumented credentials, raw_response)", "App_CreateApp",
        lambda: apps.create(channel_credentials=UNDOCUMENTED_CREDENTIALS,
                            display_name="SDK e2e app 4", raw_response=True),
        fails=DROPPED_CREDENTIALS)
    listed = run("apps.list(raw_response)", "App_ListApps",
                 lambda: apps.list(raw_response=True).content()) or []
    extra = [a.id for a in listed if a.display_name in ("SDK e2e app 3", "SDK e2e app 4")]
    run("apps.update", "App_UpdateApp", lambda: apps.update(
        app_id=app_id, display_name="SDK e2e app (renamed)",
        channel_credentials={"SMS": DOCUMENTED_CREDENTIALS["SMS"]},
        conversation_metadata_report_view="NONE",
        update_mask=["display_name", "channel_credentials",
                     "conversation_metadata_report_view"]))
    run("apps.update(no mask)", "App_UpdateApp", lambda: apps.update(
        app_id=app_id, display_name="SDK e2e app", processing_mode="CONVERSATION",
        retention_policy={"retention_type": "PERSIST_RETENTION_POLICY", "ttl_days": 365}))
    return {"app": app_id, "dispatch_app": getattr(dispatch, "id", None) or "missing-app",
            "extra_apps": extra}


def drive_contacts(sdk: Any, run: Recorder, ids: dict[str, Any]) -> None:
    contacts = sdk.conversation.contacts
    created = run("contacts.create", "Contact_CreateContact", lambda: contacts.create(
        channel_identities=[{"channel": "SMS", "identity": "+46700000100"},
                            {"channel": "MESSENGER", "identity": "psid-100",
                             "app_id": ids["app"]}],
        language="EN_US", channel_priority=["SMS", "MESSENGER"], display_name="Ada",
        email="ada@example.com", external_id="ext-100", metadata="meta-100"))
    source = run("contacts.create(merge source)", "Contact_CreateContact",
                 lambda: contacts.create(
                     channel_identities=[{"channel": "WHATSAPP", "identity": "+46700000101"}],
                     language="SV", display_name="Source"))
    contact_id = getattr(created, "id", None) or "missing-contact"
    ids["contact"] = contact_id
    run("contacts.get", "Contact_GetContact", lambda: contacts.get(contact_id=contact_id))
    run("contacts.list", "Contact_ListContacts", lambda: _pages(contacts.list(page_size=1)))
    run("contacts.list(filters)", "Contact_ListContacts", lambda: contacts.list(
        page_size=5, external_id="ext-100", channel="SMS", identity="+46700000100"))
    run("contacts.update", "Contact_UpdateContact", lambda: contacts.update(
        contact_id=contact_id, display_name="Ada L.", email="ada.l@example.com",
        language="EN_GB", metadata="meta-101", external_id="ext-101",
        channel_priority=["MESSENGER", "SMS"],
        channel_identities=[{"channel": "SMS", "identity": "+46700000100"},
                            {"channel": "MESSENGER", "identity": "psid-100",
                             "app_id": ids["app"]}]))
    run("contacts.merge_contact", "Contact_MergeContact", lambda: contacts.merge_contact(
        destination_id=contact_id, source_id=getattr(source, "id", None) or "missing",
        strategy="MERGE"))
    run("contacts.get_channel_profile", "Contact_GetChannelProfile",
        lambda: contacts.get_channel_profile(app_id=ids["app"], channel="MESSENGER",
                                             recipient={"contact_id": contact_id}))
    run("contacts.get_channel_profile_by_contact_id", "Contact_GetChannelProfile",
        lambda: contacts.get_channel_profile_by_contact_id(
            app_id=ids["app"], channel="MESSENGER", contact_id=contact_id))
    run("contacts.get_channel_profile_by_channel_identity", "Contact_GetChannelProfile",
        lambda: contacts.get_channel_profile_by_channel_identity(
            app_id=ids["app"], channel="INSTAGRAM",
            recipient_identities=[{"channel": "INSTAGRAM", "identity": "ig-100"}]))
    run("contacts.list_identity_conflicts", None,
        lambda: contacts.list_identity_conflicts(page_size=5), fails=NOT_IN_SPEC)


def _sends() -> list[tuple[str, str, Any]]:
    """(method, its message argument name, the message) for each kind the SDK sends."""
    return [
        ("send_text_message", "text", "Hello from the SDK"),
        ("send_card_message", "card_message", CARD),
        ("send_carousel_message", "carousel_message",
         {"cards": [CARD, {**CARD, "title": "Card 2"}], "choices": CHOICES[:1]}),
        ("send_choice_message", "choice_message",
         {"choices": CHOICES, "text_message": {"text": "Pick one"},
          "message_properties": {"whatsapp_footer": "Footer"}}),
        ("send_contact_info_message", "contact_info_message", {
            "name": {"full_name": "Ada Lovelace", "first_name": "Ada", "last_name":
                     "Lovelace", "middle_name": "A", "prefix": "Ms", "suffix": "I"},
            "phone_numbers": [{"phone_number": "+46700000200", "type": "MOBILE"}],
            "addresses": [{"city": "London", "country": "UK", "state": "LDN",
                           "zip": "N1", "type": "HOME", "country_code": "GB"}],
            "email_addresses": [{"email_address": "ada@example.com", "type": "WORK"}],
            "organization": {"company": "AE", "department": "Math", "title": "Analyst"},
            "urls": [{"url": "https://example.com/ada", "type": "HOME"}],
            "birthday": date(1815, 12, 10)}),
        ("send_list_message", "list_message", {
            "title": "A list", "description": "Pick", "media": MEDIA,
            "message_properties": {"catalog_id": "cat-1", "menu": "Menu",
                                   "whatsapp_header": "Header"},
            "sections": [
                {"title": "Choices", "items": [
                    {"choice": {"title": "One", "description": "first", "media": MEDIA,
                                "postback_data": "pb-1"}}]},
                {"title": "Products", "items": [
                    {"product": {"id": "sku-1", "marketplace": "FACEBOOK", "quantity": 2,
                                 "item_price": 9.5, "currency": "EUR"}}]}]}),
        ("send_location_message", "location_message",
         {"coordinates": {"latitude": 59.33, "longitude": 18.06}, "title": "Office",
          "label": "HQ"}),
        ("send_media_message", "media_message", MEDIA),
        ("send_template_message", "template_message", {
            "omni_template": {"template_id": "tpl-1", "version": "1",
                              "language_code": "en-US", "parameters": {"name": "Ada"}},
            "channel_template": {"WHATSAPP": {"template_id": "wa-tpl", "version": "2",
                                              "language_code": "en_US",
                                              "parameters": {"body[1]text": "Ada"}}}}),
    ]


def drive_messages(sdk: Any, run: Recorder, ids: dict[str, Any]) -> None:
    messages = sdk.conversation.messages
    contact_id, app_id = ids["contact"], ids["app"]
    sent: list[str] = []
    common = {"ttl": 3600, "channel_priority_order": ["SMS", "MESSENGER"],
              "channel_properties": {"MESSENGER_NOTIFICATION_TYPE": "NO_PUSH"},
              "message_metadata": "mm", "conversation_metadata": {"topic": "e2e"},
              "queue": "NORMAL_PRIORITY", "correlation_id": "corr-1",
              "conversation_metadata_update_strategy": "MERGE_PATCH",
              "event_destination_target": "https://example.com/callback",
              "message_content_type": "CONTENT_MARKETING"}
    for method, arg, message in _sends():
        def send(method: str = method, arg: str = arg, message: Any = message) -> Any:
            return getattr(messages, method)(app_id=app_id, contact_id=contact_id,
                                             **{arg: message}, **common)
        result = run(f"messages.{method}", "Messages_SendMessage", send)
        if getattr(result, "message_id", None):
            sent.append(result.message_id)
    by_identity = run("messages.send(recipient_identities)", "Messages_SendMessage",
                      lambda: messages.send(
                          app_id=app_id, message={"text_message": {"text": "by identity"}},
                          recipient_identities=[{"channel": "SMS",
                                                 "identity": "+46700000300"}],
                          ttl="10s", processing_strategy="DEFAULT"))
    run("messages.send(dispatch)", "Messages_SendMessage", lambda: messages.send(
        app_id=ids["dispatch_app"], message={"media_message": MEDIA},
        recipient_identities=[{"channel": "SMS", "identity": "+46700000301"}],
        processing_strategy="DISPATCH_ONLY"))
    first = sent[0] if sent else "missing-message"
    run("messages.get", "Messages_GetMessage", lambda: messages.get(message_id=first))
    run("messages.get(CONVERSATION_SOURCE)", "Messages_GetMessage", lambda: messages.get(
        message_id=first, messages_source="CONVERSATION_SOURCE"))
    run("messages.list", "Messages_ListMessages",
        lambda: _pages(messages.list(contact_id=contact_id, page_size=4)))
    run("messages.list(filters)", "Messages_ListMessages", lambda: messages.list(
        app_id=app_id, contact_id=contact_id, channel_identity="+46700000100",
        start_time=datetime(2000, 1, 1, tzinfo=UTC),
        end_time=datetime(2100, 1, 1, tzinfo=UTC), view="WITH_METADATA",
        messages_source="CONVERSATION_SOURCE", channel="SMS", direction="TO_CONTACT",
        page_size=5))
    run("messages.list(only_recipient_originated)", "Messages_ListMessages",
        lambda: messages.list(contact_id=contact_id, only_recipient_originated=True),
        fails=PYTHON_BOOL)
    run("messages.list_last_messages_by_channel_identity", None,
        lambda: messages.list_last_messages_by_channel_identity(
            channel_identities=["+46700000100"], app_id=app_id, page_size=5),
        fails=NOT_IN_SPEC)
    run("messages.update", None, lambda: messages.update(
        message_id=first, metadata="new-metadata"), fails=NOT_IN_SPEC)
    run("messages.delete", "Messages_DeleteMessage", lambda: messages.delete(
        message_id=getattr(by_identity, "message_id", None) or first))
    if len(sent) > 1:
        run("messages.delete(CONVERSATION_SOURCE)", "Messages_DeleteMessage",
            lambda: messages.delete(message_id=sent[1],
                                    messages_source="CONVERSATION_SOURCE"))


def drive_cleanup(sdk: Any, run: Recorder, ids: dict[str, Any]) -> None:
    run("contacts.delete", "Contact_DeleteContact",
        lambda: sdk.conversation.contacts.delete(contact_id=ids["contact"]))
    run("apps.delete", "App_DeleteApp", lambda: sdk.conversation.apps.delete(
        app_id=ids["app"]))
    run("apps.delete(dispatch)", "App_DeleteApp", lambda: sdk.conversation.apps.delete(
        app_id=ids["dispatch_app"]))
    for n, app_id in enumerate(ids["extra_apps"], 1):
        run(f"apps.delete(undocumented credentials #{n})", "App_DeleteApp",
            functools.partial(sdk.conversation.apps.delete, app_id=app_id))


def drive(base_url: str, project_id: str, key_id: str, key_secret: str) -> list[dict]:
    sdk = make_client(base_url, project_id, key_id, key_secret)
    run = Recorder()
    ids = drive_apps(sdk, run)
    drive_contacts(sdk, run, ids)
    drive_messages(sdk, run, ids)
    drive_cleanup(sdk, run, ids)
    return run.calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="proxy URL, http://127.0.0.1:PORT")
    parser.add_argument("--project-id", required=True)
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--key-secret", required=True)
    parser.add_argument("--out", help="write the call log (JSON) here instead of stdout")
    args = parser.parse_args(argv)
    calls = drive(args.base_url, args.project_id, args.key_id, args.key_secret)
    sdk = f"sinch {importlib.metadata.version('sinch')} (Python)"
    text = json.dumps({"sdk": sdk, "calls": calls}, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    else:
        print(text)
    wrong = unexpected(calls)
    for call in wrong:
        outcome = call["error"] or f"succeeded, expected to fail: {call['expected_failure']}"
        print(f"UNEXPECTED {call['call']}: {outcome}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
