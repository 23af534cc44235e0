"""Which emulator faults Schemathesis' own CLI finds, and which `sinch-conformance run`
finds, side by side, with each tool's findings on the clean emulator (its noise).

    python benchmarks/bench_detection.py [--faults a,b] [--max-examples N] [--seed S]
                                         [--phases ...] [--auth oauth2|basic]
                                         [--json out.json] [--skip-st] [--skip-ours]

For the clean emulator and then each fault of ``FAULT_REGISTRY`` (so faults added later are
included), each tool runs in its own process against its own emulator with that fault:

* ``st run`` (the installed Schemathesis) with ``--checks all``, on the document our run
  generates from (the contract's merged document: spec/conversation.yaml plus the overlays
  in spec/overlays/, with the dotted path parameter renamed as for our engine, written to
  benchmarks/out/detection/spec.json), ``path.project_id`` set in a config file, the same
  credentials (a bearer token from the emulator, or HTTP Basic with ``--auth basic``), the
  same ``--max-examples``, ``--seed`` and ``--phases``, one worker; its NDJSON events report
  is parsed for failed checks;
* ``sinch-conformance run --emulator-fault NAME`` with the same budget, seed and phases;
  its findings files are read.

A fault counts as found by a tool when that tool reports, on an operation the fault applies
to (:func:`scope`; "any" for faults of every operation or whose evidence is another
operation's answer), something of the fault's Finding kind that it did not report on the
clean emulator. Schemathesis' checks map to kinds through the suite's FAILURE_KINDS, plus
:data:`ST_RESPONSE_KINDS` for the three response checks our suite leaves to the contract.
Sameness: our findings by fingerprint; Schemathesis failures by (check, operation, title,
first message line with ids, timestamps and quoted values masked). Output and reports under
benchmarks/out/detection/<tool>-<fault>/.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.contract import Contract  # noqa: E402
from conformance.emulator.faults import FAULT_REGISTRY, Fault  # noqa: E402
from conformance.findings import DRIFT_KINDS, Kind  # noqa: E402
from conformance.findings_io import read_findings  # noqa: E402
from conformance.suite.checks import FAILURE_KINDS  # noqa: E402
from conformance.suite.emulator_runner import EmulatorProcess, emulator_credentials  # noqa: E402
from conformance.suite.generation import generation_document  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "detection"
CLEAN = "(clean)"
TIMEOUT_S = 1800
# Schemathesis' response checks, which our suite turns off (the contract core decides
# them): the kinds a failure of each stands for. A schema failure stands for an undocumented
# enum value or field only when its message says so.
ST_RESPONSE_KINDS: dict[str, set[str]] = {
    "status_code_conformance": {Kind.RESPONSE_STATUS_UNDOCUMENTED, Kind.UNDOCUMENTED_STATUS},
    "content_type_conformance": {Kind.RESPONSE_CONTENT_TYPE},
    "response_schema_conformance": {Kind.RESPONSE_BODY_SCHEMA},
}
_SCHEMA_DETAIL = ((re.compile(r"is not one of"), Kind.UNDOCUMENTED_ENUM_VALUE),
                  (re.compile(r"[Aa]dditional properties"), Kind.UNDOCUMENTED_FIELD))
_MASK = re.compile(r"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-][\d:]+)?"
                   r"|'[^']*'|\"[^\"]*\"")
_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


@dataclass
class Outcome:
    """One tool's run against one emulator: what it reported, as (kind, operation, key)."""

    tool: str
    fault: str
    exit: int
    wall_s: float
    calls: int = 0
    items: list[tuple[str, str, str]] = field(default_factory=list)
    unmapped: int = 0  # failures of checks that stand for no kind
    error: str = ""

    def keys(self) -> set[str]:
        return {key for _, _, key in self.items}


# ---------------------------------------------------------------- scope of a fault

def scope(fault: Fault, contract: Contract) -> frozenset[str] | None:
    """The operations whose findings name ``fault`` (None: any operation). Faults of every
    operation, of every 200 body, and the stateful ones (a delete that keeps the resource is
    seen in the next read) count on any operation."""
    ops = contract.operations.values()
    text = fault.applies_to
    if text == "operations with a request body":
        return frozenset(o.operation_id for o in ops if o.method in ("POST", "PUT", "PATCH"))
    if text.startswith("list contacts/conversations/messages"):
        return frozenset({"Contact_ListContacts", "Conversation_ListConversations",
                          "Messages_ListMessages"})
    if text.startswith("conversations, messages, send message/event"):
        return frozenset(o.operation_id for o in ops if o.tags and o.tags[0] in (
            "Conversation", "Messages")) | {"Events_SendEvent"}
    return None


# ---------------------------------------------------------------- Schemathesis

