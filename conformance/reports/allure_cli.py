"""Find the Allure CLI, or install the pinned one into a per-user cache.

The pin (``allure_cli/package.json`` and its lock file) ships inside the package, so an
installed wheel can install exactly the Allure version this tool renders with. Where the CLI
is looked for, in order:

1. ``--allure-cli PATH`` (any Allure 2 or 3 executable);
2. ``allure`` on ``PATH``;
3. ``node_modules/.bin/allure`` and ``reports/node_modules/.bin/allure`` under the current
   directory (a team's own npm project, or a checkout);
4. the per-user cache, ``<user cache>/sinch-conformance/allure-<version>/``, where
   ``sinch-conformance report --install-allure`` puts the pinned CLI with ``npm ci``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from conformance.errors import UserError

__all__ = ["INSTALL_COMMAND", "AllureCli", "cache_dir", "candidates", "find_cli", "install",
           "pinned_version"]

INSTALL_COMMAND = "sinch-conformance report --install-allure"
_NPM_TIMEOUT = 900
_PIN_FILES = ("package.json", "package-lock.json")


@dataclass(frozen=True)
class AllureCli:
    executable: Path
    version: str

    @property
    def major(self) -> int:
        head = self.version.split(".", 1)[0]
        return int(head) if head.isdigit() else 3


def _pin_dir() -> Path:
    return Path(str(files("conformance.reports"))) / "allure_cli"


def pinned_version() -> str:
    """The Allure version pinned in the shipped package.json (e.g. ``3.18.0``)."""
    data = json.loads((_pin_dir() / "package.json").read_text(encoding="utf-8"))
    return str(data["devDependencies"]["allure"])


def cache_dir() -> Path:
    """Where ``--install-allure`` installs the pinned CLI (honours ``XDG_CACHE_HOME``)."""
    import platformdirs

    return platformdirs.user_cache_path("sinch-conformance") / f"allure-{pinned_version()}"


def candidates(cwd: Path | None = None) -> list[Path]:
    """Every place an Allure CLI is looked for (without ``--allure-cli``), in order."""
    here = cwd or Path.cwd()
    found = shutil.which("allure")
    places = [Path(found)] if found else []
    places += [here / "node_modules" / ".bin" / "allure",
               here / "reports" / "node_modules" / ".bin" / "allure",
               cache_dir() / "node_modules" / ".bin" / "allure"]
    return places


def _probe(path: Path) -> AllureCli:
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, text=True,
                              timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        need_node = "" if shutil.which("node") else " (Node.js is not on PATH; it needs 20+)"
        raise UserError(f"the Allure CLI at {path} does not run "
                        f"({exc.__class__.__name__}){need_node}",
                        tip=f"install Node.js 20+ and run: {INSTALL_COMMAND}, "
                            "or pass another executable with --allure-cli") from None
    version = next((w for w in done.stdout.split() if w[:1].isdigit()), "3")
    return AllureCli(path, version)


def find_cli(explicit: str | None = None) -> AllureCli:
    """The Allure CLI to render with; a UserError naming the install command when none."""
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise UserError(f"the Allure CLI {path} given with --allure-cli does not exist",
                            tip=f"pass an existing Allure executable, or run: {INSTALL_COMMAND}")
        return _probe(path)
    for path in candidates():
        if path.exists():
            return _probe(path)
    raise UserError("no Allure CLI was found (on PATH, under ./node_modules or "
                    f"./reports/node_modules, or in {cache_dir()})",
                    tip=f"install the pinned Allure {pinned_version()} once with: "
                        f"{INSTALL_COMMAND} (needs Node.js 20+ and npm), or pass --allure-cli")


def install() -> AllureCli:
    """Install the pinned CLI into :func:`cache_dir` with ``npm ci`` (once) and return it."""
    target = cache_dir()
    executable = target / "node_modules" / ".bin" / "allure"
    if executable.exists():
        return _probe(executable)
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise UserError("--install-allure needs Node.js 20+ and npm, which are not on PATH",
                        tip="install Node.js 20+ (with npm), or pass an Allure executable "
                            "with --allure-cli")
    target.mkdir(parents=True, exist_ok=True)
    for name in _PIN_FILES:
        shutil.copyfile(_pin_dir() / name, target / name)
    print(f"installing Allure {pinned_version()} into {target} (npm ci) ...", flush=True)
    try:
        done = subprocess.run([npm, "ci", "--prefix", str(target), "--no-audit", "--no-fund",
                               "--loglevel=error"], capture_output=True, text=True,
                              timeout=_NPM_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UserError(f"npm ci could not run ({exc.__class__.__name__})",
                        tip=f"run it by hand: npm ci --prefix {target}") from None
    if done.returncode != 0 or not executable.exists():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UserError(f"npm ci failed with exit code {done.returncode}: {last[0]}",
                        tip=f"run it by hand to see its full output: npm ci --prefix {target}")
    return _probe(executable)
