"""Render Allure results to static HTML with the Allure CLI (:mod:`.allure_cli` finds it).

Allure 3 (npm ``allure``, pure Node) keeps its trend in a history file (``historyPath``,
one JSON line per run) that lives beside the report, not inside it, so regenerating the
report never loses it; CI carries ``reports/history/`` from one nightly run to the next.
Allure 2 (``allure-commandline``, Java) keeps it in ``<report>/history/``, which is copied
into the results before each generation.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from conformance.errors import UserError
from conformance.reports.allure_cli import AllureCli

__all__ = ["render"]

_TIMEOUT = 600


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UserError(f"the Allure CLI failed to start ({exc})",
                        tip="pass a working Allure executable with --allure-cli") from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UserError(f"the Allure CLI exited with {done.returncode}: {last[0]}",
                        tip="run it by hand to see its full output: " + " ".join(command))


def _categories(results: Path) -> list[object]:
    """The results' categories.json: Allure 3's default UI reads categories from its config
    only (its Allure 2 reader keeps the file for the classic UI), so it is passed on."""
    try:
        data = json.loads((results / "categories.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def _render_allure3(cli: AllureCli, results: Path, report: Path, history: Path,
                    name: str) -> None:
    history.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {
        "name": name, "output": str(report), "historyPath": str(history),
        "plugins": {"awesome": {"options": {"reportName": name}}}}
    categories = _categories(results)
    if categories:
        config["categories"] = categories
    with tempfile.TemporaryDirectory(prefix="allurerc-") as tmp:
        rc = Path(tmp) / "allurerc.json"
        rc.write_text(json.dumps(config), encoding="utf-8")
        shutil.rmtree(report, ignore_errors=True)
        _run([str(cli.executable), "generate", "--config", str(rc), "--cwd", tmp,
              "--output", str(report), str(results)])


def _render_allure2(cli: AllureCli, results: Path, report: Path) -> None:
    previous = report / "history"
    if previous.is_dir():
        shutil.rmtree(results / "history", ignore_errors=True)
        shutil.copytree(previous, results / "history")
    _run([str(cli.executable), "generate", "--clean", "-o", str(report), str(results)])


def render(cli: AllureCli, results: Path, report: Path, history: Path,
           name: str = "Sinch Conversation API conformance") -> Path:
    """Generate ``report`` from ``results``; returns the report's index.html."""
    if cli.major >= 3:
        _render_allure3(cli, results.resolve(), report.resolve(), history.resolve(), name)
    else:
        _render_allure2(cli, results, report)
    index = report / "index.html"
    if not index.exists():
        raise UserError(f"the Allure CLI wrote no {index}",
                        tip=f"check that {results} holds *-result.json files")
    return index
