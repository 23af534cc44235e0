"""mitmproxy add-ons of sinch-conformance; load one with ``mitmdump -s <file>``."""
