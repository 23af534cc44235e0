"""A read barrier for the prose probes: after each of their successful writes, one more
write (a marker contact) and reads of it until it shows, within the run's
``--consistency-window``. A replica that shows the marker shows every write made before
it, so the probe's next reads see what it wrote: an eventually consistent API's lag is not
taken for a broken rule. The marker contacts are deleted with the rest of the run's
resources; against an API that does not lag, each barrier costs one create and one read.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from conformance.suite.probe_context import P, ProbeContext

__all__ = ["with_read_barrier"]

_MARKS = itertools.count(1)


def _barrier(ctx: ProbeContext) -> None:
    n = next(_MARKS)
    made = ctx.call("POST", f"{P}/contacts", body={
        "channel_identities": [{"channel": "SMS", "identity": f"+4670009{n % 10000:04d}"}],
        "language": "EN", "display_name": f"sinch-conformance read barrier {n}"})
    marker = made.json().get("id") if 200 <= made.status_code < 300 else None
    if not isinstance(marker, str):
        return  # no marker, no barrier: the probe's reads go on unguarded

    def shown() -> tuple[bool, None]:
        return 200 <= ctx.call("GET", f"{P}/contacts/{marker}").status_code < 300, None

    ctx.settle(shown)


def with_read_barrier(run: Callable[[ProbeContext], None]) -> Callable[[ProbeContext], None]:
    """``run`` with a read barrier after each of its successful writes."""
    def settled(ctx: ProbeContext) -> None:
        ctx.after_write = _barrier
        try:
            run(ctx)
        finally:
            ctx.after_write = None

    settled.__name__ = run.__name__
    settled.__doc__ = run.__doc__
    return settled
