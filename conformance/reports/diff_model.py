"""The records of a spec diff: a :class:`Change` with its :class:`Grade`, and a
:class:`SpecFile` (one document with where each node is in its file).

How a change is graded depends on which side of the exchange it is on. Each comparison
names the *effect* of the change on the set of values the spec allows, and :func:`graded`
turns it into a grade:

===========  =====================================  =========  ==========
effect       meaning                                request    response
===========  =====================================  =========  ==========
``NARROW``   fewer values allowed than before       major      patch
``WIDEN``    more values allowed than before        minor      major
``CHANGE``   different values (neither covers)      major      major
``ADD``      something new and optional             minor      minor
``NOTE``     documentation only, nothing to check   patch      patch
===========  =====================================  =========  ==========

In a request the client writes and the server reads: a narrowed constraint rejects what a
client sends today (major), a widened one is a new capability (minor). In a response the
server writes and the client reads: a widened constraint sends a client what it does not
expect (major), a narrowed one only promises more (patch: Redocly's reversed change).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import Enum, IntEnum
from pathlib import Path
from typing import Any

from conformance.schema_walk import deref_at
from conformance.spec_loader import Positions, load_document_with_positions

__all__ = ["Change", "Effect", "Grade", "SpecFile", "graded", "load_spec_file"]


class Grade(IntEnum):
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Effect(Enum):
    NARROW = "narrowed"
    WIDEN = "widened"
    CHANGE = "changed"
    ADD = "added"
    NOTE = "documentation"


_GRADES = {  # effect -> (in a request, in a response)
    Effect.NARROW: (Grade.MAJOR, Grade.PATCH),
    Effect.WIDEN: (Grade.MINOR, Grade.MAJOR),
    Effect.CHANGE: (Grade.MAJOR, Grade.MAJOR),
    Effect.ADD: (Grade.MINOR, Grade.MINOR),
    Effect.NOTE: (Grade.PATCH, Grade.PATCH),
}


def graded(effect: Effect, request: bool) -> Grade:
    """The grade of a change with ``effect`` on the request (or the response) side."""
    return _GRADES[effect][0 if request else 1]


@dataclass(frozen=True)
class Change:
    """One change. ``pointer`` is the changed node in the new document, or in the old one
    when ``removed`` (``file``/``line``/``column`` say where that node is)."""

    kind: str
    grade: Grade
    operation: str
    location: str
    message: str
    pointer: str = ""
    removed: bool = False
    file: str = ""
    line: int = 0
    column: int = 0

    @property
    def breaking(self) -> bool:
        return self.grade is Grade.MAJOR

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "grade": self.grade.label, "breaking": self.breaking,
                "operation": self.operation, "location": self.location,
                "message": self.message, "file": self.file, "line": self.line,
                "column": self.column, "pointer": self.pointer}


@dataclass(frozen=True)
class SpecFile:
    """A spec as the diff reads it: as written (no overlays), with node positions."""

    document: dict[str, Any]
    positions: Positions
    source: str

    @property
    def title(self) -> str:
        return str((self.document.get("info") or {}).get("title", ""))

    @property
    def version(self) -> str:
        return str((self.document.get("info") or {}).get("version", ""))

    @property
    def spec_hash(self) -> str:  # the same hash as Contract.spec_hash
        text = json.dumps(self.document, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def position(self, pointer: str) -> tuple[int, int]:
        """Line and column of the node at ``pointer``, or of the nearest node above it."""
        while pointer and pointer not in self.positions:
            pointer = pointer.rsplit("/", 1)[0]
        return self.positions.get(pointer, (1, 1))

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow local ``$ref``s (:func:`conformance.schema_walk.deref_at`): the node and
        its pointer; a broken one is an empty schema (lint reports it)."""
        at, target = deref_at(self.document, node, pointer, missing={})
        return target, at


def load_spec_file(path: str | Path, given_as: str) -> SpecFile:
    document, positions = load_document_with_positions(path, given_as)
    return SpecFile(document, positions, str(path))
