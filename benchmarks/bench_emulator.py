"""Requests per second of the emulator on loopback, for a mixed workload.

    python benchmarks/bench_emulator.py [--processes 2] [--threads 4] [--seconds 10]

Starts ``sinch-conformance emulator --port 0`` (uvicorn, one worker, one process) as a
subprocess, then ``processes x threads`` clients, each with its own keep-alive
``requests.Session`` and its own seeded :class:`~tests.aids.workload.Workload`
over all 33 operations (creates, reads, lists, updates, deletes, sends; about 80% answered
200, the rest 404 or 400 because the workload aims at unknown or deleted ids on purpose).
Client threads of one process share its GIL, and ``requests`` costs about as much CPU per
call as the server does, so one client process cannot saturate the server: hence several.

Prints the throughput, latency percentiles, statuses, and the server's own CPU time per
request (from /proc), which gives the server-bound ceiling on one core independently of
how fast the client machine is. ``--client http.client`` swaps requests for the standard
library's much cheaper keep-alive client, to load the server rather than the client.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.aids.workload import Workload  # noqa: E402

LINE = re.compile(r"on (http://\S+)\s+project_id=(\S+)\s+key_id=(\S+)\s+key_secret=(\S+)")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), or 0.0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server() -> tuple[subprocess.Popen[str], str, str, tuple[str, str]]:
    proc = subprocess.Popen([sys.executable, "-m", "conformance", "emulator", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, text=True, cwd=ROOT,
                            env={k: v for k, v in os.environ.items()
                                 if not k.startswith("SINCH_")})
    line = proc.stdout.readline() if proc.stdout else ""
    m = LINE.search(line)
    if not m:
        proc.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return proc, m.group(1), m.group(2), (m.group(3), m.group(4))


Sender = Callable[[str, str, Any], tuple[int, Any]]  # (method, path, json) -> status, body


def requests_sender(url: str, auth: tuple[str, str]) -> Sender:
    session = requests.Session()
    session.auth = auth
    session.trust_env = False

    def send(method: str, path: str, body: Any) -> tuple[int, Any]:
        resp = session.request(method, url + path, json=body, timeout=10)
        return resp.status_code, resp.json()
    return send


def stdlib_sender(url: str, auth: tuple[str, str]) -> Sender:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    basic = "Basic " + base64.b64encode(":".join(auth).encode()).decode()

    def send(method: str, path: str, body: Any) -> tuple[int, Any]:
        headers = {"Authorization": basic}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, payload, headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    return send


SENDERS = {"requests": requests_sender, "http.client": stdlib_sender}


def _client(seed: int, url: str, project: str, auth: tuple[str, str], client: str,
            stop: Any, measuring: Any, out: dict[str, Any]) -> None:
    work = Workload(project, seed=seed)
    send = SENDERS[client](url, auth)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    while not stop.is_set():
        step = work.step()
        started = time.perf_counter()
        try:
            status, body = send(step.method, step.path, step.body)
        except (OSError, requests.RequestException, http.client.HTTPException):
            statuses[0] += 1
            send = SENDERS[client](url, auth)
            continue
        elapsed = time.perf_counter() - started
        work.observe(step, status, body)
        if measuring.is_set():
            statuses[status] += 1
            latencies.append(elapsed)
    out["statuses"], out["latencies"] = statuses, latencies


def _process(index: int, threads: int, url: str, project: str, auth: tuple[str, str],
             client: str, stop: Any, measuring: Any, results: Any) -> None:
    outs: list[dict[str, Any]] = [{} for _ in range(threads)]
    pool = [threading.Thread(target=_client, args=(index * 1000 + i, url, project, auth,
                                                   client, stop, measuring, outs[i]))
            for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((sum((o["statuses"] for o in outs), Counter()),
                 [x for o in outs for x in o["latencies"]]))


def measure(processes: int, threads: int, seconds: float, warmup: float,
            client: str = "requests") -> dict[str, Any]:
    proc, url, project, auth = start_server()
    ctx: Any = mp.get_context("fork" if sys.platform != "win32" else "spawn")
    stop, measuring, results = ctx.Event(), ctx.Event(), ctx.Queue()
    try:
        workers = [ctx.Process(target=_process, args=(i, threads, url, project, auth, client,
                                                      stop, measuring, results))
                   for i in range(processes)]
        for w in workers:
            w.start()
        time.sleep(warmup)
        measuring.set()
        started, cpu_before = time.perf_counter(), cpu_seconds(proc.pid)
        time.sleep(seconds)
        measuring.clear()
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(proc.pid) - cpu_before
        stop.set()
        parts = [results.get(timeout=30) for _ in workers]
        for w in workers:
            w.join(timeout=10)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    statuses: Counter[int] = sum((s for s, _ in parts), Counter())
    latencies = sorted(x for _, lat in parts for x in lat)
    return {"statuses": statuses, "latencies": latencies, "elapsed": elapsed,
            "server_cpu": server_cpu, "total": sum(statuses.values())}


def report(r: dict[str, Any], processes: int, threads: int, client: str) -> str:
    total, lat = r["total"], r["latencies"]
    p50 = lat[len(lat) // 2] * 1000 if lat else 0.0
    p99 = lat[int(len(lat) * 0.99)] * 1000 if lat else 0.0
    lines = [f"emulator mixed workload: {total / r['elapsed']:,.0f} req/s ({total} requests in "
             f"{r['elapsed']:.1f}s; {processes} client processes x {threads} threads "
             f"with {client}; "
             f"1 uvicorn worker; p50 {p50:.1f} ms, p99 {p99:.1f} ms)",
             "statuses: " + ", ".join(f"{k or 'client error'}: {v}"
                                      for k, v in sorted(r["statuses"].items()))]
    if r["server_cpu"] and total:
        per = r["server_cpu"] / total * 1e6
        lines.append(f"server CPU: {per:.0f} us per request, {r['server_cpu'] / r['elapsed']:.0%}"
                     f" of one core busy (server-bound ceiling about {1e6 / per:,.0f} req/s)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="client processes (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per process (4)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time (10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up (2)")
    parser.add_argument("--client", choices=sorted(SENDERS), default="requests",
                        help="HTTP client of the load generator (requests)")
    args = parser.parse_args()
    result = measure(args.processes, args.threads, args.seconds, args.warmup, args.client)
    print(report(result, args.processes, args.threads, args.client))
    return 0


if __name__ == "__main__":
    sys.exit(main())
