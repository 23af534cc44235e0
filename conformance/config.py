"""The tool's configuration file: one TOML table per command, like ruff's or Spectral's.

Where it is looked up, first match wins:

1. the file given with ``--config FILE`` (a ``pyproject.toml`` is read like 2b, any other
   file like 2a);
2. in the current directory, a) ``sinch-conformance.toml`` with a ``[lint]`` table (one
   table per section), else b) ``pyproject.toml`` when it has a
   ``[tool.sinch-conformance]`` table (``[tool.sinch-conformance.lint]``, ...).

:func:`load_section` returns one section's table, as a :class:`Section` that knows which
file and table it came from; the command that owns the section checks it with
:func:`check_keys` (its own schema: key -> expected type), so an unknown key or a wrong type
is one :class:`~conformance.errors.UserError` naming the key and the file. Reading TOML
needs nothing beyond the standard library (``tomllib``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import UserError

__all__ = ["OWN_FILE", "PYPROJECT", "Section", "check_keys", "find_config", "load_section"]

OWN_FILE = "sinch-conformance.toml"
PYPROJECT = "pyproject.toml"
_TOOL = "sinch-conformance"

Schema = Mapping[str, type | tuple[type, ...]]


@dataclass(frozen=True)
class Section:
    """One section of the configuration (``values`` is ``{}`` when there is none)."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    file: Path | None = None  # the file it came from; None: no configuration file

    @property
    def table(self) -> str:
        """How the file spells the table: ``[tool.sinch-conformance.lint]`` or ``[lint]``."""
        if self.file is not None and self.file.name == PYPROJECT:
            return f"[tool.{_TOOL}.{self.name}]"
        return f"[{self.name}]"

    def where(self, key: str = "") -> str:
        """``key 'fail-on' of [lint] in sinch-conformance.toml``, for error messages."""
        place = f"{self.table} in {self.file}" if self.file else self.table
        return f"key '{key}' of {place}" if key else place

    def error(self, key: str, problem: str) -> UserError:
        """The error for ``key``: ``key 'x' of [lint] in FILE <problem>``."""
        return UserError(f"{self.where(key)} {problem}",
                         tip=f"fix it in {self.file or 'the configuration file'}")

    def resolve(self, value: str) -> Path:
        """A path given in the file, relative to the file's directory."""
        path = Path(value).expanduser()
        return path if path.is_absolute() or self.file is None else self.file.parent / path


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UserError(f"the configuration file {path} does not exist",
                        tip="check the path of the configuration file") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise UserError(f"the configuration file {path} cannot be read "
                        f"({exc.__class__.__name__})", tip="give a readable TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"the configuration file {path} is not valid TOML ({exc})",
                        tip="fix the TOML syntax at the line it names") from None


def find_config(explicit: str | Path | None = None, cwd: Path | None = None) -> Path | None:
    """The configuration file to read: ``explicit``, else the first of
    ``sinch-conformance.toml`` and a ``pyproject.toml`` with a ``[tool.sinch-conformance]``
    table in ``cwd`` (default: the current directory); None when there is none."""
    if explicit is not None:
        return Path(explicit)
    here = Path.cwd() if cwd is None else cwd
    if (here / OWN_FILE).is_file():
        return here / OWN_FILE
    pyproject = here / PYPROJECT
    if pyproject.is_file() and _TOOL in _read(pyproject).get("tool", {}):
        return pyproject
    return None


def load_section(name: str, config: str | Path | None = None, *,
                 cwd: Path | None = None) -> Section:
    """The table of section ``name`` in the configuration file (see the module doc)."""
    path = find_config(config, cwd)
    if path is None:
        return Section(name)
    data: Any = _read(path)
    trail = ["tool", _TOOL, name] if path.name == PYPROJECT else [name]
    for depth, key in enumerate(trail):
        data = data.get(key, {}) if isinstance(data, dict) else data
        if not isinstance(data, dict):
            table = ".".join(trail[:depth + 1])
            raise UserError(f"'{table}' in {path} is not a table",
                            tip=f"write it as a table, [{table}], in {path}")
    return Section(name, dict(data), path)


def check_keys(section: Section, schema: Schema) -> None:
    """Refuse a key ``schema`` does not name, and a value of another type."""
    for key, value in section.values.items():
        if key not in schema:
            known = ", ".join(sorted(schema)) or "none"
            raise section.error(key, f"is not a setting (known: {known})")
        wanted = schema[key]
        types = wanted if isinstance(wanted, tuple) else (wanted,)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join(_type_name(t) for t in types)
            raise section.error(key, f"must be {names}, not {_type_name(type(value))} "
                                     f"({value!r})")


def _type_name(kind: type) -> str:
    return {str: "a string", bool: "true or false", int: "an integer", float: "a number",
            dict: "a table", list: "an array"}.get(kind, kind.__name__)
