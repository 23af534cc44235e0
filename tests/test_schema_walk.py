"""The one $ref resolver and schema walker: chains, siblings, dangling and cyclic refs,
combinator branches with their depth bound, and every kind of sub-schema."""

from __future__ import annotations

from typing import Any

from conformance.schema_walk import (
    KEEP,
    branches,
    components_root,
    deref,
    deref_at,
    flatten,
    ref_of,
    subschemas,
)

DOC: dict[str, Any] = {"components": {"schemas": {
    "A": {"$ref": "#/components/schemas/B"},
    "B": {"type": "string", "maxLength": 5},
    "Loop1": {"$ref": "#/components/schemas/Loop2"},
    "Loop2": {"$ref": "#/components/schemas/Loop1"},
    "Both": {"allOf": [{"$ref": "#/components/schemas/B"}, {"minLength": 1}],
             "oneOf": [{"$ref": "#/components/schemas/A"}]},
}}}


def test_a_chain_is_followed_to_its_end_and_says_where() -> None:
    assert deref(DOC, {"$ref": "#/components/schemas/A"}) == DOC["components"]["schemas"]["B"]
    at, node = deref_at(DOC, {"$ref": "#/components/schemas/A"}, "/x")
    assert at == "/components/schemas/B" and node["maxLength"] == 5
    assert ref_of({"$ref": 3}) is None and ref_of({"$ref": "#/a"}) == "#/a"


def test_siblings_of_a_ref_win_when_merged_and_go_when_not() -> None:
    node = {"$ref": "#/components/schemas/B", "maxLength": 9}
    assert deref(DOC, node) == {"type": "string", "maxLength": 9}
    assert deref(DOC, node, merge=False) == {"type": "string", "maxLength": 5}


def test_dangling_and_cyclic_refs_end() -> None:
    dangling = {"$ref": "#/components/schemas/Nope"}
    assert deref(DOC, dangling) == dangling  # missing=KEEP: left as written
    assert deref(DOC, dangling, missing=KEEP) == dangling
    assert deref(DOC, dangling, missing={}) == {}
    loop = deref(DOC, {"$ref": "#/components/schemas/Loop1"})  # ends, does not spin
    assert ref_of(loop) is not None


def test_branches_flatten_the_combinators_dereferenced() -> None:
    found = branches(DOC, DOC["components"]["schemas"]["Both"])
    schemas = [b.schema for b in found]
    assert {"minLength": 1} in schemas and DOC["components"]["schemas"]["B"] in schemas
    assert any(b.ref == "#/components/schemas/A" and not b.certain for b in found)
    assert all(isinstance(s, dict) for s in flatten(DOC, DOC["components"]["schemas"]["Both"]))


def test_branch_depth_is_bounded() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(100):
        deep = {"allOf": [deep]}
    assert 1 <= len(branches({}, deep, max_depth=5)) <= 7


def test_every_kind_of_subschema_is_visited_with_its_path() -> None:
    schema = {"properties": {"a": {"type": "string"}}, "items": {"type": "integer"},
              "prefixItems": [{"type": "null"}], "additionalProperties": {"type": "boolean"},
              "not": {"const": 1}}
    paths = {path for path, _ in subschemas(schema)}
    assert paths == {("properties", "a"), ("items",), ("prefixItems", 0),
                     ("additionalProperties",), ("not",)}


def test_components_root_resolves_component_refs() -> None:
    root = components_root({"X": {"type": "integer"}})
    assert deref(root, {"$ref": "#/components/schemas/X"}) == {"type": "integer"}
