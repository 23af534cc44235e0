"""End-to-end runs of the official Sinch SDKs through the validating proxy to the emulator.

``python -m e2e`` runs them and writes the drift report of what they sent; see
``e2e/README.md``. Not part of the installed package: it drives the project from outside,
as a user would.
"""
