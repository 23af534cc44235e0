"""``sinch-conformance lint`` and ``diff`` side by side with Spectral and Redocly CLI.

    python benchmarks/bench_lint_peers.py [--runs 5] [--timeout 180] [--only lint|diff]
    tox -e peers

Installs the peers pinned in ``benchmarks/peers/package-lock.json``
(``@stoplight/spectral-cli``, ``@redocly/cli``) with ``npm ci --ignore-scripts`` into
``benchmarks/out/peers/`` (gitignored; reused while the lock file is unchanged). That
install is the only network access: every tool then runs locally on files, with the peers'
telemetry and update checks switched off (and, where ``unshare -rn`` works, in a network
namespace of their own). Skips, saying why, when node or npm is missing or the install
fails.

**Lint.** Spectral (``spectral:oas``), Redocly (``recommended``) and ours
(``sinch-conformance lint --json``) on the packaged spec, each ``--runs`` times (median wall
time, measured in the same run, process start included), then once on each deliberately
broken copy in ``DEFECTS`` (one known defect injected into the spec each). A tool *finds* a
defect when, on the broken copy, it reports a finding (rule, JSON pointer) that it does not
report on the unbroken spec, at a pointer that is the defect's node, inside it or above it
(``Defect.anchors``). The table shows findings per tool on the real spec, the known defects
each finds and the wall times; then, per defect, the rules that found it.

**Diff.** ``redocly diff --format json`` and ``sinch-conformance diff --format json`` on each
spec pair in ``CHANGES`` (one change each, in both directions where the reverse is a
different grade), graded major / minor / patch / none. Ours is read whatever its output
grades: ``major|minor|patch`` where it says so, else ``breaking`` / ``non-breaking`` (which
agrees with Redocly's minor and patch). Disagreements are marked ``<<`` and listed with each
tool's messages, so they can be reviewed against the goal of issue 17: every change Redocly
grades, we grade the same or explain why ours is right. The ``expected`` column is the
grade semantic versioning asks for as this benchmark's author reads it (``?`` where it is
debatable); it is shown, not enforced.

Spec copies are written to ``benchmarks/out/peers-specs/`` to rerun any tool by hand; the
results to ``benchmarks/out/bench_lint_peers.json``. No timing is asserted anywhere;
``tests/test_bench_lint_peers.py`` checks that every broken copy really holds its defect.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = ROOT / "benchmarks" / "peers"
OUT = ROOT / "benchmarks" / "out"
PEERS = OUT / "peers"
SPECS = OUT / "peers-specs"
OURS = [str(Path(sys.executable).with_name("sinch-conformance"))
        if Path(sys.executable).with_name("sinch-conformance").exists()
        else shutil.which("sinch-conformance") or "sinch-conformance"]

Spec = dict[str, Any]

# ---------------------------------------------------------------------------------------
# The spec as data: loading, pointers
# ---------------------------------------------------------------------------------------


def default_spec() -> Path:
    import conformance.spec_loader as spec_loader

    return Path(spec_loader.DEFAULT_SPEC)


def load_spec(path: Path | None = None) -> Spec:
    with open(path or default_spec(), encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def dump_spec(spec: Spec, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.dump(spec, handle, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                  sort_keys=False, allow_unicode=True, width=100)
    return path


def pointer(*segments: str | int) -> str:
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in segments)


def segments(ptr: str) -> tuple[str, ...]:
    """A JSON pointer (``#/a/b``, ``/a/b``, URL-encoded or not) as its segments."""
    ptr = unquote(ptr.split("#", 1)[-1]).strip("/")
    if not ptr:
        return ()
    return tuple(s.replace("~1", "/").replace("~0", "~") for s in ptr.split("/"))


def resolve(spec: Spec, ptr: str) -> Any:
    """The node at ``ptr``; KeyError when there is none."""
    node: Any = spec
    for seg in segments(ptr):
        if isinstance(node, list):
            if not seg.isdigit() or int(seg) >= len(node):
                raise KeyError(ptr)
            node = node[int(seg)]
        elif isinstance(node, dict) and seg in node:
            node = node[seg]
        else:
            raise KeyError(ptr)
    return node


def exists(spec: Spec, ptr: str) -> bool:
    try:
        resolve(spec, ptr)
    except KeyError:
        return False
    return True


def walk_refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value)
            else:
                found += walk_refs(value)
    elif isinstance(node, list):
        for item in node:
            found += walk_refs(item)
    return found


P = "/v1/projects/{project_id}"
CONTACTS, CONTACT, APPS, APP = P + "/contacts", P + "/contacts/{contact_id}", P + "/apps", \
    P + "/apps/{app_id}"
WEBHOOK = P + "/webhooks/{webhook_id}"
SCHEMAS = "/components/schemas"
CREATE_CONTACT = pointer("components", "schemas", "ContactCreateRequest")  # request side only
APP_RESPONSE = pointer("components", "schemas", "AppResponse")  # response side only
LIST_CONTACTS = pointer("paths", CONTACTS, "get")
GET_CONTACT = pointer("paths", CONTACT, "get")
CREATE_CONTACT_OP = pointer("paths", CONTACTS, "post")
UNDEFINED_TAG = "Bogus"
UNDEFINED_SCHEME = "NoSuchScheme"


def at(spec: Spec, ptr: str) -> Any:
    return resolve(spec, ptr)


def props(spec: Spec, schema_ptr: str) -> dict[str, Any]:
    return at(spec, schema_ptr)["properties"]


