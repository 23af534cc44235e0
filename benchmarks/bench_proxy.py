"""Proxy throughput and latency on loopback: direct, bare mitmdump, mitmdump + the
sinch_validator add-on, the lean mitmproxy master that ``sinch-conformance proxy`` runs
(with and without the add-on), and Prism's validating proxy, on the same traffic in one run.

    python benchmarks/bench_proxy.py [--seconds 5] [--rounds 5] [--upstream auto]
                                     [--setups TEXT,...] [--no-prism]

Upstream: the emulator (``python -m conformance emulator``) when it runs, else a canned
ASGI app under uvicorn serving the same realistic bodies (``--upstream canned``). Traffic:
a mix of GET app, GET a 20-message ListMessages page (~7 KB) and PATCH app (~0.5 KB
request), over keep-alive connections from a separate asyncio client process. Every
setup, Prism included, runs ``--rounds`` times, interleaved; the median round is shown.
Prism (``@stoplight/prism-cli``) is installed with npm into benchmarks/out/prism (ignored
by git) when npm is available; otherwise its row says why it was skipped.

Prints req/s, p50/p99 latency and CPU per flow (proxy process and its checker child) per
setup; the ratio mitmdump + add-on / bare mitmdump (goal: >= 0.95); and
``sinch-conformance proxy`` against bare mitmdump, against itself without the add-on and
against Prism (goal: ahead of Prism per validated flow).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sample_bodies import list_messages_page, send_message_request  # noqa: E402

from conformance.processes import stop_process  # noqa: E402
from conformance.proxy.launcher import (  # noqa: E402
    COMMANDS,
    Mitmdump,
    free_port,
    wait_for_port,
)

PRISM_DIR = ROOT / "benchmarks" / "out" / "prism"
SPEC = ROOT / "spec" / "conversation.yaml"
PROJECT, KEY_ID, KEY_SECRET = "bench-project", "bench-key", "bench-secret-0123456789"
WARMUP = 1.0

SEND = send_message_request(
    "Your order 1234 has shipped and will arrive on Thursday, 9:00-12:00.")

PATCH = {"display_name": "Bench app (renamed)", "channel_credentials": [
    {"channel": "SMS", "static_bearer": {"claimed_identity": "bench", "token": "bench-token"},
     "callback_secret": "bench-callback-secret"},
    {"channel": "WHATSAPP", "static_bearer": {"claimed_identity": "bench-wa",
                                              "token": "bench-token-wa"}}],
    "conversation_metadata_report_view": "NONE",
    "retention_policy": {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 180}}
CANNED_APP = "01HZXK8M3Q2W9V7B5N4C6D1E0F"
CANNED = {
    ("GET", f"/v1/projects/{PROJECT}/messages"): {
        **list_messages_page(20)},
    ("GET", f"/v1/projects/{PROJECT}/apps/01HZXK8M3Q2W9V7B5N4C6D1E0F"): {
        "id": "01HZXK8M3Q2W9V7B5N4C6D1E0F", "display_name": "Bench app",
        "channel_credentials": [{"channel": "SMS", "static_bearer": {
            "claimed_identity": "bench", "token": "bench-token"}}],
        "conversation_metadata_report_view": "NONE", "processing_mode": "CONVERSATION",
        "rate_limits": {"outbound": 20, "inbound": 20, "webhooks": 20}},
}
CANNED[("PATCH", f"/v1/projects/{PROJECT}/apps/{CANNED_APP}")] = CANNED[
    ("GET", f"/v1/projects/{PROJECT}/apps/{CANNED_APP}")]


# ---------------------------------------------------------------- canned upstream (ASGI)

def canned_app() -> Any:
    bodies = {k: json.dumps(v).encode() for k, v in CANNED.items()}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        body = bodies.get((scope["method"], scope["path"]), b'{"code": 404}')
        status = 200 if (scope["method"], scope["path"]) in bodies else 404
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app


def serve_canned(port: int) -> None:
    import uvicorn

    uvicorn.run(canned_app(), host="127.0.0.1", port=port, log_level="error",
                access_log=False)


# ---------------------------------------------------------------- load client

def build_requests(host: str, auth: str | None, app_id: str) -> list[bytes]:
    patch_body = json.dumps(PATCH).encode()
    extra = f"Authorization: {auth}\r\n" if auth else ""
    items = [
        ("GET", f"/v1/projects/{PROJECT}/apps/{app_id}", b""),
        ("GET", f"/v1/projects/{PROJECT}/messages?page_size=20", b""),
        ("PATCH", f"/v1/projects/{PROJECT}/apps/{app_id}", patch_body),
    ]
    out = []
    for method, path, body in items:
        head = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: bench\r\n"
                f"Accept: application/json\r\n{extra}")
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        out.append((head + "\r\n").encode() + body)
    return out


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readline()).split(b";")[0].strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return status
    idx = lower.find(b"content-length:")
    length = int(lower[idx + 15:lower.index(b"\r\n", idx)]) if idx >= 0 else 0
    await reader.readexactly(length)
    return status


async def _connection(port: int, reqs: list[bytes], start: float, end: float,
                      lat: list[float], statuses: dict[int, int], offset: int,
                      total: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while (now := time.perf_counter()) < end:
            writer.write(reqs[i % len(reqs)])
            i += 1
            status = await _read_response(reader)
            done = time.perf_counter()
            total[0] += 1
            if now >= start:
                lat.append(done - now)
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _load(port: int, host: str, auth: str | None, app_id: str, seconds: float,
                concurrency: int) -> dict[str, Any]:
    reqs = build_requests(host, auth, app_id)
    start = time.perf_counter() + WARMUP
    end = start + seconds
    lat: list[float] = []
    statuses: dict[int, int] = {}
    total = [0]
    await asyncio.gather(*(_connection(port, reqs, start, end, lat, statuses, n, total)
                           for n in range(concurrency)))
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    return {"rps": len(lat) / seconds, "p50": q[49] * 1000, "p99": q[98] * 1000,
            "n": len(lat), "total": total[0], "statuses": statuses}


def _cpu_seconds(pid: int, children: bool = True) -> float:
    """CPU time (user + system) of a process and, by default, its children, from /proc."""
    pids = [pid] + ([int(c) for c in _children(pid)] if children else [])
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def run_load(port: int, host: str, auth: str | None, app_id: str, seconds: float,
             concurrency: int, pid: int | None = None) -> dict[str, Any]:
    """Run the client in its own process, so it does not share a GIL with anything;
    with ``pid``, also measure that process tree's CPU time per flow."""
    before = _cpu_seconds(pid) if pid else 0.0
    before_own = _cpu_seconds(pid, children=False) if pid else 0.0
    result = _run_client(port, host, auth, app_id, seconds, concurrency)
    if pid:
        flows = max(1, result["total"])
        result["cpu_ms"] = 1000 * (_cpu_seconds(pid) - before) / flows
        result["cpu_own_ms"] = 1000 * (_cpu_seconds(pid, children=False) - before_own) / flows
    return result


