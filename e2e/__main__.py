"""``python -m e2e``: run the official Sinch SDKs through the proxy and report their drift.

    python -m e2e [--out reports/sdk-e2e] [--sdk python] [--sdk node] [--python PYTHON]

For each SDK: a fresh emulator behind the validating proxy, the SDK's driver pointed at
the proxy, then the drift report of what the proxy saw. Writes, under ``--out``:

    summary.md              per SDK: calls and outcomes, flows checked, findings by kind
    drift.md, drift.json    the drift report of both SDKs together
    findings/               both SDKs' findings (JSON lines)
    <sdk>/                  calls.json, traffic.har, findings/, drift.md, drift.json, logs

and prints ``summary.md``. Exit 0 when every SDK call did what its driver expected and the
proxy checked every exchange; 1 otherwise; 2 when no SDK could run. Drift itself does not
fail the run: it is the product of this command.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from e2e.sdk_run import SdkRun, finding_key, node_unavailable, python_sdk_unavailable, run_sdk

SDKS = ("python", "node")


def _drift(findings: Path, out: Path) -> None:
    """``sinch-conformance drift`` (exit 1 just means 'drift not in a baseline')."""
    done = subprocess.run([sys.executable, "-m", "conformance", "drift", "--findings",
                           str(findings), "--out", str(out), "--format", "md"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode not in (0, 1):
        raise SystemExit(f"e2e: the drift report failed: {done.stderr.strip()}")


def _calls_table(run: SdkRun) -> list[str]:
    lines = ["| call | operation | outcome |", "|---|---|---|"]
    for c in run.calls:
        if c["ok"]:
            outcome = "ok"
        else:
            status = f"HTTP {c['status']}" if c.get("status") else "SDK error"
            outcome = f"{status}, expected: {c['expected_failure']}" \
                if c.get("expected_failure") else f"**UNEXPECTED** {c['error']}"
        outcome = " ".join(outcome.replace("|", "\\|").split())
        lines.append(f"| `{c['call']}` | {c['operation'] or '(not in the spec)'} | "
                     f"{outcome} |")
    return lines


def _section(run: SdkRun) -> list[str]:
    kinds = Counter(str(f.kind) for f in run.findings)
    distinct = sorted({finding_key(f) for f in run.findings})
    lines = [f"## {run.sdk_version}", "",
             f"{len(run.calls)} calls, {len(run.exchanges)} HTTP exchanges, "
             f"{run.flows_checked} checked by the proxy; findings: "
             + (", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "none") + ".", ""]
    bad = run.problems()
    lines += ([f"- **problem**: {p}" for p in bad] + [""]) if bad else []
    lines += _calls_table(run) + ["", "<details><summary>distinct findings "
                                  f"({len(distinct)})</summary>", "",
                                  "| kind | operation | location |", "|---|---|---|"]
    lines += [f"| {k} | {op} | `{loc}` |" for k, op, loc in distinct]
    return lines + ["", "</details>", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("reports/sdk-e2e"),
                        help="output directory (default reports/sdk-e2e; replaced)")
    parser.add_argument("--sdk", action="append", choices=SDKS,
                        help="which SDK to run (repeatable; default: both)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with the sinch package, if not this one")
    args = parser.parse_args(argv)
    if args.out.is_dir() and any(args.out.iterdir()) and not (args.out / "summary.md").exists():
        print(f"e2e: {args.out} is not empty and holds no earlier run (no summary.md); pass "
              "--out with a new or an earlier output directory", file=sys.stderr)
        return 2
    shutil.rmtree(args.out, ignore_errors=True)
    (args.out / "findings").mkdir(parents=True)
    runs: list[SdkRun] = []
    skipped: list[str] = []
    for sdk in args.sdk or SDKS:
        why = python_sdk_unavailable(args.python) if sdk == "python" else node_unavailable()
        if why:
            skipped.append(f"- {sdk} SDK skipped: {why}")
            continue
        run = run_sdk(sdk, args.out / sdk, python=args.python)
        runs.append(run)
        _drift(run.workdir / "findings", run.workdir)
        for path in sorted((run.workdir / "findings").glob("*.jsonl")):
            shutil.copy(path, args.out / "findings" / f"{sdk}-{path.name}")
    _drift(args.out / "findings", args.out)
    lines = ["# What the official Sinch SDKs sent, as the proxy saw it", ""]
    lines += skipped + ([""] if skipped else [])
    for run in runs:
        lines += _section(run)
    lines.append(f"Drift report of all SDKs: `{args.out / 'drift.md'}`.")
    text = "\n".join(lines) + "\n"
    (args.out / "summary.md").write_text(text, encoding="utf-8")
    print(text)
    if not runs:
        print("e2e: no SDK could run", file=sys.stderr)
        return 2
    return 1 if any(run.problems() for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
