"""`sinch-conformance lint`: spec defects on the real spec, one positive case per rule on a
small synthetic spec, a clean spec with none, and the CLI's output and exit codes."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.errors import UserError
from conformance.findings import Finding, Kind, Source
from conformance.lint import RULES, lint_document, lint_file, rule_of, summary_line, text_report
from conformance.lint.model import Spec
from conformance.spec_loader import DEFAULT_SPEC, load_document

# -- the real spec ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> list[Finding]:
    return lint_file(DEFAULT_SPEC)


@pytest.fixture(scope="module")
def real_by_location(real: list[Finding]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in real:
        out.setdefault(finding.location, []).append(rule_of(finding))
    return out


RECIPIENT_PLACES = ["SendMessageRequest", "OptIn", "OptOut", "GetChannelProfileRequest",
                    "QueryCapability", "QueryCapabilityResponse", "SendEventRequest"]
EX = "/components/examples"
SCHEMAS = "/components/schemas"
KNOWN_DEFECTS = [
    # recipient given as a bare string where the schema wants an object
    *[(f"{EX}/{name}/value/recipient", "example-invalid")
      for name in ("CarouselMessage", "LocationMessage", "MediaMessage", "TextMessage")],
    # list items use choice/product directly; the schema wants an `item` wrapper
    (f"{EX}/ListMessage/value/message/list_message/sections/0/items/0", "example-invalid"),
    (f"{EX}/ListMessage/value/message/list_message/sections/0/items/0/choice",
     "example-undocumented-field"),
    (f"{EX}/ProductMessage/value/message/list_message/sections/0/items/0", "example-invalid"),
    (f"{EX}/ProductMessage/value/message/list_message/sections/0/items/0/product",
     "example-undocumented-field"),
    # message wrappers AppMessage does not define
    (f"{EX}/CardMessage/value/message/card_message", "example-undocumented-field"),
    (f"{EX}/sendMessageContactId/value/message/text_message", "example-undocumented-field"),
    (f"{SCHEMAS}/SendMessageRequest/properties/conversation_metadata/example",
     "example-invalid"),
    (f"{SCHEMAS}/ListSection/required/0", "required-undefined"),
    *[(f"{SCHEMAS}/{name}/properties/recipient/oneOf", "oneof-ambiguous")
      for name in RECIPIENT_PLACES],
    (f"{SCHEMAS}/Recipient/oneOf", "oneof-ambiguous"),
    (f"{SCHEMAS}/AppMessage/properties/message/oneOf", "oneof-ambiguous"),
    (f"{SCHEMAS}/SendEventRequest/properties/event/oneOf", "oneof-ambiguous"),
    (f"{SCHEMAS}/ListItem/properties/item/oneOf", "oneof-ambiguous"),
    (f"{EX}/CardMessage", "unused-component"),
    (f"{SCHEMAS}/Recipient", "unused-component"),
    ("/components/responses/500Error/description", "duplicate-description"),
    ("/components/responses/501Error/content/application~1json/example", "duplicate-example"),
    (f"{SCHEMAS}/ConversationMessage/properties/metadata/description", "copied-description"),
    (f"{SCHEMAS}/SendEventRequest/properties/callback_url/description", "copied-description"),
    (f"{SCHEMAS}/KakaoTalkCredentials/title", "duplicate-title"),
    (f"{SCHEMAS}/ContactLanguage/x-enumDescriptions", "enum-missing"),
    (f"{SCHEMAS}/Webhook/properties/target/description", "limit-not-in-schema"),  # line break
    (f"{SCHEMAS}/ListMessage/properties/message_properties/properties", "type-missing"),
    (f"{SCHEMAS}/AppMessage/properties/explicit_channel_message/description",
     "map-values-undefined"),
    # the five Webhooks operations use a tag the top-level `tags` does not declare
    ("/paths/~1v1~1projects~1{project_id}~1apps~1{app_id}~1webhooks/get/tags/0",
     "tag-undefined"),
    ("/paths/~1v1~1projects~1{project_id}~1messages/parameters/6", "parameter-description"),
]


@pytest.mark.parametrize(("location", "rule"), KNOWN_DEFECTS)
def test_real_spec_known_defect(real_by_location: dict[str, list[str]], location: str,
                                rule: str) -> None:
    assert rule in real_by_location.get(location, []), f"{rule} not reported at {location}"


@pytest.mark.parametrize("location", [
    "/components/responses/403Error/description",  # the original of the copy-paste
    f"{SCHEMAS}/Contact/properties/metadata/description",  # metadata of a contact is fine
    f"{SCHEMAS}/ChoiceItem/description",
])
def test_real_spec_no_false_alarm(real: list[Finding], location: str) -> None:
    assert not [f for f in real if f.location == location and rule_of(f) in (
        "duplicate-description", "copied-description", "description-names-other")]


def test_real_spec_findings_are_well_formed(real: list[Finding]) -> None:
    assert len({f.fingerprint for f in real}) == len(real), "fingerprints must be unique"
    for finding in real:
        assert finding.kind is Kind.SPEC_DEFECT and finding.source == Source.LINT
        assert finding.location.startswith("/") and rule_of(finding) != "?"
        assert "\n" not in finding.message and finding.message.endswith("."), finding.message
        assert Finding.from_json(finding.to_json()) == finding


def test_real_spec_operation_context(real: list[Finding]) -> None:
    page_size = [f for f in real if rule_of(f) == "limit-not-in-schema"
                 and f.operation_id == "Contact_ListContacts"]
    assert page_size and page_size[0].method == "GET"
    assert page_size[0].path_template == "/v1/projects/{project_id}/contacts"
    assert all(f.operation_id is None for f in real if f.location.startswith("/components/"))


def test_real_spec_example_evidence(real: list[Finding]) -> None:
    [carousel] = [f for f in real if f.location == f"{EX}/CarouselMessage/value/recipient"]
    assert carousel.instance_path == "/recipient"
    assert carousel.schema_path == f"{SCHEMAS}/SendMessageRequest/properties/recipient/type"
    assert carousel.evidence["schema"] == f"{SCHEMAS}/SendMessageRequest"
    assert "SendMessageRequest" in carousel.message


# -- one positive case per rule on a small synthetic spec -------------------------------------


def clean_doc() -> dict[str, Any]:
    """A tiny spec with no defects: every rule must stay silent on it."""
    thing_schema = {"$ref": "#/components/schemas/Thing"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1"},
        "paths": {
            "/things/{thing_id}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [{"name": "thing_id", "in": "path", "required": True,
                                    "description": "The thing's id.",
                                    "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "The thing.", "content": {"application/json": {
                            "schema": thing_schema,
                            "examples": {"one": {"$ref": "#/components/examples/thing"}}}}},
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "Thing": {"type": "object", "title": "Thing", "required": ["id"], "properties": {
                    "id": {"type": "string", "example": "t1"},
                    "size": {"type": "integer", "format": "int32", "default": 1},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                }},
                "Error": {"type": "object", "properties": {"code": {"type": "integer"},
                                                           "message": {"type": "string"}}},
            },
            "examples": {"thing": {"value": {"id": "t1", "size": 2, "kind": "a"}}},
            "responses": {"NotFound": {"description": "No such thing.", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"},
                                     "example": {"code": 404, "message": "Not found."}}}}},
        },
    }


OP = "/paths/~1things~1{thing_id}/get"
THING = "/components/schemas/Thing"


def at(doc: dict[str, Any], pointer: str) -> Any:
    node: Any = doc
    for part in pointer.strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def prop(name: str, schema: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["components"]["schemas"]["Thing"]["properties"].update({name: schema})


def patch(pointer: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: at(d, pointer).__setitem__(key, value)


def use_schemas(*names: str) -> Callable[[dict[str, Any]], None]:
    """Add schemas as Thing properties so they are not unused."""
    def mutate(doc: dict[str, Any]) -> None:
        for name in names:
            prop(name.lower(), {"$ref": f"#/components/schemas/{name}"})(doc)
    return mutate


def both(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        for m in mutations:
            m(doc)
    return mutate


def add_schemas(**schemas: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return both(lambda d: d["components"]["schemas"].update(schemas), use_schemas(*schemas))


def server_error(example: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        error = copy.deepcopy(doc["components"]["responses"]["NotFound"])
        error["content"]["application/json"]["example"] = example
        doc["components"]["responses"]["ServerError"] = error
        at(doc, f"{OP}/responses")["500"] = {"$ref": "#/components/responses/ServerError"}
    return mutate


def rename_path(new: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["paths"].update({new: d["paths"].pop("/things/{thing_id}")})


NOT_FOUND_EXAMPLE = "/components/responses/NotFound/content/application~1json/example"
RULE_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("example-invalid", patch("/components/examples/thing/value", "size", "big"),
     "/components/examples/thing/value/size"),
    ("example-invalid", patch(f"{THING}/properties/id", "example", 7),
     f"{THING}/properties/id/example"),
    ("example-undocumented-field", patch("/components/examples/thing/value", "colour", "red"),
     "/components/examples/thing/value/colour"),
    ("required-undefined", patch(THING, "required", ["id", "name"]), f"{THING}/required/1"),
    ("oneof-ambiguous", prop("owner", {"oneOf": [
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {"type": "object", "properties": {"b": {"type": "string"}}}]}),
     f"{THING}/properties/owner/oneOf"),
    ("default-invalid", patch(f"{THING}/properties/size", "default", "one"),
     f"{THING}/properties/size/default"),
    ("enum-type-mismatch", patch(f"{THING}/properties/kind", "enum", ["a", 3]),
     f"{THING}/properties/kind/enum/1"),
    ("enum-missing", patch(f"{THING}/properties/kind", "x-enumDescriptions", {"c": "C."}),
     f"{THING}/properties/kind/x-enumDescriptions"),
    ("format-mismatch", patch(f"{THING}/properties/id", "format", "int64"),
     f"{THING}/properties/id/format"),
    ("type-missing", prop("meta", {"properties": {"x": {"type": "string"}}}),
     f"{THING}/properties/meta/properties"),
    ("schema-invalid", patch(f"{THING}/properties/size", "type", "int"), THING),
    ("ref-unresolved", patch(f"{OP}/responses/200/content/application~1json/schema", "$ref",
                             "#/components/schemas/Nope"),
     f"{OP}/responses/200/content/application~1json/schema/$ref"),
    ("ref-external", patch(f"{OP}/responses/200/content/application~1json/schema", "$ref",
                           "http://10.255.255.1/thing.json"),
     f"{OP}/responses/200/content/application~1json/schema/$ref"),
    ("ref-sibling-ignored", patch(f"{OP}/responses/404", "headers", {}),
     f"{OP}/responses/404/headers"),
    ("unused-component", lambda d: d["components"]["schemas"].update(Orphan={"type": "string"}),
     "/components/schemas/Orphan"),
    ("unused-component", lambda d: d["components"]["examples"].update(spare={"value": {}}),
     "/components/examples/spare"),
    ("path-param-undeclared", rename_path("/things/{thing_id}/{part}"),
     "/paths/~1things~1{thing_id}~1{part}/get/parameters"),
    ("path-param-unused", lambda d: at(d, f"{OP}/parameters").append(
        {"name": "extra", "in": "path", "required": True, "schema": {"type": "string"}}),
     f"{OP}/parameters/1"),
    ("path-param-optional", patch(f"{OP}/parameters/0", "required", False),
     f"{OP}/parameters/0/required"),
    ("parameter-duplicate", lambda d: at(d, f"{OP}/parameters").append(
        copy.deepcopy(at(d, f"{OP}/parameters/0"))), f"{OP}/parameters/1/name"),
    ("no-success-response", lambda d: at(d, f"{OP}/responses").pop("200"), f"{OP}/responses"),
    ("duplicate-operation-id", lambda d: d["paths"].update({"/others": {"get": {
        "operationId": "getThing", "responses": {"204": {"description": "None."}}}}}),
     "/paths/~1others/get/operationId"),
    ("duplicate-description", server_error({"code": 500, "message": "Oops."}),
     "/components/responses/ServerError/description"),
    ("duplicate-example", both(server_error({"code": 500, "message": "Not found."}), patch(
        "/components/responses/ServerError", "description", "Server error.")),
     "/components/responses/ServerError/content/application~1json/example"),
    ("example-status-mismatch", patch(NOT_FOUND_EXAMPLE, "code", 400),
     f"{NOT_FOUND_EXAMPLE}/code"),
    ("duplicate-title", add_schemas(
        SmsCredentials={"type": "object", "title": "SMS credential"},
        MmsCredentials={"type": "object", "title": "SMS credential"}),
     "/components/schemas/MmsCredentials/title"),
    ("copied-description", both(
        prop("note", {"type": "string", "description": "A note about the contact."}),
        add_schemas(Contact={"type": "object", "properties": {
            "note": {"type": "string", "description": "A note about the contact."}}})),
     f"{THING}/properties/note/description"),
    ("description-names-other", add_schemas(
        OptIn={"type": "object", "properties": {"app_id": {"type": "string"}}},
        OptOut={"type": "object", "properties": {
            "app_id": {"type": "string", "description": "The app for the opt-in."}}}),
     "/components/schemas/OptOut/properties/app_id/description"),
    ("limit-not-in-schema", patch(f"{THING}/properties/id", "description",
                                  "Up to 64 characters long."),
     f"{THING}/properties/id/description"),
    ("limit-not-in-schema", lambda d: at(d, f"{OP}/parameters").append(
        {"name": "page_size", "in": "query", "description": "Defaults to 10, the maximum is 20.",
         "schema": {"type": "integer"}}), f"{OP}/parameters/1/description"),
    ("required-mismatch", patch(f"{THING}/properties/size", "description", "Required. Size."),
     f"{THING}/properties/size/description"),
    ("map-values-undefined", prop("labels", {"type": "object",
                                             "description": "The keys in the map are names."}),
     f"{THING}/properties/labels/description"),
    ("oas-required", lambda d: d["info"].pop("version"), "/info"),
    ("oas-required", lambda d: at(d, f"{OP}/responses/200").pop("description"),
     f"{OP}/responses/200"),
    ("oas-unknown-field", patch("/info", "colour", "red"), "/info/colour"),
    ("oas-unknown-field", patch(f"{OP}/responses", "99", {"description": "No."}),
     f"{OP}/responses/99"),
    ("oas-type", patch(OP, "tags", "Things"), f"{OP}/tags"),
    ("oas-enum", patch(f"{OP}/parameters/0", "in", "bogus"), f"{OP}/parameters/0/in"),
    ("oas-format", lambda d: d["info"].update(contact={"email": "not an address"}),
     "/info/contact/email"),
    ("oas-one-of", lambda d: at(d, f"{OP}/parameters/0").pop("schema"), f"{OP}/parameters/0"),
    ("oas-schema", patch(f"{OP}/parameters/0", "content", {
        "text/plain": {}, "application/json": {}}), f"{OP}/parameters/0/content"),
    ("tag-undefined", patch(OP, "tags", ["Things"]), f"{OP}/tags/0"),
    ("tag-duplicate", lambda d: d.update(tags=[{"name": "Things"}, {"name": "Things"}]),
     "/tags/1/name"),
    ("parameter-description", lambda d: at(d, f"{OP}/parameters/0").pop("description"),
     f"{OP}/parameters/0"),
    ("security-undefined", patch(OP, "security", [{"apiKey": []}]),
     f"{OP}/security/0/apiKey"),
]


def test_clean_spec_has_no_defects() -> None:
    assert [f"{f.location}: {f.message}" for f in lint_document(clean_doc())] == []


@pytest.mark.parametrize(("rule", "mutate", "location"), RULE_CASES,
                         ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(RULE_CASES)])
def test_rule_positive_case(rule: str, mutate: Callable[[dict[str, Any]], None],
                            location: str) -> None:
    doc = clean_doc()
    mutate(doc)
    findings = lint_document(doc)
    hits = [f for f in findings if rule_of(f) == rule]
    assert location in [f.location for f in hits], [f"{f.location}: {f.message}"
                                                   for f in findings]
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_rules_are_registered_in_the_order_they_run() -> None:
    # The order of the rules is the order of the findings in every output: keep it.
    # One entry per rule name: the name its findings carry, the one configuration uses.
    assert RULES.names() == (
        "oas-required", "oas-unknown-field", "oas-type", "oas-enum", "oas-format",
        "oas-one-of", "oas-schema", "ref-unresolved", "ref-external", "schema-invalid",
        "example-invalid", "example-undocumented-field", "required-undefined",
        "oneof-ambiguous", "default-invalid", "enum-type-mismatch", "enum-missing",
        "format-mismatch", "type-missing", "path-param-undeclared", "parameter-duplicate",
        "path-param-unused", "path-param-optional", "no-success-response",
        "duplicate-operation-id", "ref-sibling-ignored", "unused-component", "tag-undefined",
        "tag-duplicate", "parameter-description", "security-undefined", "duplicate-description",
        "duplicate-example", "example-status-mismatch", "duplicate-title",
        "copied-description", "description-names-other", "map-values-undefined",
        "required-mismatch", "limit-not-in-schema")
    assert [entry.name for entry in RULES.running_in("lint")] == list(RULES.names())
    assert all(entry.kinds == {Kind.SPEC_DEFECT} and entry.doc for entry in RULES)


def test_every_registered_rule_has_a_positive_case() -> None:
    assert {rule for rule, _, _ in RULE_CASES} == set(RULES.names())
    silent = {entry.obj for entry in RULES}
    for _, mutate, _ in RULE_CASES:
        doc = clean_doc()
        mutate(doc)
        spec = Spec(doc)
        silent -= {check for check in silent if list(check(spec))}
    assert not silent, [check.__name__ for check in silent]


def test_each_rule_makes_only_findings_of_its_own_name() -> None:
    for _, mutate, _ in RULE_CASES:
        doc = clean_doc()
        mutate(doc)
        spec = Spec(doc)
        for entry in RULES:
            assert {rule_of(f) for f in entry.obj(spec)} <= {entry.name}, entry.name


def test_operation_context_for_defects_inside_operations() -> None:
    doc = clean_doc()
    patch(f"{OP}/parameters/0", "required", False)(doc)
    [finding] = [f for f in lint_document(doc) if rule_of(f) == "path-param-optional"]
    assert (finding.operation_id, finding.method, finding.path_template) == (
        "getThing", "GET", "/things/{thing_id}")


def test_lint_does_not_modify_the_document() -> None:
    doc = clean_doc()
    patch(THING, "required", ["id", "name"])(doc)
    before = copy.deepcopy(doc)
    lint_document(doc)
    assert doc == before


def test_a_crashing_rule_becomes_a_finding_and_the_others_still_run() -> None:
    def broken(spec: Spec) -> list[Finding]:
        raise RuntimeError("boom")

    doc = clean_doc()
    patch(THING, "required", ["id", "name"])(doc)
    findings = lint_document(doc, (broken, *(entry.obj for entry in RULES)))
    assert rule_of(findings[0]) == "lint-error" and findings[0].kind is Kind.VALIDATION_ERROR
    assert "broken" in findings[0].message and "boom" in findings[0].message
    assert "required-undefined" in {rule_of(f) for f in findings}


def test_recursive_yaml_is_a_user_error() -> None:
    doc = clean_doc()
    doc["x-loop"] = doc  # what `&a [*a]` style aliases produce
    with pytest.raises(UserError):
        lint_document(doc)


def test_summary_and_text_report() -> None:
    doc = clean_doc()
    both(patch(THING, "required", ["id", "name"]),
         lambda d: d["components"]["schemas"].update(Orphan={"type": "string"}))(doc)
    findings = lint_document(doc)
    report = text_report(findings).splitlines()
    assert report[-1] == summary_line(findings)
    assert report[-1].startswith(f"{len(findings)} spec defects (by rule: ")
    assert "unused-component 1" in report[-1]
    assert (f"{THING}/required/1: required-undefined [critical] Thing requires `name`"
            in "\n".join(report))
    assert summary_line([]) == "0 spec defects"


# -- the command line -----------------------------------------------------------------------


def run_lint(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", "lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_cli_real_spec_text(tmp_path: Path) -> None:
    spec = tmp_path / "conversation.yaml"
    spec.write_bytes(DEFAULT_SPEC.read_bytes())
    proc = run_lint("--spec", str(spec), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1].startswith(f"{len(lines) - 1} spec defects (by rule: ")
    line = next(x for x in lines if "ListSection requires `listItem`" in x)
    assert re.fullmatch(r"conversation\.yaml:\d+:\d+: required-undefined \[critical\] "
                        r"ListSection requires `listItem`.*\(/components/schemas/ListSection/"
                        r"required/0\)", line), line
    assert all(re.match(r"conversation\.yaml:\d+:\d+: [a-z0-9-]+ \[[a-z]+\] ", x)
               for x in lines[:-1])


def test_cli_json_lines_are_findings() -> None:
    proc = run_lint("--json")
    assert proc.returncode == 1, proc.stderr
    findings = [Finding.from_json(line) for line in proc.stdout.splitlines()]
    assert findings and all(f.kind is Kind.SPEC_DEFECT for f in findings)
    assert "spec defects (by rule:" in proc.stderr


def test_cli_clean_spec_exit_0(tmp_path: Path) -> None:
    spec = tmp_path / "clean.yaml"
    spec.write_text(yaml.safe_dump(clean_doc()), encoding="utf-8")
    proc = run_lint("--spec", str(spec))
    assert (proc.returncode, proc.stdout) == (0, "0 spec defects\n"), proc.stderr


@pytest.mark.parametrize(("name", "text"), [
    ("missing.yaml", None),
    ("broken.yaml", "openapi: 3.1.0\npaths: {\n  - [unclosed\n"),
    ("not-openapi.yaml", "name: just some YAML\nitems: [1, 2]\n"),
])
def test_cli_user_errors(tmp_path: Path, name: str, text: str | None) -> None:
    spec = tmp_path / name
    if text is not None:
        spec.write_text(text, encoding="utf-8")
    proc = run_lint("--spec", str(spec))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and "\ntip: " in proc.stderr
    assert proc.stdout == ""


def test_lint_reads_the_original_spec_not_overlays() -> None:
    # The recipient overlay fixes the oneOf; lint must still see the original defect.
    doc = load_document(DEFAULT_SPEC)
    assert "required" not in doc["components"]["schemas"]["SendMessageRequest"][
        "properties"]["recipient"]["oneOf"][0]
    assert json.dumps(doc)  # plain JSON data