def _run_client(port: int, host: str, auth: str | None, app_id: str, seconds: float,
                concurrency: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--load", str(port), "--host-header", host,
           "--seconds", str(seconds), "--concurrency", str(concurrency), "--app-id", app_id]
    if auth:
        cmd += ["--auth", auth]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 4 + 60,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError(f"load client failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


# ---------------------------------------------------------------- processes

class Child:
    """A child process stopped by its own PID."""

    def __init__(self, args: list[str], port: int, cwd: Path | None = None) -> None:
        self.port = port
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     start_new_session=True, cwd=cwd)
        if not wait_for_port("127.0.0.1", port, 60, self.proc):
            self.stop()
            raise RuntimeError(f"{args[0]} did not listen on {port}")

    def stop(self) -> None:
        stop_process(self.proc, signal.SIGTERM, timeout=15, kill_wait=5)


def start_emulator() -> tuple[subprocess.Popen[str], str] | None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", "emulator", "--port", "0", "--project-id",
         PROJECT, "--key-id", KEY_ID, "--key-secret", KEY_SECRET],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        text=True, start_new_session=True, cwd=ROOT)
    assert proc.stdout is not None
    match = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline())
    if proc.poll() is not None or match is None:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(10)
        return None
    return proc, match.group(0)


def seed_emulator(base: str, auth: str) -> str:
    """Create the app and 25 messages the workload reads; returns the app id."""
    import requests

    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = auth
    app = session.post(f"{base}/v1/projects/{PROJECT}/apps", timeout=30, json={
        "display_name": "Bench app", "channel_credentials": [
            {"channel": "SMS", "static_bearer": {"claimed_identity": "bench",
                                                 "token": "bench-token"}}]})
    app.raise_for_status()
    app_id = str(app.json()["id"])
    send = {**SEND, "app_id": app_id}
    for _ in range(25):
        session.post(f"{base}/v1/projects/{PROJECT}/messages:send", json=send,
                     timeout=30).raise_for_status()
    return app_id