def params(spec: Spec, op_ptr: str) -> list[dict[str, Any]]:
    return at(spec, op_ptr).setdefault("parameters", [])


def all_parameters(spec: Spec) -> list[tuple[str, dict[str, Any]]]:
    """Every parameter object (with its pointer), path-item, operation and component ones,
    $refs resolved."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path, item in spec.get("paths", {}).items():
        lists = [(pointer("paths", path, "parameters"), item.get("parameters", []))]
        lists += [(pointer("paths", path, m, "parameters"), op.get("parameters", []))
                  for m, op in item.items() if m != "parameters" and isinstance(op, dict)]
        for base, plist in lists:
            for i, par in enumerate(plist):
                if "$ref" in par and exists(spec, par["$ref"]):
                    par = resolve(spec, par["$ref"])
                found.append((f"{base}/{i}", par))
    return found


def operations(spec: Spec) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in spec.get("paths", {}).items()
            for method, op in item.items()
            if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace")]


def path_params(spec: Spec, path: str, method: str) -> list[dict[str, Any]]:
    item = spec["paths"][path]
    plist = item.get("parameters", []) + item[method].get("parameters", [])
    resolved = [resolve(spec, p["$ref"]) if "$ref" in p else p for p in plist]
    return [p for p in resolved if p.get("in") == "path"]


# ---------------------------------------------------------------------------------------
# Known defects: each injected into its own copy of the spec
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Defect:
    key: str
    what: str
    anchors: tuple[str, ...]  # JSON pointers: a finding at, inside or above one of them counts
    make: Callable[[Spec], None]  # injects the defect in place
    present: Callable[[Spec], bool]  # does this spec hold the defect? (pure Python check)


def _set(ptr: str, key: str, value: Any) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        at(spec, ptr)[key] = value
    return make


def _in_bogus(spec: Spec) -> bool:
    return any(p.get("in") not in ("query", "header", "path", "cookie")
               for _, p in all_parameters(spec))


def _response_without_description(spec: Spec) -> bool:
    responses = list(spec["components"].get("responses", {}).values())
    responses += [r for _, _, op in operations(spec) for r in op.get("responses", {}).values()]
    return any("$ref" not in r and "description" not in r for r in responses)


def _unresolved_ref(spec: Spec) -> bool:
    return any(r.startswith("#") and not exists(spec, r) for r in walk_refs(spec))


def _required_undefined(spec: Spec) -> bool:
    schema = at(spec, CREATE_CONTACT)  # plain: no allOf/$ref parent could define the name
    return any(name not in schema["properties"] for name in schema.get("required", []))


def _example_invalid(spec: Spec) -> bool:
    prop = props(spec, CREATE_CONTACT)["display_name"]
    return "example" in prop and not isinstance(prop["example"], str)


def _tag_undefined(spec: Spec) -> bool:
    declared = {t["name"] for t in spec.get("tags", [])}
    return any(tag not in declared and tag != "Webhooks"  # Webhooks: the real spec's own
               for _, _, op in operations(spec) for tag in op.get("tags", []))


def _parameter_without_description(spec: Spec) -> bool:
    return any("description" not in p and p.get("name") != "view"  # view: the real spec's own
               for _, p in all_parameters(spec) if "$ref" not in p)


def _enum_descriptions_without_enum(spec: Spec) -> bool:
    prop = props(spec, CREATE_CONTACT)["display_name"]
    return "x-enumDescriptions" in prop and "enum" not in prop


def _path_param_not_in_path(spec: Spec) -> bool:
    for path, method, _ in operations(spec):
        names = {p["name"] for p in path_params(spec, path, method)}
        if any("{" + n + "}" not in path for n in names):
            return True
    return False


def _path_template_undeclared(spec: Spec) -> bool:
    import re

    for path, method, _ in operations(spec):
        names = {p["name"] for p in path_params(spec, path, method)}
        if any(v not in names for v in re.findall(r"\{([^}]+)\}", path)):
            return True
    return False


def _path_param_optional(spec: Spec) -> bool:
    return any(p.get("in") == "path" and p.get("required") is not True
               for _, p in all_parameters(spec))


def _duplicate_operation_id(spec: Spec) -> bool:
    ids = Counter(op.get("operationId") for _, _, op in operations(spec) if op.get("operationId"))
    return any(n > 1 for n in ids.values())


def _duplicate_parameter(spec: Spec) -> bool:
    for _, _, op in operations(spec):
        keys = [(p.get("name"), p.get("in")) for p in op.get("parameters", []) if "$ref" not in p]
        if len(keys) != len(set(keys)):
            return True
    return False


def _no_success_response(spec: Spec) -> bool:
    return any(not any(str(code).startswith("2") for code in op.get("responses", {}))
               for _, _, op in operations(spec))


def _bad_type(spec: Spec) -> bool:
    valid = {"string", "number", "integer", "boolean", "array", "object", "null"}
    return props(spec, CREATE_CONTACT)["email"].get("type") not in valid


def _default_invalid(spec: Spec) -> bool:
    prop = props(spec, CREATE_CONTACT)["external_id"]
    return "default" in prop and not isinstance(prop["default"], str)


def _security_undefined(spec: Spec) -> bool:
    schemes = spec["components"].get("securitySchemes", {})
    reqs = list(spec.get("security", [])) + [r for _, _, op in operations(spec)
                                              for r in op.get("security", [])]
    return any(name not in schemes for r in reqs for name in r)


def _unused_schema(spec: Spec) -> bool:
    return "Orphan" in spec["components"]["schemas"] and \
        "#/components/schemas/Orphan" not in walk_refs(spec)


def _enum_type_mismatch(spec: Spec) -> bool:
    prop = props(spec, CREATE_CONTACT)["external_id"]
    return prop.get("type") == "string" and any(not isinstance(v, str)
                                                for v in prop.get("enum", []))


def _format_mismatch(spec: Spec) -> bool:
    prop = props(spec, CREATE_CONTACT)["metadata"]
    return prop.get("type") == "string" and prop.get("format") in ("int32", "int64")


def _drop(ptr: str, key: str) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        del at(spec, ptr)[key]
    return make


def _append(ptr: str, value: Any) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        at(spec, ptr).append(copy.deepcopy(value))
    return make


def _rename_path(old: str, new: str) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        spec["paths"] = {(new if k == old else k): v for k, v in spec["paths"].items()}
    return make


def _duplicate_param(spec: Spec) -> None:
    plist = params(spec, LIST_CONTACTS)
    plist.append(copy.deepcopy(plist[1]))


def _orphan(spec: Spec) -> None:
    spec["components"]["schemas"]["Orphan"] = {"type": "object", "description": "Unused.",
                                               "properties": {"x": {"type": "string"}}}


NOTES = P + "/contacts/{contact_id}/notes/{note_id}"
DEFECTS: list[Defect] = [
    Defect("param-in-bogus", "a parameter with `in: bogus`",
           (pointer("paths", CONTACTS, "get", "parameters", 0),),
           lambda s: params(s, LIST_CONTACTS)[0].update({"in": "bogus"}), _in_bogus),
    Defect("response-no-description", "a response without `description`",
           (pointer("components", "responses", "listContactsResponse"),
            pointer("paths", CONTACTS, "get", "responses", "200")),
           _drop(pointer("components", "responses", "listContactsResponse"), "description"),
           _response_without_description),
    Defect("ref-unresolved", "a `$ref` to nothing",
           (pointer("paths", CONTACTS, "get", "responses", "200"),),
           _set(pointer("paths", CONTACTS, "get", "responses"), "200",
                {"$ref": "#/components/responses/noSuchResponse"}), _unresolved_ref),
    Defect("required-undefined", "`required` names a property that is not there",
           (CREATE_CONTACT, pointer("paths", CONTACTS, "post", "requestBody")),
           _append(CREATE_CONTACT + "/required", "nickname"), _required_undefined),
    Defect("example-invalid", "an example its schema rejects (integer for a string)",
           (CREATE_CONTACT + "/properties/display_name",
            pointer("paths", CONTACTS, "post", "requestBody")),
           _set(CREATE_CONTACT + "/properties/display_name", "example", 12345),
           _example_invalid),
    Defect("tag-undefined", f"an operation tag (`{UNDEFINED_TAG}`) not declared in `tags`",
           (LIST_CONTACTS + "/tags", "/tags"),
           _append(LIST_CONTACTS + "/tags", UNDEFINED_TAG), _tag_undefined),
    Defect("parameter-description", "a parameter without a description",
           (pointer("paths", CONTACTS, "get", "parameters", 1),),
           lambda s: params(s, LIST_CONTACTS)[1].pop("description"),
           _parameter_without_description),
    Defect("enum-descriptions-no-enum", "`x-enumDescriptions` on a schema without `enum`",
           (CREATE_CONTACT + "/properties/display_name",),
           _set(CREATE_CONTACT + "/properties/display_name", "x-enumDescriptions",
                {"A": "Alpha", "B": "Beta"}), _enum_descriptions_without_enum),
    Defect("path-param-unused", "a path parameter whose name is not in the path",
           (pointer("paths", CONTACTS),),
           _append(pointer("paths", CONTACTS, "parameters"),
                   {"name": "contact_id", "in": "path", "required": True,
                    "description": "Not in this path.", "schema": {"type": "string"}}),
           _path_param_not_in_path),
    Defect("path-param-undeclared", "a `{note_id}` in the path that no parameter declares",
           (pointer("paths", NOTES),), _rename_path(CONTACT, NOTES),
           _path_template_undeclared),
    Defect("path-param-optional", "a path parameter without `required: true`",
           (pointer("components", "parameters", "contact_id"), pointer("paths", CONTACT)),
           _set(pointer("components", "parameters", "contact_id"), "required", False),
           _path_param_optional),
    Defect("duplicate-operation-id", "two operations with one operationId",
           (GET_CONTACT, LIST_CONTACTS),
           _set(GET_CONTACT, "operationId", "Contact_ListContacts"), _duplicate_operation_id),
    Defect("parameter-duplicate", "the same parameter twice in one list",
           (LIST_CONTACTS,), _duplicate_param, _duplicate_parameter),
    Defect("no-success-response", "an operation without any 2xx response",
           (GET_CONTACT,), _drop(GET_CONTACT + "/responses", "200"), _no_success_response),
    Defect("schema-bad-type", "a schema `type: strng`",
           (CREATE_CONTACT + "/properties/email",
            pointer("paths", CONTACTS, "post", "requestBody")),
           _set(CREATE_CONTACT + "/properties/email", "type", "strng"), _bad_type),
    Defect("default-invalid", "a `default` its schema rejects (integer for a string)",
           (CREATE_CONTACT + "/properties/external_id",
            pointer("paths", CONTACTS, "post", "requestBody")),
           _set(CREATE_CONTACT + "/properties/external_id", "default", 7), _default_invalid),
    Defect("enum-type-mismatch", "an `enum` of integers on a `type: string`",
           (CREATE_CONTACT + "/properties/external_id",
            pointer("paths", CONTACTS, "post", "requestBody")),
           _set(CREATE_CONTACT + "/properties/external_id", "enum", [1, 2]),
           _enum_type_mismatch),
    Defect("format-mismatch", "`format: int64` on a `type: string`",
           (CREATE_CONTACT + "/properties/metadata",
            pointer("paths", CONTACTS, "post", "requestBody")),
           _set(CREATE_CONTACT + "/properties/metadata", "format", "int64"), _format_mismatch),
    Defect("security-undefined", f"an operation's security names an undefined scheme "
           f"(`{UNDEFINED_SCHEME}`)", (GET_CONTACT,),
           _set(GET_CONTACT, "security", [{UNDEFINED_SCHEME: []}]), _security_undefined),
    Defect("unused-component", "a schema nothing refers to",
           (pointer("components", "schemas", "Orphan"),), _orphan, _unused_schema),
]


def broken_copy(spec: Spec, defect: Defect) -> Spec:
    broken = copy.deepcopy(spec)
    defect.make(broken)
    return broken


# ---------------------------------------------------------------------------------------
# Spec pairs for diff: one change each, both directions
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    key: str
    setup: Callable[[Spec], None]  # applied to both sides (e.g. gives the field a maxLength)
    change: Callable[[Spec], None]  # applied to the new side only
    forward: str  # what old -> new is
    expected: str  # the grade semver asks for, old -> new ("?" when debatable)
    reverse: str | None = None  # what new -> old is, when worth its own pair
    reverse_expected: str = "?"


@dataclass(frozen=True)
class Pair:
    key: str
    what: str
    expected: str
    old: Spec
    new: Spec


def _nothing(spec: Spec) -> None:
    return None


def _prop(schema_ptr: str, name: str, **values: Any) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        props(spec, schema_ptr)[name].update(copy.deepcopy(values))
    return make


def _add_prop(schema_ptr: str, name: str, schema: dict[str, Any]) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        props(spec, schema_ptr)[name] = copy.deepcopy(schema)
    return make


def _both(*steps: Callable[[Spec], None]) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        for step in steps:
            step(spec)
    return make


def _param_schema(op_ptr: str, index: int, **values: Any) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        params(spec, op_ptr)[index]["schema"].update(values)
    return make


def _rename_param(op_ptr: str, index: int, name: str) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        params(spec, op_ptr)[index]["name"] = name
    return make


def _add_param(op_ptr: str, name: str, required: bool) -> Callable[[Spec], None]:
    return _append(op_ptr + "/parameters", {
        "name": name, "in": "query", "required": required,
        "description": f"The {name} filter.", "schema": {"type": "string"}})


def _add_media(body_ptr: str, media: str) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        content = at(spec, body_ptr)["content"]
        content[media] = copy.deepcopy(content["application/json"])
    return make


def _drop_media(body_ptr: str, media: str) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        del at(spec, body_ptr)["content"][media]
    return make


def _drop_op(path: str, method: str) -> Callable[[Spec], None]:
    def make(spec: Spec) -> None:
        del spec["paths"][path][method]
    return make


def _add_status(op_ptr: str, status: str) -> Callable[[Spec], None]:
    return _set(op_ptr + "/responses", status, {"description": "Not found.", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/runtimeError"}}}})


CREATE_BODY = pointer("components", "requestBodies", "CreateContactRequest")
GET_CONTACT_RESPONSE = pointer("components", "responses", "getContactResponse")
STATE = {"type": "string", "description": "The state.", "enum": ["ACTIVE", "INACTIVE"]}
CHANGES: list[Change] = [
    Change("req-maxLength", _prop(CREATE_CONTACT, "display_name", maxLength=100),
           _prop(CREATE_CONTACT, "display_name", maxLength=50),
           "request maxLength lowered (100 -> 50)", "major",
           "request maxLength raised (50 -> 100)", "minor"),
    Change("resp-maxLength", _prop(APP_RESPONSE, "display_name", maxLength=100),
           _prop(APP_RESPONSE, "display_name", maxLength=50),
           "response maxLength lowered (100 -> 50)", "minor",
           "response maxLength raised (50 -> 100)", "major"),
    Change("param-minimum", _param_schema(LIST_CONTACTS, 0, minimum=1),
           _param_schema(LIST_CONTACTS, 0, minimum=5),
           "query parameter minimum raised (1 -> 5)", "major",
           "query parameter minimum lowered (5 -> 1)", "minor"),
    Change("req-format", _nothing, _prop(CREATE_CONTACT, "email", format="email"),
           "request format added (email)", "major", "request format removed (email)", "minor"),
    Change("req-format-changed", _prop(CREATE_CONTACT, "email", format="email"),
           _prop(CREATE_CONTACT, "email", format="uri"),
           "request format changed (email -> uri)", "major"),
    Change("req-additionalProperties", _nothing,
           _set(CREATE_CONTACT, "additionalProperties", False),
           "request additionalProperties: false added", "major",
           "request additionalProperties: false removed", "minor"),
    Change("req-enum", _add_prop(CREATE_CONTACT, "state", STATE),
           _prop(CREATE_CONTACT, "state", enum=["ACTIVE", "INACTIVE", "PAUSED"]),
           "request enum value added", "minor", "request enum value removed", "major"),
    Change("resp-enum", _add_prop(APP_RESPONSE, "state", STATE),
           _prop(APP_RESPONSE, "state", enum=["ACTIVE", "INACTIVE", "PAUSED"]),
           "response enum value added", "major", "response enum value removed", "minor"),
    Change("req-required", _nothing, _append(CREATE_CONTACT + "/required", "email"),
           "request required property added", "major",
           "request required property removed", "minor"),
    Change("resp-required", _nothing, _set(APP_RESPONSE, "required", ["id"]),
           "response required property added", "minor",
           "response required property removed", "major"),
    Change("param-required", _nothing, _add_param(LIST_CONTACTS, "filter", True),
           "required query parameter added", "major",
           "required query parameter removed", "?"),
    Change("param-optional", _nothing, _add_param(LIST_CONTACTS, "filter", False),
           "optional query parameter added", "minor",
           "optional query parameter removed", "?"),
    Change("param-renamed", _nothing, _rename_param(LIST_CONTACTS, 1, "page_cursor"),
           "query parameter renamed (page_token -> page_cursor)", "major"),
    Change("param-made-required", _nothing,
           lambda s: params(s, LIST_CONTACTS)[0].update({"required": True}),
           "optional query parameter made required", "major",
           "required query parameter made optional", "minor"),
    Change("status", _nothing, _drop(GET_CONTACT + "/responses", "501"),
           "response status removed (501)", "?", "response status added (501)", "?"),
    Change("status-404", _nothing, _add_status(GET_CONTACT, "404"),
           "response status added (404)", "?", "response status removed (404)", "?"),
    Change("req-type", _nothing, _prop(CREATE_CONTACT, "external_id", type="integer"),
           "request property type changed (string -> integer)", "major",
           "request property type changed (integer -> string)", "major"),
    Change("resp-type", _nothing, _prop(APP_RESPONSE, "display_name", type="integer"),
           "response property type changed (string -> integer)", "major",
           "response property type changed (integer -> string)", "major"),
    Change("req-nullable", _nothing, _prop(CREATE_CONTACT, "display_name", type=["string", "null"]),
           "request property made nullable", "minor",
           "request property made non-nullable", "major"),
    Change("resp-nullable", _nothing, _prop(APP_RESPONSE, "display_name", type=["string", "null"]),
           "response property made nullable", "major",
           "response property made non-nullable", "minor"),
    Change("req-media", _add_media(CREATE_BODY, "application/x-www-form-urlencoded"),
           _drop_media(CREATE_BODY, "application/x-www-form-urlencoded"),
           "request media type removed", "major", "request media type added", "minor"),
    Change("resp-media", _add_media(GET_CONTACT_RESPONSE, "application/xml"),
           _drop_media(GET_CONTACT_RESPONSE, "application/xml"),
           "response media type removed", "major", "response media type added", "minor"),
    Change("req-body-required", _set(CREATE_BODY, "required", False),
           _set(CREATE_BODY, "required", True),
           "request body made required", "major", "request body made optional", "minor"),
    Change("req-prop", _nothing, _drop(CREATE_CONTACT + "/properties", "metadata"),
           "request property removed", "?", "request property added (optional)", "minor"),
    Change("resp-prop", _nothing, _drop(APP_RESPONSE + "/properties", "display_name"),
           "response property removed", "major", "response property added", "minor"),
    Change("operation", _nothing, _drop_op(WEBHOOK, "delete"),
           "operation removed", "major", "operation added", "minor"),
    Change("description", _nothing,
           _prop(CREATE_CONTACT, "display_name", description="The contact's name."),
           "description changed", "patch"),
]


def build_pairs(spec: Spec) -> list[Pair]:
    pairs: list[Pair] = []
    for change in CHANGES:
        old = copy.deepcopy(spec)
        change.setup(old)
        new = copy.deepcopy(old)
        change.change(new)
        pairs.append(Pair(change.key, change.forward, change.expected, old, new))
        if change.reverse:
            pairs.append(Pair(change.key + "~rev", change.reverse, change.reverse_expected,
                              new, old))
    return pairs


# ---------------------------------------------------------------------------------------
# Running the tools
# ---------------------------------------------------------------------------------------


@dataclass
class Ran:
    rc: int | None  # None: timed out
    out: str
    err: str
    seconds: float


def peer_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
                "SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1", "NO_UPDATE_NOTIFIER": "1",
                "NO_COLOR": "1", "FORCE_COLOR": "0"})
    return env


def _offline_prefix() -> list[str]:
    """``unshare -rn`` (a network namespace with no interfaces) when this machine allows it."""
    exe = shutil.which("unshare")
    if exe and subprocess.run([exe, "-rn", "true"], capture_output=True).returncode == 0:
        return [exe, "-rn"]
    return []


def run(command: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Ran:
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return Ran(None, str(exc.stdout or ""), f"timed out after {timeout:.0f}s",
                   time.perf_counter() - start)
    return Ran(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


def parse_json(text: str) -> Any:
    """The JSON document in ``text``, skipping any banner before it."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    for i, ch in enumerate(text):
        if ch in "[{" and (i == 0 or text[i - 1] == "\n"):
            try:
                return json.loads(text[i:])
            except json.JSONDecodeError:
                continue
    raise ValueError(f"no JSON document in output: {text[:300]!r}")


