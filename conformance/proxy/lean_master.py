"""mitmproxy with only the add-ons a validating proxy needs, plus the sinch_validator
add-on: what ``sinch-conformance proxy`` runs.

    python -m conformance.proxy.lean_master --mode reverse:https://us.conversation.api.sinch.com \\
        --listen-host 127.0.0.1 --listen-port 8080 [--set sinch_record=traffic.har ...]

mitmdump loads some thirty add-ons (replay, map-local, sticky cookies, its own HAR export,
the flow dumper, ...) and hands every event of every flow to each of them, one exception
guard and one coroutine per add-on per event. For bare mitmdump that dispatch is about
40 % of its CPU per flow, spent on add-ons a validating proxy does not use. This master
runs mitmproxy's own proxy core (the same ``Proxyserver``, layers, TLS and HTTP code) with
only these of mitmproxy's add-ons:

- ``Core``, ``Proxyserver``, ``NextLayer``, ``TlsConfig``: options, listening, protocol
  detection, certificates;
- ``Block``: refuses clients from public addresses unless told otherwise, as mitmdump does;
- ``DisableH2C`` and ``UpdateAltSvc``: what mitmdump does to h2c upgrade requests and to
  Alt-Svc headers in reverse mode, so a flow leaves this master as it leaves mitmdump;
- ``ErrorCheck``: exit with status 1 on an error during start-up (a port in use, a bad
  option value), as mitmdump does.

They are registered as children of one parent add-on (mitmproxy's nested add-ons), so
the manager guards and dispatches each event once for all of them. The sinch_validator
add-on stays a separate member of the chain, with its own guard: an error in one of
mitmproxy's add-ons cannot keep a flow from being checked, nor the reverse. mitmproxy's
console log (``TermLog``) is kept.

Options are mitmproxy's and the add-on's: ``--set name=value``. An option that no add-on
here declares is an error (exit 2), not silently ignored; use mitmdump for the options of
the add-ons left out. ``--no-addon`` runs without the sinch_validator add-on (the
benchmark's baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any

from mitmproxy import exceptions, master, options
from mitmproxy.addons import (
    block,
    core,
    disable_h2c,
    errorcheck,
    next_layer,
    proxyserver,
    tlsconfig,
    update_alt_svc,
)

__all__ = ["ProxyCore", "lean_addons", "main", "run"]

PROG = "sinch-conformance proxy"


def lean_addons() -> list[Any]:
    """mitmproxy's add-ons that plain proxying uses (see the module docstring)."""
    return [core.Core(), block.Block(), disable_h2c.DisableH2C(), proxyserver.Proxyserver(),
            next_layer.NextLayer(), tlsconfig.TlsConfig(), update_alt_svc.UpdateAltSvc(),
            errorcheck.ErrorCheck()]


class ProxyCore:
    """One add-on whose children are :func:`lean_addons`: mitmproxy calls each child's
    hooks in order, with one guard and one dispatch per event for the group."""

    name = "sinch_proxy_core"

    def __init__(self) -> None:
        self.addons = lean_addons()


def _validator() -> Any:
    """The sinch_validator add-on (the class ``mitmdump -s`` gets from the thin file)."""
    from conformance.proxy.addon import SinchValidator

    return SinchValidator()


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m conformance.proxy.lean_master",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", action="append", required=True,
                    help="mitmproxy proxy mode, e.g. reverse:https://HOST or regular")
    ap.add_argument("--listen-host", default="127.0.0.1")
    ap.add_argument("--listen-port", type=int, default=8080)
    ap.add_argument("--set", dest="setoptions", action="append", default=[],
                    metavar="NAME=VALUE", help="set a mitmproxy or add-on option")
    ap.add_argument("--no-addon", action="store_true",
                    help="run without the sinch_validator add-on (a baseline)")
    return ap


async def run(args: argparse.Namespace) -> int:
    """Build the master, apply the options, serve until SIGINT/SIGTERM; the exit status."""
    # as mitmproxy's own tools do: TermLog filters by termlog_verbosity
    logging.getLogger().setLevel(logging.DEBUG)
    for noisy in ("tornado", "asyncio", "hpack", "quic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    opts = options.Options()
    proxy = master.Master(opts, with_termlog=True)
    proxy.addons.add(ProxyCore())
    if not args.no_addon:
        proxy.addons.add(_validator())
    try:
        opts.set(*args.setoptions)
        opts.update(mode=args.mode, listen_host=args.listen_host,
                    listen_port=args.listen_port)
    except exceptions.OptionsError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, proxy.shutdown)
    # a client that goes away mid-write must not end the process (as in mitmdump)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    await proxy.run()
    loop.set_exception_handler(_quiet_shutdown)
    return 0


def _quiet_shutdown(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """After the master has stopped, asyncio cancels the connections still open; Python
    3.11's stream callback then reports each cancellation as an error with a traceback
    (fixed in 3.12). Those are not errors: keep them off the console."""
    if isinstance(context.get("exception"), asyncio.CancelledError):
        return
    loop.default_exception_handler(context)


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(run(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
