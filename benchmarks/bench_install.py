"""What installing the wheel costs a user, per Python version, side by side.

    python benchmarks/bench_install.py [--versions 3.11,3.12,3.13] [--rounds 3]

Builds the wheel once and prints its size; then, for each Python version found on this
machine (on PATH or under pyenv), makes a fresh venv outside the checkout, times
``pip install <wheel>`` (the pip cache is warm after the first round: the first round's
figure includes downloads, the later ones measure resolving and unpacking), and times the
first command after the install, ``sinch-conformance lint`` from an empty directory (cold:
the first import of everything lint needs), then the same command again (warm). The ratio
column compares each version's cold ``lint`` with the first version's, measured in the same
run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def find_python(version: str) -> str | None:
    """An interpreter of ``version`` (X.Y): on PATH when it really is that version, else
    pyenv's."""
    candidates = [shutil.which(f"python{version}") or ""]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob(f"versions/{version}.*/bin/python"))
    for exe in filter(None, candidates):
        done = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == version:
            return exe
    return None


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # lint exits 1: the spec has defects
        sys.exit(f"bench_install: {' '.join(command)} failed ({done.returncode}):\n"
                 f"{done.stderr[-2000:]}")
    return elapsed


def build_wheel(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(out), str(ROOT)], check=True)
    return next(out.glob("sinch_conformance-*.whl"))


def measure(python: str, wheel: Path, work: Path) -> dict[str, float]:
    venv = work / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    install = timed([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                     "--disable-pip-version-check", str(wheel)], work)
    empty = work / "empty"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    tool = str(venv / "bin" / "sinch-conformance")
    cold = timed([tool, "lint"], empty, env)
    warm = timed([tool, "lint"], empty, env)
    return {"install": install, "cold": cold, "warm": warm}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", default="3.11,3.12,3.13")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        work = Path(tmp)
        wheel = build_wheel(work / "dist")
        print(f"wheel: {wheel.name}, {wheel.stat().st_size / 1024:.0f} kB")
        rows: list[tuple[str, dict[str, list[float]]]] = []
        for version in args.versions.split(","):
            python = find_python(version)
            if python is None:
                print(f"Python {version}: not on this machine, skipped")
                continue
            figures: dict[str, list[float]] = {"install": [], "cold": [], "warm": []}
            for _ in range(args.rounds):
                for key, value in measure(python, wheel, work).items():
                    figures[key].append(value)
            rows.append((version, figures))
        if not rows:
            return 1
        base = statistics.median(rows[0][1]["cold"])
        print(f"{'python':8} {'install s (first / median of rest)':>36} {'lint cold s':>12} "
              f"{'lint warm s':>12} {'cold vs ' + rows[0][0]:>14}")
        for version, f in rows:
            rest = f["install"][1:] or f["install"]
            cold = statistics.median(f["cold"])
            print(f"{version:8} {f['install'][0]:>17.1f} / {statistics.median(rest):<16.1f} "
                  f"{cold:>12.2f} {statistics.median(f['warm']):>12.2f} {cold / base:>13.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