def parse_json_lines(text: str) -> list[Any]:
    """A JSON array (or an object holding one), else one JSON value per line (lines that
    are not JSON skipped), else the JSON document after a banner."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
        items = []
        for line in text.splitlines():
            if line.strip().startswith("{"):
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        if items:
            return items
        try:
            whole = parse_json(text)
        except ValueError:
            return []
    if isinstance(whole, list):
        return whole
    if isinstance(whole, dict):
        for key in ("findings", "problems", "results", "items"):
            if isinstance(whole.get(key), list):
                return whole[key]
        return [whole]
    return []


Finding = tuple[str, tuple[str, ...], str]  # rule, pointer segments, severity


class Tool:
    name = ""
    label = ""

    def lint(self, spec: Path, timeout: float) -> tuple[Ran, list[Finding]]:
        raise NotImplementedError


class Spectral(Tool):
    name, label = "spectral", "Spectral (spectral:oas)"
    SEVERITY = {0: "error", 1: "warn", 2: "info", 3: "hint"}

    def __init__(self, home: Path, prefix: list[str]):
        self.home, self.prefix = home, prefix
        self.bin = home / "node_modules" / ".bin" / "spectral"

    def lint(self, spec: Path, timeout: float) -> tuple[Ran, list[Finding]]:
        ran = run(self.prefix + [str(self.bin), "lint", "--quiet", "-r",
                                 str(self.home / ".spectral.yaml"), "-f", "json",
                                 "--fail-severity", "error", str(spec)],
                  self.home, timeout, peer_env())
        found: list[Finding] = []
        if ran.rc is not None and ran.out.strip():
            for item in parse_json_lines(ran.out):
                found.append((str(item.get("code")), tuple(str(s) for s in item.get("path", [])),
                              self.SEVERITY.get(item.get("severity"), str(item.get("severity")))))
        return ran, found


class Redocly(Tool):
    name, label = "redocly", "Redocly (recommended)"

    def __init__(self, home: Path, prefix: list[str]):
        self.home, self.prefix = home, prefix
        self.bin = home / "node_modules" / ".bin" / "redocly"

    def lint(self, spec: Path, timeout: float) -> tuple[Ran, list[Finding]]:
        ran = run(self.prefix + [str(self.bin), "lint", "--config",
                                 str(self.home / "redocly.yaml"), "--format", "json",
                                 "--max-problems", "100000", str(spec)],
                  self.home, timeout, peer_env())
        found: list[Finding] = []
        if ran.rc is not None and ran.out.strip():
            for item in parse_json_lines(ran.out):
                locs = item.get("location") or [{}]
                found.append((str(item.get("ruleId")), segments(locs[0].get("pointer", "")),
                              str(item.get("severity"))))
        return ran, found

    def diff(self, old: Path, new: Path, timeout: float) -> tuple[Ran, str, list[str]]:
        # No configuration file (and a working directory without one): with a redocly.yaml
        # that only says `extends: [recommended]`, redocly diff 2.77 runs no diff rule and
        # grades every change patch.
        ran = run(self.prefix + [str(self.bin), "diff", "--format", "json", "--fail-on", "none",
                                 str(old), str(new)], SPECS, timeout, peer_env())
        if ran.rc is None:
            return ran, "timeout", []
        try:
            report = parse_json(ran.out)
        except ValueError:
            return ran, "error", [ran.err.strip()[-300:]]
        messages = []
        for change in report.get("changes", []):
            for verdict in change.get("verdicts") or []:
                messages.append(f"{verdict.get('impact', change.get('impact'))}: "
                                f"{verdict.get('message')} [{verdict.get('ruleId', '')}]")
            if not change.get("verdicts"):  # a change no diff rule grades: no message of its own
                side = change.get("revision") or change.get("base") or {}
                messages.append(f"{change.get('impact')}: {change.get('kind')} "
                                f"`{change.get('property') or change.get('typeName') or ''}` at "
                                f"{side.get('pointer') or change.get('path')} (no rule)")
        grade = report.get("bump") or overall(c.get("impact") for c in report.get("changes", []))
        return ran, str(grade or "none"), messages


class Ours(Tool):
    name, label = "ours", "sinch-conformance lint"

    def __init__(self) -> None:
        help_text = run(OURS + ["lint", "--help"], ROOT, 60).out
        self.spec_flag = ["--spec"] if "--spec" in help_text else []
        self.json_flag = ["--format", "json"] if "--format" in help_text else ["--json"]
        diff_help = run(OURS + ["diff", "--help"], ROOT, 60).out
        self.diff_json = ["--format", "json"] if "--format" in diff_help else ["--json"]

    def lint(self, spec: Path, timeout: float) -> tuple[Ran, list[Finding]]:
        # From an empty directory, so no project configuration or ignore file applies.
        ran = run(OURS + ["lint"] + self.json_flag + self.spec_flag + [str(spec)],
                  SPECS, timeout)
        found: list[Finding] = []
        if ran.rc is not None:
            for item in parse_json_lines(ran.out):
                if not isinstance(item, dict):
                    continue
                evidence = item.get("evidence") if isinstance(item.get("evidence"), dict) else {}
                rule = item.get("rule") or item.get("rule_id") or evidence.get("rule") or \
                    item.get("kind")
                where = item.get("location") or item.get("pointer") or evidence.get("pointer")
                if isinstance(where, dict):
                    where = where.get("pointer") or where.get("json_pointer") or ""
                found.append((str(rule), segments(str(where or "")),
                              str(item.get("severity", ""))))
        return ran, found

    def diff(self, old: Path, new: Path, timeout: float) -> tuple[Ran, str, list[str]]:
        ran = run(OURS + ["diff"] + self.diff_json + [str(old), str(new)], SPECS, timeout)
        if ran.rc is None:
            return ran, "timeout", []
        try:
            report = parse_json(ran.out)
        except ValueError:
            return ran, "error", [ran.err.strip()[-300:]]
        grades, messages = [], []
        for change in report.get("changes", []):
            grade = ours_change_grade(change)
            grades.append(grade)
            messages.append(f"{grade}: {change.get('message') or change.get('kind')} "
                            f"[{change.get('kind') or change.get('rule', '')}]")
        grade = overall(grades)
        if grade is None:  # no changes listed: the summary may still count them
            summary = report.get("summary", {})
            grade = overall(g for g in ("major", "minor", "patch") if summary.get(g)) or \
                ("breaking" if summary.get("breaking") else
                 "non-breaking" if summary.get("non_breaking") else None)
        return ran, grade or "none", messages


def ours_change_grade(change: dict[str, Any]) -> str:
    for key in ("grade", "impact", "level", "semver", "bump", "severity"):
        value = str(change.get(key, "")).lower()
        if value in ("major", "minor", "patch"):
            return value
    if "breaking" in change:
        return "breaking" if change["breaking"] else "non-breaking"
    return "non-breaking"


RANK = {"none": 0, "patch": 1, "non-breaking": 1.5, "minor": 2, "breaking": 3, "major": 3}


def overall(grades: Any) -> str | None:
    grades = [str(g).lower() for g in grades if g]
    return max(grades, key=lambda g: RANK.get(g, 0)) if grades else None


def same_grade(ours: str, theirs: str) -> bool:
    """Ours agrees with Redocly's; a two-level grade (breaking / non-breaking) agrees with
    major / minor-or-patch."""
    ours = {"breaking": "major"}.get(ours, ours)
    if ours == "non-breaking":
        return theirs in ("minor", "patch")
    return ours == theirs


# ---------------------------------------------------------------------------------------
# Installing the peers
# ---------------------------------------------------------------------------------------


def install_peers(timeout: float) -> tuple[Path | None, str]:
    """The folder with the pinned peers installed (npm ci, cached), or None and why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return None, "node and npm are needed to install the peers (not found on PATH)"
    lock = (PIN / "package-lock.json").read_bytes()
    stamp = hashlib.sha256(lock + (PIN / "package.json").read_bytes()).hexdigest()
    PEERS.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", ".spectral.yaml", "redocly.yaml"):
        shutil.copyfile(PIN / name, PEERS / name)
    marker = PEERS / ".installed"
    bins = [PEERS / "node_modules" / ".bin" / b for b in ("spectral", "redocly")]
    if marker.exists() and marker.read_text() == stamp and all(b.exists() for b in bins):
        return PEERS, "cached"
    print(f"installing the peers: npm ci in {PEERS.relative_to(ROOT)} ...", flush=True)
    ran = run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
              PEERS, timeout, peer_env())
    if ran.rc != 0:
        return None, f"npm ci failed ({ran.rc}): {ran.err.strip()[-500:]}"
    marker.write_text(stamp)
    return PEERS, f"installed in {ran.seconds:.0f}s"


