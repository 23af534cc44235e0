"""Contract/conformance suite and validating proxy for the Sinch Conversation API."""

__version__ = "0.1.0"

__all__ = ["__version__"]
