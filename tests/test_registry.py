"""The one registry shape: names, kinds, places, order, and loud failures on typos."""

from __future__ import annotations

import pytest

from conformance.registry import Registry


def test_entries_keep_their_name_kinds_places_doc_and_order() -> None:
    reg: Registry[object] = Registry("check")

    @reg.register(kinds={"server_error"}, where={"suite", "proxy"})
    def first() -> None:
        """Finds servers that fail.

        More text."""

    reg.add(len, "second", kinds=["undocumented_field"], where=["replay"])
    assert reg.names() == ("first", "second")
    entry = reg["first"]
    assert entry.obj is first and entry.doc == "Finds servers that fail."
    assert entry.kinds == {"server_error"} and entry.where == {"suite", "proxy"}
    assert [e.name for e in reg.running_in("proxy")] == ["first"]
    assert reg.kinds() == {"server_error", "undocumented_field"}
    assert "second" in reg and len(reg) == 2


def test_typos_fail_loudly() -> None:
    reg: Registry[object] = Registry("fault")
    reg.add(print, "server-error")
    with pytest.raises(KeyError, match="no fault named 'server-eror'; known: server-error"):
        reg["server-eror"]
    with pytest.raises(ValueError, match="registered twice"):
        reg.add(print, "server-error")
    with pytest.raises(ValueError, match="unknown place"):
        reg.add(repr, "x", where={"proxxy"})
    with pytest.raises(ValueError, match="unknown place"):
        reg.running_in("nowhere")
