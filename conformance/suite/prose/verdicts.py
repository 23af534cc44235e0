"""How a prose probe says a rule is broken: one ``prose_rule_violated`` finding on the
operation whose behaviour the rule is about, whose message quotes the rule's sentence and
names the rule (also in the finding's location, ``prose:<rule id>``, and its evidence), and
whose schema path is the JSON pointer of the sentence in the spec.

One kind for the whole family, with the rule in the location, rather than one kind per
rule: the kinds are what reports group by and baselines accept, and a hundred-odd rules
would drown the other kinds; the location keeps each rule's findings apart (the fingerprint
includes it), so a baseline still accepts one rule at a time.
"""

from __future__ import annotations

from typing import Any

import requests

from conformance.findings import Kind
from conformance.suite.probe_context import ProbeContext, json_of, ok
from conformance.suite.prose.catalogue import rule

__all__ = ["accepted", "broke", "data", "ok"]


def data(resp: requests.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer ({} otherwise)."""
    if not ok(resp):
        return {}
    value = json_of(resp)
    return value if isinstance(value, dict) else {}


def broke(ctx: ProbeContext, rule_id: str, resp: requests.Response, what: str) -> None:
    """Report that ``what`` (what the API did, a clause) breaks rule ``rule_id``."""
    r = rule(rule_id)
    op = r.operation or None
    ctx.report(Kind.PROSE_RULE_VIOLATED, resp,
               f"{r.operation or 'The API'}: {what}, but the spec says {r.quote} "
               f"(prose rule {r.id}).",
               f"prose:{r.id}", operation_id=op, schema_path=r.pointer,
               extra={"prose_rule": r.id, "sentence": r.sentence, "spec_pointer": r.pointer})


def accepted(ctx: ProbeContext, rule_id: str, resp: requests.Response, what: str) -> bool:
    """A request that breaks rule ``rule_id`` must be refused: report a 2xx (``what`` says
    what the request held). True when it was accepted."""
    if ok(resp):
        broke(ctx, rule_id, resp, f"answered {resp.status_code} to {what}")
        return True
    return False
