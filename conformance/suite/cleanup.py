"""Every resource the run created, deleted at the end, newest first.

Read-only runs create nothing and never call this.

:meth:`Cleanup.observe` sees every exchange as soon as it happens (Schemathesis' calls via
its ``after_call`` hook, the extra requests of its checks, our probes): a successful create
registers the new id, a successful delete crosses it off. :meth:`Cleanup.run` deletes
what is left, even after a failure or Ctrl-C (the runner calls it in a ``finally``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from conformance.contract import Contract
from conformance.errors import UserError
from conformance.suite.transport import Transport

__all__ = ["CREATES", "DELETES", "RESOURCE_TYPES", "Cleanup", "CleanupApi", "CleanupReport",
           "Resource", "ResourceType"]


@dataclass(frozen=True)
class ResourceType:
    what: str
    create_op: str
    id_field: str  # where the create answer holds the new id
    delete_op: str
    id_param: str  # the delete operation's path parameter
    path: str  # the resource's path, {id} for the id


RESOURCE_TYPES = (
    ResourceType("app", "App_CreateApp", "id", "App_DeleteApp", "app_id",
                 "/v1/projects/{project_id}/apps/{id}"),
    ResourceType("contact", "Contact_CreateContact", "id", "Contact_DeleteContact",
                 "contact_id", "/v1/projects/{project_id}/contacts/{id}"),
    ResourceType("conversation", "Conversation_CreateConversation", "id",
                 "Conversation_DeleteConversation", "conversation_id",
                 "/v1/projects/{project_id}/conversations/{id}"),
    ResourceType("webhook", "Webhooks_CreateWebhook", "id", "Webhooks_DeleteWebhook",
                 "webhook_id", "/v1/projects/{project_id}/webhooks/{id}"),
    ResourceType("message", "Messages_SendMessage", "message_id", "Messages_DeleteMessage",
                 "message_id", "/v1/projects/{project_id}/messages/{id}"),
)
CREATES = {t.create_op: t for t in RESOURCE_TYPES}
DELETES = {t.delete_op: t for t in RESOURCE_TYPES}
CONTACTS = "/v1/projects/{project_id}/contacts"
APPS = "/v1/projects/{project_id}/apps"
CONTACT_CAP = 1000  # a project with more contacts gets no sweep for implicit ones
# collections a sweep can list at project level: what -> (list path, answer key)
LISTABLE = {"contact": (CONTACTS, "contacts"), "app": (APPS, "apps")}


@dataclass(frozen=True)
class Resource:
    what: str
    ident: str
    delete_path: str  # spec path with {project_id} and the id filled in except project


@dataclass
class CleanupReport:
    deleted: int = 0
    already_gone: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass
class CleanupApi:
    """The few calls cleanup makes, through the run's transport (rate limit, retries)."""

    transport: Transport
    url_of: Callable[[str], str]
    auth_header: Callable[[], str]

    def delete(self, path: str) -> int:
        return self.transport.request("DELETE", self.url_of(path), origin="cleanup",
                                      headers={"Authorization": self.auth_header()}).status_code

    def contacts(self, cap: int = CONTACT_CAP) -> dict[str, set[str]] | None:
        """Contact id -> its identities, every page; None when there are more than cap."""
        items = self.items("contact", cap)
        if items is None:
            return None
        out: dict[str, set[str]] = {}
        for cid, contact in items.items():
            idents = contact.get("channel_identities")
            out[cid] = {str(i.get("identity")) for i in idents if isinstance(i, dict)} \
                if isinstance(idents, list) else set()
        return out

    def items(self, what: str, cap: int = CONTACT_CAP) -> dict[str, dict[str, object]] | None:
        """Id -> resource of a listable collection, every page; None when there are more
        than ``cap`` or an answer cannot be read."""
        path, key = LISTABLE[what]
        out: dict[str, dict[str, object]] = {}
        token, tokens = "", set()
        while len(out) <= cap and token not in tokens:
            tokens.add(token)
            query = "?page_size=20" + (f"&page_token={quote(token)}" if token else "")
            resp = self.transport.request(
                "GET", self.url_of(path + (query if what == "contact" else "")),
                origin="cleanup", headers={"Authorization": self.auth_header()})
            try:
                data = resp.json() if resp.ok else {}
                for item in data.get(key) or []:
                    out[str(item["id"])] = item
                token = data.get("next_page_token") or ""
            except (ValueError, AttributeError, KeyError, TypeError):
                return None  # an answer we cannot read: no sweep
            if not isinstance(token, str):
                return None
            if not token:
                return out
        return None


