"""The sinch_validator mitmproxy add-on: check Sinch Conversation API traffic against the
spec, record it, never change it.

    mitmdump --mode reverse:https://us.conversation.api.sinch.com --set flow_detail=0 \\
        -s proxy_addons/sinch_validator.py [--set sinch_record=traffic.har]

Every flow to a checked host (``sinch_hosts``) is matched to an operation and its request
and response are validated by the contract core; findings go to ``sinch_findings_dir`` as
JSON lines and violating flows get one console line. Flows are never changed, delayed or
dropped: the hooks only take references to the flow's bytes and hand them, without
blocking, to a checker (a child process by default, see ``conformance.proxy.checker``)
that validates them after mitmproxy has passed the flow on. The only exception is the
opt-in ``sinch_enforce``, which answers requests the spec rejects with the spec's 400
error body instead of forwarding them. ``proxy_addons/sinch_validator.py`` is the thin file
mitmproxy loads; options are in :mod:`.addon_options`, per-flow state in :mod:`.flow_state`.
See docs/proxy.md.
"""

from __future__ import annotations

import logging
import uuid
from fnmatch import fnmatch

from mitmproxy import ctx, exceptions, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import server_hooks

from conformance.contract import REJECTING_KINDS, Contract
from conformance.exchange.bodies import too_large
from conformance.exchange.checks import CheckContext, check_request
from conformance.exchange.flows import ENFORCED, capture_flow
from conformance.exchange.model import WireCapture, to_exchange
from conformance.exchange.scrub import known_secrets
from conformance.exchange.selected import is_selected
from conformance.findings import Finding, Kind
from conformance.findings_io import FindingsWriter
from conformance.proxy import addon_options as options
from conformance.proxy.checker import CheckConfig, ProcessChecker, ThreadChecker, make_checker
from conformance.proxy.flow_state import FlowState, Tee, expected_size, rejection
from conformance.proxy.gc_tuning import freeze_long_lived
from conformance.redact import redact_text
from conformance.selection import OperationFilter

__all__ = ["SinchValidator"]

log = logging.getLogger("sinch_conformance")


