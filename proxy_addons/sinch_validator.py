"""The file mitmproxy loads: the sinch_validator add-on, which checks Sinch Conversation API
traffic against the spec and records it, without ever changing it.

    mitmdump --mode reverse:https://us.conversation.api.sinch.com --set flow_detail=0 \\
        -s proxy_addons/sinch_validator.py [--set sinch_record=traffic.har]

The add-on itself is :class:`conformance.proxy.addon.SinchValidator` (see docs/proxy.md).
"""

from conformance.proxy.addon import SinchValidator

__all__ = ["SinchValidator", "addons"]

addons = [SinchValidator()]
