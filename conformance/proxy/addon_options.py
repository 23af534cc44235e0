"""The add-on's options: declared in ``load()`` with full-sentence help, and parsed in
``configure()`` into plain values; a bad value is an ``OptionsError`` naming the option."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mitmproxy import exceptions
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy.mode_specs import ProxyMode, ReverseMode

from conformance.contract import Contract
from conformance.errors import UserError
from conformance.exchange.bodies import parse_size
from conformance.selection import FLAGS, OperationFilter

__all__ = ["SELECTION_OPTIONS", "SINCH_HOSTS", "check_writable", "declare", "load_contract",
           "parse_hosts", "parse_max_body", "parse_selection"]

SINCH_HOSTS = ("*.conversation.api.sinch.com",)
# option -> (the proxy command's flag, the OperationFilter field)
SELECTION_OPTIONS = {f"sinch_{flag[2:].replace('-', '_')}": (flag, field_name)
                     for flag, field_name in FLAGS.items()}


def declare(loader: Loader) -> None:
    """Declare the add-on's options (prefixed ``sinch_``), each with full-sentence help."""
    loader.add_option(
        "sinch_spec", str, "",
        "OpenAPI spec to check traffic against. Empty uses the spec bundled with "
        "sinch-conformance, with its overlays applied.")
    loader.add_option(
        "sinch_findings_dir", str, "reports/findings",
        "Directory for the findings file (JSON lines, one Finding per line).")
    loader.add_option(
        "sinch_record", str, "",
        "Record checked flows to this HAR 1.2 file, secrets redacted. Empty records "
        "nothing.")
    loader.add_option(
        "sinch_strict", bool, False,
        "Count drift (undocumented fields, enum values, parameters, statuses, "
        "operations) as a violation on the console and in the summary.")
    loader.add_option(
        "sinch_enforce", bool, False,
        "Answer requests the spec rejects with the spec's 400 error body instead of "
        "forwarding them. Off by default: then no flow is ever changed.")
    loader.add_option(
        "sinch_max_body", str, "1m",
        "Largest body that is checked, e.g. 512k or 4m. Larger bodies are streamed "
        "through unbuffered and reported as body_skipped.")
    loader.add_option(
        "sinch_hosts", str, "",
        "Comma-separated host patterns to check (host or host:port, * wildcards). "
        "Empty checks *.conversation.api.sinch.com and the reverse-mode upstream. "
        "Traffic to other hosts passes unchecked.")
    loader.add_option(
        "sinch_skip_paths", str, "/oauth2/token",
        "Comma-separated paths that pass unchecked on checked hosts. The default is "
        "Sinch's OAuth2 token endpoint, which belongs to Sinch's auth API, not to the "
        "Conversation API spec.")
    loader.add_option(
        "sinch_base_path", str, "",
        "Path prefix in front of the spec's paths, e.g. /proxy for an API served "
        "under /proxy/v1/projects/...")
    for name, (flag, _field) in SELECTION_OPTIONS.items():
        loader.add_option(
            name, str, "",
            f"Comma-separated globs, as the proxy command's {flag}: only flows of the "
            "operations the filters select are checked (and recorded); the others pass "
            "unchecked. Empty: no filter of this kind.")
    loader.add_option(
        "sinch_check_in", str, "process",
        "Where flows are checked: 'process' (a child process, so validation never "
        "slows mitmproxy down) or 'thread' (inside mitmproxy's process).",
        choices=["process", "thread"])


def parse_selection(opts: Any, contract: Contract) -> OperationFilter:
    """The operation filters of the ``sinch_include_*``/``sinch_exclude_*`` options; an
    OptionsError for a glob that matches no operation of the spec."""
    values = {field_name: tuple(p.strip() for p in str(getattr(opts, name)).split(",")
                                if p.strip())
              for name, (_flag, field_name) in SELECTION_OPTIONS.items()}
    selection = OperationFilter(**values)
    try:
        selection.check({op.operation_id: op.tags for op in contract.operations.values()})
    except UserError as exc:
        raise exceptions.OptionsError(f"{exc.message} ({exc.tip}).") from None
    return selection


def check_writable(path: str) -> None:
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise exceptions.OptionsError(
            f"sinch_record: cannot write {path!r}: {exc.strerror}.") from exc

def parse_max_body(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError:
        raise exceptions.OptionsError(
            f"sinch_max_body must be a size such as 512k or 1m, not {text!r}.") from None

def load_contract(spec: str) -> Contract:
    try:
        return Contract.load(spec) if spec else Contract.default()
    except Exception as exc:  # noqa: BLE001 - any load failure is a bad option value
        raise exceptions.OptionsError(f"sinch_spec: cannot load {spec!r}: {exc}") from exc

def parse_hosts(text: str, modes: Sequence[str]) -> tuple[str, ...]:
    given = tuple(p.strip().lower() for p in text.split(",") if p.strip())
    if given:
        return given
    upstreams = []
    for spec in modes:
        try:
            mode = ProxyMode.parse(spec)
        except ValueError as exc:
            raise exceptions.OptionsError(str(exc)) from exc
        if isinstance(mode, ReverseMode):
            upstreams.append(f"{mode.address[0].lower()}:{mode.address[1]}")
    return SINCH_HOSTS + tuple(upstreams)
