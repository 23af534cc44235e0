"""mitmproxy add-on: check Sinch Conversation API traffic against the spec, record it.

    mitmdump --mode reverse:https://us.conversation.api.sinch.com --set flow_detail=0 \\
        -s proxy_addons/sinch_validator.py [--set sinch_record=traffic.har]

Every flow to a checked host (``sinch_hosts``) is matched to an operation and its request
and response are validated by the contract core; findings go to ``sinch_findings_dir`` as
JSON lines and violating flows get one console line. Flows are never changed, delayed or
dropped: the hooks only take references to the flow's bytes and hand them, without
blocking, to a checker (a child process by default, see ``conformance.proxy.checker``)
that validates them after mitmproxy has passed the flow on. The only exception is the
opt-in ``sinch_enforce``, which answers requests the spec rejects with the spec's 400
error body instead of forwarding them. See docs/proxy.md.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from fnmatch import fnmatch

from mitmproxy import ctx, exceptions, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import server_hooks
from mitmproxy.proxy.mode_specs import ProxyMode, ReverseMode

from conformance.contract import REJECTING_KINDS, Contract
from conformance.findings import Finding, Kind
from conformance.findings_io import FindingsWriter
from conformance.exchange.bodies import parse_size, too_large
from conformance.exchange.checks import CheckContext, check_request
from conformance.proxy.checker import CheckConfig, ProcessChecker, ThreadChecker, make_checker
from conformance.exchange.model import WireCapture, to_exchange
from conformance.exchange.flows import ENFORCED, capture_flow
from conformance.proxy.gc_tuning import freeze_long_lived
from conformance.exchange.scrub import known_secrets
from conformance.redact import redact_text

log = logging.getLogger("sinch_conformance")

SINCH_HOSTS = ("*.conversation.api.sinch.com",)


class Tee:
    """A stream function that passes chunks on unchanged and keeps up to ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buffer = bytearray()
        self.size = 0

    def __call__(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size <= self.limit:
            self.buffer += chunk
        elif self.buffer:
            self.buffer = bytearray()
        return chunk

    def result(self) -> tuple[bytes | None, str | None]:
        if self.size > self.limit:
            return None, too_large(self.size, self.limit)
        return bytes(self.buffer), None


class FlowState:
    """What the add-on remembers about a flow between its hooks.

    (A plain class: mitmproxy loads scripts without registering them in ``sys.modules``,
    which dataclasses need.)"""

    __slots__ = ("request_skip", "response_skip", "request_tee", "response_tee",
                 "request_findings", "enforced")

    def __init__(self) -> None:
        self.request_skip: str | None = None
        self.response_skip: str | None = None
        self.request_tee: Tee | None = None
        self.response_tee: Tee | None = None
        self.request_findings: list[Finding] | None = None
        self.enforced = False


def _expected_size(message: http.Message, request: http.Request,
                   response: http.Response | None) -> int | None:
    """Body size announced by the headers; None when unknown until the body has ended.

    (RFC 9112 section 6.3, on the raw header fields: mitmproxy's own helper costs more
    than the rest of the hooks together.)"""
    if response is not None and (request.method == "HEAD" or response.status_code < 200
                                 or response.status_code in (204, 304)):
        return 0
    length: bytes | None = None
    for name, value in message.headers.fields:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            return None
        if lowered == b"content-length":
            length = value
    if length is not None:
        try:
            return int(length)
        except ValueError:
            return None
    if response is None and message.http_version.startswith("HTTP/1"):
        return 0  # an HTTP/1 request without framing headers has no body
    return None


def _rejection(findings: Sequence[Finding], secrets: Sequence[str]) -> http.Response:
    """The spec's 400 error body (``runtimeError``) listing what is wrong."""
    reasons = [f.message for f in findings if f.kind in REJECTING_KINDS]
    body = {"code": 400, "status": "INVALID_ARGUMENT", "details": [],
            "message": redact_text(" ".join(reasons), secrets)[:2000]}
    return http.Response.make(400, json.dumps(body), {
        "Content-Type": "application/json", "X-Sinch-Conformance": "enforced"})


class SinchValidator:
    """Validate, record and (optionally) enforce Sinch Conversation API traffic."""

    def __init__(self) -> None:
        self.contract: Contract | None = None
        self.max_body = 1024 * 1024
        self.hosts: tuple[str, ...] = SINCH_HOSTS
        self.enforce = False
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
        loader.add_option(
            "sinch_check_in", str, "process",
            "Where flows are checked: 'process' (a child process, so validation never "
            "slows mitmproxy down) or 'thread' (inside mitmproxy's process).",
            choices=["process", "thread"])

    def configure(self, updated: set[str]) -> None:
        opts = ctx.options
        if "sinch_max_body" in updated:
            self.max_body = self._parse_size(opts.sinch_max_body)
        if "sinch_base_path" in updated and opts.sinch_base_path[:1] not in ("", "/"):
            raise exceptions.OptionsError(
                f"sinch_base_path must start with '/', not {opts.sinch_base_path!r}.")
        if "sinch_spec" in updated or self.contract is None:
            self.contract = self._load_contract(opts.sinch_spec)
        if "sinch_skip_paths" in updated or not hasattr(self, "skip_paths"):
            self.skip_paths = frozenset(
                p.strip().rstrip("/") for p in opts.sinch_skip_paths.split(",") if p.strip())
        if {"sinch_hosts", "mode"} & updated:
            self.hosts = self._parse_hosts(opts.sinch_hosts, opts.mode)
            self._host_cache.clear()
        if "sinch_enforce" in updated:
            self.enforce = bool(opts.sinch_enforce)
        if "sinch_record" in updated and opts.sinch_record:
            self._check_writable(opts.sinch_record)
        self.check_ctx = CheckContext(self.contract, "proxy", self.run_id,
                                      opts.sinch_base_path)
        config = CheckConfig(
            spec=opts.sinch_spec, base_path=opts.sinch_base_path,
            findings_dir=opts.sinch_findings_dir or "reports/findings",
            record=opts.sinch_record, strict=bool(opts.sinch_strict), limit=self.max_body,
            run_id=self.run_id)
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

    @staticmethod
    def _check_writable(path: str) -> None:
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise exceptions.OptionsError(
                f"sinch_record: cannot write {path!r}: {exc.strerror}.") from exc

    @staticmethod
    def _parse_size(text: str) -> int:
        try:
            return parse_size(text)
        except ValueError:
            raise exceptions.OptionsError(
                f"sinch_max_body must be a size such as 512k or 1m, not {text!r}.") from None

    @staticmethod
    def _load_contract(spec: str) -> Contract:
        try:
            return Contract.load(spec) if spec else Contract.default()
        except Exception as exc:  # noqa: BLE001 - any load failure is a bad option value
            raise exceptions.OptionsError(f"sinch_spec: cannot load {spec!r}: {exc}") from exc

    @staticmethod
    def _parse_hosts(text: str, modes: Sequence[str]) -> tuple[str, ...]:
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
            flow.request, _expected_size(flow.request, flow.request, None))

    def request(self, flow: http.HTTPFlow) -> None:
        state = self._flows.get(flow.id)
        if not self.enforce or state is None or flow.request.stream or flow.response:
            return
        try:
            assert self.check_ctx is not None
            exchange = to_exchange(capture_flow(flow, request_skip=state.request_skip),
                                   self.max_body)
            findings = check_request(self.check_ctx, exchange)
        except Exception as exc:  # noqa: BLE001 - the worker reports it as validation_error
            self._warn_once("enforce", f"enforce check failed ({type(exc).__name__}); the "
                                       "request is forwarded unchecked")
            return
        state.request_findings = findings
        if any(f.kind in REJECTING_KINDS for f in findings):
            flow.response = _rejection(findings, known_secrets(exchange))
            flow.metadata[ENFORCED] = True
            state.enforced = True

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        state = self._flows.get(flow.id)
        if state is None or flow.response is None:
            return
        state.response_tee, state.response_skip = self._stream(
            flow.response, _expected_size(flow.response, flow.request, flow.response))

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
        except Exception:  # noqa: BLE001 - never let a bug reach mitmproxy
            pass

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


addons = [SinchValidator()]
