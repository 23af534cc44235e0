"""Contract core vs python-jsonschema vs openapi-core on the same documents, in one run.

Documents: a SendMessage request and a 20-message ListMessages response, each in two
variants: one that conforms to the spec (the common case for good traffic) and the real
one from Sinch's SDK fixtures (drift and violations included, so every validator has to
produce its errors). Prints microseconds per document and the ratios.

    python benchmarks/bench_contract.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from sample_bodies import list_messages_page, send_message_request

from conformance.contract import Contract

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "sinch-fixtures"
HOST = "https://us.conversation.api.sinch.com"
SEND_URL = "/v1/projects/PRJ/messages:send"
LIST_URL = "/v1/projects/PRJ/messages"

CONFORMING_SEND = send_message_request()


def documents() -> dict[str, tuple[str, str, Any]]:
    real_send = json.loads((FIXTURES / "Messages_SendMessage/request-text.json").read_text())
    page = json.loads((FIXTURES / "Messages_ListMessages/response-200-page0.json").read_text())
    real_list = {"messages": [copy.deepcopy(page["messages"][0]) for _ in range(20)],
                 "next_page_token": page["next_page_token"]}
    good_list = list_messages_page(20)
    return {
        "SendMessage request (conforming)": ("request", SEND_URL, CONFORMING_SEND),
        "SendMessage request (SDK fixture, drift)": ("request", SEND_URL, real_send),
        "ListMessages 20 msgs (conforming)": ("response", LIST_URL, good_list),
        "ListMessages 20 msgs (SDK fixture, drift)": ("response", LIST_URL, real_list),
    }


def per_doc(fn: Callable[[], Any], seconds: float) -> float:
    """Microseconds per call, best of 3 timed batches."""
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 10:
        fn()
        n += 1
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1.0)
    args = ap.parse_args()
    contract = Contract.default()
    op_send = contract.operations["Messages_SendMessage"]
    op_list = contract.operations["Messages_ListMessages"]
    components = contract.document["components"]
    send_schema = {**op_send.request_content["application/json"], "components": components}
    list_schema = {**op_list.responses["200"]["application/json"], "components": components}
    py = {
        "request": jsonschema.Draft202012Validator(
            send_schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER),
        "response": jsonschema.Draft202012Validator(
            list_schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER),
    }
    oa = OpenAPI.from_dict(contract.document)
    headers = {"Content-Type": "application/json"}

    rows = []
    for name, (side, url, doc) in documents().items():
        raw = json.dumps(doc).encode()
        op = op_send if side == "request" else op_list
        schema = (op.request_content if side == "request"
                  else op.responses["200"])["application/json"]
        compiled = contract.schemas.get(f"bench/{side}", schema, request=side == "request")
        validator = py[side]
        if side == "request":
            mock = MockRequest(HOST, "POST", url, data=raw)

            def core_msg(raw=raw, url=url) -> Any:
                return contract.validate_request("POST", url, headers, raw, source="suite")

            def oa_msg(mock=mock) -> Any:
                return _quiet(oa.validate_request, mock)
        else:
            mock_req = MockRequest(HOST, "GET", url)
            mock_resp = MockResponse(raw, status_code=200, content_type="application/json")

            def core_msg(raw=raw, url=url) -> Any:
                return contract.validate_response("GET", url, 200, headers, raw,
                                                  source="suite")

            def oa_msg(mock_req=mock_req, mock_resp=mock_resp) -> Any:
                return _quiet(oa.validate_response, mock_req, mock_resp)

        parsed = json.loads(raw)
        t_core_doc = per_doc(lambda c=compiled, d=parsed: c.issues(d), args.seconds)
        t_py_doc = per_doc(lambda v=validator, d=parsed: list(v.iter_errors(d)), args.seconds)
        t_core = per_doc(core_msg, args.seconds)
        t_py = per_doc(lambda v=validator, r=raw: list(v.iter_errors(json.loads(r))),
                       args.seconds)
        t_oa = per_doc(oa_msg, args.seconds)
        rows.append((name, t_core_doc, t_py_doc, t_core, t_py, t_oa))

    print("Parsed document against its compiled schema (validator only):")
    print(f"  {'document':44} {'core µs':>9} {'jsonschema µs':>14} {'ratio':>8}")
    for name, t_core_doc, t_py_doc, *_ in rows:
        print(f"  {name:44} {t_core_doc:9.1f} {t_py_doc:14.1f} {t_py_doc / t_core_doc:7.0f}×")
    print("Whole message (bytes in, findings out: routing, parsing, params, body):")
    print(f"  {'document':44} {'core µs':>9} {'jsonschema µs':>14} {'openapi-core µs':>16}"
          f" {'×jsonschema':>12} {'×openapi-core':>14}")
    for name, _, _, t_core, t_py, t_oa in rows:
        print(f"  {name:44} {t_core:9.1f} {t_py:14.1f} {t_oa:16.1f} {t_py / t_core:11.0f}×"
              f" {t_oa / t_core:13.0f}×")
    print("core = conformance.contract (jsonschema-rs, compiled once; drift and read-only "
          "checks included). python-jsonschema = Draft202012Validator with format checks.")


def _quiet(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # openapi-core raises on an invalid message
        return exc


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    main()
