"""`sinch-conformance proxy --target URL`: mitmproxy in reverse mode with the add-on.

Runs the lean mitmproxy master (:mod:`conformance.proxy.lean_master`: mitmproxy's proxy
core with only the add-ons a validating proxy needs, about 1.4x the throughput of
mitmdump), or with ``--mitmdump`` mitmdump itself, from this interpreter's environment as
a child process; prints the URL to point the app at once it listens, forwards
SIGINT/SIGTERM to it (the add-on then prints its summary and closes the HAR file) and
returns its exit code.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from conformance.errors import UserError
from conformance.exchange.bodies import parse_size
from conformance.proxy.addon_options import SELECTION_OPTIONS
from conformance.proxy.launcher import (
    free_port,
    lean_master_args,
    mitmdump_args,
    port_in_use,
    wait_for_port,
)
from conformance.selection import FLAGS, OperationFilter, add_filter_arguments

__all__ = ["add_arguments", "run"]

START_TIMEOUT = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", required=True,
                        help="API to forward to, e.g. https://us.conversation.api.sinch.com "
                             "or the emulator's http://127.0.0.1:PORT")
    parser.add_argument("--listen-port", type=int, default=8080,
                        help="port the app connects to (default 8080; 0 picks a free one)")
    parser.add_argument("--listen-host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1, loopback only)")
    parser.add_argument("--record", type=Path, default=None, metavar="FILE.har",
                        help="record checked flows to this HAR file, secrets redacted")
    parser.add_argument("--findings", type=Path, default=Path("reports/findings"),
                        metavar="DIR", help="directory for the findings (JSON lines)")
    parser.add_argument("--enforce", action="store_true",
                        help="answer requests the spec rejects with its 400 error body "
                             "instead of forwarding them")
    parser.add_argument("--strict", action="store_true",
                        help="count drift as a violation on the console and in the summary")
    parser.add_argument("--max-body", default="1m",
                        help="largest body checked, e.g. 512k or 4m (default 1m)")
    parser.add_argument("--base-path", default="",
                        help="path prefix in front of the spec's paths, if the API has one")
    parser.add_argument("--spec", type=Path, default=None,
                        help="OpenAPI spec to check against (default: the bundled one)")
    add_filter_arguments(parser, "check")
    parser.add_argument("--mitmdump", action="store_true",
                        help="run mitmdump with all of mitmproxy's add-ons instead of the "
                             "lean master (slower; for mitmproxy features the lean master "
                             "leaves out, such as map-local or replay)")


def _target(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"the target {url!r} is not an http:// or https:// URL with a host",
                        tip="pass --target https://us.conversation.api.sinch.com")
    if parts.path not in ("", "/") or parts.query:
        raise UserError(f"the target {url!r} has a path; mitmproxy's reverse mode needs "
                        "scheme://host[:port] only",
                        tip="drop the path, and pass --base-path if the API lives under one")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise UserError(f"the target {url!r} has an invalid port",
                        tip="pass --target scheme://host[:port] with a port 1-65535") from None
    return f"{parts.scheme}://{parts.netloc}"


def _port(host: str, port: int) -> int:
    if port == 0:
        return free_port(host)
    if not 0 < port < 65536:
        raise UserError(f"--listen-port {port} is not a port number",
                        tip="pass --listen-port between 1 and 65535, or 0 for a free one")
    if port_in_use(host, port):
        raise UserError(f"port {port} on {host} is already in use",
                        tip="pass --listen-port with a free port, or --listen-port 0")
    return port


def _options(args: argparse.Namespace) -> dict[str, object]:
    try:
        parse_size(args.max_body)
    except ValueError as exc:
        raise UserError(str(exc), tip="pass --max-body like 512k or 1m") from None
    if args.base_path and not args.base_path.startswith("/"):
        raise UserError(f"--base-path {args.base_path!r} does not start with '/'",
                        tip="pass --base-path like /proxy")
    if args.spec and not args.spec.is_file():
        raise UserError(f"the spec file {args.spec} does not exist",
                        tip="pass --spec with the path of an OpenAPI file")
    if args.record and not args.record.resolve().parent.is_dir():
        raise UserError(f"the directory of {args.record} does not exist",
                        tip="create it, or pass --record with a path in an existing one")
    options: dict[str, object] = {
        "sinch_findings_dir": args.findings, "sinch_strict": args.strict,
        "sinch_enforce": args.enforce, "sinch_max_body": args.max_body,
        "sinch_base_path": args.base_path}
    if args.record:
        options["sinch_record"] = args.record
    options.update(_selection(args))
    if args.spec:
        options["sinch_spec"] = args.spec
    return options


def _selection(args: argparse.Namespace) -> dict[str, object]:
    """The add-on's filter options (comma-separated globs), checked against the spec."""
    selection = OperationFilter.from_args(args)
    if not selection.active:
        return {}
    for flag, field_name in FLAGS.items():
        for glob in getattr(selection, field_name):
            if "," in glob:
                raise UserError(f"{flag} {glob!r} holds a comma, which the add-on's option "
                                "uses between globs", tip=f"repeat {flag} once per glob")
    from conformance.contract import Contract
    from conformance.exchange.selected import checked_operations

    checked_operations(Contract.load(args.spec) if args.spec else Contract.default(), selection)
    return {name: ",".join(getattr(selection, field_name))
            for name, (_flag, field_name) in SELECTION_OPTIONS.items()
            if getattr(selection, field_name)}


def run(args: argparse.Namespace) -> int:
    target = _target(args.target)
    options = _options(args)
    port = _port(args.listen_host, args.listen_port)
    command = mitmdump_args if args.mitmdump else lean_master_args
    cmd = command(mode=f"reverse:{target}", listen_host=args.listen_host, listen_port=port,
                  options=options)
    engine = "mitmdump" if args.mitmdump else "mitmproxy"
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)

    def forward(signum: int, _frame: FrameType | None) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not wait_for_port(args.listen_host, port, START_TIMEOUT, proc):
            if proc.poll() is None:
                proc.terminate()
            code = proc.wait()
            raise UserError(f"{engine} exited (code {code}) before listening on "
                            f"{args.listen_host}:{port}",
                            tip=f"read {engine}'s message above; a bad option names itself")
        print(f"sinch-conformance proxy: listening on http://{args.listen_host}:{port} -> "
              f"{target}", flush=True)
        code = proc.wait()
        return 128 - code if code < 0 else code  # killed by a signal: shell convention
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:
            proc.terminate()
            proc.wait()

