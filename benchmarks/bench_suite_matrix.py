"""The suite against the bundled emulator: the full clean run, then every catalogued fault.

    python benchmarks/bench_suite_matrix.py [--max-examples 10] [--seed 1] [--faults a,b]
                                            [--skip-clean] [--skip-faults]

Each run is ``sinch-conformance run`` in its own process, exactly as a user starts it
(``--emulator-fault NAME`` for the faults), with its output in benchmarks/out/suite/<name>/.
Prints the clean run's wall time and per-operation table, then one line per fault: the
Finding kind the catalogue names, whether the run raised it, the kinds it raised and the
run's wall time; and ``faults found: N/M``. Goals: the clean run under 60 s on a 2-core
machine with no violation, every fault found. Exit 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.emulator.faults import CATALOGUE  # noqa: E402
from conformance.findings_io import read_findings  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "suite"
CLEAN_GOAL_S = 60.0


def run(name: str, args: list[str]) -> tuple[int, float, Path]:
    out = OUT / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cmd = [sys.executable, "-m", "conformance", "run", "--out", str(out),
           "--progress", "plain", *args]
    started = time.monotonic()
    with (out / "console.txt").open("w") as console:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=console, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=1800)
    return proc.returncode, time.monotonic() - started, out


def kinds(out: Path) -> set[str]:
    directory = out / "findings"
    return {str(f.kind) for f in read_findings(directory)} if directory.exists() else set()


def clean(args: argparse.Namespace) -> dict[str, Any]:
    code, seconds, out = run("clean", ["--max-examples", str(args.max_examples),
                                       "--seed", str(args.seed)])
    summary = json.loads((out / "summary.json").read_text())
    console = (out / "console.txt").read_text()
    table = console[console.find("operation "):console.find("note:")].rstrip()
    print(table)
    result = {"exit": code, "wall_s": round(seconds, 1), **{k: summary["run"][k] for k in (
        "calls", "operations_exercised", "operations_total", "stateful_sequences",
        "violations", "drift", "phase_times_s")}}
    print(f"\nclean run: exit {code}, {seconds:.1f} s wall "
          f"(goal < {CLEAN_GOAL_S:.0f} s), {result['operations_exercised']}/"
          f"{result['operations_total']} operations, {result['calls']} calls, "
          f"{result['stateful_sequences']} stateful sequences, {result['violations']} "
          f"violation(s), {result['drift']} drift; phases {result['phase_times_s']}")
    return result


def faults(args: argparse.Namespace) -> list[dict[str, Any]]:
    wanted = set(args.faults.split(",")) if args.faults else None
    rows = []
    print(f"\n{'fault':<24} {'catalogued kind':<34} {'found':<6} {'wall':>6}  kinds raised")
    for fault in CATALOGUE:
        if wanted and fault.name not in wanted:
            continue
        code, seconds, out = run(f"fault-{fault.name}", [
            "--emulator-fault", fault.name, "--max-examples", str(args.max_examples),
            "--seed", str(args.seed)])
        seen = kinds(out)
        found = fault.finding in seen
        rows.append({"fault": fault.name, "kind": fault.finding, "found": found,
                     "exit": code, "wall_s": round(seconds, 1), "kinds": sorted(seen)})
        print(f"{fault.name:<24} {fault.finding:<34} {'yes' if found else 'NO':<6} "
              f"{seconds:>5.1f}s  {', '.join(sorted(seen))}")
    print(f"\nfaults found: {sum(r['found'] for r in rows)}/{len(rows)}")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", help="comma-separated fault names (default: all)")
    parser.add_argument("--skip-clean", action="store_true")
    parser.add_argument("--skip-faults", action="store_true")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    ok = True
    if not args.skip_clean:
        report["clean"] = clean(args)
        ok &= report["clean"]["exit"] == 0 and report["clean"]["wall_s"] < CLEAN_GOAL_S
    if not args.skip_faults:
        report["faults"] = faults(args)
        ok &= all(r["found"] for r in report["faults"])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nwritten: {OUT / 'report.json'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