def ensure_prism() -> tuple[Path | None, str]:
    exe = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if exe.exists():
        return exe, ""
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed"
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                           "@stoplight/prism-cli@5"], cwd=PRISM_DIR, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not exe.exists():
        return None, f"npm install failed: {proc.stderr.strip()[-200:]}"
    return exe, ""


# ---------------------------------------------------------------- main

SETUPS = [  # name, runner, add-on?, options
    ("bare mitmdump", "mitmdump", False, {}),
    ("mitmdump + add-on", "mitmdump", True, {}),
    # loaded but checking no host: what mitmproxy charges for one more add-on
    ("mitmdump + idle add-on", "mitmdump", True, {"sinch_hosts": "nothing.invalid"}),
    ("mitmdump + add-on (thread)", "mitmdump", True, {"sinch_check_in": "thread"}),
    ("mitmdump + add-on + HAR", "mitmdump", True, {"sinch_record": "{tmp}/rec.har"}),
    # what `sinch-conformance proxy` runs: mitmproxy's core with only the add-ons a
    # validating proxy needs (conformance/proxy/lean_master.py)
    ("lean mitmproxy", "lean", False, {}),
    ("lean mitmproxy + add-on", "lean", True, {}),
]


def _median(results: list[dict[str, Any]]) -> dict[str, Any]:
    best = sorted(results, key=lambda r: r["rps"])[len(results) // 2]
    out = {**best, "rounds": [round(r["rps"]) for r in results]}
    for key in ("cpu_ms", "cpu_own_ms"):
        cpu = sorted(r[key] for r in results if key in r)
        if cpu:
            out[key] = cpu[len(cpu) // 2]
    return out


def measure_all(args: argparse.Namespace) -> list[tuple[str, dict[str, Any] | str]]:
    """Each setup runs ``--rounds`` times, interleaved with the others (so a burst of
    load from elsewhere on the machine hits them alike); the median round is shown."""
    emulator = None if args.upstream == "canned" else start_emulator()
    canned = None
    if emulator is None:
        if args.upstream == "emulator":
            raise SystemExit("the emulator did not start (python -m conformance emulator)")
        port = free_port()
        canned = Child([sys.executable, __file__, "--serve-canned", str(port)], port)
        upstream, auth, kind = f"http://127.0.0.1:{port}", None, "canned ASGI app (uvicorn)"
        app_id = CANNED_APP
    else:
        upstream = emulator[1]
        token = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
        auth, kind = f"Basic {token}", "emulator"
        app_id = seed_emulator(upstream, auth)
    up_port = int(upstream.rsplit(":", 1)[1])
    host = f"127.0.0.1:{up_port}"
    print(f"upstream: {kind} at {upstream}; {args.rounds} x {args.seconds:.0f} s per setup, "
          f"{args.concurrency} keep-alive connections", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    proxies: list[tuple[str, Mitmdump]] = []
    results: dict[str, list[dict[str, Any]]] = {"direct": []}
    prism: Child | None = None  # stopped in `finally`, whatever failed before it started
    try:
        for name, runner, addon, options in SETUPS:
            if args.setups and not any(part in name for part in args.setups.split(",")):
                continue
            port = free_port()
            opts = {k: str(v).format(tmp=tmp) for k, v in options.items()}
            if addon:
                opts["sinch_findings_dir"] = str(tmp / f"findings-{len(proxies)}")
            cmd = COMMANDS[runner](mode=f"reverse:{upstream}", listen_host="127.0.0.1",
                                  listen_port=port, addon=addon, options=opts,
                                  extra=["--set", "termlog_verbosity=error"])
            proxies.append((name, Mitmdump(cmd, port, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL).start()))
            results[name] = []
        prism, prism_row = start_prism(args, upstream)
        if prism is not None:
            results["prism proxy"] = []
        time.sleep(3.0)  # let the add-ons' checker processes finish starting
        for _ in range(args.rounds):
            results["direct"].append(run_load(up_port, host, auth, app_id, args.seconds,
                                              args.concurrency))
            for name, proxy in proxies:
                assert proxy.proc is not None
                results[name].append(run_load(proxy.port, host, auth, app_id, args.seconds,
                                              args.concurrency, proxy.proc.pid))
            if prism is not None:
                results["prism proxy"].append(run_load(prism.port, host, auth, app_id,
                                                       args.seconds, args.concurrency,
                                                       prism.proc.pid))
        for _name, proxy in proxies:
            proxy.stop()
        findings = sum(1 for p in tmp.glob("findings-*/*.jsonl")
                       for _ in p.open(encoding="utf-8"))
        print(f"findings made by the add-ons during the run: {findings}")
        rows: list[tuple[str, dict[str, Any] | str]] = [
            (name, _median(runs)) for name, runs in results.items()]
        if prism is None:
            rows.append(("prism proxy", prism_row))
        return rows
    finally:
        for _, proxy in proxies:
            proxy.stop()
        if prism is not None:
            prism.stop()
        if canned is not None:
            canned.stop()
        if emulator is not None:
            os.kill(emulator[0].pid, signal.SIGTERM)
            emulator[0].wait(15)
        shutil.rmtree(tmp, ignore_errors=True)


def start_prism(args: argparse.Namespace, upstream: str) -> tuple[Child | None, str]:
    """Prism's validating proxy in front of ``upstream``, or None and why not."""
    if args.no_prism:
        return None, "skipped (--no-prism)"
    exe, why = ensure_prism()
    if exe is None:
        return None, f"skipped: {why}"
    port = free_port()
    try:
        return Child([str(exe), "proxy", str(SPEC), upstream, "-p", str(port), "-h",
                      "127.0.0.1", "--errors", "false", "-v", "warn"], port), ""
    except RuntimeError as exc:
        return None, f"skipped: {exc}"


def _paired(row: dict[str, Any], other: dict[str, Any]) -> list[float]:
    """req/s of ``row`` over ``other``, round by round (the rounds ran interleaved)."""
    return [a / b for a, b in zip(row["rounds"], other["rounds"], strict=True)]


def _listed(ratios: list[float]) -> str:
    return ", ".join(f"{r:.2f}" for r in ratios)


def report(rows: list[tuple[str, dict[str, Any] | str]]) -> None:
    print(f"{'setup':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/flow':>12} "
          f"{'of it child':>11}  rounds (req/s), statuses")
    for name, row in rows:
        if isinstance(row, str):
            print(f"{name:<28} {row}")
        else:
            cpu = f"{row['cpu_ms']:12.3f}" if "cpu_ms" in row else f"{'-':>12}"
            child = row.get("cpu_ms", 0.0) - row.get("cpu_own_ms", 0.0)
            cpu += f" {child:11.3f}" if "cpu_own_ms" in row else f" {'-':>11}"
            print(f"{name:<28} {row['rps']:8.0f} {row['p50']:8.2f} {row['p99']:8.2f} {cpu}  "
                  f"{row['rounds']} {row['statuses']}")
    found = dict(rows)
    bare, addon = found.get("bare mitmdump"), found.get("mitmdump + add-on")
    if isinstance(bare, dict) and isinstance(addon, dict):
        paired = _paired(addon, bare)
        print(f"ratio add-on / bare mitmdump (req/s): {addon['rps'] / bare['rps']:.3f} "
              f"(goal >= 0.95); round by round: {_listed(paired)}; best {max(paired):.2f}")
    idle = found.get("mitmdump + idle add-on")
    if isinstance(bare, dict) and isinstance(idle, dict):
        print(f"ratio idle add-on / bare mitmdump (req/s): {idle['rps'] / bare['rps']:.3f} "
              "(mitmproxy's own cost of one more script add-on); round by round: "
              f"{_listed(_paired(idle, bare))}")
    if isinstance(bare, dict) and isinstance(addon, dict) and "cpu_ms" in addon:
        print(f"validation CPU per flow (add-on minus bare mitmdump): "
              f"{addon['cpu_ms'] - bare['cpu_ms']:.3f} ms; of it in mitmdump's own process "
              f"(the hooks): {addon['cpu_own_ms'] - bare['cpu_own_ms']:.3f} ms, in the "
              f"checker child: {addon['cpu_ms'] - addon['cpu_own_ms']:.3f} ms")
    prism = found.get("prism proxy")
    if isinstance(prism, dict) and isinstance(addon, dict):
        print(f"mitmdump + add-on / prism: req/s {addon['rps'] / prism['rps']:.2f}; CPU per "
              f"validated flow {addon.get('cpu_ms', 0):.3f} ms vs prism "
              f"{prism.get('cpu_ms', 0):.3f} ms (mitmdump alone: "
              f"{bare.get('cpu_ms', 0) if isinstance(bare, dict) else 0:.3f} ms)")
    lean, lean_addon = found.get("lean mitmproxy"), found.get("lean mitmproxy + add-on")
    if isinstance(lean_addon, dict):
        print("sinch-conformance proxy (lean mitmproxy + add-on):")
        for label, other in (("bare mitmdump", bare), ("lean mitmproxy, no add-on", lean),
                             ("prism proxy", prism)):
            if isinstance(other, dict):
                cpu = (f"; CPU per flow {lean_addon.get('cpu_ms', 0):.3f} ms vs "
                       f"{other.get('cpu_ms', 0):.3f} ms" if "cpu_ms" in other else "")
                print(f"  / {label}: req/s {lean_addon['rps'] / other['rps']:.3f}, round by "
                      f"round {_listed(_paired(lean_addon, other))}{cpu}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--upstream", choices=["auto", "emulator", "canned"], default="auto")
    ap.add_argument("--no-prism", action="store_true")
    ap.add_argument("--setups", default="", metavar="TEXT[,TEXT]",
                    help="run only the setups whose names contain one of these texts")
    ap.add_argument("--serve-canned", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--load", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--host-header", help=argparse.SUPPRESS)
    ap.add_argument("--auth", help=argparse.SUPPRESS)
    ap.add_argument("--app-id", default=CANNED_APP, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_canned:
        serve_canned(args.serve_canned)
        return
    if args.load:
        result = asyncio.run(_load(args.load, args.host_header, args.auth, args.app_id,
                                   args.seconds, args.concurrency))
        print(json.dumps(result))
        return
    report(measure_all(args))


if __name__ == "__main__":
    main()