def st_kinds(check: str, message: str) -> set[str]:
    """Our Finding kinds a failure of Schemathesis' ``check`` stands for."""
    if check in FAILURE_KINDS:
        return {str(k) for k in FAILURE_KINDS[check].kinds}
    kinds = {str(k) for k in ST_RESPONSE_KINDS.get(check, set())}
    if check == "response_schema_conformance":
        kinds |= {str(kind) for pattern, kind in _SCHEMA_DETAIL if pattern.search(message)}
    return kinds


def operation_labels(document: dict[str, Any]) -> dict[str, str]:
    """``"METHOD /path"`` (as Schemathesis labels an operation) -> operationId."""
    return {f"{method.upper()} {path}": op["operationId"]
            for path, item in document.get("paths", {}).items()
            for method, op in item.items()
            if method in _METHODS and isinstance(op, dict) and "operationId" in op}


def parse_st_events(lines: list[str], labels: dict[str, str]
                    ) -> tuple[list[tuple[str, str, str]], int, int]:
    """(kind, operation, key) per kind of every failed check in an NDJSON events report, the
    failures standing for no kind, and the calls made."""
    items: list[tuple[str, str, str]] = []
    unmapped = calls = 0
    for line in lines:
        event = json.loads(line) if line.strip() else {}
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        calls += sum(1 for i in (recorder.get("interactions") or {}).values()
                     if i.get("response"))
        for nodes in (recorder.get("checks") or {}).values():
            for node in nodes:
                failure = ((node.get("failure_info") or {}).get("failure")) or {}
                if node.get("status") != "failure" or not failure:
                    continue
                check, message = node.get("name", ""), failure.get("message") or ""
                label = failure.get("operation") or recorder.get("label") or ""
                op = labels.get(label, label)
                first = _MASK.sub("*", (message.splitlines() or [""])[0])
                key = f"{check}|{op}|{failure.get('title', '')}|{first}"
                kinds = st_kinds(check, message)
                unmapped += not kinds
                items += [(kind, op, key) for kind in sorted(kinds)]
    return items, unmapped, calls


def _bearer(token_url: str, key_id: str, secret: str) -> str:
    resp = requests.post(token_url, data={"grant_type": "client_credentials"},
                         auth=(key_id, secret), timeout=30)
    resp.raise_for_status()
    return str(resp.json()["access_token"])


def run_st(fault: str, args: argparse.Namespace, spec: Path, labels: dict[str, str]
           ) -> Outcome:
    out = _fresh_dir(f"st-{fault}")
    creds = emulator_credentials(args.auth)
    config = out / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.project_id" = "{creds.project_id}"\n')
    events = out / "events.ndjson"
    started = time.monotonic()
    with EmulatorProcess(creds, () if fault == CLEAN else (fault,), token_ttl=3600) as emu:
        target = emu.start()
        auth = (["-a", f"{creds.key_id}:{creds.key_secret}"] if args.auth == "basic" else
                ["-H", "Authorization: Bearer " + _bearer(
                    target.credentials.token_url, creds.key_id, creds.key_secret)])
        cmd = [_st(), "--config-file", str(config), "run", str(spec), "-u", target.base_url,
               *auth, "--checks", "all", "--max-examples", str(args.max_examples),
               "--seed", str(args.seed), "--phases", args.phases, "--workers", "1",
               "--report", "ndjson", "--report-ndjson-path", str(events)]
        code = _call(cmd, out, cwd=out)  # st keeps a .schemathesis/ cache in its cwd
    outcome = Outcome("st run", fault, code, round(time.monotonic() - started, 1))
    if not events.exists():
        outcome.error = f"no NDJSON report (exit {code}; see {out / 'console.txt'})"
        return outcome
    outcome.items, outcome.unmapped, outcome.calls = parse_st_events(
        events.read_text(encoding="utf-8").splitlines(), labels)
    return outcome


def _st() -> str:
    local = Path(sys.executable).with_name("st")
    return str(local) if local.exists() else (shutil.which("st") or "st")


# ---------------------------------------------------------------- sinch-conformance

def run_ours(fault: str, args: argparse.Namespace) -> Outcome:
    out = _fresh_dir(f"ours-{fault}")
    cmd = [sys.executable, "-m", "conformance", "run", "--out", str(out / "run"),
           "--progress", "plain", "--max-examples", str(args.max_examples),
           "--seed", str(args.seed), "--phases", args.phases, "--auth", args.auth]
    if fault != CLEAN:
        cmd += ["--emulator-fault", fault]
    started = time.monotonic()
    code = _call(cmd, out)
    outcome = Outcome("sinch-conformance run", fault, code,
                      round(time.monotonic() - started, 1))
    summary = out / "run" / "summary.json"
    if code not in (0, 1) or not summary.exists():
        outcome.error = f"exit {code}; see {out / 'console.txt'}"
    if summary.exists():
        outcome.calls = json.loads(summary.read_text())["run"]["calls"]
    findings = out / "run" / "findings"
    outcome.items = [(str(f.kind), f.operation_id or "", f.fingerprint)
                     for f in (read_findings(findings) if findings.exists() else [])]
    return outcome


