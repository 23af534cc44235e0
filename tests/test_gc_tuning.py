"""freeze_long_lived: start-up objects leave the collector's reach, traffic's garbage does not."""

from __future__ import annotations

import gc
import weakref

from conformance.proxy.gc_tuning import freeze_long_lived


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_frozen_objects_stay_and_later_cycles_are_still_collected() -> None:
    before = _Node()
    before.other = before  # a cycle made at "start-up"
    try:
        frozen = freeze_long_lived()
        assert frozen > 0 and gc.get_freeze_count() == frozen
        assert not any(o is before for o in gc.get_objects())  # no longer walked
        after = _Node()
        after.other = after  # a cycle made by "traffic"
        gone = weakref.ref(after)
        del after
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
    assert any(o is before for o in gc.get_objects())
