"""The wheel as a user installs it: every module imports and every command works from an
empty directory, in a venv made from the wheel and its declared dependencies alone.

The venv is the one named by ``SINCH_CONFORMANCE_WHEEL_PYTHON`` (``.ci/run`` makes one per
Python version), the running interpreter when it already runs an installed wheel, or else
one this test builds (``pip wheel`` + a fresh venv; needs the package index).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conformance.processes import LoggedChild
from tests.spec_paths import ROOT

pytestmark = pytest.mark.slow

TIMEOUT = 300
# every module of the installed distribution; its own import of each, run in the venv
_IMPORT_ALL = r"""
import importlib, json, pkgutil, sys
import conformance, proxy_addons
failed = {}
names = []
for pkg in (conformance, proxy_addons):
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        names.append(info.name)
        try:
            importlib.import_module(info.name)
        except BaseException as exc:  # report every failure, not only the first
            failed[info.name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"file": conformance.__file__, "modules": names, "failed": failed}))
"""


def _installed_wheel() -> bool:
    import conformance

    purelib = Path(sysconfig.get_paths()["purelib"]).resolve()
    return Path(conformance.__file__).resolve().is_relative_to(purelib)


def _build_venv(tmp: Path) -> Path:
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(wheels), str(ROOT)], check=True, timeout=TIMEOUT,
                   stdin=subprocess.DEVNULL)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    python = venv / "bin" / "python"
    wheel = next(wheels.glob("sinch_conformance-*.whl"))
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(wheel)], check=True,
                   timeout=3 * TIMEOUT, stdin=subprocess.DEVNULL)
    return python


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("SINCH_CONFORMANCE_WHEEL_PYTHON")
    if given:
        return Path(given)
    if _installed_wheel():
        return Path(sys.executable)
    return _build_venv(tmp_path_factory.mktemp("wheel"))


@pytest.fixture
def here(tmp_path: Path) -> Path:
    """An empty working directory outside the checkout."""
    work = tmp_path / "empty"
    work.mkdir()
    return work


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SINCH_"))}
    env["NO_COLOR"] = "1"
    return env


def _tool(python: Path) -> list[str]:
    script = python.parent / "sinch-conformance"
    return [str(script)] if script.exists() else [str(python), "-m", "conformance"]


def sc(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_tool(python), *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def test_every_module_imports_from_the_declared_dependencies(python: Path, here: Path) -> None:
    done = subprocess.run([str(python), "-c", _IMPORT_ALL], cwd=here, env=_env(),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert not Path(report["file"]).resolve().is_relative_to(ROOT), report["file"]
    assert report["failed"] == {}
    modules = set(report["modules"])
    assert {"conformance.exchange.bodies", "conformance.proxy.lean_master",
            "conformance.suite.runner", "conformance.spec", "proxy_addons.sinch_validator",
            "conformance.reports.allure_cli"} <= modules
    source = {p.relative_to(ROOT / "conformance").with_suffix("").as_posix().replace("/", ".")
              for p in (ROOT / "conformance").rglob("*.py") if p.name != "__init__.py"}
    missing = {f"conformance.{m}" for m in source} - modules
    assert not missing, f"modules left out of the wheel (pyproject's packages list?): {missing}"


def test_version_names_the_engines(python: Path, here: Path) -> None:
    done = sc(python, here, "--version")
    assert done.returncode == 0
    assert re.fullmatch(r"sinch-conformance \S+ \(schemathesis \S+, mitmproxy \S+, "
                        r"CPython \d+\.\d+\.\d+\)\n", done.stdout), done.stdout


def test_lint_reads_the_packaged_spec(python: Path, here: Path) -> None:
    done = sc(python, here, "lint")
    assert done.returncode == 1, done.stderr
    assert re.search(r"^\d+ spec defects \(by rule:", done.stdout, re.M)
    assert list(here.iterdir()) == []  # lint writes nothing


def test_a_short_run_ends_in_reports_then_report_drift_and_diff(python: Path,
                                                                here: Path) -> None:
    done = sc(python, here, "run", "--max-examples", "1", "--phases", "examples",
              "--no-probes", "--seed", "1", "--out", "out")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(r"\d+/33 operations exercised, \d+ calls", done.stdout), done.stdout
    out = here / "out"
    for name in ("summary.json", "junit.xml"):
        assert (out / name).is_file()
    assert list((out / "findings").glob("suite-*.jsonl"))
    assert list((out / "allure-results").glob("*-result.json"))

    report = sc(python, here, "report", "--findings", "out/findings", "--out", "rep")
    assert report.returncode == 0 and "Allure results" in report.stdout, report.stderr
    drift = sc(python, here, "drift", "--findings", "out/findings", "--out", "drift")
    assert drift.returncode in (0, 1), drift.stderr
    assert (here / "drift" / "drift.md").is_file()

    packaged = subprocess.run([str(python), "-c", "import conformance.spec_loader as s; "
                               "print(s.DEFAULT_SPEC)"], capture_output=True, text=True,
                              cwd=here, env=_env(), timeout=TIMEOUT).stdout.strip()
    shutil.copy(packaged, here / "old.yaml")
    text = (here / "old.yaml").read_text(encoding="utf-8")
    assert "  '/v1/projects/{project_id}/apps':\n" in text
    (here / "new.yaml").write_text(text.replace("  '/v1/projects/{project_id}/apps':\n",
                                                "  '/v1/projects/{project_id}/applications':\n"),
                                   encoding="utf-8")
    diff = sc(python, here, "diff", "old.yaml", "new.yaml")
    assert diff.returncode == 1 and "App_ListApps" in diff.stdout, diff.stdout + diff.stderr


def test_html_without_allure_names_the_install_command(python: Path, here: Path) -> None:
    env = _env() | {"XDG_CACHE_HOME": str(here / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([*_tool(python), "report", "--findings", "none", "--out", "rep",
                           "--html"], cwd=here, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode == 2
    assert "tip: install the pinned Allure" in done.stderr
    assert "sinch-conformance report --install-allure" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def emulator(python: Path, here: Path) -> Iterator[str]:
    child = LoggedChild([*_tool(python), "emulator", "--port", "0", "--project-id", "p1",
                         "--key-id", "k1", "--key-secret", "wheel-secret"],
                        here / "emulator.log", env=_env(), cwd=here)
    try:
        line = child.first_line(lambda s: "emulator on http://" in s, 120)
        assert line, child.log_path.read_text()
        yield re.search(r"http://127\.0\.0\.1:\d+", line).group(0)  # type: ignore[union-attr]
    finally:
        child.stop(signal.SIGINT)


@pytest.mark.parametrize("engine", [[], ["--mitmdump"]], ids=["lean", "mitmdump"])
def test_proxy_records_and_replay_gives_the_same_findings(python: Path, here: Path,
                                                          emulator: str,
                                                          engine: list[str]) -> None:
    proxy = LoggedChild([*_tool(python), "proxy", "--target", emulator, "--listen-port", "0",
                         "--record", "rec.har", "--findings", "live", *engine],
                        here / "proxy.log", env=_env(), cwd=here)
    try:
        line = proxy.first_line(lambda s: "listening on http://" in s, 120)
        assert line, proxy.log_path.read_text()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)  # type: ignore[union-attr]
        auth = ("k1", "wheel-secret")
        apps = f"{url}/v1/projects/p1/apps"
        assert requests.get(apps, auth=auth, timeout=30).status_code == 200
        good = requests.post(apps, auth=auth, timeout=30,
                             json={"display_name": "x", "channel_credentials": []})
        assert good.status_code == 200
        assert requests.post(apps, auth=auth, json={"bogus": 1}, timeout=30).status_code == 400
    finally:
        assert proxy.stop(signal.SIGINT) == 0, proxy.log_path.read_text()[-3000:]
    replay = sc(python, here, "replay", "rec.har", "--json")
    assert replay.returncode == 1, replay.stderr
    replayed = {json.loads(x)["fingerprint"] for x in replay.stdout.split("\n") if x.strip()}
    live = {json.loads(x)["fingerprint"] for f in (here / "live").glob("*.jsonl")
            for x in f.read_text().splitlines() if x.strip()}
    assert live and replayed == live
    assert "wheel-secret" not in (here / "rec.har").read_text(encoding="utf-8")


def test_a_teams_tests_use_the_pytest_plugin_from_the_wheel(python: Path, here: Path) -> None:
    """The README's worked example (tests/aids/team_test_example.py) in a scratch project,
    with the suite's items beside it: only the installed wheel's plugin (entry point
    pytest11) and fixtures."""
    shutil.copy(ROOT / "tests" / "aids" / "team_test_example.py", here / "test_team.py")
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--sinch-emulator", "--sinch-max-examples", "1", "-k",
                           "test_ or (examples and Contact_CreateContact) or auth_enforced"],
                          cwd=here, env=_env(), capture_output=True, text=True,
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\b9 passed\b", done.stdout), done.stdout[-2000:]
