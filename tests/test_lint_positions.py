"""Lint findings people can click: each carries the file, line and column of its YAML node
(``evidence["position"]``), from one parse that also builds the document; structural errors
against the OpenAPI 3.1 schema are one sentence each, every one of them, at file:line:col."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conformance.errors import UserError
from conformance.findings import Finding
from conformance.lint import lint_file, rule_of, text_line
from conformance.lint.locate import position_of, where
from conformance.spec_loader import DEFAULT_SPEC, load_document, load_document_with_positions
from tests.test_lint import OP, at, clean_doc


@pytest.fixture(scope="module")
def real() -> list[Finding]:
    return lint_file(DEFAULT_SPEC)


def test_the_document_is_the_one_load_document_reads() -> None:
    doc, positions = load_document_with_positions(DEFAULT_SPEC)
    assert doc == load_document(DEFAULT_SPEC)
    assert positions[""] == (1, 1) and positions["/info"] == (2, 1)


def _key_at(lines: list[str], line: int, column: int) -> str:
    return lines[line - 1][column - 1:]


def test_every_real_finding_points_at_its_node(real: list[Finding]) -> None:
    lines = DEFAULT_SPEC.read_text(encoding="utf-8").splitlines()
    assert real
    for finding in real:
        pos = position_of(finding)
        assert pos is not None and pos.file == str(DEFAULT_SPEC), finding.location
        last = finding.location.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        text = _key_at(lines, pos.line, pos.column)
        if last.isdigit():  # a list item
            assert text.strip(), (finding.location, pos)
        else:
            assert text.lstrip("'\"").startswith(last), (finding.location, pos, text[:40])


def test_known_positions(real: list[Finding]) -> None:
    by_location = {f.location: f for f in real}
    recipient = by_location["/components/schemas/Recipient"]
    lines = DEFAULT_SPEC.read_text(encoding="utf-8").splitlines()
    pos = position_of(recipient)
    assert pos is not None and lines[pos.line - 1].lstrip().startswith("Recipient:")
    assert text_line(recipient).startswith(f"{where(recipient)}: unused-component [minor] "
                                           "Recipient is never used")
    assert where(recipient).endswith(f"conversation.yaml:{pos.line}:{pos.column}")


def test_keys_as_the_document_spells_them(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n"
        "  /a~b/{id}:\n    get:\n      responses:\n        200:\n          description: ok\n"
        "        '404': {description: gone}\n", encoding="utf-8")
    doc, positions = load_document_with_positions(spec)
    assert doc["paths"]["/a~b/{id}"]["get"]["responses"][200] == {"description": "ok"}
    base = "/paths/~1a~0b~1{id}/get/responses"
    assert positions[f"{base}/200"] == (7, 9)  # an int key, as JSON spells it
    assert positions[f"{base}/404/description"] == (9, 17)  # inside a flow mapping


def test_a_json_spec_has_positions_too(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(clean_doc(), indent=2), encoding="utf-8")
    doc, positions = load_document_with_positions(spec)
    assert doc == clean_doc()
    line, _ = positions["/components/schemas/Thing"]
    assert '"Thing"' in spec.read_text(encoding="utf-8").splitlines()[line - 1]


def test_anchors_and_recursive_aliases(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: &i {title: T, version: '1'}\npaths: {}\n"
                    "x-copy: *i\nx-loop: &l [*l]\n", encoding="utf-8")
    _, positions = load_document_with_positions(spec)
    assert positions["/x-copy/title"] == positions["/info/title"]
    assert "/x-loop/0" in positions


@pytest.mark.parametrize("text", ["openapi: 3.1.0\npaths: {\n", "a: 1\n", "openapi: 3.0.3\n"
                                  "paths: {}\n"])
def test_the_same_user_errors_as_load_document(tmp_path: Path, text: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as plain:
        load_document(spec)
    with pytest.raises(UserError) as located:
        load_document_with_positions(spec)
    assert str(located.value) == str(plain.value)


# -- structural errors: one sentence each, all of them, at file:line:col ---------------------


def _broken(tmp_path: Path) -> Path:
    doc = clean_doc()
    param = at(doc, f"{OP}/parameters/0")
    param["in"] = "bogus"
    del param["name"]
    param["colour"] = "red"
    at(doc, f"{OP}/responses/200").pop("description")
    doc["info"].pop("version")
    at(doc, OP)["tags"] = "Things"
    spec = tmp_path / "broken.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return spec


def test_structural_errors_are_sentences_at_their_nodes(tmp_path: Path) -> None:
    findings = [f for f in lint_file(_broken(tmp_path)) if rule_of(f).startswith("oas-")]
    found = {(rule_of(f), f.location) for f in findings}
    param = f"{OP}/parameters/0"
    assert {("oas-required", "/info"), ("oas-required", f"{OP}/responses/200"),
            ("oas-type", f"{OP}/tags"), ("oas-enum", f"{param}/in"),
            ("oas-required", param), ("oas-unknown-field", f"{param}/colour")} <= found
    lines = (tmp_path / "broken.yaml").read_text(encoding="utf-8").splitlines()
    for finding in findings:
        message = finding.message
        assert "\n" not in message and "Failed validating" not in message, message
        assert (message[0].isupper() or message[0] == "`") and message.endswith("."), message
        pos = position_of(finding)
        assert pos is not None and 1 <= pos.line <= len(lines)
    by = {(rule_of(f), f.location): f.message for f in findings}
    assert by[("oas-enum", f"{param}/in")] == (
        '`in` of the Parameter Object at getThing /parameters/0 is "bogus"; allowed: '
        '"query", "header", "path", "cookie".')
    assert by[("oas-required", "/info")] == (
        "The Info Object at /info lacks `version`, a field OpenAPI 3.1 requires.")
    assert "allowed: `name`, `in`, `description`" in by[("oas-unknown-field", f"{param}/colour")]


def test_every_error_of_one_node_is_reported(tmp_path: Path) -> None:
    """A parameter with a bad `in`, no `name` and an unknown field: three findings."""
    param = f"{OP}/parameters/0"
    findings = [f for f in lint_file(_broken(tmp_path))
                if f.location.startswith(param) and rule_of(f).startswith("oas-")]
    assert sorted(rule_of(f) for f in findings) == ["oas-enum", "oas-required",
                                                    "oas-unknown-field"]
    assert len({f.fingerprint for f in findings}) == 3


def test_two_missing_fields_are_two_findings() -> None:
    from conformance.lint import lint_document

    doc = clean_doc()
    doc["info"] = {"summary": "No title, no version."}
    missing = [f for f in lint_document(doc) if rule_of(f) == "oas-required"]
    assert sorted(f.message.split("`")[1] for f in missing) == ["title", "version"]


def test_no_false_alarm_on_local_refs_with_braces() -> None:
    """``#/paths/~1things~1{thing_id}/...`` is no strict uri-reference; every tool reads it."""
    from conformance.lint import lint_document

    doc = clean_doc()
    at(doc, OP)["parameters"] = [{"$ref": "#/components/parameters/thing"}]
    doc["components"]["parameters"] = {"thing": {"$ref": f"#{OP}/x-params/0"}}
    at(doc, OP)["x-params"] = [{"name": "thing_id", "in": "path", "required": True,
                                "description": "Id.", "schema": {"type": "string"}}]
    assert [f.message for f in lint_document(doc) if rule_of(f).startswith("oas-")] == []
