"""Test aids: code the tests and the benchmarks share, kept out of the installed package.

* :mod:`tests.aids.inprocess`: a tiny requests-like client that calls an ASGI app (the
  emulator) in-process;
* :mod:`tests.aids.workload`: a seeded random stateful workload over all operations;
* :mod:`tests.aids.fakeapi`: a canned loopback Sinch API, the proxy tests' upstream.

Import them as ``tests.aids.<module>``, from the repository root (``python -m pytest``,
``python benchmarks/<name>.py``, which put the root on ``sys.path``).
"""
