"""One registry shape for everything pluggable: exchange checks, suite probes, lint rules,
emulator faults and report writers.

Each entry is a plain function (or a small object) registered under a name, with the
Finding kinds it can make and where it runs, like Schemathesis' ``@schemathesis.check``::

    EXCHANGE_CHECKS: Registry[ExchangeCheck] = Registry("exchange check")

    @EXCHANGE_CHECKS.register(kinds={Kind.NEGATIVE_DATA_ACCEPTED}, where={"proxy", "replay"})
    def negative_data_accepted(ctx, exchange): ...

Registration order is iteration order. An unknown name is a ``KeyError`` whose message
lists the known ones, a name registered twice is a ``ValueError``: a typo fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["PLACES", "Registered", "Registry"]

T = TypeVar("T")

# Where an entry runs: the producers of findings, and the emulator and the report writers.
PLACES = frozenset({"suite", "proxy", "replay", "drift", "lint", "emulator", "report"})


@dataclass(frozen=True)
class Registered(Generic[T]):
    """One entry: its name, the object, the Finding kinds it can make, where it runs, and
    the first line of its docstring."""

    name: str
    obj: T
    kinds: frozenset[str]
    where: frozenset[str]
    doc: str


def _first_line(obj: object) -> str:
    doc = getattr(obj, "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


class Registry(Generic[T]):
    """Named entries of one kind (``what`` names it in error messages)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, Registered[T]] = {}

    def add(self, obj: T, name: str | None = None, *, kinds: Iterable[str] = (),
            where: Iterable[str] = (), doc: str | None = None) -> T:
        """Register ``obj`` (its ``__name__`` unless ``name`` is given) and return it."""
        key = name or getattr(obj, "__name__", None)
        if not key:
            raise ValueError(f"a {self.what} needs a name")
        if key in self._entries:
            raise ValueError(f"{self.what} {key!r} is registered twice")
        places = frozenset(where)
        unknown = places - PLACES
        if unknown:
            raise ValueError(f"{self.what} {key!r}: unknown place(s) {sorted(unknown)}; "
                             f"places are {sorted(PLACES)}")
        self._entries[key] = Registered(key, obj, frozenset(str(k) for k in kinds), places,
                                        _first_line(obj) if doc is None else doc)
        return obj

    def register(self, name: str | None = None, *, kinds: Iterable[str] = (),
                 where: Iterable[str] = ()) -> Callable[[T], T]:
        """Decorator form of :meth:`add`."""
        def decorate(obj: T) -> T:
            return self.add(obj, name, kinds=kinds, where=where)
        return decorate

    def replace(self, name: str, obj: T) -> T:
        """Put ``obj`` in the place of entry ``name`` (same kinds and places); the old one.
        For tests and for a team that swaps in its own version of a check."""
        old = self[name]
        self._entries[name] = Registered(name, obj, old.kinds, old.where, old.doc)
        return old.obj

    def __getitem__(self, name: str) -> Registered[T]:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"no {self.what} named {name!r}; known: "
                           f"{', '.join(self._entries) or 'none'}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Registered[T]]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def running_in(self, place: str) -> list[Registered[T]]:
        """The entries that run in ``place`` (e.g. ``"proxy"``), in registration order."""
        if place not in PLACES:
            raise ValueError(f"unknown place {place!r}; places are {sorted(PLACES)}")
        return [e for e in self._entries.values() if place in e.where]

    def kinds(self) -> frozenset[str]:
        """Every Finding kind some entry can make."""
        return frozenset(k for e in self._entries.values() for k in e.kinds)
