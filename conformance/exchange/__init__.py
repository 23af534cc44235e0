"""One request/response exchange, whoever saw it, and the one path to its findings.

* :mod:`.model`: the :class:`Exchange` (request, response, timing, origin), and the live
  proxy's cheap :class:`WireCapture` hand-off; :mod:`.bodies` decodes bodies within a limit.
* readers: :mod:`.flows` (live mitmproxy flows, ``mitmdump -w`` files), :mod:`.har` (HAR 1.2,
  read and written redacted), :mod:`.clients` (``requests`` and Schemathesis responses),
  :mod:`.recordings` (a recording file of either kind, for ``replay`` and ``drift``).
* :mod:`.checks`: every registered exchange check and :func:`check_exchange`;
  :mod:`.evidence` the one evidence builder; :mod:`.scrub` secrets out of exchanges.
"""

from conformance.exchange.checks import EXCHANGE_CHECKS, CheckContext, check_exchange
from conformance.exchange.model import Exchange, WireCapture, to_exchange

__all__ = ["EXCHANGE_CHECKS", "CheckContext", "Exchange", "WireCapture", "check_exchange",
           "to_exchange"]
