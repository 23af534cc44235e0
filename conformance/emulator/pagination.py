"""Page through an ordered list with ``page_size`` and an opaque ``page_token``.

The token is a cursor (the sort key of the last item served, base64url), not an offset,
so items created or deleted between two pages neither repeat nor disappear. ``page_size``
defaults to 10; values above 20 are clamped to 20, as the spec's prose says (values below 1
mean "default", like an unset protobuf field). Faults change this:
``pagination-repeats`` (each next page starts with the previous page's last item),
``pagination-skips`` (each next page skips one item) and ``page-size-above-max``
(``page_size`` above 20 is honoured); ``list-misses-created`` leaves the newest item out
and ``pagination-endless`` points the last page back to the second.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

from conformance.emulator.context import Call
from conformance.emulator.faults import FaultName
from conformance.emulator.replies import ApiError

__all__ = ["decode_token", "encode_token", "paginate"]

T = TypeVar("T")
_PREFIX = "c1:"


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode((_PREFIX + key).encode()).decode().rstrip("=")


def decode_token(token: str) -> str:
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):
        text = ""  # not a token of ours: the 400 below says so
    if not text.startswith(_PREFIX):
        raise ApiError.invalid(f"Invalid page_token '{token}': use the next_page_token of a "
                               "previous answer.")
    return text[len(_PREFIX):]


def page_size(call: Call) -> int:
    cfg = call.env.config
    size = call.q_int("page_size")
    if size is None or size < 1:
        return cfg.page_size_max if call.fault(FaultName.PROSE_PAGE_SIZE_DEFAULT) else \
            cfg.page_size_default
    if size > cfg.page_size_max and not call.fault(FaultName.PAGE_SIZE_ABOVE_MAX):
        return cfg.page_size_max
    return size


def paginate(call: Call, items: Sequence[T], key: Callable[[T], str], *,
             descending: bool = False) -> tuple[list[T], str]:
    """(the page, next_page_token or "") of ``items``, already sorted by ``key``."""
    size = page_size(call)
    if call.fault(FaultName.LIST_MISSES_CREATED) and items:
        newest = max(items, key=key)
        items = [item for item in items if item is not newest]
    token = call.q("page_token")
    start = 0
    if token:
        cursor = decode_token(token)
        start = len(items)
        for i, item in enumerate(items):
            k = key(item)
            if (k < cursor) if descending else (k > cursor):
                start = i
                break
        if call.fault(FaultName.PAGINATION_REPEATS):
            start = max(start - 1, 0)
        elif call.fault(FaultName.PAGINATION_SKIPS):
            start += 1
    page = list(items[start:start + size])
    more = start + size < len(items)
    if page and not more and call.fault(FaultName.PAGINATION_ENDLESS) and len(items) > size:
        return page, encode_token(key(items[size - 1]))  # back to the second page: a cycle
    return page, encode_token(key(page[-1])) if page and more else ""
