"""Operation filters applied to exchanges: an exchange is checked when the operation it
routes to (the checks' own cached route) is selected by the
:class:`~conformance.selection.OperationFilter`. The proxy passes the others on unchanged,
``replay`` and ``drift`` skip them; all of them count how many were skipped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.exchange.checks import CheckContext, operation_of
from conformance.exchange.model import Exchange
from conformance.selection import OperationFilter

if TYPE_CHECKING:
    from conformance.contract import Contract

__all__ = ["checked_operations", "is_selected", "operation_tags"]


def operation_tags(contract: Contract) -> dict[str, tuple[str, ...]]:
    """Operation id -> its tags, what an OperationFilter is checked against."""
    return {op.operation_id: op.tags for op in contract.operations.values()}


def checked_operations(contract: Contract, selection: OperationFilter) -> list[str]:
    """The selected operations of ``contract``; a UserError for a glob that matches none."""
    return selection.check(operation_tags(contract))


def is_selected(ctx: CheckContext, ex: Exchange, selection: OperationFilter) -> bool:
    """Whether the exchange's operation (none, for an undocumented path) is selected."""
    if not selection.active:
        return True
    op_id = operation_of(ctx, ex)[0]
    op = ctx.contract.operations.get(op_id) if op_id else None
    return selection.matches(op_id, op.tags if op else ())