def peer_version(binary: Path) -> str:
    ran = run([str(binary), "--version"], binary.parent, 60, peer_env())
    return (ran.out.strip().splitlines() or ["?"])[-1]


# ---------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------


def related(found: tuple[str, ...], anchor: tuple[str, ...]) -> bool:
    """A finding at the anchor, inside it, or on a node above it (a parent that holds it)."""
    n = min(len(found), len(anchor))
    return found[:n] == anchor[:n] and (len(found) >= 2 or found == anchor)


def render(table: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(row[i])) for row in [header] + table) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in table]
    return "\n".join(lines)


def bench_lint(tools: list[Tool], spec_path: Path, runs: int, timeout: float) -> dict[str, Any]:
    spec = load_spec(spec_path)
    baseline_file = dump_spec(spec, SPECS / "lint" / "baseline.yaml")
    results: dict[str, Any] = {"tools": {}, "defects": {}}
    baselines: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    for tool in tools:
        times, real, errors = [], [], []
        for _ in range(runs):
            ran, found = tool.lint(spec_path, timeout)
            times.append(ran.seconds)
            if ran.rc is None or (not found and ran.rc not in (0, 1)):
                errors.append(ran.err.strip()[-300:])
            real = real or found
        base_ran, base = tool.lint(baseline_file, timeout)
        results["tools"][tool.name] = {
            "label": tool.label, "findings": len(real), "seconds": times,
            "median": statistics.median(times), "errors": errors,
            "by_rule": Counter(r for r, _, _ in real).most_common(),
            "baseline_findings": len(base),
            "baseline_same": Counter(f[:2] for f in base) == Counter(f[:2] for f in real)}
        baselines[tool.name] = {f[:2] for f in base}
    for defect in DEFECTS:
        path = dump_spec(broken_copy(spec, defect), SPECS / "lint" / f"{defect.key}.yaml")
        row: dict[str, Any] = {"what": defect.what}
        anchors = [segments(a) for a in defect.anchors]
        for tool in tools:
            ran, found = tool.lint(path, timeout)
            new = [f for f in found if f[:2] not in baselines[tool.name]]
            hits = sorted({f"{r}" for r, where, _ in new if any(related(where, a)
                                                                for a in anchors)})
            row[tool.name] = {"found": bool(hits), "rules": hits, "new": len(new),
                              "rc": ran.rc, "other": sorted({r for r, _, _ in new} - set(hits))}
        results["defects"][defect.key] = row
    return results


