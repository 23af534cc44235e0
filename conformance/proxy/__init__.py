"""Proxy-side helpers: capture, check, record (HAR), replay, summarise, launch mitmdump.

Layering: ``exchange``/``bodies``/``scrub`` (data) <- ``check`` (contract validation of
one exchange) <- ``har``/``flows`` (files) <- ``pipeline``/``worker``/``summary`` <- the
add-on in ``proxy_addons/`` and the ``proxy``/``replay`` commands. Only ``flows`` and
``launcher`` know mitmproxy exists.
"""

from conformance.proxy.check import CheckContext, check_exchange
from conformance.proxy.exchange import Exchange, WireCapture, to_exchange

__all__ = ["CheckContext", "Exchange", "WireCapture", "check_exchange", "to_exchange"]
