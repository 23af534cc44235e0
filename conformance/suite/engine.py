"""Drive Schemathesis' engine through every phase that applies, against one target.

Phases: examples, coverage, fuzzing and stateful (links from ``spec/overlays/links.yaml``
plus Schemathesis' own inference). The schema is the contract's merged document, with the
dotted-parameter workaround of :mod:`conformance.suite.generation`. Three extension points
of Schemathesis connect it to the rest of the suite:

* an auth provider (``schema.auth``) puts the target's ``Authorization`` header on every
  generated case, so Schemathesis' ``ignored_auth`` check can take it off again;
* the run's token bucket stands in as Schemathesis' rate limiter, so its calls, the extra
  requests of its checks and ours share one budget;
* an ``after_call`` hook retries 429/5xx (replacing the response in place, as the hook is
  documented to allow) and registers created resources for cleanup at once.

Scenarios are handed to the :class:`~conformance.suite.collector.Collector` as they finish;
the engine yields :mod:`conformance.suite.events` and never prints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import requests
import schemathesis
from pyrate_limiter import Limiter
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.engine import events as st_events
from schemathesis.engine import from_schema
from schemathesis.engine.errors import (
    ServerUnavailable,
    UnhealthyAPIError,
    UnresponsiveOperationError,
)
from schemathesis.engine.run import PhaseName

from conformance.contract import Contract
from conformance.errors import UserError
from conformance.exchange.clients import from_schemathesis
from conformance.suite import events
from conformance.suite.checks import DISABLED_CHECKS, keep_failure
from conformance.suite.collector import Collector
from conformance.suite.fixtures import Fixtures
from conformance.suite.generation import Rename, generation_document
from conformance.suite.options import SuiteOptions
from conformance.suite.run_errors import describe, one_line
from conformance.suite.target import TokenSource
from conformance.suite.transport import TokenBucket, Transport

__all__ = ["build_schema", "run_engine", "schemathesis_config"]

POSITIVE_DATA_STATUSES = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
_PHASE_NAMES = {"examples": "examples", "coverage": "coverage", "fuzzing": "fuzzing",
                "stateful": "stateful"}
# Errors that are the target's doing (no answer, an answer that never came, a server that
# went away): reported as problems. Every other error of the engine fails the run.
_TARGET_ERRORS = (requests.RequestException, ServerUnavailable, UnhealthyAPIError,
                  UnresponsiveOperationError)


class _BucketLimiter(Limiter):
    """Schemathesis takes a pyrate ``Limiter`` and only calls ``try_acquire``; this one
    draws from the run's token bucket instead of a bucket of its own."""

    def __init__(self, bucket: TokenBucket) -> None:  # no super().__init__: unused state
        self._bucket = bucket

    def try_acquire(self, name: str = "pyrate", weight: int = 1, blocking: bool = True,
                    timeout: int | float = -1) -> bool:
        self._bucket.acquire()
        return True


def schemathesis_config(options: SuiteOptions,
                        fixtures: Fixtures | None = None) -> SchemathesisConfig:
    creds = options.target.credentials
    readonly = options.readonly
    checks: dict[str, Any] = {name: {"enabled": False} for name in DISABLED_CHECKS
                              if name != "max_response_time"}
    # Generated "valid" data often breaks rules the schema cannot state (a conversation
    # needs an existing app and contact): a 400 for it is not a violation. Curated valid
    # bodies must still be accepted: the lifecycle probe checks those.
    checks["positive_data_acceptance"] = {"expected-statuses": POSITIVE_DATA_STATUSES}
    if readonly:  # it sends PUT/DELETE/... to every path to see a 405
        checks["unsupported_method"] = {"enabled": False}
    phases: dict[str, Any] = {name: {"enabled": name in options.phases}
                              for name in ("examples", "coverage", "fuzzing", "stateful")}
    if readonly:  # every link starts at a create: no sequence is read-only
        phases["stateful"]["enabled"] = False
    stateful = phases["stateful"]
    stateful["max-steps"] = max(2, options.max_steps)
    # Sequences are where stateful bugs show: five times the examples of the unit phases.
    stateful["generation"] = {"max-examples": max(1, options.max_examples) * 5}
    # Dependency analysis infers ~220 transitions for this spec, mostly between unrelated
    # ids; they crowd out the explicit links (a third as many link steps per sequence).
    # Location headers would help, but this API sends none; inference stays on for them.
    stateful["inference"] = {"algorithms": ["location-headers"]}
    if readonly:
        phases["coverage"]["unexpected-methods"] = []
    data: dict[str, Any] = {
        "base-url": options.target.base_url,
        "workers": max(1, options.workers),
        "cache": {"enabled": False},
        "request-timeout": options.request_timeout,
        "suppress-health-check": ["too_slow", "data_too_large", "large_base_example"],
        "generation": {"max-examples": max(1, options.max_examples), "database": "none",
                       "no-shrink": not options.shrink},
        "parameters": {"path.project_id": creds.project_id},
        "dictionaries": {},
        "auth": {"auto-signup": False},
        "checks": checks,
        "phases": phases,
    }
    if fixtures is not None:
        extra = fixtures.config()
        data["dictionaries"].update(extra["dictionaries"])
        data["parameters"].update(extra["parameters"])
    if not data["dictionaries"]:
        del data["dictionaries"]
    if options.headers:
        data["headers"] = dict(options.headers)
    if options.seed is not None:
        data["seed"] = options.seed
    if options.time_budget:
        data["max-time"] = max(1, math.ceil(options.time_budget))
    return SchemathesisConfig.from_dict(data)