def print_lint(results: dict[str, Any], tools: list[Tool], spec_path: Path, runs: int) -> None:
    n = len(DEFECTS)
    print(f"\nLINT — {spec_path} ({runs} runs each; known defects: {n} broken copies)\n")
    rows = []
    for tool in tools:
        r = results["tools"][tool.name]
        found = sum(results["defects"][d.key][tool.name]["found"] for d in DEFECTS)
        rows.append([r["label"], str(r["findings"]), f"{found}/{n}",
                     f"{r['median']:.2f}s", f"{min(r['seconds']):.2f}-{max(r['seconds']):.2f}s",
                     "; ".join(r["errors"])[:60] or "-"])
    print(render(rows, ["tool", "findings (real spec)", "known defects found",
                        "wall median", "min-max", "errors"]))
    print("\nKnown defects (one per broken copy; the rules that reported it, '-' when none):\n")
    rows = []
    for d in DEFECTS:
        row = results["defects"][d.key]
        rows.append([d.key] + [", ".join(row[t.name]["rules"]) or (
            "-" if row[t.name]["rc"] in (0, 1) else f"- (failed, rc {row[t.name]['rc']})")
            for t in tools])
    print(render(rows, ["defect"] + [t.name for t in tools]))
    for tool in tools:
        if not results["tools"][tool.name]["baseline_same"]:
            print(f"\nnote: {tool.name} reports other findings on the re-serialised spec than on "
                  f"the original ({results['tools'][tool.name]['baseline_findings']} vs "
                  f"{results['tools'][tool.name]['findings']}); defects are judged against the "
                  f"re-serialised one")
    print("\nFindings on the real spec by rule:")
    for tool in tools:
        by_rule = results["tools"][tool.name]["by_rule"]
        print(f"  {tool.name}: " + ", ".join(f"{rule} {count}" for rule, count in by_rule))


