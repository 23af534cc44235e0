"""The JSON Schema keywords of two :class:`~.schema_diff.View`\\ s compared, each change
graded by its effect (see :mod:`.diff_model`: narrowed is major in a request and a patch in
a response, widened is minor in a request and major in a response, changed is major):

===============================================  =================  ===============
keyword                                          narrowed (NARROW)  widened (WIDEN)
===============================================  =================  ===============
``type`` (a number covers an integer)            types dropped      types added
``nullable`` / ``null`` in ``type``              null dropped       null allowed
``maximum``, ``exclusiveMaximum``, ``max*``      lowered, added     raised, removed
``minimum``, ``exclusiveMinimum``, ``min*``      raised, added      lowered, removed
``pattern``, ``format``, ``multipleOf``,         added              removed
``contentEncoding``, ``contentMediaType``        (changed: CHANGE)
``enum`` (values), ``const``                     values removed,    values added,
                                                 added              removed
``uniqueItems``                                  became true        became false
``additionalProperties``,                        false or a schema  allowed again
``unevaluatedProperties``                        where any was
``discriminator`` (``mapping`` like an enum;     added              removed
a new ``propertyName`` is CHANGE)
===============================================  =================  ===============

And four graded per side (request / response): ``readOnly`` added major / patch, removed
minor / patch; ``writeOnly`` added patch / major (the field leaves responses), removed
patch / minor; ``default`` added patch / patch, changed or removed major / patch (a client
that omits the field gets other behaviour); ``deprecated``, ``description`` and ``title``
patch either way.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from conformance.reports.diff_model import Effect, Grade, graded

if TYPE_CHECKING:
    from conformance.reports.schema_diff import Emit, View

__all__ = ["compare_keywords"]

_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_ADDED_NARROWS = ("pattern", "format", "multipleOf", "contentEncoding", "contentMediaType")
_MISSING: tuple[Any, None] = (None, None)


def _snake(word: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", word).lower()


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Keywords:
    def __init__(self, vo: View, vn: View, request: bool, path: tuple[str, ...],
                 emit: Emit) -> None:
        self.vo, self.vn, self.request, self.path, self.emit = vo, vn, request, path, emit

    def get(self, word: str) -> tuple[tuple[Any, str | None], tuple[Any, str | None]]:
        return self.vo.keywords.get(word, _MISSING), self.vn.keywords.get(word, _MISSING)

    def out(self, kind: str, effect: Effect | tuple[Grade, Grade], word: str, what: str
            ) -> None:
        (_, po), (_, pn) = self.get(word)
        if isinstance(effect, Effect):
            grade = graded(effect, self.request)
        else:
            grade = effect[0] if self.request else effect[1]
        self.emit(kind, grade, self.path, po, pn or (None if po else self.vn.pointer), what)

    def presence(self, word: str, o: Any, n: Any, added: Effect | tuple[Grade, Grade],
                 removed: Effect | tuple[Grade, Grade], changed: Effect | tuple[Grade, Grade]
                 ) -> None:
        if o is None:
            self.out(f"{_snake(word)}_added", added, word, f"{word} {_text(n)} added")
        elif n is None:
            self.out(f"{_snake(word)}_removed", removed, word, f"{word} {_text(o)} removed")
        else:
            self.out(f"{_snake(word)}_changed", changed, word,
                     f"{word} changed from {_text(o)} to {_text(n)}")

    # ------------------------------------------------------------------ keywords
    def types(self) -> None:
        def of(v: View) -> set[str]:
            value = v.keywords.get("type", _MISSING)[0]
            out = {value} if isinstance(value, str) else (
                {str(t) for t in value} if isinstance(value, list) else set())
            if out and v.keywords.get("nullable", _MISSING)[0] is True:
                out.add("null")
            return out

        def covers(wide: set[str], narrow: set[str]) -> bool:
            return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)

        to, tn = of(self.vo), of(self.vn)
        if to == tn:
            return
        word = "type" if "type" in self.vn.keywords or "type" in self.vo.keywords \
            else "nullable"
        shown = f"type changed from {'/'.join(sorted(to)) or 'any'} to " \
                f"{'/'.join(sorted(tn)) or 'any'}"
        if to and tn and to - {"null"} == tn - {"null"}:
            null = "null" in tn
            self.out("nullable_added" if null else "nullable_removed",
                     Effect.WIDEN if null else Effect.NARROW, word,
                     "null allowed" if null else "null no longer allowed")
        elif not to or (tn and covers(to, tn)):
            self.out("type_narrowed", Effect.NARROW, word, shown)
        elif not tn or covers(tn, to):
            self.out("type_widened", Effect.WIDEN, word, shown)
        else:
            self.out("type_changed", Effect.CHANGE, word, shown)

    def bounds(self) -> None:
        for word in _UPPER + _LOWER:
            (o, _), (n, _) = self.get(word)
            if o == n and type(o) is type(n):
                continue
            snake = _snake(word)
            if isinstance(o, bool) or isinstance(n, bool):  # OpenAPI 3.0's exclusive flags
                tight = n is True
                self.out(f"{snake}_{'added' if tight else 'removed'}",
                         Effect.NARROW if tight else Effect.WIDEN, word,
                         f"{word} {'set' if tight else 'unset'}")
            elif o is None or n is None:
                self.presence(word, o, n, Effect.NARROW, Effect.WIDEN, Effect.CHANGE)
            elif not (_number(o) and _number(n)):
                self.presence(word, o, n, Effect.CHANGE, Effect.CHANGE, Effect.CHANGE)
            else:
                lower = n < o
                narrowed = lower if word in _UPPER else not lower
                self.out(f"{snake}_{'decreased' if lower else 'increased'}",
                         Effect.NARROW if narrowed else Effect.WIDEN, word,
                         f"{word} {'lowered' if lower else 'raised'} from {o} to {n}")

    def constraints(self) -> None:
        for word in _ADDED_NARROWS + ("const",):
            (o, _), (n, _) = self.get(word)
            if _text(o) != _text(n):
                self.presence(word, o, n, Effect.NARROW, Effect.WIDEN, Effect.CHANGE)
        (o, _), (n, _) = self.get("uniqueItems")
        if bool(o) != bool(n):
            self.out("unique_items_added" if n else "unique_items_removed",
                     Effect.NARROW if n else Effect.WIDEN, "uniqueItems",
                     f"uniqueItems became {'true' if n else 'false'}")

    def enums(self) -> None:
        def of(v: View) -> dict[str, Any] | None:
            value = v.keywords.get("enum", _MISSING)[0]
            if isinstance(value, list):
                return {_text(x): x for x in value}
            return None

        eo, en = of(self.vo), of(self.vn)
        if eo == en:
            return
        if eo is None or en is None:
            narrowed = en is not None
            self.out("enum_narrowed" if narrowed else "enum_widened",
                     Effect.NARROW if narrowed else Effect.WIDEN, "enum",
                     "an enum was added" if narrowed else "the enum was removed")
            return
        removed = [str(eo[k]) for k in sorted(set(eo) - set(en))]
        added = [str(en[k]) for k in sorted(set(en) - set(eo))]
        if removed:
            self.out("enum_narrowed", Effect.NARROW, "enum",
                     f"enum value(s) removed: {', '.join(removed)}")
        if added:
            self.out("enum_widened", Effect.WIDEN, "enum",
                     f"enum value(s) added: {', '.join(added)}")

    def open_objects(self) -> None:
        def state(value: Any) -> str:
            if value is False:
                return "closed"
            return "schema" if isinstance(value, dict) and value else "open"

        for word in ("additionalProperties", "unevaluatedProperties"):
            (o, _), (n, _) = self.get(word)
            so, sn = state(o), state(n)
            if so == sn:
                continue
            narrowed = sn == "closed" or (so == "open" and sn == "schema")
            shown = {"closed": "false", "schema": "a schema", "open": "any"}
            self.out(f"{_snake(word)}_{'narrowed' if narrowed else 'widened'}",
                     Effect.NARROW if narrowed else Effect.WIDEN, word,
                     f"{word} changed from {shown[so]} to {shown[sn]}")

    def discriminator(self) -> None:
        (o, _), (n, _) = self.get("discriminator")
        if _text(o) == _text(n):
            return
        if not isinstance(o, dict) or not isinstance(n, dict):
            self.presence("discriminator", o, n, Effect.NARROW, Effect.WIDEN, Effect.CHANGE)
            return
        if o.get("propertyName") != n.get("propertyName"):
            self.out("discriminator_property_changed", Effect.CHANGE, "discriminator",
                     f"discriminator propertyName changed from {o.get('propertyName')} to "
                     f"{n.get('propertyName')}")
        mo, mn = o.get("mapping") or {}, n.get("mapping") or {}
        for what, keys, effect in (("removed", set(mo) - set(mn), Effect.NARROW),
                                   ("added", set(mn) - set(mo), Effect.WIDEN),
                                   ("changed", {k for k in set(mo) & set(mn)
                                                if mo[k] != mn[k]}, Effect.CHANGE)):
            if keys:
                self.out(f"discriminator_mapping_{what}", effect, "discriminator",
                         f"discriminator mapping {what}: {', '.join(sorted(keys))}")

    def per_side(self) -> None:
        major, minor, patch = Grade.MAJOR, Grade.MINOR, Grade.PATCH
        for word, added, removed in (("readOnly", (major, patch), (minor, patch)),
                                     ("writeOnly", (patch, major), (patch, minor)),
                                     ("deprecated", (patch, patch), (patch, patch))):
            (o, _), (n, _) = self.get(word)
            if bool(o) != bool(n):
                self.out(f"{_snake(word)}_{'added' if n else 'removed'}",
                         added if n else removed, word, f"{word} became {str(bool(n)).lower()}")
        (o, _), (n, _) = self.get("default")
        if _text(o) != _text(n):
            self.presence("default", o, n, (patch, patch), (major, patch), (major, patch))
        for word in ("description", "title"):  # what readers see: documentation only
            (o, _), (n, _) = self.get(word)
            if _text(o) != _text(n):
                self.out(f"{word}_changed", (patch, patch), word, f"{word} changed")


def compare_keywords(vo: View, vn: View, request: bool, path: tuple[str, ...],
                     emit: Emit) -> None:
    """Every keyword change from ``vo`` to ``vn``, through ``emit``."""
    k = _Keywords(vo, vn, request, path, emit)
    k.types()
    k.bounds()
    k.constraints()
    k.enums()
    k.open_objects()
    k.discriminator()
    k.per_side()
