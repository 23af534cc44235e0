"""Turn one request or response into Findings, using a Contract's compiled schemas.

Each check is a small function; ``check_request`` and ``check_response`` run them in
order into one :class:`~conformance.message_findings.MessageFindings`, which deduplicates
the findings of a message by fingerprint (twenty list items with the same undocumented
field give one finding that counts them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from conformance.findings import Finding, Kind, json_pointer
from conformance.message_findings import MessageFindings, parse_json, schema_findings
from conformance.router import RouteMatch, split_url

if TYPE_CHECKING:
    from conformance.contract import Contract, Operation, Parameter

__all__ = ["check_request", "check_response", "media_type"]

_ID_SEGMENT = re.compile(r"^(?:(?=.*\d)[0-9A-Za-z_\-]{8,}|\+?\d{6,})$")


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _template_of(path: str) -> str:
    """A concrete undocumented path with id-like segments replaced, for fingerprints."""
    def segment(s: str) -> str:
        head, colon, verb = s.partition(":")  # '01ABC:inject-event' -> '{id}:inject-event'
        return ("{id}" if _ID_SEGMENT.match(head) else head) + colon + verb

    return "/".join(segment(s) for s in path.split("/"))


# ---------------------------------------------------------------- request checks

def _coerce(param: Parameter, values: list[str]) -> tuple[bool, Any]:
    schema = param.schema if isinstance(param.schema, dict) else {}
    typ = schema.get("type")

    def one(value: str, t: Any) -> Any:
        if t == "integer":
            return int(value)
        if t == "number":
            return float(value)
        if t == "boolean":
            if value not in ("true", "false"):
                raise ValueError(value)
            return value == "true"
        return value

    try:
        if typ == "array":
            item_t = (schema.get("items") or {}).get("type")
            return True, [one(v, item_t) for v in values]
        return True, one(values[-1], typ)
    except ValueError:
        return False, None


def _check_params(contract: Contract, out: MessageFindings, op: Operation, match: RouteMatch,
                  query: str) -> None:
    given: dict[str, list[str]] = {}
    if query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            given.setdefault(name, []).append(value)
    path_params = match.path_params
    for param in op.parameters:
        where = param.location
        if where == "path":
            values = [path_params.get(param.name, "")]
            present = values != [""]
        elif where == "query":
            values = given.get(param.name, [])
            present = bool(values)
        else:
            continue
        if not present:
            if param.required:
                out.add(Kind.REQUEST_PARAM, f"Required {where} parameter "
                        f"`{param.name}` is missing.", location=f"request.{where}.{param.name}",
                        schema_path=param.pointer)
            continue
        location = f"request.{where}.{param.name}"
        if len(values) > 1 and (param.schema or {}).get("type") != "array":
            out.add(Kind.REQUEST_PARAM, f"Query parameter `{param.name}` is repeated "
                    f"{len(values)} times, but it is not an array.", location=location,
                    schema_path=param.pointer)
        ok, value = _coerce(param, values)
        if not ok:
            out.add(Kind.REQUEST_PARAM, f"{where.capitalize()} parameter "
                    f"`{param.name}` has value {values[-1]!r}, which is not of type "
                    f"{param.schema.get('type')}.", location=location,
                    schema_path=param.pointer + "/schema/type")
            continue
        compiled = contract.schemas.get(param.pointer + "/schema", param.schema, request=True)
        for issue in compiled.issues(value):
            kind = Kind.UNDOCUMENTED_ENUM_VALUE if issue.drift == "enum" else Kind.REQUEST_PARAM
            out.add(kind, f"{where.capitalize()} parameter `{param.name}`: "
                          f"{issue.message}.", location=location,
                    schema_path=param.pointer + "/schema" + json_pointer(issue.schema_path))
    if given:
        documented = {p.name for p in op.parameters if p.location == "query"}
        for name in given:
            if name not in documented:
                out.add(Kind.UNDOCUMENTED_QUERY_PARAM, f"Query parameter `{name}` is not "
                        f"documented for {op.operation_id}.", location=f"request.query.{name}")


def _check_request_body(contract: Contract, out: MessageFindings, op: Operation,
                        headers: dict[str, str], body: bytes) -> None:
    if not body.strip():
        if op.request_required:
            out.add(Kind.REQUEST_BODY_SCHEMA, f"{op.operation_id} requires a request body; "
                    "received none.", location="request.body")
        return
    if not op.request_content:
        out.add(Kind.UNDOCUMENTED_FIELD, f"Request has a {len(body)}-byte body, but "
                f"{op.operation_id} documents none.", location="request.body")
        return
    mt = media_type(headers.get("content-type"))
    if mt not in op.request_content:
        seen = mt or "no Content-Type"
        out.add(Kind.REQUEST_CONTENT_TYPE, f"Request content type: received {seen}; "
                f"documented: {', '.join(op.request_content)}.",
                location="request.header.content-type")
        if "json" not in mt:
            return
        mt = next(iter(op.request_content))
    ok, doc = parse_json(out, body, "request")
    if not ok:
        return
    pointer = f"{op.pointer}/requestBody/content/{mt.replace('/', '~1')}/schema"
    compiled = contract.schemas.get(pointer, op.request_content[mt], request=True)
    schema_findings(out, compiled.issues(doc), "request", pointer)


def check_request(contract: Contract, match: RouteMatch | None, method: str, url: str,
                  headers: dict[str, str], body: bytes, ctx: dict[str, Any]) -> list[Finding]:
    path, query = split_url(url)
    if match is None or match.route is None:
        template = match.path_template if match else _template_of(path)
        out = MessageFindings(ctx, None, method.upper(), template, None)
        documented = f"; documented methods: {', '.join(match.methods)}" if match else ""
        out.add(Kind.OPERATION_UNDOCUMENTED, f"{method.upper()} {path} matches no operation "
                f"of the spec{documented}.", location="request.path")
        return out.result()
    op = contract.operations[match.route.operation_id]
    out = MessageFindings(ctx, op, op.method, op.path_template, None)
    _check_params(contract, out, op, match, query)
    _check_request_body(contract, out, op, headers, body)
    return out.result()


# ---------------------------------------------------------------- response checks

def check_response(contract: Contract, op: Operation, status: int, headers: dict[str, str],
                   body: bytes, ctx: dict[str, Any]) -> list[Finding]:
    out = MessageFindings(ctx, op, op.method, op.path_template, status)
    documented = op.response_for(status)
    if documented is None:
        known = ", ".join(op.responses)
        if 400 <= status < 500:
            out.add(Kind.UNDOCUMENTED_STATUS, f"Received status {status}, which "
                    f"{op.operation_id} does not document (documented: {known}).",
                    location="response.status")
        else:
            out.add(Kind.RESPONSE_STATUS_UNDOCUMENTED, f"Received status {status}; "
                    f"documented: {known}.", location="response.status")
        if status >= 500:
            out.add(Kind.SERVER_ERROR, f"{op.operation_id} answered {status}.",
                    location="response.status")
        return out.result()
    key, content = documented
    if status >= 500:
        out.add(Kind.SERVER_ERROR, f"{op.operation_id} answered {status}.",
                location="response.status")
    if not content:
        return out.result()
    mt = media_type(headers.get("content-type"))
    schema_key = mt if mt in content else None
    if schema_key is None:
        if not body.strip() and all(s in ({}, True) for s in content.values()):
            return out.result()
        seen = mt or "no Content-Type"
        out.add(Kind.RESPONSE_CONTENT_TYPE, f"Response content type: received {seen}; "
                f"documented: {', '.join(content)}.", location="response.header.content-type")
        if "json" not in mt:
            return out.result()
        schema_key = next(iter(content))
    schema = content[schema_key]
    if not body.strip():
        if schema not in ({}, True):
            out.add(Kind.RESPONSE_BODY_SCHEMA, f"Response body is empty; documented: a "
                    f"{schema_key} body.", location="response.body")
        return out.result()
    ok, doc = parse_json(out, body, "response")
    if ok:
        pointer = f"{op.pointer}/responses/{key}/content/{schema_key.replace('/', '~1')}/schema"
        compiled = contract.schemas.get(pointer, schema, request=False)
        schema_findings(out, compiled.issues(doc), "response", pointer)
    return out.result()