class Cleanup:
    """Registry of created resources; thread-safe.

    Sending to a new channel identity (``identified_by``) creates a contact the answer does
    not name. Contacts that appear during the run and carry an identity the run sent to are
    deleted too; ones that existed before (the :meth:`snapshot`) are never touched.
    """

    def __init__(self, contract: Contract, base_path: str = "") -> None:
        self.contract = contract
        self.base_path = base_path
        self._live: dict[str, Resource] = {}  # delete path -> resource, in creation order
        self._identities: set[str] = set()  # channel identities sent to by identified_by
        self._sent_to_none = False  # an identified_by without any identity was accepted
        # ids of each listable type ("contact", "app") before the run; None: unknown
        self._before: dict[str, set[str] | None] = dict.fromkeys(LISTABLE)
        # creates sent but never answered (timed out): (what, request body); the target
        # may have made the resource all the same
        self._unanswered: list[tuple[str, dict[str, object]]] = []
        self._lock = threading.Lock()
        self.created = 0

    @property
    def pending(self) -> list[Resource]:
        with self._lock:
            return list(self._live.values())

    def snapshot(self, api: CleanupApi) -> None:
        contacts = api.contacts()
        self._before["contact"] = set(contacts) if contacts is not None else None
        apps = api.items("app")
        self._before["app"] = set(apps) if apps is not None else None

    def unanswered(self, method: str, url: str, request_body: bytes) -> None:
        """A request that got no answer (timed out). A create may still have happened at
        the target: :meth:`run` then looks for the resource by the fields it sent."""
        match = self.contract.match(method, url, self.base_path)
        if match is None or match.route is None or match.route.operation_id not in CREATES:
            return
        try:
            body = json.loads(request_body or b"{}")
        except ValueError:
            body = {}
        with self._lock:
            self._unanswered.append((CREATES[match.route.operation_id].what,
                                     body if isinstance(body, dict) else {}))

    def observe(self, method: str, url: str, status: int | None, body: bytes,
                request_body: bytes = b"") -> None:
        """Register or cross off a resource from one exchange."""
        if status is None or not 200 <= status < 300:
            return
        match = self.contract.match(method, url, self.base_path)
        if match is None or match.route is None:
            return
        op_id = match.route.operation_id
        if request_body and b"identified_by" in request_body:
            self._note_identities(request_body)
        if op_id in CREATES:
            self._created(CREATES[op_id], body)
        elif op_id in DELETES:
            kind = DELETES[op_id]
            path = kind.path.replace("{id}", match.path_params.get(kind.id_param, ""))
            with self._lock:
                self._live.pop(path, None)

    def _note_identities(self, body: bytes) -> None:
        try:
            recipient = json.loads(body).get("recipient") or {}
            if "identified_by" not in recipient:
                return
            idents = recipient["identified_by"].get("channel_identities") or []
            found = {i["identity"] for i in idents if isinstance(i.get("identity"), str)}
        except (ValueError, AttributeError, TypeError, KeyError):
            return
        with self._lock:
            self._identities |= found
            self._sent_to_none |= not found

    def _created(self, kind: ResourceType, body: bytes) -> None:
        try:
            ident = json.loads(body).get(kind.id_field)
        except (ValueError, AttributeError):
            return
        if isinstance(ident, str) and ident:
            path = kind.path.replace("{id}", ident)
            with self._lock:
                if path not in self._live:
                    self.created += 1
                    self._live[path] = Resource(kind.what, ident, path)

    def _implicit(self, api: CleanupApi) -> list[Resource]:
        """Contacts made by sending to a new identity during the run (or, when the target
        accepted a send to no identity at all, new contacts without one)."""
        before = self._before["contact"]
        if before is None or not (self._identities or self._sent_to_none):
            return []
        now = api.contacts() or {}
        return [Resource("contact", cid, CONTACTS + "/" + cid) for cid, idents in now.items()
                if cid not in before and (idents & self._identities or
                                          (self._sent_to_none and not idents))]

    def run(self, api: CleanupApi) -> CleanupReport:
        """Delete every resource still registered, newest first, then the contacts sending
        created; never raises for one."""
        report = CleanupReport()
        for res in reversed(self.pending):
            self._delete(api, res, report)
        try:
            implicit = self._implicit(api)
        except (UserError, OSError) as exc:
            report.failed.append(f"listing contacts: {exc}")
            implicit = []
        for res in implicit:
            self.created += 1
            self._delete(api, res, report)
        for res in self._unanswered_made(api, report):
            self.created += 1
            self._delete(api, res, report)
        return report

    def _unanswered_made(self, api: CleanupApi, report: CleanupReport) -> list[Resource]:
        """Resources that unanswered creates made after all: new since the snapshot, not
        known to the run, with every scalar field the create sent. A create whose resource
        cannot be looked for this way is reported, not guessed at."""
        with self._lock:
            wanted, self._unanswered = self._unanswered, []
        if not wanted:
            return []
        known = {r.ident for r in self.pending}
        found: dict[str, Resource] = {}
        listed: dict[str, dict[str, dict[str, object]] | None] = {}
        for what, body in wanted:
            before = self._before.get(what)
            fields = {k: v for k, v in body.items() if isinstance(v, str | int | float | bool)}
            if what not in LISTABLE or before is None or not fields:
                report.failed.append(f"{what} from a create that timed out: it may exist on "
                                     "the target; the suite cannot look it up")
                continue
            if what not in listed:
                try:
                    listed[what] = api.items(what)
                except (UserError, OSError):
                    listed[what] = None
            items = listed[what]
            if items is None:
                report.failed.append(f"{what} from a create that timed out: listing "
                                     f"{what}s failed, it may exist on the target")
                continue
            path = LISTABLE[what][0]
            for ident, item in items.items():
                if ident in before or ident in known or ident in found:
                    continue
                if all(item.get(k) == v for k, v in fields.items()):
                    found[ident] = Resource(what, ident, f"{path}/{ident}")
        return list(found.values())

    def _delete(self, api: CleanupApi, res: Resource, report: CleanupReport) -> None:
        try:
            status = api.delete(res.delete_path)
        except (UserError, OSError) as exc:
            report.failed.append(f"{res.what} {res.ident}: {exc}")
            return
        with self._lock:
            self._live.pop(res.delete_path, None)
        if 200 <= status < 300:
            report.deleted += 1
        elif status == 404:
            report.already_gone += 1
        else:
            report.failed.append(f"{res.what} {res.ident}: {status}")