class SinchValidator:
    """Validate, record and (optionally) enforce Sinch Conversation API traffic."""

    def __init__(self) -> None:
        self.contract: Contract | None = None
        self.max_body = 1024 * 1024
        self.hosts: tuple[str, ...] = options.SINCH_HOSTS
        self.enforce = False
        self.selection = OperationFilter()
        self.run_id = f"proxy-{uuid.uuid4().hex[:12]}"
        self.check_ctx: CheckContext | None = None
        self.config: CheckConfig | None = None
        self.check_in = "process"
        self.checker: ProcessChecker | ThreadChecker | None = None
        self.finished = False  # done() ran: no checker is started again
        self.writer: FindingsWriter | None = None  # only for flows the checker never saw
        self.unchecked = 0  # flows to other hosts
        self.connect_errors = 0  # upstream connections that failed before any flow
        self.dropped = 0  # flows not checked because the checker's queue was full
        self._flows: dict[str, FlowState] = {}
        self._host_cache: dict[tuple[str, int], bool] = {}
        self._warned: set[str] = set()

    # ------------------------------------------------------------------ options
    def load(self, loader: Loader) -> None:
        options.declare(loader)

    def configure(self, updated: set[str]) -> None:
        opts = ctx.options
        if "sinch_max_body" in updated:
            self.max_body = options.parse_max_body(opts.sinch_max_body)
        if "sinch_base_path" in updated and opts.sinch_base_path[:1] not in ("", "/"):
            raise exceptions.OptionsError(
                f"sinch_base_path must start with '/', not {opts.sinch_base_path!r}.")
        if "sinch_spec" in updated or self.contract is None:
            self.contract = options.load_contract(opts.sinch_spec)
        if "sinch_skip_paths" in updated or not hasattr(self, "skip_paths"):
            self.skip_paths = frozenset(
                p.strip().rstrip("/") for p in opts.sinch_skip_paths.split(",") if p.strip())
        if {"sinch_hosts", "mode"} & updated:
            self.hosts = options.parse_hosts(opts.sinch_hosts, opts.mode)
            self._host_cache.clear()
        if "sinch_enforce" in updated:
            self.enforce = bool(opts.sinch_enforce)
        if "sinch_record" in updated and opts.sinch_record:
            options.check_writable(opts.sinch_record)
        self.check_ctx = CheckContext(self.contract, "proxy", self.run_id,
                                      opts.sinch_base_path)
        self.selection = options.parse_selection(opts, self.contract)
        config = CheckConfig(
            spec=opts.sinch_spec, base_path=opts.sinch_base_path,
            findings_dir=opts.sinch_findings_dir or "reports/findings",
            record=opts.sinch_record, strict=bool(opts.sinch_strict), limit=self.max_body,
            run_id=self.run_id, selection=self.selection)
        changed = config != self.config or opts.sinch_check_in != self.check_in
        self.config, self.check_in = config, opts.sinch_check_in
        if changed and self.checker is not None:
            self._restart()

    def _restart(self) -> None:
        """(Re)start the checker: when mitmproxy is running (not while it is still taking
        options, so a start-up error leaves no child behind), and again when an option
        changes, for the flows that follow."""
        assert self.config is not None
        self._stop_checker()
        self.writer = FindingsWriter(self.config.findings_dir, "proxy")
        self.checker = make_checker(self.check_in, self.config, log.warning)

    def _stop_checker(self) -> None:
        if self.checker is not None:
            log.info("%s", self.checker.close(self.unchecked, self.dropped))
            if self.connect_errors:
                log.info("sinch-conformance: %d upstream connection(s) failed (the clients' "
                         "connections were closed unanswered)", self.connect_errors)
                self.connect_errors = 0
            self.checker = None
            self.unchecked = self.dropped = 0
        if self.writer is not None:
            self.writer.close()

    # ------------------------------------------------------------------ lifecycle
    def running(self) -> None:
        assert self.contract is not None
        if self.checker is None:
            self._restart()
        freeze_long_lived()  # the contract and the modules: not the collector's business
        log.info("sinch-conformance: checking %s against %s (%d operations); findings go "
                 "to %s", ", ".join(self.hosts), self.contract.source or "the bundled spec",
                 len(self.contract.operations), ctx.options.sinch_findings_dir)
        if getattr(ctx.options, "flow_detail", 0):
            log.warning("sinch-conformance: mitmproxy's flow dump (flow_detail=%s) prints "
                        "URLs unredacted; pass --set flow_detail=0 to keep secrets off the "
                        "console.", ctx.options.flow_detail)

    def done(self) -> None:
        self.finished = True
        self._stop_checker()

    # ------------------------------------------------------------------ hooks
    def _checked(self, flow: http.HTTPFlow) -> bool:
        key = (flow.request.host.lower(), flow.request.port)
        hit = self._host_cache.get(key)
        if hit is None:
            hostport = f"{key[0]}:{key[1]}"
            hit = any(fnmatch(key[0], p) or fnmatch(hostport, p) for p in self.hosts)
            if len(self._host_cache) > 4096:
                self._host_cache.clear()
            self._host_cache[key] = hit
        return hit and flow.request.path.split("?", 1)[0].rstrip("/") not in self.skip_paths

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if not self._checked(flow):
            self.unchecked += 1
            return
        state = self._flows[flow.id] = FlowState()
        state.request_tee, state.request_skip = self._stream(
            flow.request, expected_size(flow.request, flow.request, None))

    def request(self, flow: http.HTTPFlow) -> None:
        state = self._flows.get(flow.id)
        if not self.enforce or state is None or flow.request.stream or flow.response:
            return
        try:
            assert self.check_ctx is not None
            exchange = to_exchange(capture_flow(flow, request_skip=state.request_skip),
                                   self.max_body)
            if not is_selected(self.check_ctx, exchange, self.selection):
                return  # not checked, so never answered in the API's place
            findings = check_request(self.check_ctx, exchange)
        except Exception as exc:  # noqa: BLE001 - the worker reports it as validation_error
            self._warn_once("enforce", f"enforce check failed ({type(exc).__name__}); the "
                                       "request is forwarded unchecked")
            return
        state.request_findings = findings
        if any(f.kind in REJECTING_KINDS for f in findings):
            flow.response = rejection(findings, known_secrets(exchange))
            flow.metadata[ENFORCED] = True
            state.enforced = True

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        state = self._flows.get(flow.id)
        if state is None or flow.response is None:
            return
        state.response_tee, state.response_skip = self._stream(
            flow.response, expected_size(flow.response, flow.request, flow.response))

    def _stream(self, message: http.Message, size: int | None) -> tuple[Tee | None, str | None]:
        """How a message's body passes: of unknown size, streamed through a Tee that keeps
        up to ``max_body`` for checking; over the limit, streamed unchecked (the reason is
        returned); else buffered by mitmproxy as usual."""
        if size is None:
            tee = Tee(self.max_body)
            message.stream = tee
            return tee, None
        if size > self.max_body:
            message.stream = True
            return None, too_large(size, self.max_body)
        return None, None

    def response(self, flow: http.HTTPFlow) -> None:
        self._hand_off(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._hand_off(flow)

    def server_connect_error(self, data: server_hooks.ServerConnectionHookData) -> None:
        """The upstream could not be reached. In reverse mode mitmproxy connects when the
        client does, before any request: there is no flow to check or record, so say it
        on the console (the first ten times) and count it in the summary."""
        try:
            self.connect_errors += 1
            if self.connect_errors <= 10:
                addr = data.server.address
                where = f"{addr[0]}:{addr[1]}" if addr else "the upstream"
                log.warning("sinch-conformance: could not connect to %s (%s); mitmproxy "
                            "closes the client's connection unanswered", where,
                            redact_text(str(data.server.error or "no reason given")))
        except Exception as exc:  # noqa: BLE001 - never let a bug reach mitmproxy
            self._warn_once("connect-error", "could not report a failed upstream connection "
                                             f"({type(exc).__name__}: {exc})")

    # ------------------------------------------------------------------ checking
    def _hand_off(self, flow: http.HTTPFlow) -> None:
        state = self._flows.pop(flow.id, None)
        if state is None:
            return
        try:
            capture = self._capture(flow, state)
        except Exception as exc:  # noqa: BLE001 - never let a bug reach mitmproxy
            self._warn_once("capture", f"could not capture a flow ({type(exc).__name__})")
            return
        if self.checker is None and not self.finished:  # a host that never called running()
            self._restart()
        if self.checker is None or not self.checker.submit((capture, state.request_findings)):
            self._dropped(flow)

    @staticmethod
    def _capture(flow: http.HTTPFlow, state: FlowState) -> WireCapture:
        kwargs: dict[str, object] = {}
        if state.request_tee is not None and flow.request.stream is state.request_tee:
            kwargs["request_raw"], kwargs["request_skip"] = state.request_tee.result()
        else:
            kwargs["request_skip"] = state.request_skip
        resp_stream = flow.response.stream if flow.response else None
        if state.response_tee is not None and resp_stream is state.response_tee:
            kwargs["response_raw"], kwargs["response_skip"] = state.response_tee.result()
        else:
            kwargs["response_skip"] = state.response_skip
        if flow.error is not None:  # a message cut off by the error is not judged
            cut = f"the message was cut off ({flow.error.msg})"
            if not flow.request.timestamp_end:
                kwargs["request_raw"], kwargs["request_skip"] = None, cut
            if flow.response is not None and not flow.response.timestamp_end:
                kwargs["response_raw"], kwargs["response_skip"] = None, cut
        return capture_flow(flow, enforced=state.enforced, **kwargs)  # type: ignore[arg-type]

    def _dropped(self, flow: http.HTTPFlow) -> None:
        self.dropped += 1
        self._warn_once("dropped", "the check queue is full; flows pass unchecked until it "
                                   "drains")
        finding = Finding.make(
            Kind.BODY_SKIPPED, source="proxy", run_id=self.run_id, method=flow.request.method,
            message="The flow was not validated: the proxy's check queue was full.",
            location="flow", target=f"{flow.request.scheme}://{flow.request.host}")
        if self.writer is not None:
            self.writer.write(finding)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning("sinch-conformance: %s", message)
