"""One rule the spec states only in words: :class:`ProseRule`, and the helpers that build
the JSON pointer of the description that states it.

A rule quotes its sentence verbatim (after collapsing runs of whitespace, which the YAML
line breaks put in the middle of sentences), so a finding, the catalogue table and the
spec all show the same words; ``tests/test_prose_catalogue.py`` checks each quote against
the spec at its pointer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conformance.findings import json_pointer

__all__ = ["BASE", "ProseRule", "Status", "op", "param", "schema"]

BASE = "/v1/projects/{project_id}"
# probe: a prose probe of the suite checks it; schema: a schema keyword (of the spec or of
# an overlay) states it too, so the contract checks it; covered: an existing check of the
# suite; uncheckable: no request sequence can show it (the reason says why); not-done:
# checkable, not checked yet (the reason says what it needs).
Status = Literal["probe", "schema", "covered", "uncheckable", "not-done"]


@dataclass(frozen=True)
class ProseRule:
    id: str
    pointer: str  # JSON pointer of the description (or x-enumDescriptions value)
    sentence: str  # quoted verbatim, whitespace collapsed
    operation: str  # the operation whose behaviour it is about ("" for none)
    status: Status
    check: str = ""  # the probe (PROBES name) or the schema keyword / check that holds it
    faults: tuple[str, ...] = ()  # emulator faults that make the check fire
    why: str = ""  # for uncheckable / not-done: the reason; otherwise a note

    @property
    def quote(self) -> str:
        return f'"{self.sentence}"'


def op(path: str, method: str, *rest: str) -> str:
    """Pointer to the description of an operation (or of a part of it)."""
    return json_pointer(["paths", BASE + path, method, *(rest or ("description",))])


def schema(*parts: str) -> str:
    """Pointer to a description under ``/components/schemas``."""
    return json_pointer(["components", "schemas", *parts, "description"])


def param(name: str) -> str:
    return json_pointer(["components", "parameters", name, "description"])
