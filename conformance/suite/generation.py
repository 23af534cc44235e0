"""The document Schemathesis generates from: the contract's, with one workaround.

Schemathesis 4.32 cannot format a path parameter whose name holds a dot: it reports the
operation as a schema error and silently tests one operation less
(``Conversation_InjectMessage``, ``{message.conversation_id}``). For generation only, such
a parameter is renamed (``message_conversation_id``) in its path template, its parameter
definition and the links that fill it. The URL on the wire is the same, and every exchange
is still checked by the contract with the original template, so reports name the real
parameter and operation.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from conformance.spec_loader import resolve_pointer

__all__ = ["Rename", "generation_document"]

_DOTTED = re.compile(r"\{([^}.]+\.[^}]+)\}")
_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


@dataclass(frozen=True)
class Rename:
    operation_ids: tuple[str, ...]
    original: str  # parameter name in the contract
    generated: str  # parameter name Schemathesis sees
    path_template: str  # the contract's template

    def describe(self) -> str:
        ops = ", ".join(self.operation_ids)
        return (f"{ops}: path parameter `{self.original}` is generated as "
                f"`{self.generated}` (Schemathesis cannot format a dotted name); the URL "
                "and the contract check are unchanged")


def _rename_params(doc: dict[str, Any], params: list[Any], old: str, new: str) -> list[Any]:
    out = []
    for param in params:
        resolved = resolve_pointer(doc, param["$ref"]) if "$ref" in param else param
        if resolved.get("in") == "path" and resolved.get("name") == old:
            param = {**copy.deepcopy(resolved), "name": new}
        out.append(param)
    return out


def _rename_links(doc: dict[str, Any], op_ids: set[str], old: str, new: str) -> None:
    def visit(node: Any) -> None:
        if isinstance(node, dict):
            links = node.get("links")
            if isinstance(links, dict):
                for link in links.values():
                    params = link.get("parameters") if isinstance(link, dict) else None
                    if link.get("operationId") in op_ids and isinstance(params, dict):
                        for key in (old, f"path.{old}"):
                            if key in params:
                                params[new] = params.pop(key)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(doc.get("paths"))
    visit(doc.get("components"))


def generation_document(document: dict[str, Any]) -> tuple[dict[str, Any], list[Rename]]:
    """A deep copy of ``document`` with dotted path parameters renamed, and the renames."""
    doc = copy.deepcopy(document)
    renames: list[Rename] = []
    for template in [t for t in doc.get("paths", {}) if _DOTTED.search(t)]:
        item = doc["paths"].pop(template)
        new_template = template
        pending: list[tuple[str, str]] = []
        op_ids = {item[m]["operationId"] for m in _METHODS
                  if isinstance(item.get(m), dict) and "operationId" in item[m]}
        for old in _DOTTED.findall(template):
            new = old.replace(".", "_")
            new_template = new_template.replace("{" + old + "}", "{" + new + "}")
            item["parameters"] = _rename_params(doc, item.get("parameters", []), old, new)
            for method in _METHODS:
                if isinstance(item.get(method), dict) and "parameters" in item[method]:
                    op = item[method]
                    op["parameters"] = _rename_params(doc, op["parameters"], old, new)
            pending.append((old, new))
            renames.append(Rename(tuple(sorted(op_ids)), old, new, template))
        doc["paths"][new_template] = item
        for old, new in pending:
            _rename_links(doc, op_ids, old, new)
    return doc, renames
