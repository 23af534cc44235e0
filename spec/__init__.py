"""The contract as written: ``conversation.yaml`` (rebuilt from the seed) and ``overlays/``.

Installed as the package ``conformance.spec`` (see ``[tool.setuptools.package-dir]`` in
pyproject.toml) and read with :mod:`importlib.resources` by ``conformance.spec_loader``; the
repository keeps it at the top level, where ``rebuild_from_seed.py`` writes it.
"""
