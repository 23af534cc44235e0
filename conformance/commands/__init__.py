"""One module per ``sinch-conformance`` subcommand.

Each module exposes ``add_arguments(parser: argparse.ArgumentParser) -> None`` and
``run(args: argparse.Namespace) -> int``; :mod:`conformance.cli` imports only the one the
user asked for. Raise :class:`conformance.errors.UserError` for user mistakes.
"""
