"""The contract core's fast path: one jsonschema-rs call (lenient schema AND the documented
shape) must say "nothing to report" exactly when the slow path (lenient errors plus the
walk for undocumented and read-only properties) reports nothing.

Checked on every body of Sinch's SDK fixtures, and on those bodies mutated by Hypothesis
(an undocumented key put into some object, a key taken out, a value replaced)."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_paths import FIXTURES

from conformance.contract import Contract
from conformance.schemas import CompiledSchema, SchemaError, SchemaIssue


def _fixture_cases() -> list[tuple[str, CompiledSchema, Any]]:
    contract = Contract.default()
    cases = []
    with (FIXTURES / "MANIFEST.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            op = contract.operations.get(row["operationId"])
            if op is None:
                continue
            if row["kind"] == "request":
                schema = op.request_content.get("application/json")
                pointer, request = f"{op.pointer}/requestBody", True
            else:
                documented = op.response_for(int(row["status"] or 0))
                schema = documented[1].get("application/json") if documented else None
                pointer, request = f"{op.pointer}/responses/{row['status']}", False
            if schema is None:
                continue
            compiled = contract.schemas.get(pointer, schema, request=request)
            cases.append((row["file"], compiled, json.loads((FIXTURES / row["file"])
                                                            .read_text())))
    return cases


CASES = _fixture_cases()


def _slow(compiled: CompiledSchema, doc: Any) -> tuple[list[SchemaIssue], list[SchemaIssue]]:
    """(lenient errors, walk issues), computed without the fast path."""
    lenient = list(compiled._lenient.iter_errors(doc))  # white box: the parts of the fast path
    walked: list[SchemaIssue] = []
    if compiled._nodes is not None:
        compiled._nodes.walk(doc, (), walked, compiled.request)
    return lenient, walked


def _agree(compiled: CompiledSchema, doc: Any) -> None:
    lenient, walked = _slow(compiled, doc)
    assert compiled._documented.is_valid(doc) == (not walked), walked
    assert compiled.is_clean(doc) == (not lenient and not walked)
    assert (compiled.issues(doc) == []) == compiled.is_clean(doc)


def test_fixtures_cover_requests_and_responses() -> None:
    assert len(CASES) >= 50  # the request and response bodies with a JSON schema
    assert {c.request for _, c, _ in CASES} == {True, False}


@pytest.mark.parametrize("name,compiled,doc", CASES, ids=[c[0] for c in CASES])
def test_fast_path_agrees_with_slow_path_on_fixtures(name: str, compiled: CompiledSchema,
                                                     doc: Any) -> None:
    _agree(compiled, doc)


def test_fixtures_hold_both_clean_and_drifting_bodies() -> None:
    clean = [name for name, c, doc in CASES if c.is_clean(doc)]
    drifting = [name for name, c, doc in CASES if _slow(c, doc)[1]]
    assert clean and drifting  # otherwise the agreement above proves little


def _objects(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if isinstance(doc, dict) else []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) \
        if isinstance(doc, list) else ()
    for key, value in items:
        found += _objects(value, (*path, key))
    return found


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
                   st.builds(lambda: {"nested_unknown": 1}), st.builds(lambda: [{"x": 1}]))
# (built afresh each time: a shared st.just dict would carry one example's edits into the next)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_path_agrees_with_slow_path_on_mutated_fixtures(data: st.DataObject) -> None:
    _, compiled, original = data.draw(st.sampled_from(CASES))
    doc = json.loads(json.dumps(original))
    objects = _objects(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        if not objects:
            break
        target = _at(doc, data.draw(st.sampled_from(objects)))
        action = data.draw(st.sampled_from(["add", "drop", "replace"]))
        if action == "add":
            target[data.draw(st.sampled_from(["unknown_field", "id", "metadata", "x"]))] = \
                data.draw(VALUES)
        elif target and action == "drop":
            target.pop(data.draw(st.sampled_from(sorted(target))))
        elif target:
            target[data.draw(st.sampled_from(sorted(target)))] = data.draw(VALUES)
        objects = _objects(doc)
    _agree(compiled, doc)


def _compiled(schema: dict[str, Any], components: dict[str, Any] | None = None, *,
              request: bool = False) -> CompiledSchema:
    return CompiledSchema(schema, components or {}, request=request)


def test_a_document_matching_two_oneof_branches_is_not_clean() -> None:
    # The documented shape alone would accept it: it only looks at property names.
    compiled = _compiled({"oneOf": [
        {"type": "object", "properties": {"a": {"type": "object", "properties": {"x": {}}}}},
        {"type": "object", "properties": {"a": {"type": "object"}}}]})
    assert compiled._documented.is_valid({"a": {"x": 1}})
    assert not compiled.is_clean({"a": {"x": 1}})
    assert [i.drift for i in compiled.issues({"a": {"x": 1}})] == [None]


def test_names_declared_by_any_branch_are_documented() -> None:
    compiled = _compiled({"allOf": [{"$ref": "#/components/schemas/A"}],
                          "anyOf": [{"properties": {"b": {"type": "string"}}}]},
                         {"A": {"type": "object", "properties": {"a": {}}}})
    assert compiled.is_clean({"a": 1, "b": "x"})
    assert [(i.drift, i.instance_path) for i in compiled.issues({"a": 1, "c": 2})] == \
        [("field", ("c",))]


def test_recursive_schema_reports_drift_at_depth() -> None:
    compiled = _compiled({"$ref": "#/components/schemas/Node"}, {"Node": {
        "type": "object", "properties": {"name": {"type": "string"},
                                         "child": {"$ref": "#/components/schemas/Node"}}}})
    deep = {"name": "a", "child": {"name": "b", "child": {"name": "c", "extra": True}}}
    assert [(i.drift, i.instance_path) for i in compiled.issues(deep)] == \
        [("field", ("child", "child", "extra"))]
    deep["child"]["child"].pop("extra")
    assert compiled.is_clean(deep)


def test_additional_properties_schema_is_walked_and_free_maps_are_not() -> None:
    compiled = _compiled({"type": "object", "properties": {
        "map": {"type": "object", "additionalProperties": {
            "type": "object", "properties": {"v": {"type": "integer"}}}},
        "free": {"type": "object"}}})
    assert compiled.is_clean({"map": {"k1": {"v": 1}}, "free": {"anything": {"at": "all"}}})
    assert [(i.drift, i.instance_path) for i in compiled.issues({"map": {"k1": {"w": 1}}})] \
        == [("field", ("map", "k1", "w"))]


def test_read_only_is_reported_in_requests_only_and_its_inside_is_still_walked() -> None:
    schema = {"type": "object", "properties": {
        "id": {"type": "object", "readOnly": True, "properties": {"v": {}}},
        "name": {"type": "string"}}}
    doc = {"id": {"v": 1, "w": 2}, "name": "n"}
    request = _compiled(schema, request=True)
    assert sorted((i.drift, i.instance_path) for i in request.issues(doc)) == \
        [("field", ("id", "w")), ("readonly", ("id",))]
    response = _compiled(schema)
    assert [(i.drift, i.instance_path) for i in response.issues(doc)] == \
        [("field", ("id", "w"))]
    assert response.is_clean({"id": {"v": 1}, "name": "n"})
    assert not request.is_clean({"id": {"v": 1}, "name": "n"})


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": ["a"]},
    {"type": "object", "additionalProperties": {"properties": 3}},
    {"oneOf": {"not": "a list"}},
])
def test_a_malformed_schema_is_a_schema_error(schema: dict[str, Any]) -> None:
    with pytest.raises(SchemaError):
        _compiled(schema)
