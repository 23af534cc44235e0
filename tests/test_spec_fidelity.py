"""spec/conversation.yaml is the seed, re-indented: same text, right structure."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

from conformance.spec_loader import load_document, resolve_pointer
from tests.spec_paths import SEED, SPEC

SPEC_TEXT = SPEC.read_text(encoding="utf-8")
DOC: dict[str, Any] = yaml.safe_load(SPEC_TEXT)

# JSON Schema keywords (2020-12 + OpenAPI's) that may stand at a schema's keyword position.
SCHEMA_KEYWORDS = {
    "$ref", "title", "description", "type", "format", "readOnly", "writeOnly", "enum",
    "default", "example", "examples", "properties", "additionalProperties", "items",
    "required", "allOf", "oneOf", "anyOf", "not", "discriminator", "minimum", "maximum",
    "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "deprecated",
    "const", "nullable",
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def _schemas(node: Any, path: str):
    """Every schema object in a schema tree, with its pointer."""
    if not isinstance(node, dict):
        return
    yield path, node
    for name, sub in (node.get("properties") or {}).items():
        yield from _schemas(sub, f"{path}/properties/{name}")
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), dict):
            yield from _schemas(node[key], f"{path}/{key}")
    for key in ("oneOf", "anyOf", "allOf"):
        for i, sub in enumerate(node.get(key) or []):
            yield from _schemas(sub, f"{path}/{key}/{i}")


def _all_schemas():
    for name, schema in DOC["components"]["schemas"].items():
        yield from _schemas(schema, f"/components/schemas/{name}")
    for name, param in DOC["components"]["parameters"].items():
        yield from _schemas(param.get("schema"), f"/components/parameters/{name}/schema")


def test_collapsing_whitespace_gives_the_seed_exactly() -> None:
    seed = SEED.read_text(encoding="utf-8")
    assert re.sub(r"\s+", " ", SPEC_TEXT).strip() == seed


def test_counts_of_paths_and_operations() -> None:
    assert len(DOC["paths"]) == 21
    ops = [m for item in DOC["paths"].values() for m in item if m in HTTP_METHODS]
    assert len(ops) == 33


def test_every_ref_resolves() -> None:
    refs = set(re.findall(r"\$ref: [\"']([^\"']+)[\"']", SPEC_TEXT))
    assert len(refs) > 100
    for ref in refs:
        resolve_pointer(DOC, ref)  # raises KeyError when it does not resolve


def test_block_scalars_are_real_block_scalars() -> None:
    lines = SPEC_TEXT.splitlines()
    blocks = [i for i, line in enumerate(lines) if line.rstrip().endswith(": |-")]
    assert len(blocks) == SEED.read_text().count("|-")
    for i in blocks:
        indent = len(lines[i]) - len(lines[i].lstrip())
        nxt = lines[i + 1]
        assert len(nxt) - len(nxt.lstrip()) > indent, f"line {i + 2} is not inside its block"
    # and the parsed value is the prose, not the marker
    assert DOC["info"]["description"].startswith("Send and receive messages globally")


def test_every_schema_keyword_stands_at_a_keyword_position() -> None:
    bad = [(p, k) for p, s in _all_schemas() for k in s
           if k not in SCHEMA_KEYWORDS and not k.startswith("x-")]
    assert bad == []


def test_names_under_properties_are_property_names() -> None:
    for path, schema in _all_schemas():
        for name, sub in (schema.get("properties") or {}).items():
            assert isinstance(sub, dict), f"{path}/properties/{name} is not a schema"
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name), f"{path}: odd property {name!r}"


def test_schema_nesting_is_consistent() -> None:
    for path, schema in _all_schemas():
        if "items" in schema:
            assert schema.get("type") == "array", path
        if "properties" in schema:
            assert schema.get("type", "object") == "object", path


# Defects that are genuinely in the original, each with its reason. The rebuild must not
# add any; removing one means the rebuild silently changed the spec.
KNOWN_REQUIRED_NOT_DEFINED = {
    "/components/schemas/ListSection": ["listItem"],  # the property is called `items`
}


def test_required_names_are_defined_except_known_defects() -> None:
    missing = {}
    for path, schema in _all_schemas():
        if "required" in schema and "properties" in schema:
            gone = [r for r in schema["required"] if r not in schema["properties"]]
            if gone:
                missing[path] = gone
    assert missing == KNOWN_REQUIRED_NOT_DEFINED


def test_every_operation_has_its_responses() -> None:
    for template, item in DOC["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            assert "200" in op["responses"], f"{method} {template}"
            assert {"400", "401", "500"} <= set(op["responses"]), f"{method} {template}"
            assert op["operationId"]


def test_openapi_spec_validator_accepts_it_as_3_1() -> None:
    # openapi-spec-validator finds no error in the original; its defects are semantic
    # (examples that fail their schemas, ambiguous oneOfs...) and `lint` reports those.
    errors = [e.message for e in OpenAPIV31SpecValidator(DOC).iter_errors()]
    assert errors == []


def test_loader_reads_the_same_document() -> None:
    assert load_document(SPEC) == DOC


@pytest.mark.parametrize("comment", ["# path parameters", "# query parameters",
                                     "# Do not refer to this field until this is solved"])
def test_comments_survive_as_comments(comment: str) -> None:
    assert comment in SPEC_TEXT
    assert comment.lstrip("# ") not in yaml.safe_dump(DOC)


def test_rebuilder_reproduces_the_committed_spec() -> None:
    import subprocess
    import sys

    from tests.spec_paths import ROOT

    out = subprocess.run([sys.executable, str(ROOT / "spec" / "rebuild_from_seed.py"),
                          str(SEED)], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout == SPEC_TEXT
