"""Rebuild ``spec/conversation.yaml`` from the whitespace-collapsed seed.

The seed is the Sinch Conversation API OpenAPI 3.1 YAML with every run of whitespace
collapsed into one space. Nesting is therefore implicit; this script recovers it with a
grammar of OpenAPI 3.1 (which keys may appear in which object), JSON Schema keywords, and,
for free-form example data, the property names the spec's own schemas declare.

Usage: ``python spec/rebuild_from_seed.py SEED.txt [OUT.yaml]``. The output, collapsed
again, is byte-identical to the seed (``tests/test_spec_fidelity.py`` checks it).
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------- tokens

KEY, DASH, BLOCK, WORD, COMMENT = "KEY", "DASH", "BLOCK", "WORD", "COMMENT"
_BAD_KEY_START = set("`@%*&!|>[]{},#")


@dataclass
class Tok:
    kind: str
    text: str  # raw text; for KEY without the trailing ':'


def _scan_quoted(text: str, i: int) -> int | None:
    """Return the index after the closing quote of a quoted scalar starting at i."""
    q = text[i]
    j = i + 1
    while j < len(text):
        c = text[j]
        if q == '"' and c == "\\":
            j += 2
            continue
        if c == q:
            if q == "'" and j + 1 < len(text) and text[j + 1] == "'":
                j += 2
                continue
            nxt = text[j + 1] if j + 1 < len(text) else " "
            if nxt in " :,]}":
                return j + 1
            return None
        j += 1
    return None


def _scan_flow(text: str, i: int) -> int | None:
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if c in "'\"":
            end = _scan_quoted(text, j)
            if end is None:
                return None
            j = end
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == " ":
            i += 1
            continue
        c = text[i]
        end: int | None = None
        if c in "'\"":
            end = _scan_quoted(text, i)
        elif c in "[{":
            end = _scan_flow(text, i)
        if end is not None and end < n and text[end] not in " :":
            end = None  # prose such as "[dashboard](https://...)" is not a flow collection
        if end is None:
            end = text.find(" ", i)
            end = n if end == -1 else end
        word = text[i:end]
        if word == "-":
            toks.append(Tok(DASH, word))
        elif word == "|-":
            toks.append(Tok(BLOCK, word))
        elif word.startswith("#"):
            toks.append(Tok(COMMENT, word))
        elif word.endswith(":") and len(word) > 1 and word[0] not in _BAD_KEY_START:
            toks.append(Tok(KEY, word[:-1]))
        elif c in "'\"" and end < n and text[end] == ":" and (end + 1 == n or text[end + 1] == " "):
            toks.append(Tok(KEY, word))
            end += 1
        else:
            toks.append(Tok(WORD, word))
        i = end
    return toks


def unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        return key[1:-1]
    return key


# --------------------------------------------------------------------------- grammar
# A type is the name of a mapping grammar, "scalar", "any", "list:<T>", "map:<T>",
# "schema|scalar" (additionalProperties).

X = "x-*"
G: dict[str, dict[str, str]] = {
    "Root": {"openapi": "scalar", "info": "Info", "servers": "list:Server",
             "security": "list:map:any", "paths": "Paths", "components": "Components",
             "tags": "list:Tag", "externalDocs": "ExtDocs", "jsonSchemaDialect": "scalar",
             "webhooks": "map:PathItem", X: "any"},
    "Info": {"title": "scalar", "description": "scalar", "version": "scalar",
             "termsOfService": "scalar", "license": "License", "contact": "ContactInfo",
             "summary": "scalar", X: "any"},
    "License": {"name": "scalar", "url": "scalar", "identifier": "scalar", X: "any"},
    "ContactInfo": {"name": "scalar", "url": "scalar", "email": "scalar", X: "any"},
    "ExtDocs": {"url": "scalar", "description": "scalar", X: "any"},
    "Server": {"url": "scalar", "description": "scalar", "variables": "map:any", X: "any"},
    "PathItem": {"$ref": "scalar", "summary": "scalar", "description": "scalar",
                 "parameters": "list:Parameter", "servers": "list:Server",
                 **{m: "Operation" for m in
                    ("get", "put", "post", "delete", "patch", "options", "head", "trace")},
                 X: "any"},
    "Operation": {"tags": "list:scalar", "summary": "scalar", "description": "scalar",
                  "operationId": "scalar", "parameters": "list:Parameter",
                  "requestBody": "RequestBody", "responses": "Responses",
                  "deprecated": "scalar", "security": "list:map:any",
                  "servers": "list:Server", "callbacks": "map:any",
                  "externalDocs": "ExtDocs", X: "any"},
    # Parameter and Header 'examples' are left out: in this spec every 'examples:' after a
    # parameter is the components/examples section (the seed has no parameter examples).
    "Parameter": {"$ref": "scalar", "name": "scalar", "in": "scalar",
                  "description": "scalar", "required": "scalar", "deprecated": "scalar",
                  "allowEmptyValue": "scalar", "style": "scalar", "explode": "scalar",
                  "allowReserved": "scalar", "schema": "Schema", "example": "any",
                  "content": "Content", X: "any"},
    "Header": {"$ref": "scalar", "description": "scalar", "required": "scalar",
               "deprecated": "scalar", "style": "scalar", "explode": "scalar",
               "schema": "Schema", "example": "any", "content": "Content", X: "any"},
    "RequestBody": {"$ref": "scalar", "description": "scalar", "content": "Content",
                    "required": "scalar", X: "any"},
    "MediaType": {"schema": "Schema", "example": "any", "examples": "map:Example",
                  "encoding": "map:any", X: "any"},
    "Response": {"$ref": "scalar", "description": "scalar", "headers": "map:Header",
                 "content": "Content", "links": "map:any", X: "any"},
    "Example": {"$ref": "scalar", "summary": "scalar", "description": "scalar",
                "value": "any", "externalValue": "scalar", X: "any"},
    "Components": {"schemas": "map:Schema", "responses": "map:Response",
                   "parameters": "map:Parameter", "examples": "map:Example",
                   "requestBodies": "map:RequestBody", "headers": "map:Header",
                   "securitySchemes": "map:SecurityScheme", "links": "map:any",
                   "callbacks": "map:any", "pathItems": "map:PathItem", X: "any"},
    "SecurityScheme": {"type": "scalar", "description": "scalar", "name": "scalar",
                       "in": "scalar", "scheme": "scalar", "bearerFormat": "scalar",
                       "flows": "Flows", "openIdConnectUrl": "scalar", X: "any"},
    "Flows": {k: "Flow" for k in ("implicit", "password", "clientCredentials",
                                  "authorizationCode")},
    "Flow": {"authorizationUrl": "scalar", "tokenUrl": "scalar", "refreshUrl": "scalar",
             "scopes": "map:scalar", X: "any"},
    "Tag": {"name": "scalar", "description": "scalar", "externalDocs": "ExtDocs"},
    "Discriminator": {"propertyName": "scalar", "mapping": "map:scalar", X: "any"},
    "Schema": {
        **{k: "scalar" for k in (
            "$ref", "$id", "$schema", "$comment", "$anchor", "title", "description",
            "format", "readOnly", "writeOnly", "nullable", "deprecated", "minimum",
            "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
            "pattern", "minItems", "maxItems", "uniqueItems", "minProperties",
            "maxProperties", "multipleOf", "contentEncoding", "contentMediaType")},
        "type": "scalar|list", "enum": "list:any", "const": "any", "default": "any",
        "example": "any", "examples": "list:any", "properties": "map:Schema",
        "patternProperties": "map:Schema", "additionalProperties": "Schema|scalar",
        "items": "Schema", "prefixItems": "list:Schema", "required": "list:scalar",
        "allOf": "list:Schema", "oneOf": "list:Schema", "anyOf": "list:Schema",
        "not": "Schema", "discriminator": "Discriminator", "$defs": "map:Schema",
        "externalDocs": "ExtDocs", "xml": "map:any", "x-enumDescriptions": "map:scalar",
        X: "any"},
}
# Where the grammar admits two nestings and only meaning decides, the choice is written
# here with its reason: (component schema, keyword) -> the keyword belongs to the
# component schema itself, not to the property schema that precedes it.
COMPONENT_LEVEL = {
    ("AppMessage", "additionalProperties"):
        "its description is 'Additional properties of the message' and its one property, "
        "contact_name ('The display_name of the newly created contact'), is about the "
        "message, not about a channel entry of explicit_channel_message, whose values the "
        "SDKs send as strings; Sinch's generated .NET SDK models agree (AppMessage has "
        "ExplicitChannelMessage as a plain object and a separate "
        "AppMessageAdditionalProperties with ContactName)",
}

_NAME_PATTERN = {
    "Paths": lambda k: unquote(k).startswith("/"),
    "Responses": lambda k: bool(re.fullmatch(r"[1-5](\d\d|XX)|default", unquote(k))),
    "Content": lambda k: "/" in unquote(k),
}
_NAME_CHILD = {"Paths": "PathItem", "Responses": "Response", "Content": "MediaType"}


def child_type(gtype: str, key: str) -> str | None:
    """Type of the value of `key` inside a mapping of type `gtype` (None: not allowed)."""
    if gtype in _NAME_PATTERN:
        return _NAME_CHILD[gtype] if _NAME_PATTERN[gtype](key) else None
    if gtype.startswith("map:"):
        return gtype[4:]
    grammar = G[gtype]
    k = unquote(key)
    if k in grammar:
        return grammar[k]
    if k.startswith("x-") and X in grammar:
        return grammar[X]
    return None


# --------------------------------------------------------------------------- tree


@dataclass
class Node:
    kind: str  # "map", "seq", "scalar", "block"
    gtype: str = "any"
    entries: list[tuple[str, Any]] = field(default_factory=list)  # map: (key, Node)
    items: list[Any] = field(default_factory=list)  # seq
    text: str = ""  # scalar/block
    comment: str = ""  # comment placed after the key / before the node
    pre_comments: dict[int, str] = field(default_factory=dict)  # map: index -> comment
    oracle_key: str | None = None  # free data: the property name this map/seq is under

    def keys(self) -> set[str]:
        return {unquote(k) for k, _ in self.entries}


@dataclass
class Frame:
    node: Node
    free: bool  # free-form data (examples etc.)


class RebuildError(Exception):
    pass


class Parser:
    def __init__(self, toks: list[Tok], oracle: dict[str, set[str]] | None) -> None:
        self.toks = toks
        self.i = 0
        self.oracle = oracle or {}
        self.in_schemas = False
        self.refs: dict[str, set[str]] = {"properties": set()}
        text = " ".join(t.text for t in toks)
        for m in re.finditer(r"#/components/(\w+)/([\w\-.]+)", text):
            self.refs.setdefault(m.group(1), set()).add(m.group(2))
        for sec in ("schemas", "parameters", "responses", "requestBodies", "examples"):
            self.refs.setdefault(sec, set())

    # ---- lookahead helpers
    def peek(self, j: int) -> Tok | None:
        return self.toks[j] if j < len(self.toks) else None

    def _skip_comment(self, j: int, stack: list[Frame]) -> int:
        """Index after a comment starting at j (the comment runs to the next accepted key)."""
        k = j + 1
        while k < len(self.toks):
            t = self.toks[k]
            if t.kind == KEY and self._where_key(k, stack + []) is not None:
                return k
            k += 1
        return k

    def value_fits(self, ctype: str, j: int, depth: int = 0) -> bool:
        """Does the value starting at token j fit a value of type ctype?"""
        t = self.peek(j)
        if t is None:
            return False
        if t.kind == COMMENT:
            j = self._skip_comment_simple(j)
            t = self.peek(j)
            if t is None:
                return False
        if ctype == "any":
            return True
        if ctype == "scalar":
            return t.kind in (WORD, BLOCK)
        if ctype == "scalar|list":
            return t.kind in (WORD, DASH)
        if ctype == "Schema|scalar":
            return t.kind == WORD or self.value_fits("Schema", j, depth)
        if ctype.startswith("list:"):
            return t.kind == DASH or (t.kind == WORD and t.text.startswith("["))
        # a mapping type
        if t.kind == WORD and t.text.startswith("{"):
            return True
        if t.kind != KEY:
            return False
        ct = child_type(ctype, t.text)
        if ct is None:
            return False
        if depth >= 1 or not (ctype.startswith("map:") or ctype in _NAME_PATTERN):
            return True
        return self.value_fits(ct, j + 1, depth + 1)

    def _skip_comment_simple(self, j: int) -> int:
        k = j + 1
        while k < len(self.toks) and self.toks[k].kind != KEY:
            k += 1
        return k

    # ---- where does a key at token j go?
    def _required_fits(self, node: Node, j: int) -> bool:
        props = dict(node.entries).get("properties")
        if props is None:
            return not any(k == "properties" for k, _ in node.entries)
        names = props.keys()
        k = j + 1
        while k + 1 < len(self.toks) and self.toks[k].kind == DASH:
            if unquote(self.toks[k + 1].text) not in names:
                return False
            k += 2
        return True

    def _schema_keyword_fits(self, node: Node, key: str, j: int) -> bool:
        d = {unquote(k): v for k, v in node.entries}
        typ = d["type"].text if "type" in d and d["type"].kind == "scalar" else None
        if key == "required":
            return self._required_fits(node, j)
        if key == "example" and self.peek(j + 1) is not None and self.toks[j + 1].kind == KEY:
            return unquote(self.toks[j + 1].text) in self._object_names(node) or \
                not any(k in d for k in ("$ref", "properties", "oneOf", "anyOf", "allOf"))
        if key in ("items", "prefixItems", "minItems", "maxItems", "uniqueItems"):
            return "properties" not in d and typ in (None, "array")
        if key in ("properties", "additionalProperties", "patternProperties"):
            return typ in (None, "object") and "items" not in d
        if key in ("format", "enum", "minLength", "maxLength", "pattern"):
            return "properties" not in d and "items" not in d
        return True

    @staticmethod
    def _object_names(node: Node) -> set[str]:
        """Property names of a schema node and of its oneOf/anyOf/allOf branches."""
        d = {unquote(k): v for k, v in node.entries}
        names = d["properties"].keys() if "properties" in d else set()
        for comb in ("oneOf", "anyOf", "allOf"):
            if comb in d and d[comb].kind == "seq":
                for item in d[comb].items:
                    if item.kind == "map":
                        names |= Parser._object_names(item)
        return set(names)

    def _typed_accepts(self, frame: Frame, j: int) -> str | None:
        """How strongly a typed mapping takes the key at j: 'keyword', 'name' or None."""
        node = frame.node
        if node.kind != "map":
            return None
        key = self.toks[j].text
        name = unquote(key)
        ct = child_type(node.gtype, key)
        if ct is None or name in node.keys():
            return None
        if node.gtype == "Schema" and not self._schema_keyword_fits(node, name, j):
            return None
        by_name = node.gtype.startswith("map:") or node.gtype in _NAME_PATTERN
        if (by_name or ct != "any") and not self.value_fits(ct, j + 1):
            return None
        if not by_name:
            return "keyword"
        section = node.oracle_key or ""
        if section in self.refs and node.gtype != "map:scalar":
            if section == "properties":
                if name in self.refs["schemas"] or (name[:1].isupper() and self.in_schemas):
                    return None
                return "name"
            return "keyword" if name in self.refs[section] else "name"
        return "name"

    def _free_accepts(self, frame: Frame, key: str) -> bool:
        node = frame.node
        if node.kind != "map" or unquote(key) in node.keys():
            return False
        allowed = self.oracle.get(node.oracle_key or "")
        return allowed is None or unquote(key) in allowed

    def _closed_branch(self, stack: list[Frame], idx: int) -> bool:
        """A oneOf branch `{title: X, properties: {X: ...}}` wraps exactly one property."""
        if idx < 2 or stack[idx].node.oracle_key != "properties":
            return False
        owner, seq = stack[idx - 1].node, stack[idx - 2].node
        if seq.kind != "seq" or seq.oracle_key not in ("oneOf", "anyOf"):
            return False
        title = dict(owner.entries).get("title")
        return title is not None and unquote(title.text) in stack[idx].node.keys()

    def _hint_allows(self, stack: list[Frame], idx: int, key: str) -> bool:
        """False when COMPONENT_LEVEL sends this keyword to an outer component schema."""
        for i in range(1, len(stack)):
            if stack[i - 1].node.oracle_key == "schemas" and stack[i - 1].node.gtype.startswith(
                    "map:"):
                name = stack[i].node.oracle_key
                if name is not None and (name, key) in COMPONENT_LEVEL:
                    return idx == i
                return True
        return True

    def _required_here(self, stack: list[Frame], idx: int, name: str) -> bool:
        if idx < 1 or stack[idx].node.oracle_key != "properties":
            return False
        req = dict(stack[idx - 1].node.entries).get("required")
        return req is not None and req.kind == "seq" and \
            name in {unquote(i.text) for i in req.items if i.kind == "scalar"}

    def _where_key(self, j: int, stack: list[Frame]) -> int | None:
        """Index into stack of the frame that takes the key at token j."""
        key = self.toks[j].text
        self.in_schemas = any(f.node.oracle_key == "schemas" for f in stack)
        names: list[int] = []
        for idx in range(len(stack) - 1, -1, -1):
            f = stack[idx]
            if f.free:
                continue
            strength = self._typed_accepts(f, j)
            if strength == "keyword" and not self._hint_allows(stack, idx, unquote(key)):
                continue
            if strength == "keyword":
                return self._prefer_free(stack, idx, key) or idx
            if strength == "name" and not self._closed_branch(stack, idx):
                names.append(idx)
        if names:
            # a property the enclosing schema lists as required belongs to that schema
            pick = next((i for i in names if self._required_here(stack, i, unquote(key))),
                        names[0])
            return self._prefer_free(stack, pick, key) or pick
        free = []
        for idx in range(len(stack) - 1, -1, -1):
            if not stack[idx].free:
                break
            if stack[idx].node.kind == "map" and unquote(key) not in stack[idx].node.keys():
                free.append(idx)
        for idx in free:  # a map whose property names (known from schemas) include the key
            if unquote(key) in self.oracle.get(stack[idx].node.oracle_key or "", ()):
                return idx
        return free[0] if free else None

    def _prefer_free(self, stack: list[Frame], typed_idx: int, key: str) -> int | None:
        """A free frame above typed_idx whose oracle explicitly lists the key wins."""
        for idx in range(len(stack) - 1, typed_idx, -1):
            f = stack[idx]
            if not f.free:
                return None
            if f.node.kind == "map" and f.node.oracle_key in self.oracle:
                if unquote(key) in self.oracle[f.node.oracle_key] and \
                        unquote(key) not in f.node.keys():
                    return idx
        return None

    def _where_dash(self, j: int, stack: list[Frame]) -> int | None:
        """Index of the sequence frame that a '-' at token j continues."""
        nxt = self.peek(j + 1)
        for idx in range(len(stack) - 1, -1, -1):
            f = stack[idx]
            if f.node.kind != "seq":
                continue
            item_type = f.node.gtype
            if nxt is not None and nxt.kind == KEY:
                if item_type == "any":
                    allowed = self.oracle.get(f.node.oracle_key or "")
                    if allowed is None or unquote(nxt.text) in allowed:
                        return idx
                    continue
                if item_type in ("scalar",):
                    continue
                if self.value_fits(item_type, j + 1):
                    return idx
                continue
            if item_type in ("scalar", "any"):
                return idx
        if nxt is not None and nxt.kind == KEY:  # data drifting from its schema
            for idx in range(len(stack) - 1, -1, -1):
                f = stack[idx]
                if not f.free:
                    break
                if f.node.kind == "seq" and f.node.gtype == "any":
                    return idx
        return None

    # ---- value parsing
    def block_end(self, j: int, stack: list[Frame]) -> int:
        k = j
        while k < len(self.toks):
            t = self.toks[k]
            if t.kind == KEY and self._where_key(k, stack) is not None:
                return k
            if t.kind == DASH and self.peek(k + 1) is not None and \
                    self.toks[k + 1].kind == KEY and self._where_dash(k, stack) is not None:
                return k
            k += 1
        return k

    def scalar_end(self, j: int, stack: list[Frame], in_seq: bool) -> int:
        k = j
        while k < len(self.toks):
            t = self.toks[k]
            if t.kind == KEY or t.kind == COMMENT:
                return k
            if t.kind == DASH:
                nxt = self.peek(k + 1)
                if in_seq or (nxt is not None and nxt.kind == KEY):
                    return k
                if self._where_dash(k, stack) is not None and k == j:
                    return k
            k += 1
        return k

    def parse_value(self, ctype: str, stack: list[Frame], free: bool, okey: str | None,
                    in_seq: bool) -> Node:
        t = self.peek(self.i)
        if t is None:
            return Node("scalar", text="")
        if t.kind == BLOCK:
            self.i += 1
            end = self.block_end(self.i, stack)
            text = self._raw_text(self.i, end)
            self.i = end
            return Node("block", text=text)
        if t.kind == KEY and not ctype.startswith("list:") and ctype not in ("scalar",):
            gt = "any" if ctype in ("any", "Schema|scalar") and ctype == "any" else ctype
            if ctype == "Schema|scalar":
                gt = "Schema"
            node = Node("map", gtype=gt, oracle_key=okey)
            self.parse_map(node, stack, free or gt == "any")
            return node
        if t.kind == DASH:
            item = ctype[5:] if ctype.startswith("list:") else "any"
            if ctype == "scalar|list":
                item = "scalar"
            node = Node("seq", gtype=item, oracle_key=okey)
            self.parse_seq(node, stack, free or item == "any")
            return node
        end = self.scalar_end(self.i, stack, in_seq)
        text = self._raw_text(self.i, end)
        self.i = end
        return Node("scalar", text=text)

    def _raw_text(self, a: int, b: int) -> str:
        out = []
        for x in self.toks[a:b]:
            out.append(x.text + ":" if x.kind == KEY else x.text)
        return " ".join(out)

    def parse_map(self, node: Node, stack: list[Frame], free: bool) -> None:
        frame = Frame(node, free)
        stack.append(frame)
        try:
            while self.i < len(self.toks):
                t = self.toks[self.i]
                if t.kind == COMMENT:
                    end = self._skip_comment(self.i, stack)
                    nxt = self.peek(end)
                    if nxt is None or self._where_key(end, stack) != len(stack) - 1:
                        # the comment belongs to an outer level: let it handle it
                        return
                    node.pre_comments[len(node.entries)] = self._raw_text(self.i, end)
                    self.i = end
                    continue
                if t.kind != KEY:
                    return
                where = self._where_key(self.i, stack)
                if where != len(stack) - 1:
                    if where is None and not node.entries:
                        raise RebuildError(f"key {t.text!r} fits nowhere at token {self.i}")
                    return
                key = t.text
                self.i += 1
                if free:
                    ct = "any"
                else:
                    ct = child_type(node.gtype, key) or "any"
                comment = ""
                if self.peek(self.i) is not None and self.toks[self.i].kind == COMMENT:
                    inner = Frame(Node("map", gtype=ct, oracle_key=unquote(key)), False)
                    end = self._skip_comment(self.i, stack + [inner])
                    comment = self._raw_text(self.i, end)
                    self.i = end
                child_free = free or ct == "any"
                value = self.parse_value(ct, stack, child_free, unquote(key), False)
                value.comment = comment
                node.entries.append((key, value))
        finally:
            stack.pop()

    def parse_seq(self, node: Node, stack: list[Frame], free: bool) -> None:
        frame = Frame(node, free)
        stack.append(frame)
        try:
            while self.i < len(self.toks):
                t = self.toks[self.i]
                if t.kind != DASH:
                    return
                if node.items and self._where_dash(self.i, stack) != len(stack) - 1:
                    return
                self.i += 1
                item_type = node.gtype
                nxt = self.peek(self.i)
                if nxt is not None and nxt.kind == KEY:
                    gt = item_type if item_type not in ("scalar",) else "any"
                    m = Node("map", gtype=gt, oracle_key=node.oracle_key)
                    self.parse_map(m, stack, free or gt == "any")
                    node.items.append(m)
                else:
                    node.items.append(self.parse_value(item_type, stack, free, node.oracle_key,
                                                       True))
        finally:
            stack.pop()


# --------------------------------------------------------------------------- oracle


def build_oracle(root: Node) -> dict[str, set[str]]:
    """Property name -> names allowed inside its value (from the spec's own schemas)."""
    schemas = dict(_get(root, "components", "schemas").entries) if _get(
        root, "components", "schemas") else {}

    def resolve(n: Node | None, seen: frozenset[str] = frozenset()) -> list[Node]:
        if n is None or n.kind != "map":
            return []
        out = [n]
        ref = dict(n.entries).get("$ref")
        if ref is not None and ref.kind == "scalar":
            name = unquote(ref.text).rsplit("/", 1)[-1]
            if name in schemas and name not in seen:
                out += resolve(schemas[name], seen | {name})
        d = dict(n.entries)
        for comb in ("oneOf", "anyOf", "allOf"):
            if comb in d and d[comb].kind == "seq":
                for it in d[comb].items:
                    out += resolve(it, seen)
        if "items" in d:
            out += resolve(d["items"], seen)
        return out

    oracle: dict[str, set[str]] = {}

    def visit(n: Node) -> None:
        if n.kind == "map":
            d = dict(n.entries)
            if n.gtype == "Schema" and "properties" in d and d["properties"].kind == "map":
                for pname, pschema in d["properties"].entries:
                    names: set[str] = set()
                    for s in resolve(pschema):
                        sp = dict(s.entries).get("properties")
                        if sp is not None and sp.kind == "map":
                            names |= sp.keys()
                    if names:
                        oracle.setdefault(unquote(pname), set()).update(names)
            for _, v in n.entries:
                visit(v)
        elif n.kind == "seq":
            for it in n.items:
                visit(it)

    visit(root)
    return oracle


def _get(n: Node, *path: str) -> Node | None:
    for p in path:
        if n is None or n.kind != "map":
            return None
        n = dict((unquote(k), v) for k, v in n.entries).get(p)
    return n


def oracle_from_bodies(bodies: list[Any]) -> dict[str, set[str]]:
    """Property name -> child names, from real JSON bodies (Sinch's SDK test fixtures)."""
    oracle: dict[str, set[str]] = {}

    def walk(key: str, value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(key, item)
        elif isinstance(value, dict):
            oracle.setdefault(key, set()).update(value)
            for k, v in value.items():
                walk(k, v)

    for body in bodies:
        walk("value", body)
    return oracle


def load_fixture_bodies(root: str | None) -> list[Any]:
    import json
    import pathlib

    if not root or not pathlib.Path(root).is_dir():
        return []
    bodies = []
    for path in sorted(pathlib.Path(root).rglob("*.json")):
        try:
            bodies.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return bodies


def parse(text: str, fixtures: str | None = None) -> Node:
    toks = tokenize(text)
    root = Node("map", gtype="Root")
    Parser(toks, None).parse_map(root, [], False)
    oracle = build_oracle(root)
    for k, v in oracle_from_bodies(load_fixture_bodies(fixtures)).items():
        oracle.setdefault(k, set()).update(v)
    root = Node("map", gtype="Root")
    p = Parser(toks, oracle)
    p.parse_map(root, [], False)
    if p.i != len(toks):
        raise RebuildError(f"stopped at token {p.i}: {toks[p.i]}")
    return root


# --------------------------------------------------------------------------- emit

WIDTH = 96


def _wrap_block(text: str) -> list[str]:
    """Split block text into readable lines (markdown list items and sentences)."""
    parts = re.split(r" (?=- |\d+\. (?=[A-Z`*])|\| \S|#{1,4} )", text)
    lines: list[str] = []
    for part in parts:
        lines += textwrap.wrap(part, WIDTH, break_long_words=False, break_on_hyphens=False) \
            or [part]
    return lines


def emit(node: Node, indent: int = 0) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if node.kind == "map":
        for idx, (key, value) in enumerate(node.entries):
            if idx in node.pre_comments:
                out.append(pad + node.pre_comments[idx])
            out += _emit_entry(pad, key + ":", value, indent)
        if len(node.entries) in node.pre_comments:
            out.append(pad + node.pre_comments[len(node.entries)])
    elif node.kind == "seq":
        for item in node.items:
            if item.kind == "map" and item.entries:
                sub = emit(item, indent + 2)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out += sub
            else:
                out += _emit_entry(pad, "-", item, indent)
    return out


def _emit_entry(pad: str, head: str, value: Node, indent: int) -> list[str]:
    lead = pad + head
    if value.comment:
        lead += " " + value.comment
    if value.kind == "scalar":
        return [lead + " " + value.text]
    if value.kind == "block":
        return [lead + " |-"] + [pad + "  " + ln for ln in _wrap_block(value.text)]
    return [lead] + emit(value, indent + 2)


def rebuild(seed_text: str, fixtures: str | None = None) -> str:
    return "\n".join(emit(parse(seed_text, fixtures))) + "\n"


def main(argv: list[str]) -> int:
    seed = open(argv[1], encoding="utf-8").read()
    import pathlib

    fixtures = pathlib.Path(argv[1]).resolve().parent.parent / "sinch-fixtures"
    out = rebuild(seed, str(fixtures))
    if len(argv) > 2:
        with open(argv[2], "w", encoding="utf-8") as fh:
            fh.write(out)
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