def _auth_provider(tokens: TokenSource) -> type:
    class SinchAuth:
        """Schemathesis auth provider: the target's current Authorization header."""

        def get(self, case: Any, context: Any) -> str:
            return tokens.header()

        def set(self, case: Any, data: str, context: Any) -> None:
            headers = dict(case.headers or {})
            headers["Authorization"] = data
            case.headers = headers

    return SinchAuth


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _after_call_hook(transport: Transport, collector: Collector) -> Any:
    def after_call(context: Any, case: Any, response: Response) -> None:
        try:
            retried = transport.retry_prepared(
                response.request, response.status_code,
                _first(response.headers.get("retry-after")), key=case.operation.label)
        except UserError:  # the target went away while retrying: keep the first answer
            retried = None
        if retried is not None:
            fresh = Response.from_requests(retried, verify=response.verify)
            for slot in Response.__slots__:
                setattr(response, slot, getattr(fresh, slot))
        body = response.request.body or b""
        collector.cleanup.observe(str(response.request.method), str(response.request.url),
                                  response.status_code, response.content or b"",
                                  body.encode() if isinstance(body, str) else body)

    return after_call


def _filter_failure_hook(collector: Collector) -> Any:
    def filter_failure(context: Any, failure: Any, case: Any, response: Response) -> bool:
        ex = from_schemathesis(response, "check")
        return keep_failure(collector.ctx, type(failure).checks, ex)

    return filter_failure


def _selected_operations(selected: frozenset[str]) -> Any:
    def selected_operation(ctx: Any) -> bool:  # a Schemathesis filter function
        return ctx.operation.definition.raw.get("operationId") in selected

    return selected_operation


def build_schema(contract: Contract, options: SuiteOptions, tokens: TokenSource,
                 transport: Transport, collector: Collector,
                 fixtures: Fixtures | None = None, selected: frozenset[str] | None = None
                 ) -> tuple[Any, list[Rename]]:
    """The Schemathesis schema for this run, with auth, rate limit and hooks attached;
    with ``selected``, of those operations only (every phase, stateful links too)."""
    document, renames = generation_document(contract.document)
    schema: Any = schemathesis.openapi.from_dict(
        document, config=schemathesis_config(options, fixtures))
    if selected is not None and selected != set(contract.operations):
        schema = schema.include(_selected_operations(selected))
    if options.readonly:
        schema = schema.include(method="GET")
    if transport.bucket is not None:
        schema.config.rate_limit = _BucketLimiter(transport.bucket)
    schema.auth(refresh_interval=None)(_auth_provider(tokens))
    schema.hook("after_call")(_after_call_hook(transport, collector))
    schema.hook("filter_failure")(_filter_failure_hook(collector))
    return schema, renames


def _origin(phase: Any) -> str:
    return _PHASE_NAMES.get(str(phase.value if hasattr(phase, "value") else phase), "check")


def _phase_name(phase: Any) -> str:
    """``examples``, ``coverage``, ... of a PhaseName or a Phase; "" for none."""
    if phase is None:
        return ""
    name = phase if isinstance(phase, PhaseName) else phase.name
    return str(name.value)


def run_engine(schema: Any, collector: Collector) -> Iterator[events.Event]:
    """Run every phase; each finished scenario is collected before its event is yielded."""
    stream = from_schema(schema).execute()
    started: dict[str, float] = {}
    for ev in stream:
        yield from _translate(ev, collector, started)


def _translate(ev: Any, collector: Collector, started: dict[str, float]
               ) -> Iterator[events.Event]:
    if isinstance(ev, st_events.PhaseStarted) and ev.phase.name.value in _PHASE_NAMES:
        name = _PHASE_NAMES[ev.phase.name.value]
        started.setdefault(name, time.monotonic())
        yield events.PhaseStarted(name)
    elif isinstance(ev, st_events.PhaseFinished) and (ev.phase.name.value in _PHASE_NAMES or
                                                      str(ev.status.value) == "error"):
        # Schemathesis' own phases (probing, schema analysis, ...) only when they failed
        name = _phase_name(ev.phase)
        reason = ev.phase.skip_reason
        seconds = time.monotonic() - started.pop(name, time.monotonic())
        yield events.PhaseFinished(name, str(ev.status.value), seconds,
                                   str(reason.value) if reason else "")
    elif isinstance(ev, st_events.ScenarioFinished):
        yield from _scenario(ev, collector)
    elif isinstance(ev, st_events.NonFatalError):
        yield _non_fatal(ev)
    elif isinstance(ev, st_events.FatalError):
        yield events.InternalError("engine", "Schemathesis", describe(ev.exception))
    elif isinstance(ev, st_events.Interrupted):
        yield events.Interrupted()
    elif isinstance(ev, st_events.EngineFinished):
        yield events.EngineDone(str(ev.stop_reason.value), ev.running_time)


def _non_fatal(ev: Any) -> events.Event:
    """A Schemathesis error that did not stop the engine: a problem when the target caused
    it, an internal error (the run fails) otherwise."""
    phase = _phase_name(ev.phase)
    text = one_line(f"{ev.info.title}: {ev.info.message}")
    if isinstance(ev.value, _TARGET_ERRORS):
        return events.Problem(ev.label, text, phase)
    return events.InternalError(f"{phase} phase" if phase else "engine", ev.label or "-", text,
                                phase)


def _scenario(ev: Any, collector: Collector) -> Iterator[events.Event]:
    origin = _origin(ev.phase)
    digest = collector.scenario(origin, ev.recorder)
    if origin == "stateful" and digest.calls:
        collector.count_sequence(digest.operations)
    label = ev.label or ("stateful sequence" if origin == "stateful" else "")
    if ev.skip_reason and not digest.calls:
        yield events.Skipped(origin, label, str(ev.skip_reason))
    yield events.ScenarioDone(origin, label, digest.calls, digest.new_findings,
                              frozenset(digest.operations))
