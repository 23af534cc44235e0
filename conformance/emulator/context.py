"""What a handler gets: :class:`Call` (one request, already routed, authenticated and
validated) and :class:`Env` (the emulator's clock, id factory, config and schemas)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from conformance.emulator.config import EmulatorConfig
from conformance.emulator.faults import FaultName
from conformance.emulator.ids import Clock, IdFactory, rfc3339
from conformance.emulator.replies import ApiError, Reply
from conformance.emulator.shape import Schemas
from conformance.emulator.state import ProjectState

__all__ = ["Call", "Env", "Handler"]

Doc = dict[str, Any]


@dataclass(frozen=True)
class Env:
    config: EmulatorConfig
    clock: Clock
    ids: IdFactory
    schemas: Schemas

    def new_id(self) -> str:
        return self.ids.new()

    def stamp(self, epoch: float | None = None) -> str:
        return rfc3339(self.clock.now() if epoch is None else epoch)


@dataclass
class Call:
    operation_id: str
    project_id: str
    state: ProjectState
    path: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    faults: frozenset[str]
    env: Env
    # the foreign-ids-served fault: (collection, id) -> a resource of any project
    elsewhere: Callable[[str, str], Doc | None] | None = None

    def fault(self, name: FaultName) -> bool:
        return name in self.faults

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def q_int(self, name: str) -> int | None:
        value = self.q(name)
        return int(value) if value not in (None, "") else None

    def q_bool(self, name: str) -> bool:
        return self.q(name, "false") == "true"

    def mask(self) -> list[str] | None:
        """Top-level field names of ``update_mask.paths`` (repeated or comma-separated)."""
        values = self.query.get("update_mask.paths")
        if not values or self.fault(FaultName.PROSE_UPDATE_MASK_IGNORED):
            return None
        return [p.strip().split(".")[0] for v in values for p in v.split(",") if p.strip()]

    def served(self, doc: Any, among: Iterable[Any]) -> Any:
        """``doc``, as a get answers it; with ``get-returns-other`` another item of ``among``
        (the first stored one that is not ``doc``), when there is one."""
        if self.fault(FaultName.GET_RETURNS_OTHER):
            return next((other for other in among if other is not doc), doc)
        return doc

    def filtered(self, value: Any) -> Any:
        """A list filter's value; None (no filter) with ``list-filter-ignored``."""
        return None if self.fault(FaultName.LIST_FILTER_IGNORED) else value

    def field(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default) if isinstance(self.body, dict) else default

    # ---------------------------------------------------------------- lookups
    def find(self, collection: str, ident: str, what: str) -> Doc:
        """The resource ``ident`` of this project's ``collection`` ("apps", "webhooks",
        ...), or a 404 ApiError naming ``what``."""
        doc: Doc | None = getattr(self.state, collection).get(ident)
        if doc is None and self.elsewhere is not None:
            doc = self.elsewhere(collection, ident)
        if doc is None:
            raise ApiError.not_found(what, ident)
        return doc

    def app(self, app_id: str) -> Doc:
        return self.find("apps", app_id, "app")

    def contact(self, contact_id: str) -> Doc:
        return self.find("contacts", contact_id, "contact")

    def conversation(self, conv_id: str) -> Doc:
        return self.find("conversations", conv_id, "conversation")


Handler = Callable[[Call], Reply]


def apply_update(target: Doc, changes: Doc, mask: list[str] | None, allowed: tuple[str, ...],
                 defaults: Doc) -> None:
    """PATCH semantics: the fields in ``mask`` (or every allowed field present in
    ``changes`` when there is no mask) take their new value, or their default when absent."""
    names = [n for n in (mask if mask is not None else list(changes)) if n in allowed]
    for name in names:
        if name in changes:
            target[name] = changes[name]
        elif name in defaults:
            target[name] = defaults[name]
        else:
            target.pop(name, None)
