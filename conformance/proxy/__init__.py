"""The validating proxy: the mitmproxy add-on's checker process, the lean master, the
launcher, and the per-flow pipeline (check, record, count, print) that ``replay`` shares.

Exchanges, their readers and writers (HAR, flow files) and the exchange checks live in
:mod:`conformance.exchange`; only ``launcher`` and ``lean_master`` here know mitmproxy.
"""
