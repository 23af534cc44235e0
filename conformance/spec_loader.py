"""Read the OpenAPI document and apply overlays: the one place the spec file is opened.

``load_document`` reads and checks a spec file (a user mistake becomes a ``UserError``);
``apply_overlays`` applies our overlay files, which keep every change we make to the
contract (fixes, OpenAPI links) out of the original ``spec/conversation.yaml``.

Overlay format (YAML)::

    description: why this overlay exists
    actions:
      - target: /components/schemas/Recipient/oneOf/0   # a JSON pointer
        reason: one sentence, shown in the README and reports
        update: {required: [contact_id]}                  # deep-merged into the target
      - target: /paths/~1v1~1.../post/responses/200/links
        set: {...}                                        # replaces (or creates) the target
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import UserError

__all__ = [
    "DEFAULT_OVERLAYS",
    "DEFAULT_SPEC",
    "SPEC_DIR",
    "OverlayAction",
    "Positions",
    "apply_overlays",
    "load_document",
    "load_document_with_positions",
    "load_overlay",
    "resolve_pointer",
]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The spec ships as package data (conformance.spec; in a checkout, the top-level spec/).
SPEC_DIR = Path(str(files("conformance.spec")))
DEFAULT_SPEC = SPEC_DIR / "conversation.yaml"
DEFAULT_OVERLAYS = tuple(sorted((SPEC_DIR / "overlays").glob("*.yaml")))


@dataclass(frozen=True)
class OverlayAction:
    overlay: str
    target: str
    reason: str
    update: Any = None
    set: Any = None


_OVERLAY_TIP = "see the overlay format in the docstring of conformance.spec_loader"
_REINSTALL = "reinstall the package: pip install --force-reinstall sinch-conformance"


def _path_tip(path: Path, given_as: str, what: str) -> str:
    """How to fix a spec path: the packaged spec is a broken install, not a user's path."""
    if path.resolve().is_relative_to(SPEC_DIR.resolve()):
        return _REINSTALL
    return f"pass {what} with {given_as}"


def _read_text(path: Path, what: str, given_as: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"the {what} file {path} does not exist",
                        tip=_path_tip(path, given_as, "the right path")) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise UserError(f"the {what} file {path} cannot be read ({exc.__class__.__name__})",
                        tip=_path_tip(path, given_as, "a readable UTF-8 YAML or JSON file")
                        ) from None


def _not_yaml(path: Path, what: str, exc: yaml.YAMLError) -> UserError:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return UserError(f"the {what} file {path} is not valid YAML{where}",
                     tip="fix the YAML syntax (a YAML linter shows the exact spot)")


def _read_yaml(path: Path, what: str, given_as: str = "--spec") -> Any:
    text = _read_text(path, what, given_as)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader, C when built
    except yaml.YAMLError as exc:
        raise _not_yaml(path, what, exc) from None


def load_document(path: str | Path = DEFAULT_SPEC, given_as: str = "--spec") -> dict[str, Any]:
    """Read an OpenAPI 3.1 document; raise UserError when it is missing or not OpenAPI.

    ``given_as`` names how the user gave the path (a flag or an argument), for the tip."""
    path = Path(path)
    return _checked(_read_yaml(path, "spec", given_as), path, given_as)


def _checked(doc: Any, path: Path, given_as: str) -> dict[str, Any]:
    if not isinstance(doc, dict) or "openapi" not in doc or "paths" not in doc:
        raise UserError(f"the spec file {path} is not an OpenAPI document "
                        "(it has no 'openapi' and 'paths' keys)",
                        tip=_path_tip(path, given_as, "an OpenAPI 3.1 YAML or JSON file"))
    version = str(doc["openapi"])
    if not version.startswith("3.1"):
        raise UserError(f"the spec file {path} is OpenAPI {version}, not 3.1",
                        tip="this tool checks OpenAPI 3.1 documents; convert the spec first")
    if not isinstance(doc["paths"], dict):
        raise UserError(f"the spec file {path} has a 'paths' entry that is not a mapping",
                        tip="check the spec's 'paths' section")
    return doc


# JSON pointer -> (line, column) of the YAML node, both 1-based; a mapping entry is at its key.
Positions = dict[str, tuple[int, int]]


