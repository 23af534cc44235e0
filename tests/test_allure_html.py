"""The rendered Allure report, seen by a person: headless Chromium opens it and the page must
show the failed results and their categories; a screenshot is kept in reports/artifacts/.

Needs Debian's ``chromium`` and the Allure CLI (installed on demand, see allure_support); skipped
with the reason when either is missing. The report is served from 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.cli import main
from tests.allure_support import SKIP_REASON, allure_or_none
from tests.test_report import known_findings, write_run

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "reports" / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: "
                       "apt-get install -y chromium"),
]


@pytest.fixture(scope="module", autouse=True)
def _allure_cli() -> None:
    if allure_or_none() is None:
        pytest.skip(SKIP_REASON)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", str(directory)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port),
                                                                        timeout=0.2):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/index.html"
    finally:
        server.terminate()
        server.wait(timeout=10)


def chromium(url: str, profile: Path, *extra: str) -> str:
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               "--virtual-time-budget=10000", *extra, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = write_run(tmp_path_factory.mktemp("run"), known_findings())
    for _ in range(2):  # two nightly runs: the second one has a history to show
        assert main(["report", "--findings", str(out / "findings"), "--out", str(out),
                     "--html"]) == 0
    return out


def test_history_is_kept_between_runs(rendered: Path) -> None:
    lines = (rendered / "history" / "history.jsonl").read_text().splitlines()
    assert len(lines) == 2


def test_page_shows_failed_results(rendered: Path, tmp_path: Path) -> None:
    with serve(rendered / "allure-report") as url:
        dom = chromium(url, tmp_path / "profile", "--dump-dom")
    for name in ("Server error: Messages_SendMessage (500) at response.status",
                 "Authentication declared but not enforced: App_ListApps (200)",
                 "Resource available after deletion: Contact_GetContact (200)",
                 "Undocumented field: Messages_SendMessage (200) at response.body/surprise"):
        assert name in dom


def test_categories_tab_lists_every_category_seen(rendered: Path, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "allure-categories.png"
    shot.unlink(missing_ok=True)
    with serve(rendered / "allure-report") as url:
        dom = chromium(url + "#/categories", tmp_path / "profile", "--dump-dom")
        chromium(url + "#/categories", tmp_path / "profile2", f"--screenshot={shot}",
                 "--window-size=1400,1000")
    for category in ("Schema violation", "Drift", "Server error", "Auth", "Stateful",
                     "Undocumented status"):
        assert f">{category}<" in dom
    assert shot.stat().st_size > 10_000
