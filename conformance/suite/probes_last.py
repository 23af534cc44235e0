"""The probes that run after every other, registered in :data:`PROBES` last: ``top_up``
(:mod:`conformance.suite.topup`) tops up the operations the run left under
``SUCCESS_GOAL`` distinct successes, so it must follow every probe that makes successes,
the prose probes included. The runner imports this module, not the probes one by one."""

from __future__ import annotations

import conformance.suite.prose  # noqa: F401  (registers the prose probes first)
from conformance.suite.probe_operations import ALL_OPERATIONS
from conformance.suite.probes import PROBES, Probe
from conformance.suite.topup import top_up

__all__ = ["PROBES"]

_SUMMARY = "valid, varied requests for operations under 10 distinct successes"
# it reports nothing itself (no kinds): it only makes successes for the checks to see
PROBES.add(Probe(top_up, True, _SUMMARY, ALL_OPERATIONS), "top_up", kinds=(), where={"suite"},
           doc=_SUMMARY)
