"""Realistic Sinch Conversation API bodies that keep the contract, shared by the
benchmarks: a SendMessage request and the messages of a ListMessages page."""

from __future__ import annotations

from typing import Any

APP_ID = "01HZXK8M3Q2W9V7B5N4C6D1E0F"
NEXT_PAGE_TOKEN = "ChowMUhRN1c0WjFSMTI2N0RCQlI4UzQ3TlZQOEoGCP70264G"


def send_message_request(text: str = "Hello", app_id: str = APP_ID) -> dict[str, Any]:
    """A SendMessage request with most optional fields set, to two channels."""
    return {
        "app_id": app_id,
        "recipient": {"identified_by": {"channel_identities": [
            {"channel": "WHATSAPP", "identity": "+46701234567"},
            {"channel": "SMS", "identity": "+46701234567"}]}},
        "message": {"explicit_channel_message": {"WHATSAPP": {"text": text}}},
        "channel_priority_order": ["WHATSAPP", "SMS"],
        "callback_url": "https://example.com/callback",
        "message_metadata": "order-1234",
        "conversation_metadata": {"order": "1234", "tier": "gold"},
        "queue": "NORMAL_PRIORITY",
        "ttl": "3600s",
        "processing_strategy": "DEFAULT",
    }


def conversation_message(i: int) -> dict[str, Any]:
    """The i-th message of a ListMessages page."""
    return {
        "id": f"01HZXK8M3Q2W9V7B5N4C6D1E{i:02d}",
        "direction": "TO_APP" if i % 2 else "TO_CONTACT",
        "channel_identity": {"channel": "SMS", "identity": "+46701234567"},
        "conversation_id": "01HZXK8M3Q2W9V7B5N4C6D1CON",
        "contact_id": "01HZXK8M3Q2W9V7B5N4C6D1CTC",
        "metadata": "{\"operator\":\"310150\"}",
        "accept_time": f"2026-11-24T07:40:{i:02d}Z",
        "injected": False,
    }


def list_messages_page(count: int = 20) -> dict[str, Any]:
    return {"messages": [conversation_message(i) for i in range(count)],
            "next_page_token": NEXT_PAGE_TOKEN}
