"""The tool's configuration file, like ruff's: ``sinch-conformance.toml`` or the
``[tool.sinch-conformance]`` table of ``pyproject.toml``.

Where it is looked up, first match wins:

1. the file given with ``--config FILE`` (a ``pyproject.toml`` is read like 2b, any other
   file like 2a);
2. in the current directory, then in each parent up to the one holding ``.git`` (or the
   filesystem root): a) ``sinch-conformance.toml``, else b) ``pyproject.toml`` when it has
   a ``[tool.sinch-conformance]`` table.

In ``sinch-conformance.toml`` the settings sit at the top level and each command's section
is a table (``[lint]``, ``[drift]``, ``[operations.<operationId>]``); in ``pyproject.toml``
the same keys sit under ``[tool.sinch-conformance]`` (``[tool.sinch-conformance.lint]``,
...). String values may name environment variables: ``${NAME}``, ``${NAME:-default}``
(``$$`` is a literal ``$``); a variable that is not set is an error naming it.

:func:`load_section` returns one table as a :class:`Section` that knows its file and
table; :func:`check_keys` checks it against a schema (key -> expected type), so an unknown
key or a wrong type is one :class:`~conformance.errors.UserError` naming the key and the
file. Reading TOML needs only the standard library (``tomllib``).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import UserError

__all__ = ["OWN_FILE", "PYPROJECT", "Section", "check_keys", "did_you_mean", "find_config",
           "interpolate", "load_section"]

OWN_FILE = "sinch-conformance.toml"
PYPROJECT = "pyproject.toml"
_TOOL = "sinch-conformance"
_REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

Schema = Mapping[str, type | tuple[type, ...]]


@dataclass(frozen=True)
class Section:
    """One table of the configuration (``values`` is ``{}`` when there is none); ``name``
    is "" for the top level, ``lint``, ``operations.App_ListApps``, ..."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    file: Path | None = None  # the file it came from; None: no configuration file

    @property
    def table(self) -> str:
        """How the file spells the table: ``[tool.sinch-conformance.lint]``, ``[lint]``;
        the top level is ``[tool.sinch-conformance]`` or "the top level"."""
        if self.file is not None and self.file.name == PYPROJECT:
            return f"[tool.{_TOOL}{'.' + self.name if self.name else ''}]"
        return f"[{self.name}]" if self.name else "the top level"

    def where(self, key: str = "") -> str:
        """``key 'fail-on' of [lint] in sinch-conformance.toml``, for error messages."""
        place = f"{self.table} in {self.file}" if self.file else self.table
        if not self.name and self.file and self.file.name != PYPROJECT:
            place = str(self.file)  # "key 'seed' in sinch-conformance.toml"
            return f"key '{key}' in {place}" if key else place
        return f"key '{key}' of {place}" if key else place

    def error(self, key: str, problem: str) -> UserError:
        """The error for ``key``: ``key 'x' of [lint] in FILE <problem>``."""
        return UserError(f"{self.where(key)} {problem}",
                         tip=f"fix it in {self.file or 'the configuration file'}")

    def resolve(self, value: str) -> Path:
        """A path given in the file, relative to the file's directory."""
        path = Path(value).expanduser()
        return path if path.is_absolute() or self.file is None else self.file.parent / path

    def sub(self, name: str, values: Any) -> Section:
        """The table ``name`` inside this one (a UserError when it is not a table)."""
        full = f"{self.name}.{name}" if self.name else name
        if not isinstance(values, dict):
            raise self.error(name, f"is not a table (write it as [{full}])")
        return Section(full, dict(values), self.file)


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
    """The configuration file to read: ``explicit``, else the first directory from ``cwd``
    (default: the current one) up to a ``.git`` root holding ``sinch-conformance.toml`` or
    a ``pyproject.toml`` with a ``[tool.sinch-conformance]`` table; None when none does."""
    if explicit is not None:
        return Path(explicit)
    here = (Path.cwd() if cwd is None else cwd).absolute()
    for folder in (here, *here.parents):
        if (folder / OWN_FILE).is_file():
            return folder / OWN_FILE
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _TOOL in _read(pyproject).get("tool", {}):
            return pyproject
        if (folder / ".git").exists():
            break
    return None


def load_top(config: str | Path | None = None, *, cwd: Path | None = None) -> Section:
    """The whole configuration as the top-level section (its ``values`` not yet
    interpolated: see :func:`interpolate`); an empty section when there is no file."""
    path = find_config(config, cwd)
    if path is None:
        return Section("")
    data: Any = _read(path)
    if path.name == PYPROJECT:
        for depth, key in enumerate(("tool", _TOOL)):
            data = data.get(key, {})
            if not isinstance(data, dict):
                table = ".".join(("tool", _TOOL)[:depth + 1])
                raise UserError(f"'{table}' in {path} is not a table",
                                tip=f"write it as a table, [{table}], in {path}")
    return Section("", dict(data), path)


def load_section(name: str, config: str | Path | None = None, *,
                 cwd: Path | None = None) -> Section:
    """The table of section ``name`` in the configuration file (see the module doc), with
    its ``${ENV}`` references filled in."""
    top = load_top(config, cwd=cwd)
    if top.file is None:
        return Section(name)
    section = top.sub(name, top.values.get(name, {}))
    return Section(name, interpolate(section, section.values), top.file)


def interpolate(section: Section, value: Any, key: str = "",
                env: Mapping[str, str] | None = None) -> Any:
    """``value`` with every ``${NAME}`` / ``${NAME:-default}`` in its strings replaced from
    ``env`` (default: the process environment); a UserError naming the key, the variable
    and the file for a variable that is not set and has no default."""
    environ = os.environ if env is None else env
    if isinstance(value, dict):
        return {k: interpolate(section, v, f"{key}.{k}" if key else k, environ)
                for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(section, v, key, environ) for v in value]
    if not isinstance(value, str):
        return value

    def fill(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name is None:
            return "$"
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise UserError(f"{section.where(key)} uses ${{{name}}}, but the environment "
                        f"variable {name} is not set",
                        tip=f"set {name}, or write ${{{name}:-default}} in {section.file}")

    return _REFERENCE.sub(fill, value)


def did_you_mean(word: str, known: list[str] | set[str] | Mapping[str, Any]) -> str:
    """``; did you mean 'max-examples'?`` when ``word`` is close to a known one, else ""."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_keys(section: Section, schema: Schema) -> None:
    """Refuse a key ``schema`` does not name, and a value of another type."""
    for key, value in section.values.items():
        if key not in schema:
            known = f" (known: {', '.join(sorted(schema)) or 'none'})" if len(schema) <= 8 else ""
            raise section.error(key, f"is not a setting{known}{did_you_mean(key, schema)}")
        check_type(section, key, value, schema[key])


def check_type(section: Section, key: str, value: Any,
               wanted: type | tuple[type, ...]) -> None:
    """A UserError naming the key, the expected type and the file for a value of another
    type (a bool is no integer here, an integer is a number)."""
    types = wanted if isinstance(wanted, tuple) else (wanted,)
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        names = " or ".join(_type_name(t) for t in types)
        raise section.error(key, f"must be {names}, not {_type_name(type(value))} "
                                 f"({value!r})")


def _type_name(kind: type) -> str:
    return {str: "a string", bool: "true or false", int: "an integer", float: "a number",
            dict: "a table", list: "an array"}.get(kind, kind.__name__)
