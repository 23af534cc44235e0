"""Keep Python's cyclic garbage collector off the objects that live as long as the proxy.

mitmproxy makes cyclic garbage with every flow, so the collector runs often; every full
collection walks every tracked object of the process. The contract (its spec document and
schemas), mitmproxy's and our modules are ~100,000 such objects that are never garbage.
``freeze_long_lived`` moves what exists at start-up into the permanent generation
(:func:`gc.freeze`), so full collections during traffic only walk what traffic made.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_long_lived"]


def freeze_long_lived() -> int:
    """Collect once, then exempt every object alive now from later collections. Returns
    how many objects were frozen. Call it when start-up is over (the contract loaded)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