def load_document_with_positions(path: str | Path = DEFAULT_SPEC, given_as: str = "--spec"
                                 ) -> tuple[dict[str, Any], Positions]:
    """:func:`load_document`, and where each node of the document is in the file: one
    parse (the YAML node tree, then the document built from it), for lint only. The
    contract's load path stays :func:`load_document`."""
    path = Path(path)
    text = _read_text(path, "spec", given_as)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _not_yaml(path, "spec", exc) from None
    finally:
        loader.dispose()
    doc = _checked(doc, path, given_as)
    positions: Positions = {"": (1, 1)}
    if node is not None:
        _record(node, "", positions, yaml.constructor.SafeConstructor(), set())
    return doc, positions


def _key_text(node: yaml.Node, constructor: yaml.constructor.SafeConstructor) -> str:
    """A mapping key as the JSON document spells it (``200`` -> ``"200"``, ``true`` ->
    ``"true"``), so the pointers match the document's."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:str":
        return str(node.value)
    value = constructor.construct_object(node)
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, bool | int | float | None) else str(value)


def _record(node: yaml.Node, pointer: str, out: Positions,
            constructor: yaml.constructor.SafeConstructor, open_nodes: set[int]) -> None:
    if id(node) in open_nodes:  # a recursive alias: its positions are already recorded
        return
    open_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{pointer}/{_escape(_key_text(key, constructor))}"
            out.setdefault(child, (key.start_mark.line + 1, key.start_mark.column + 1))
            _record(value, child, out, constructor, open_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = f"{pointer}/{i}"
            out.setdefault(child, (item.start_mark.line + 1, item.start_mark.column + 1))
            _record(item, child, out, constructor, open_nodes)
    open_nodes.discard(id(node))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """The value at a JSON pointer (``#/a/b`` or ``/a/b``); KeyError when absent."""
    node = doc
    for raw in pointer.lstrip("#").split("/")[1:]:
        token = _unescape(raw)
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


def load_overlay(path: str | Path) -> list[OverlayAction]:
    path = Path(path)
    data = _read_yaml(path, "overlay")
    actions = data.get("actions") if isinstance(data, dict) else None
    if not isinstance(actions, list):
        raise UserError(f"the overlay file {path} has no 'actions' list",
                        tip=_OVERLAY_TIP)
    out = []
    for i, act in enumerate(actions):
        if not isinstance(act, dict) or "target" not in act or not (
                "update" in act or "set" in act):
            raise UserError(f"action {i} of overlay {path} needs 'target' and 'update' or 'set'",
                            tip=_OVERLAY_TIP)
        out.append(OverlayAction(path.name, str(act["target"]), str(act.get("reason", "")),
                                 act.get("update"), act.get("set")))
    return out


def _merge(base: Any, update: Any) -> Any:
    if isinstance(base, dict) and isinstance(update, dict):
        merged = dict(base)
        for k, v in update.items():
            merged[k] = _merge(base[k], v) if k in base else copy.deepcopy(v)
        return merged
    return copy.deepcopy(update)


def apply_overlays(doc: dict[str, Any], overlays: tuple[Path, ...] | list[Path]
                   ) -> tuple[dict[str, Any], list[OverlayAction]]:
    """A copy of ``doc`` with every overlay action applied, and the actions applied."""
    doc = copy.deepcopy(doc)
    applied: list[OverlayAction] = []
    for path in overlays:
        for act in load_overlay(path):
            parts = [_unescape(p) for p in act.target.lstrip("#").split("/")[1:]]
            parent: Any = doc
            for p in parts[:-1]:
                parent = parent[int(p)] if isinstance(parent, list) else parent.setdefault(p, {})
            last: Any = int(parts[-1]) if isinstance(parent, list) else parts[-1]
            if act.set is not None:
                parent[last] = copy.deepcopy(act.set)
            else:
                try:
                    current = parent[last]
                except (KeyError, IndexError):
                    raise UserError(f"overlay {act.overlay} targets {act.target}, "
                                    "which the spec does not have",
                                    tip="update the overlay's target pointer") from None
                parent[last] = _merge(current, act.update)
            applied.append(act)
    return doc, applied