# ---------------------------------------------------------------- the comparison

def found(fault: Fault, outcome: Outcome, clean: Outcome | None,
          ops: frozenset[str] | None) -> list[str]:
    """Operations where ``outcome`` reports the fault's kind anew (not seen on clean)."""
    known = clean.keys() if clean else set()
    return sorted({op for kind, op, key in outcome.items
                   if kind == str(fault.finding) and (ops is None or op in ops)
                   and key not in known})


def _fresh_dir(name: str) -> Path:
    out = OUT / re.sub(r"[^\w.-]+", "_", name)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return out


def _call(cmd: list[str], out: Path, cwd: Path = ROOT) -> int:
    with (out / "console.txt").open("w") as console:
        return subprocess.run(cmd, cwd=cwd, stdout=console, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=TIMEOUT_S).returncode


def _noise(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    if outcome.error:
        return f"ERROR: {outcome.error}"
    if outcome.tool == "st run":
        failures = {key for _, _, key in outcome.items}
        return (f"{len(failures) + outcome.unmapped} distinct failure(s), exit "
                f"{outcome.exit}, {outcome.calls} calls, {outcome.wall_s:.0f} s")
    viol = {key for kind, _, key in outcome.items if kind not in DRIFT_KINDS}
    return (f"{len(viol)} violation(s) + {len(outcome.keys()) - len(viol)} drift, exit "
            f"{outcome.exit}, {outcome.calls} calls, {outcome.wall_s:.0f} s")


def _mark(outcome: Outcome | None, ops: list[str]) -> str:
    if outcome is None:
        return "-"
    if outcome.error:
        return "ERROR"
    return f"yes ({', '.join(ops[:2])}{', ...' if len(ops) > 2 else ''})" if ops else "no"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--faults", help="comma-separated fault names (default: all)")
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--auth", choices=("oauth2", "basic"), default="oauth2")
    parser.add_argument("--json", type=Path, help="write the results here as JSON too")
    parser.add_argument("--skip-st", action="store_true")
    parser.add_argument("--skip-ours", action="store_true")
    args = parser.parse_args(argv)
    names = [e.name for e in FAULT_REGISTRY]
    wanted = args.faults.split(",") if args.faults else names
    unknown = [n for n in wanted if n not in names]
    if unknown:
        parser.error(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(names)}")
    contract = Contract.default()
    document, _ = generation_document(contract.document)
    OUT.mkdir(parents=True, exist_ok=True)
    spec = OUT / "spec.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    labels = operation_labels(document)
    tools = [("st", lambda f: run_st(f, args, spec, labels))] * (not args.skip_st) + \
            [("ours", lambda f: run_ours(f, args))] * (not args.skip_ours)
    clean = {tool: run(CLEAN) for tool, run in tools}
    print(f"settings: max-examples {args.max_examples}, seed {args.seed}, phases "
          f"{args.phases}, auth {args.auth}; st run on {spec.relative_to(ROOT)}")
    print(f"noise on the clean emulator:\n  st run:             {_noise(clean.get('st'))}\n"
          f"  sinch-conformance:  {_noise(clean.get('ours'))}\n")
    header = f"{'fault':<26} {'kind':<34} {'scope':<6} {'st run found?':<44} ours found?"
    print(header + "\n" + "-" * len(header))
    rows = []
    for name in wanted:
        fault = FAULT_REGISTRY[name].obj
        ops = scope(fault, contract)
        result = {tool: run(name) for tool, run in tools}
        hits = {tool: found(fault, o, clean.get(tool), ops) for tool, o in result.items()}
        rows.append({"fault": name, "kind": str(fault.finding),
                     "scope": sorted(ops) if ops else "any",
                     **{tool: {**asdict(o), "items": len(o.items), "found_on": hits[tool],
                               "found": bool(hits[tool]) and not o.error}
                        for tool, o in result.items()}})
        print(f"{name:<26} {fault.finding:<34} {'any' if ops is None else len(ops):<6} "
              f"{_mark(result.get('st'), hits.get('st', [])):<44} "
              f"{_mark(result.get('ours'), hits.get('ours', []))}", flush=True)
    totals = {tool: sum(r[tool]["found"] for r in rows) for tool, _ in tools}
    print("\nfaults found: " + ", ".join(f"{'st run' if t == 'st' else 'sinch-conformance'} "
                                         f"{n}/{len(rows)}" for t, n in totals.items()))
    report = {"settings": vars(args) | {"json": str(args.json or "")},
              "clean": {t: {**asdict(o), "items": len(o.items), "noise": _noise(o)}
                        for t, o in clean.items()},
              "faults": rows, "found": totals}
    (OUT / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    errors = [o for o in clean.values() if o.error] + [
        r for r in rows for t, _ in tools if r[t]["error"]]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
