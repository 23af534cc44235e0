"""The in-memory data of the emulator: one :class:`ProjectState` per project id.

Resources are kept as the JSON objects the API answers with (only documented fields), so a
read is a lookup. Each dict keeps insertion order, which is id order (ids are monotonic),
so lists need no sorting. Messages carry a little bookkeeping next to their body (the app, whether
they were sent in DISPATCH mode, the accept time as a number for ordering). Indexes keep the
common reads cheap: the active conversation of an (app, contact) pair and the messages of
each conversation and of each app's dispatch log.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Message", "ProjectState", "Store"]

Doc = dict[str, Any]


@dataclass
class Message:
    body: Doc
    app_id: str
    accepted: float  # POSIX seconds, for "newest first"
    dispatch: bool = False

    @property
    def sort_key(self) -> str:
        """Zero-padded microseconds and id: sorts like (accept time, id)."""
        return f"{int(self.accepted * 1_000_000):020d}.{self.body['id']}"


@dataclass
class ProjectState:
    apps: dict[str, Doc] = field(default_factory=dict)
    contacts: dict[str, Doc] = field(default_factory=dict)
    conversations: dict[str, Doc] = field(default_factory=dict)
    webhooks: dict[str, Doc] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    events: dict[str, Doc] = field(default_factory=dict)
    consents: dict[tuple[str, str, str], str] = field(default_factory=dict)
    active: dict[tuple[str, str], str] = field(default_factory=dict)  # (app, contact) -> conv
    by_conversation: dict[str, dict[str, None]] = field(default_factory=dict)
    dispatch_by_app: dict[str, dict[str, None]] = field(default_factory=dict)

    # ---------------------------------------------------------------- conversations
    def active_conversation(self, app_id: str, contact_id: str) -> Doc | None:
        conv_id = self.active.get((app_id, contact_id))
        return self.conversations.get(conv_id) if conv_id else None

    def put_conversation(self, conv: Doc) -> None:
        self.conversations[conv["id"]] = conv
        self.by_conversation.setdefault(conv["id"], {})
        self.reindex(conv)

    def reindex(self, conv: Doc) -> None:
        """Keep the active index in step with a conversation's ``active`` flag."""
        pair = (conv["app_id"], conv["contact_id"])
        if conv.get("active"):
            self.active[pair] = conv["id"]
        elif self.active.get(pair) == conv["id"]:
            del self.active[pair]

    def remove_conversation(self, conv_id: str) -> None:
        conv = self.conversations.pop(conv_id, None)
        if conv is None:
            return
        if self.active.get((conv["app_id"], conv["contact_id"])) == conv_id:
            del self.active[(conv["app_id"], conv["contact_id"])]
        for msg_id in list(self.by_conversation.pop(conv_id, {})):
            self.messages.pop(msg_id, None)

    # ---------------------------------------------------------------- messages
    def add_message(self, message: Message) -> None:
        msg_id = message.body["id"]
        self.messages[msg_id] = message
        if message.dispatch:
            self.dispatch_by_app.setdefault(message.app_id, {})[msg_id] = None
        else:
            conv_id = message.body.get("conversation_id", "")
            self.by_conversation.setdefault(conv_id, {})[msg_id] = None

    def remove_message(self, msg_id: str) -> None:
        message = self.messages.pop(msg_id, None)
        if message is None:
            return
        if message.dispatch:
            self.dispatch_by_app.get(message.app_id, {}).pop(msg_id, None)
        else:
            conv_id = message.body.get("conversation_id", "")
            self.by_conversation.get(conv_id, {}).pop(msg_id, None)

    def conversation_messages(self, conv_ids: list[str]) -> list[Message]:
        out = []
        for conv_id in conv_ids:
            out += [self.messages[m] for m in self.by_conversation.get(conv_id, {})]
        return out

    def move_message(self, msg_id: str, conv_id: str, contact_id: str) -> None:
        """Re-home a message (contact merge): new conversation and contact."""
        message = self.messages[msg_id]
        self.by_conversation.get(message.body.get("conversation_id", ""), {}).pop(msg_id, None)
        message.body["conversation_id"] = conv_id
        message.body["contact_id"] = contact_id
        self.by_conversation.setdefault(conv_id, {})[msg_id] = None

    # ---------------------------------------------------------------- apps, contacts
    def remove_app(self, app_id: str) -> None:
        self.apps.pop(app_id, None)
        for hook_id in [h for h, hook in self.webhooks.items() if hook["app_id"] == app_id]:
            del self.webhooks[hook_id]
        for conv_id in [c for c, conv in self.conversations.items()
                        if conv["app_id"] == app_id]:
            self.remove_conversation(conv_id)
        for msg_id in list(self.dispatch_by_app.pop(app_id, {})):
            self.messages.pop(msg_id, None)

    def remove_contact(self, contact_id: str) -> None:
        self.contacts.pop(contact_id, None)
        for conv_id in [c for c, conv in self.conversations.items()
                        if conv["contact_id"] == contact_id]:
            self.remove_conversation(conv_id)

    def find_contact(self, channel: str, identity: str, app_id: str) -> Doc | None:
        """The first contact with this channel identity (app-scoped ones must match app)."""
        for contact in self.contacts.values():
            for ident in contact.get("channel_identities", []):
                if (ident.get("channel") == channel and ident.get("identity") == identity
                        and ident.get("app_id", app_id) in (app_id, "")):
                    return contact
        return None


class Store:
    """Project id -> state; a project springs into existence on first use."""

    def __init__(self) -> None:
        self._projects: dict[str, ProjectState] = {}
        self._lock = threading.Lock()
        self.lock = threading.RLock()  # held by the app around each request's handler

    def project(self, project_id: str) -> ProjectState:
        state = self._projects.get(project_id)
        if state is None:
            with self._lock:
                state = self._projects.setdefault(project_id, ProjectState())
        return state

    def find_anywhere(self, collection: str, ident: str) -> Doc | None:
        """A resource of any project (only the foreign-ids-served fault looks there)."""
        for state in list(self._projects.values()):
            doc: Doc | None = getattr(state, collection).get(ident)
            if doc is not None:
                return doc
        return None
