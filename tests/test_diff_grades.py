"""`diff` grades each change by side: small spec pairs built in code (issue 17, item 1)."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.reports.diff_model import load_spec_file
from conformance.reports.spec_diff import Change, diff_specs

Doc = dict[str, Any]
OP = "/things/{id}"


def spec(field: Any, *, response_field: Any = None, version: str = "1.0.0") -> Doc:
    """One operation: PUT /things/{id} takes a Req and answers a Resp; both have property
    ``f`` (``field``; the response's may differ) and a recursive ``child``."""
    def obj(name: str, f: Any) -> Doc:
        return {"type": "object", "required": ["id"],
                "properties": {"id": {"type": "string"}, "f": f,
                               "child": {"$ref": f"#/components/schemas/{name}"}}}

    return {
        "openapi": "3.1.0", "info": {"title": "t", "version": version},
        "servers": [{"url": "https://api.example.com"}],
        "security": [{"oauth": ["read"]}],
        "paths": {OP: {"put": {
            "operationId": "PutThing",
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Req"}}}},
            "responses": {"200": {
                "description": "ok",
                "headers": {"X-Rate": {"required": True,
                                       "schema": {"type": "string", "maxLength": 8}}},
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Resp"}}}}}}}},
        "components": {
            "schemas": {"Req": obj("Req", copy.deepcopy(field)),
                        "Resp": obj("Resp", copy.deepcopy(
                            field if response_field is None else response_field)),
                        "A": {"type": "object", "properties": {"a": {"type": "string"}}},
                        "B": {"type": "object", "properties": {"b": {"type": "string"}}}},
            "securitySchemes": {"oauth": {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "https://auth.example.com/token",
                "scopes": {"read": "r", "write": "w"}}}}}},
    }


def write(path: Path, doc: Doc) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def changes(tmp_path: Path, old: Doc, new: Doc) -> list[Change]:
    a, b = write(tmp_path / "old.yaml", old), write(tmp_path / "new.yaml", new)
    return diff_specs(load_spec_file(a, "OLD"), load_spec_file(b, "NEW"))


def graded(found: list[Change]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in found:
        assert out.get(c.kind, c.grade.label) == c.grade.label, c
        out[c.kind] = c.grade.label
    return out


S, INT, N = {"type": "string"}, {"type": "integer"}, {"type": "number"}
ARR = {"type": "array", "items": {"type": "string"}}
OBJ = {"type": "object", "properties": {"a": {"type": "string"}}}
A, B = {"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}

# (old f, new f, kind without side prefix, request grade, response grade)
KEYWORDS: list[tuple[Any, Any, str, str, str]] = [
    ({**S, "maxLength": 20}, {**S, "maxLength": 10}, "max_length_decreased", "major", "patch"),
    ({**S, "maxLength": 10}, {**S, "maxLength": 20}, "max_length_increased", "minor", "major"),
    (S, {**S, "minLength": 2}, "min_length_added", "major", "patch"),
    ({**INT, "minimum": 1}, {**INT, "minimum": 5}, "minimum_increased", "major", "patch"),
    ({**INT, "minimum": 5}, {**INT, "minimum": 1}, "minimum_decreased", "minor", "major"),
    ({**INT, "maximum": 9}, INT, "maximum_removed", "minor", "major"),
    (N, {**N, "exclusiveMaximum": 5}, "exclusive_maximum_added", "major", "patch"),
    ({**N, "exclusiveMinimum": 0}, {**N, "exclusiveMinimum": -1}, "exclusive_minimum_decreased",
     "minor", "major"),
    (S, {**S, "pattern": "^a"}, "pattern_added", "major", "patch"),
    ({**S, "pattern": "^a"}, {**S, "pattern": "^b"}, "pattern_changed", "major", "major"),
    ({**S, "pattern": "^a"}, S, "pattern_removed", "minor", "major"),
    ({**S, "format": "date"}, {**S, "format": "date-time"}, "format_changed", "major", "major"),
    (S, {**S, "format": "uuid"}, "format_added", "major", "patch"),
    ({**S, "enum": ["a", "b"]}, {**S, "enum": ["a"]}, "enum_narrowed", "major", "patch"),
    ({**S, "enum": ["a"]}, {**S, "enum": ["a", "b"]}, "enum_widened", "minor", "major"),
    (S, {**S, "const": "a"}, "const_added", "major", "patch"),
    ({**ARR, "maxItems": 5}, {**ARR, "maxItems": 3}, "max_items_decreased", "major", "patch"),
    ({**ARR, "minItems": 2}, ARR, "min_items_removed", "minor", "major"),
    (ARR, {**ARR, "uniqueItems": True}, "unique_items_added", "major", "patch"),
    ({**INT, "multipleOf": 2}, {**INT, "multipleOf": 3}, "multiple_of_changed", "major", "major"),
    (INT, N, "type_widened", "minor", "major"),
    (N, INT, "type_narrowed", "major", "patch"),
    (S, INT, "type_changed", "major", "major"),
    (S, {"type": ["string", "null"]}, "nullable_added", "minor", "major"),
    ({**S, "nullable": True}, S, "nullable_removed", "major", "patch"),
    (OBJ, {**OBJ, "additionalProperties": False}, "additional_properties_narrowed", "major",
     "patch"),
    ({**OBJ, "additionalProperties": False}, OBJ, "additional_properties_widened", "minor",
     "major"),
    ({"type": "array", "items": {**S, "maxLength": 5}},
     {"type": "array", "items": {**S, "maxLength": 3}}, "max_length_decreased", "major", "patch"),
    ({"oneOf": [S]}, {"oneOf": [S, INT]}, "oneOf_branch_added", "minor", "major"),
    (S, {**S, "anyOf": [{"maxLength": 2}, {"minLength": 5}]}, "anyOf_added", "major", "patch"),
    ({**S, "oneOf": [{"maxLength": 2}]}, S, "oneOf_removed", "minor", "major"),
    ({"anyOf": [A, B]}, {"anyOf": [A]}, "anyOf_branch_removed", "major", "patch"),
    ({"allOf": [A]}, {"allOf": [A, B]}, "allOf_branch_added", "major", "patch"),
    ({"oneOf": [A]}, {"oneOf": [{**A, "maxLength": 1}]}, "max_length_added", "major", "patch"),
    (S, {**S, "readOnly": True}, "read_only_added", "major", "patch"),
    ({**S, "readOnly": True}, S, "read_only_removed", "minor", "patch"),
    (S, {**S, "writeOnly": True}, "write_only_added", "patch", "major"),
    ({**S, "default": "a"}, {**S, "default": "b"}, "default_changed", "major", "patch"),
    (S, {**S, "default": "a"}, "default_added", "patch", "patch"),
    (S, {**S, "deprecated": True}, "deprecated_added", "patch", "patch"),
    ({**S, "description": "A name."}, {**S, "description": "The contact's name."},
     "description_changed", "patch", "patch"),
    (S, {**S, "title": "Name"}, "title_changed", "patch", "patch"),
    ({**OBJ, "discriminator": {"propertyName": "a"}},
     {**OBJ, "discriminator": {"propertyName": "b"}}, "discriminator_property_changed",
     "major", "major"),
    ({**OBJ, "discriminator": {"propertyName": "a", "mapping": {"x": "#/components/schemas/A"}}},
     {**OBJ, "discriminator": {"propertyName": "a", "mapping": {
         "x": "#/components/schemas/A", "y": "#/components/schemas/B"}}},
     "discriminator_mapping_added", "minor", "major"),
]


@pytest.mark.parametrize(("old", "new", "kind", "request_grade", "response_grade"), KEYWORDS,
                         ids=[f"{i}-{c[2]}" for i, c in enumerate(KEYWORDS)])
def test_each_keyword_change_is_graded_by_side(tmp_path: Path, old: Any, new: Any, kind: str,
                                               request_grade: str, response_grade: str
                                               ) -> None:
    found = graded(changes(tmp_path, spec(old), spec(new)))
    assert found.get(f"request_{kind}") == request_grade, found
    assert found.get(f"response_{kind}") == response_grade, found


def edit(change: Callable[[Doc], None], doc: Doc | None = None) -> Doc:
    doc = copy.deepcopy(doc or spec(S))
    change(doc)
    return doc


def op(doc: Doc) -> Doc:
    return doc["paths"][OP]["put"]


def schema(doc: Doc, name: str) -> Doc:
    return doc["components"]["schemas"][name]


# (change to the base spec, kind, grade)
STRUCTURE: list[tuple[Callable[[Doc], None], str, str]] = [
    (lambda d: schema(d, "Req")["required"].append("f"), "request_field_became_required",
     "major"),
    (lambda d: schema(d, "Resp")["required"].remove("id"), "response_field_became_optional",
     "major"),
    (lambda d: schema(d, "Resp")["required"].append("f"), "response_field_became_required",
     "patch"),
    (lambda d: schema(d, "Resp")["properties"].pop("f"), "response_field_removed", "major"),
    (lambda d: op(d)["parameters"][1]["schema"].update(maximum=50),
     "parameter_maximum_decreased", "major"),
    (lambda d: op(d)["parameters"][1].update(required=True), "parameter_became_required",
     "major"),
    (lambda d: op(d)["parameters"][1].update(style="deepObject"), "parameter_style_changed",
     "major"),
    (lambda d: op(d)["parameters"][1].update(explode=False), "parameter_explode_changed",
     "major"),
    (lambda d: op(d)["parameters"][1].update({"in": "header"}), "parameter_location_changed",
     "major"),
    (lambda d: op(d)["parameters"].pop(1), "parameter_removed", "major"),
    (lambda d: op(d)["requestBody"].update(required=False), "request_body_became_optional",
     "minor"),
    (lambda d: op(d)["requestBody"]["content"].update({"application/xml": {}}),
     "request_media_type_added", "minor"),
    (lambda d: op(d)["responses"]["200"]["content"].pop("application/json"),
     "response_media_type_removed", "major"),
    (lambda d: op(d)["responses"].update({"404": {"description": "no"}}),
     "response_status_added", "minor"),
    (lambda d: op(d)["responses"]["200"].pop("headers"), "response_header_removed", "major"),
    (lambda d: op(d)["responses"]["200"]["headers"]["X-Rate"].update(required=False),
     "response_header_became_optional", "major"),
    (lambda d: op(d)["responses"]["200"]["headers"]["X-Rate"]["schema"].update(maxLength=9),
     "response_header_max_length_increased", "major"),
    (lambda d: d.update(security=[{"oauth": ["read", "write"]}]), "security_scopes_added",
     "major"),
    (lambda d: d.update(security=[{"oauth": []}]), "security_scopes_removed", "minor"),
    (lambda d: d.update(security=[{"oauth": ["read"]}, {"key": []}]),
     "security_requirement_added", "minor"),
    (lambda d: d.update(security=[]), "security_removed", "minor"),
    (lambda d: d["components"]["securitySchemes"]["oauth"]["flows"]["clientCredentials"][
        "scopes"].pop("write"), "security_scope_removed", "major"),
    (lambda d: d["components"]["securitySchemes"].update(key={"type": "apiKey", "in": "header",
                                                              "name": "K"}),
     "security_scheme_added", "minor"),
    (lambda d: d.update(servers=[{"url": "https://eu.example.com"}]), "server_removed",
     "major"),
    (lambda d: op(d).update(operationId="PutIt"), "operation_id_changed", "patch"),
]


@pytest.mark.parametrize(("change", "kind", "grade"), STRUCTURE,
                         ids=[c[1] for c in STRUCTURE])
def test_each_structural_change_is_graded(tmp_path: Path, change: Callable[[Doc], None],
                                          kind: str, grade: str) -> None:
    found = graded(changes(tmp_path, spec(S), edit(change)))
    assert found.get(kind) == grade, found


def test_a_renamed_property_or_parameter_is_one_change(tmp_path: Path) -> None:
    def rename(d: Doc) -> None:
        for name in ("Req", "Resp"):
            props = schema(d, name)["properties"]
            props["g"] = props.pop("f")
        op(d)["parameters"][1]["name"] = "max"

    found = changes(tmp_path, spec({**S, "maxLength": 4}), edit(rename, spec({**S,
                                                                           "maxLength": 4})))
    assert sorted((c.kind, c.grade.label) for c in found) == [
        ("parameter_renamed", "major"), ("request_field_renamed", "major"),
        ("response_field_renamed", "major")]
    assert any("`f` renamed to `g`" in c.message for c in found)


def test_the_four_cases_of_issue_17_are_major_in_a_request(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = spec({**S, "maxLength": 20, "format": "date"}, response_field=S)
    for new_field, kind in (({**S, "maxLength": 10, "format": "date"}, "max_length_decreased"),
                            ({**S, "maxLength": 20, "format": "uuid"}, "format_changed")):
        new = spec(new_field, response_field=S)
        write(tmp_path / "old.yaml", old)
        write(tmp_path / "new.yaml", new)
        assert main(["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"),
                     "--format", "json"]) == 1
        assert [c["kind"] for c in json.loads(capsys.readouterr().out)["changes"]] == [
            f"request_{kind}"]
    found = graded(changes(tmp_path, spec({**INT, "minimum": 0}, response_field=INT),
                           spec({**INT, "minimum": 1}, response_field=INT)))
    assert found == {"request_minimum_increased": "major"}
    found = graded(changes(tmp_path, spec(S), edit(lambda d: schema(d, "Req").update(
        additionalProperties=False))))
    assert found == {"request_additional_properties_narrowed": "major"}


def test_a_recursive_schema_ends_and_identical_specs_have_no_change(tmp_path: Path) -> None:
    assert changes(tmp_path, spec(S), spec(S)) == []


def run(tmp_path: Path, old: Doc, new: Doc, *flags: str) -> int:
    write(tmp_path / "old.yaml", old)
    write(tmp_path / "new.yaml", new)
    return main(["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), *flags])


def test_fail_on_picks_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    minor = spec({**S, "maxLength": 20}, response_field=S)
    old = spec({**S, "maxLength": 10}, response_field=S)
    assert run(tmp_path, old, minor) == 0
    assert run(tmp_path, old, minor, "--fail-on", "minor") == 1
    assert run(tmp_path, old, spec({**S, "maxLength": 5}, response_field=S)) == 1
    capsys.readouterr()


@pytest.mark.parametrize(("field", "version", "enough"), [
    ({**S, "maxLength": 20}, "1.0.1", False),  # a minor change and a patch bump
    ({**S, "maxLength": 20}, "1.1", True),
    ({**S, "maxLength": 20}, "v2.0.0-rc.1", True),
    ({**S, "maxLength": 5}, "1.9.0", False),  # a major change and a minor bump
    ({**S, "maxLength": 5}, "2.0.0", True),
    ({**S, "maxLength": 10, "deprecated": True}, "1.0.0", False),  # a patch, no bump
    ({**S, "maxLength": 10, "deprecated": True}, "1.0.1", True),
    ({**S, "maxLength": 10}, "1.0.0", True),  # no change needs no bump
])
def test_check_version(tmp_path: Path, capsys: pytest.CaptureFixture[str], field: Any,
                       version: str, enough: bool) -> None:
    old = spec({**S, "maxLength": 10}, response_field=S)
    new = spec(field, response_field=S, version=version)
    code = run(tmp_path, old, new, "--check-version", "--format", "json")
    out, err = capsys.readouterr()
    problem = json.loads(out)["version_problem"]
    major = any(c["grade"] == "major" for c in json.loads(out)["changes"])
    assert code == (0 if enough and not major else 1)
    assert (problem is None) is enough and ("version bump" in err) is not enough
    assert run(tmp_path, old, new) == (1 if major else 0)  # without the flag: the gate only
    capsys.readouterr()


def test_check_version_needs_a_version_it_understands(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = spec({**S, "maxLength": 20}, version="banana")
    assert run(tmp_path, spec(S), new, "--check-version") == 2
    assert "'banana' of NEW.yaml is not a version" in capsys.readouterr().err


def test_formats_carry_file_line_and_column(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    old = spec({**S, "maxLength": 20})
    new = spec({**S, "maxLength": 10})
    junit = tmp_path / "d.xml"
    assert run(tmp_path, old, new, "--format", "github", "--junit", str(junit)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    pattern = re.compile(r"::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),"
                         r"title=[^:]+::PutThing .+")
    text = (tmp_path / "new.yaml").read_text().splitlines()
    levels = []
    for line in lines:
        m = pattern.fullmatch(line)
        assert m, line
        levels.append(m[1])
        assert m[2].endswith("new.yaml")
        assert text[int(m[3]) - 1][int(m[4]) - 1:].startswith("maxLength: 10")
    assert levels == ["error", "notice"]  # request major first, response patch
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    assert run(tmp_path, old, new, "--format", "junit", "--fail-on", "minor") == 1
    assert "<testsuites" in capsys.readouterr().out
    assert run(tmp_path, old, new, "--format", "json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["major"] == 1 and data["summary"]["patch"] == 1
    assert all(c["line"] > 1 and c["column"] > 1 for c in data["changes"])
    assert run(tmp_path, new, old) == 1  # removals point into the OLD file
    md = capsys.readouterr().out
    assert "## Spec diff: 1 major, 1 minor, 0 patch" in md and "old.yaml:" not in md


def test_a_removal_is_placed_in_the_old_file(tmp_path: Path) -> None:
    found = changes(tmp_path, spec(S), edit(lambda d: schema(d, "Resp")["properties"].pop(
        "f")))
    [c] = found
    assert c.file.endswith("old.yaml") and c.removed
    line = (tmp_path / "old.yaml").read_text().splitlines()[c.line - 1]
    assert line[c.column - 1:].startswith("f:")
