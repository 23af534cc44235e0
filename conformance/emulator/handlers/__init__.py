"""The emulator's operation handlers, one module per resource family.

Each module maps the operation ids it serves to a :data:`~conformance.emulator.context.Handler`
in its ``HANDLERS``; :data:`HANDLERS` here is all of them. The app refuses to start when an
operation of the contract has no handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from conformance.emulator.context import Handler
from conformance.emulator.handlers import (
    apps,
    contacts,
    conversations,
    messages,
    misc,
    webhooks,
)

__all__ = ["HANDLERS"]

_TABLES = (apps.HANDLERS, contacts.HANDLERS, conversations.HANDLERS, messages.HANDLERS,
           misc.HANDLERS, webhooks.HANDLERS)


def _merged() -> Mapping[str, Handler]:
    merged: dict[str, Handler] = {}
    for table in _TABLES:
        twice = sorted(set(merged) & set(table))
        if twice:
            raise RuntimeError(f"more than one emulator handler for: {', '.join(twice)}")
        merged.update(table)
    return MappingProxyType(merged)


HANDLERS: Mapping[str, Handler] = _merged()
