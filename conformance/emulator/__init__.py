"""A stateful in-memory emulator of the Sinch Conversation API, with a fault catalogue.

``create_app(EmulatorConfig(...))`` is an ASGI app (serve it with uvicorn, call it with
any ASGI client, or answer one request in-process with :meth:`EmulatorApp.handle`);
``sinch-conformance emulator`` serves it on a local port. See ``README.md`` here for the
behaviour, the drift from the spec and the fault catalogue.
"""

from conformance.emulator.app import EmulatorApp, RawRequest, create_app
from conformance.emulator.config import AccessKey, EmulatorConfig, generated_config
from conformance.emulator.faults import (
    CATALOGUE,
    FAULT_HEADER,
    FAULT_REGISTRY,
    FAULTS,
    Fault,
    FaultName,
)

__all__ = [
    "CATALOGUE",
    "FAULTS",
    "FAULT_HEADER",
    "FAULT_REGISTRY",
    "AccessKey",
    "EmulatorApp",
    "EmulatorConfig",
    "Fault",
    "FaultName",
    "RawRequest",
    "create_app",
    "generated_config",
]
