"""The ``prose_pages`` probe (read-only, so ``--readonly`` keeps it): a list of contacts
without page_size holds at most the default 10, and one asking for 25 at most 20."""

from __future__ import annotations

from conformance.suite.probe_context import ProbeContext
from conformance.suite.prose.steps import P
from conformance.suite.prose.verdicts import broke, data

__all__ = ["contact_pages", "prose_pages"]


def contact_pages(ctx: ProbeContext) -> None:
    """Count the contacts of a page without page_size (at most 10) and of one with
    page_size=25 (at most 20). Shows something only when the project holds more."""
    for query, limit, said in (({}, 10, "without page_size"), ({"page_size": 25}, 20,
                                                               "with page_size=25")):
        resp = ctx.call("GET", f"{P}/contacts", query=query)
        count = len(data(resp).get("contacts") or [])
        if count > limit:
            broke(ctx, "contacts-page-size", resp, f"a list {said} held {count} contacts")


def prose_pages(ctx: ProbeContext) -> None:
    """Default and maximum page size of ListContacts."""
    contact_pages(ctx)