def bench_diff(tools: list[Any], spec_path: Path, timeout: float) -> dict[str, Any]:
    spec = load_spec(spec_path)
    results: dict[str, Any] = {"pairs": {}, "seconds": {t.name: [] for t in tools}}
    for pair in build_pairs(spec):
        old = dump_spec(pair.old, SPECS / "diff" / pair.key / "old.yaml")
        new = dump_spec(pair.new, SPECS / "diff" / pair.key / "new.yaml")
        row: dict[str, Any] = {"what": pair.what, "expected": pair.expected}
        for tool in tools:
            ran, grade, messages = tool.diff(old, new, timeout)
            results["seconds"][tool.name].append(ran.seconds)
            row[tool.name] = {"grade": grade, "messages": messages}
        results["pairs"][pair.key] = row
    return results


def print_diff(results: dict[str, Any], tools: list[Any]) -> None:
    pairs = results["pairs"]
    print(f"\nDIFF — {len(pairs)} spec pairs (old -> new); '<<' marks ours != Redocly\n")
    rows, disagreements = [], []
    for key, row in pairs.items():
        ours, theirs = row["ours"]["grade"], row["redocly"]["grade"]
        agree = same_grade(ours, theirs)
        if not agree:
            disagreements.append(key)
        rows.append([row["what"], row["expected"], theirs, ours, "" if agree else "<<"])
    print(render(rows, ["change", "expected", "redocly", "ours", ""]))
    times = "; ".join(f"{t.name} median {statistics.median(results['seconds'][t.name]):.2f}s"
                      for t in tools)
    print(f"\n{len(pairs) - len(disagreements)}/{len(pairs)} pairs graded alike; "
          f"{len(disagreements)} disagreements. Wall time per pair: {times}")
    if disagreements:
        print("\nDisagreements, for review (each tool's own words):")
        for key in disagreements:
            row = pairs[key]
            print(f"\n* {row['what']} (expected {row['expected']}): redocly "
                  f"{row['redocly']['grade']}, ours {row['ours']['grade']}")
            for tool in tools:
                for message in row[tool.name]["messages"][:4] or ["(no change reported)"]:
                    print(f"    {tool.name}: {message}"[:240])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed lint runs per tool")
    parser.add_argument("--timeout", type=float, default=180, help="seconds per tool call")
    parser.add_argument("--install-timeout", type=float, default=600)
    parser.add_argument("--only", choices=("lint", "diff"))
    parser.add_argument("--spec", type=Path, default=None, help="default: the packaged spec")
    args = parser.parse_args(argv)
    spec_path = (args.spec or default_spec()).resolve()
    home, how = install_peers(args.install_timeout)
    if home is None:
        print(f"SKIP bench_lint_peers: {how}")
        return 0
    SPECS.mkdir(parents=True, exist_ok=True)
    prefix = _offline_prefix()
    spectral, redocly, ours = Spectral(home, prefix), Redocly(home, prefix), Ours()
    print(f"peers: spectral {peer_version(spectral.bin)}, redocly {peer_version(redocly.bin)} "
          f"({how}); run {'offline (unshare -rn)' if prefix else 'with telemetry off'}; "
          f"ours: {run(OURS + ['--version'], ROOT, 60).out.strip()}")
    results: dict[str, Any] = {"spec": str(spec_path)}
    if args.only in (None, "lint"):
        tools: list[Tool] = [spectral, redocly, ours]
        results["lint"] = bench_lint(tools, spec_path, args.runs, args.timeout)
        print_lint(results["lint"], tools, spec_path, args.runs)
    if args.only in (None, "diff"):
        results["diff"] = bench_diff([redocly, ours], spec_path, args.timeout)
        print_diff(results["diff"], [redocly, ours])
    (OUT / "bench_lint_peers.json").write_text(json.dumps(results, indent=1, default=str))
    print(f"\nspec copies in {SPECS.relative_to(ROOT)}; results in "
          f"{(OUT / 'bench_lint_peers.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
