"""Soak: many requests through the sinch_validator add-on to the emulator.

    python benchmarks/soak_proxy.py [--requests 100000] [--clients 16] [--mode lean]

Starts, on free loopback ports, the emulator (in a child process, wrapped in an ASGI
recorder that logs a SHA-256 of every request it receives and every response it sends)
and the proxy in reverse mode in front of it; then ``--clients`` threads, each with its own
``requests.Session`` and its own project, send a realistic mixed workload (every
operation, state carried from answer to request, Basic and OAuth2 auth, invalid bodies,
unknown paths, a few bodies over the add-on's 1 MB checking limit, both ways). Each
request carries ``X-Soak-Id``; at the end every request (method, path, query, body) and
every response (status, body) the clients saw is compared with what the emulator
received and answered. The proxy is the lean mitmproxy master with the add-on (what
``sinch-conformance proxy`` runs); ``--mode addon`` runs mitmdump with the add-on,
``--mode bare`` mitmdump without it, ``--mode direct`` no proxy at all (baselines).

Printed (and written as JSON with ``--json``): requests, failed (transport errors, or a
response the emulator never sent), altered (a hash differs), bytes compared, RSS of the
proxy (its process plus its checker process) at start, after warm-up, at the end and at its
peak, requests per second, findings written, and whether the proxy logged a traceback.
Exit code 0 when nothing failed and nothing was altered, 1 otherwise. Every process is
stopped by its own PID; every wait is bounded.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance.processes import LoggedChild  # noqa: E402
from conformance.proxy.launcher import (  # noqa: E402
    Mitmdump,
    free_port,
    lean_master_args,
    mitmdump_args,
)

MAX_CLIENTS = 64  # one project and access key per client, like separate tenants
SOAK_HEADER = "x-soak-id"
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0
POOL_CAP = 8  # live resources per kind and client: keeps list answers realistic in size
BIG_BODY = 1_200_000  # over the add-on's default 1 MB checking limit: streamed, skipped


# ====================================================================== the emulator side
def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


class Recorder:
    """ASGI middleware: one line per exchange, written before the last body chunk leaves
    (so a client holding the full response knows its line is on disk)."""

    def __init__(self, app: Any, log_path: str) -> None:
        self.app = app
        self.log = open(log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any],
                      send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        soak_id = dict(scope["headers"]).get(SOAK_HEADER.encode(), b"-").decode()
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        req_body, resp_body, status = bytearray(), bytearray(), [0]

        async def recv() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                req_body.extend(message.get("body", b""))
            return message

        async def snd(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                resp_body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    self.log.write("\t".join([
                        soak_id, digest(scope["method"].encode(), target, bytes(req_body)),
                        str(len(req_body)), str(status[0]),
                        digest(str(status[0]).encode(), bytes(resp_body)),
                        str(len(resp_body))]) + "\n")
            await send(message)

        await self.app(scope, recv, snd)


def credentials(client: int) -> tuple[str, str, str]:
    """(project id, key id, key secret) of one client."""
    return f"soak-project-{client}", f"soak-key-{client}", f"soak-secret-{client}-0f3a9c"


def serve_emulator(log_path: str) -> int:
    """Child process: the emulator wrapped in the recorder, on a free loopback port."""
    import uvicorn

    from conformance.emulator import EmulatorConfig, create_app
    from conformance.emulator.config import AccessKey
    from conformance.emulator.server import base_url, bind

    project, key_id, key_secret = credentials(0)
    extra = tuple(AccessKey(k, s, p) for p, k, s in map(credentials, range(1, MAX_CLIENTS)))
    config = EmulatorConfig(project_id=project, key_id=key_id, key_secret=key_secret,
                            extra_keys=extra)
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(
        Recorder(create_app(config), log_path), log_level="warning", access_log=False,
        lifespan="off", workers=1, server_header=False, http="h11"))
    print(f"soak emulator on {base_url(sock)}", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0


def read_log(path: Path) -> dict[str, tuple[str, int, int, str, int]]:
    """soak id -> (request digest, request bytes, status, response digest, response bytes)"""
    out: dict[str, tuple[str, int, int, str, int]] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 6 and parts[0] != "-":
            out[parts[0]] = (parts[1], int(parts[2]), int(parts[3]), parts[4], int(parts[5]))
    return out


def start_emulator(workdir: Path, log_name: str = "emulator-exchanges.log"
                   ) -> tuple[LoggedChild, str, Path]:
    """The recording emulator as a child process: (child, base URL, exchange log)."""
    exchanges = workdir / log_name
    exchanges.unlink(missing_ok=True)
    child = LoggedChild([sys.executable, str(Path(__file__).resolve()), "--serve-emulator",
                         str(exchanges)], workdir / "emulator.out",
                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = child.first_line(lambda text: "soak emulator on" in text, START_TIMEOUT)
    except BaseException:
        child.stop()
        raise
    if line is None:
        child.stop()
        raise RuntimeError(f"no line with 'soak emulator on' from the emulator within "
                           f"{START_TIMEOUT:.0f} s; see {child.log_path}")
    return child, line.strip().rsplit(" ", 1)[-1], exchanges


# ====================================================================== memory
def rss_kb(pid: int) -> int:
    """VmRSS of one process in kB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def children_of(pid: int) -> list[int]:
    """Direct and indirect children of a process (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def process_name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in args if a)
    if "multiprocessing" in text:
        return "checker" if "spawn_main" in text else "multiprocessing helper"
    return Path(args[0].decode(errors="replace")).name if args and args[0] else "?"


def tree_breakdown(pid: int) -> dict[str, int]:
    """'name pid' -> RSS in kB, for the process and each of its children."""
    return {f"{process_name(p)} {p}": rss_kb(p) for p in [pid, *children_of(pid)]}


def tree_rss_kb(pid: int) -> tuple[int, int]:
    """(RSS of the process, RSS of the process and all its children) in kB."""
    own = rss_kb(pid)
    return own, own + sum(rss_kb(c) for c in children_of(pid))


class RssMonitor:
    """Samples the RSS of a process (and of its process tree) every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval = pid, interval
        self.start = tree_rss_kb(pid)
        self.peak = self.start
        self.last = self.start
        self.warm: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> tuple[int, int]:
        now = tree_rss_kb(self.pid)
        if now[0]:
            self.last = now
            self.peak = (max(self.peak[0], now[0]), max(self.peak[1], now[1]))
        return now

    def mark_warm(self) -> None:
        self.warm = self.sample()

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(5)


# ====================================================================== the clients
@dataclass
class Sent:
    soak_id: str
    request_digest: str
    request_bytes: int
    status: int | None  # None: no response (transport error)
    response_digest: str = ""
    response_bytes: int = 0
    error: str = ""
    kind: str = ""


class Client:
    """One client thread's state: its session, its workload, what it sent."""

    def __init__(self, index: int, base: str, seed: int) -> None:
        from tests.aids.workload import Workload

        self.index, self.base = index, base
        self.project, key_id, key_secret = credentials(index)
        self.basic = "Basic " + base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()
        self.rng = random.Random(seed * 1000 + index)
        self.workload = Workload(self.project, seed=seed * 1000 + index)
        self.session = requests.Session()
        self.session.trust_env = False
        self.token: str | None = None
        self.big_contact: str | None = None  # deleted by the next request
        self.sent: list[Sent] = []

    def _next_step(self) -> Any:
        w = self.workload
        for kind, op in (("app", "App_CreateApp"), ("contact", "Contact_CreateContact")):
            if len(w.pools[kind]) < 2:  # an app and contacts to work with, like a real user
                return w.step(op)
        for kind, op in (("app", "App_DeleteApp"), ("contact", "Contact_DeleteContact"),
                         ("conversation", "Conversation_DeleteConversation"),
                         ("message", "Messages_DeleteMessage"),
                         ("webhook", "Webhooks_DeleteWebhook")):
            if len(w.pools[kind]) > POOL_CAP:
                return w.step(op)
        return w.step()

    def request(self, n: int) -> Sent:
        """Send request number ``n`` of the run; what kind is drawn from a fixed mix."""
        roll = self.rng.random()
        headers = {"Authorization": self.basic, SOAK_HEADER.upper(): f"{self.index}-{n}"}
        step = None
        if self.big_contact:
            kind, method, body = "big-delete", "DELETE", None
            path = f"/v1/projects/{self.project}/contacts/{self.big_contact}"
            self.big_contact = None
        elif roll < 0.02 or (roll < 0.10 and self.token is None):
            kind, method, path = "token", "POST", "/oauth2/token"
            body: bytes | None = b"grant_type=client_credentials"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif roll < 0.06:
            kind, method, path = "invalid", "POST", f"/v1/projects/{self.project}/apps"
            body = json.dumps({"display_name": 5, "channel_credentials": "no"}).encode()
            headers["Content-Type"] = "application/json"
        elif roll < 0.08:
            kind, method, path, body = ("unknown", "GET",
                                        f"/v1/projects/{self.project}/nothing/{n}", None)
        elif roll < 0.081:
            kind, method, path = "big", "POST", f"/v1/projects/{self.project}/contacts"
            body = json.dumps({"channel_identities": [
                {"channel": "SMS", "identity": "+46700000000"}], "language": "EN_US",
                "metadata": "x" * BIG_BODY}).encode()
            headers["Content-Type"] = "application/json"
        else:
            step = self._next_step()
            kind, method, path = step.operation_id, step.method, step.path
            body = None if step.body is None else json.dumps(step.body).encode()
            if body is not None:
                headers["Content-Type"] = "application/json"
            if roll > 0.55 and self.token:
                headers["Authorization"] = f"Bearer {self.token}"
        return self._send(kind, method, path, body, headers, step)

    def _send(self, kind: str, method: str, path: str, body: bytes | None,
              headers: dict[str, str], step: Any) -> Sent:
        soak_id = headers[SOAK_HEADER.upper()]
        prepared = self.session.prepare_request(requests.Request(
            method, self.base + path, data=body, headers=headers))
        req_body = prepared.body if isinstance(prepared.body, bytes) else (
            (prepared.body or "").encode())
        sent = Sent(soak_id, digest(method.encode(), prepared.path_url.encode(), req_body),
                    len(req_body), None, kind=kind)
        try:
            resp = self.session.send(prepared, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as exc:
            sent.error = type(exc).__name__
            return sent
        sent.status, sent.response_bytes = resp.status_code, len(resp.content)
        sent.response_digest = digest(str(resp.status_code).encode(), resp.content)
        self._learn(kind, step, resp)
        return sent

    def _learn(self, kind: str, step: Any, resp: requests.Response) -> None:
        try:
            data = resp.json()
        except ValueError:
            data = None
        if kind == "token" and resp.status_code == 200 and isinstance(data, dict):
            self.token = data.get("access_token")
        elif kind == "big" and resp.status_code == 200 and isinstance(data, dict):
            self.big_contact = data.get("id")
        elif step is not None:
            if resp.status_code == 401:
                self.token = None  # expired: fetch a fresh one
            self.workload.observe(step, resp.status_code, data)


def run_clients(base: str, total: int, clients: int, seed: int,
                on_progress: Callable[[int], None] | None = None) -> tuple[list[Sent], float]:
    """Send ``total`` requests from ``clients`` threads; (everything sent, seconds)."""
    counter = itertools.count()
    lock = threading.Lock()
    pool = [Client(i, base, seed) for i in range(clients)]

    def work(client: Client) -> None:
        while True:
            with lock:
                n = next(counter)
            if n >= total:
                return
            client.sent.append(client.request(n))
            if on_progress is not None:
                on_progress(n)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in pool]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    for c in pool:
        c.session.close()
    return [s for c in pool for s in c.sent], elapsed


# ====================================================================== comparing
@dataclass
class Report:
    mode: str
    requests: int = 0
    failed: int = 0
    altered: int = 0
    bytes_compared: int = 0
    seconds: float = 0.0
    requests_per_second: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    rss_kb: dict[str, list[int]] = field(default_factory=dict)  # name -> [proxy, +children]
    processes_kb: dict[str, int] = field(default_factory=dict)  # at the end, per process
    findings: int = 0
    proxy_summary: str = ""  # the add-on's own count line (checked, violating, unchecked)
    proxy_traceback: bool = False
    proxy_exit: int | None = None
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.altered and not self.proxy_traceback

    def add_example(self, text: str) -> None:
        if len(self.examples) < 10:
            self.examples.append(text)


def compare(sent: list[Sent], log: dict[str, tuple[str, int, int, str, int]],
            report: Report) -> None:
    """Count failures and alterations; bytes compared are request plus response bytes."""
    for s in sent:
        report.requests += 1
        report.kinds[s.kind] = report.kinds.get(s.kind, 0) + 1
        key = str(s.status) if s.status is not None else f"error:{s.error}"
        report.statuses[key] = report.statuses.get(key, 0) + 1
        seen = log.get(s.soak_id)
        if s.status is None or seen is None:
            report.failed += 1
            report.add_example(f"{s.soak_id} {s.kind}: "
                               f"{s.error or f'{s.status} not sent by the emulator'}")
            continue
        req_digest, req_len, status, resp_digest, resp_len = seen
        if (req_digest, status, resp_digest) != (s.request_digest, s.status,
                                                  s.response_digest):
            report.altered += 1
            report.add_example(f"{s.soak_id} {s.kind}: client {s.status}/{s.response_bytes} "
                               f"B, emulator {status}/{resp_len} B, request "
                               f"{'same' if req_digest == s.request_digest else 'differs'}")
            continue
        report.bytes_compared += req_len + resp_len


def wait_for_log(path: Path, ids: set[str], timeout: float = 10.0
                 ) -> dict[str, tuple[str, int, int, str, int]]:
    deadline = time.monotonic() + timeout
    while True:
        log = read_log(path)
        if ids <= log.keys() or time.monotonic() > deadline:
            return log
        time.sleep(0.2)


def count_findings(directory: Path) -> int:
    if not directory.is_dir():
        return 0
    return sum(sum(1 for _ in p.open(encoding="utf-8", errors="replace"))
               for p in directory.glob("*.jsonl"))


def start_proxy(upstream: str, workdir: Path, *, addon: bool = True, record: bool = False,
                options: dict[str, object] | None = None,
                env: dict[str, str] | None = None, lean: bool = False) -> tuple[Mitmdump, Path]:
    """mitmdump, or with ``lean`` the lean mitmproxy master (with or without the add-on)
    in reverse mode in front of ``upstream``; its output goes to ``workdir/mitmdump.log``."""
    port = free_port()
    opts: dict[str, object] = {}
    if addon:
        opts["sinch_findings_dir"] = workdir / "findings"
        if record:
            opts["sinch_record"] = workdir / "soak.har"
    opts.update(options or {})
    log = workdir / ("mitmdump.log" if addon else "mitmdump-bare.log")
    fh = log.open("w", encoding="utf-8")
    command = lean_master_args if lean else mitmdump_args
    proxy = Mitmdump(command(mode=f"reverse:{upstream}", listen_host="127.0.0.1",
                             listen_port=port, addon=addon, options=opts),
                     port, stdout=fh, stderr=subprocess.STDOUT, env=env)
    try:
        proxy.start(START_TIMEOUT)
    finally:
        fh.close()  # the child holds its own descriptor
    return proxy, log


def soak(total: int, clients: int, mode: str, workdir: Path, *, seed: int = 1,
         record: bool = False, warmup: float = 0.02, quiet: bool = False) -> Report:
    """One soak run; every process it starts is stopped before it returns."""
    workdir.mkdir(parents=True, exist_ok=True)
    report = Report(mode)
    emulator, emulator_url, exchanges = start_emulator(workdir)
    proxy: Mitmdump | None = None
    monitor: RssMonitor | None = None
    log_path: Path | None = None
    try:
        base = emulator_url
        if mode != "direct":
            proxy, log_path = start_proxy(emulator_url, workdir, addon=mode != "bare",
                                          record=record, lean=mode == "lean")
            base = f"http://127.0.0.1:{proxy.port}"
            assert proxy.proc is not None
            monitor = RssMonitor(proxy.proc.pid)
        warm_at = max(1, int(total * warmup))
        step = max(1, total // 20)

        def progress(n: int) -> None:
            if monitor is not None and n == warm_at:
                monitor.mark_warm()
            if not quiet and n % step == 0 and n:
                rss = f", proxy RSS {monitor.last[1] // 1024} MB" if monitor else ""
                print(f"  {n}/{total} requests{rss}", file=sys.stderr, flush=True)

        sent, elapsed = run_clients(base, total, clients, seed, progress)
        report.seconds = round(elapsed, 2)
        report.requests_per_second = round(len(sent) / elapsed, 1) if elapsed else 0.0
        log = wait_for_log(exchanges, {s.soak_id for s in sent if s.status is not None})
        compare(sent, log, report)
        if monitor is not None:
            monitor.stop()
            report.processes_kb = tree_breakdown(monitor.pid)
            report.rss_kb = {"start": list(monitor.start),
                             "after_warmup": list(monitor.warm or monitor.start),
                             "end": list(monitor.last), "peak": list(monitor.peak)}
    finally:
        if monitor is not None:
            monitor.stop()
        if proxy is not None:
            report.proxy_exit = proxy.stop()
        emulator.stop()
    if log_path is not None:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        report.proxy_traceback = "Traceback (most recent call last)" in text
        report.proxy_summary = next((ln.split("] ", 1)[-1] for ln in text.splitlines()
                                     if "flows checked" in ln), "")
    report.findings = count_findings(workdir / "findings")
    return report


def render(report: Report) -> str:
    lines = [f"soak ({report.mode}): {report.requests} requests in {report.seconds} s "
             f"({report.requests_per_second} req/s)",
             f"  failed {report.failed}, altered {report.altered}, bytes compared "
             f"{report.bytes_compared} ({report.bytes_compared / 1e6:.1f} MB)"]
    if report.rss_kb:
        mb = {k: f"{v[0] / 1024:.0f} MB (+checker {(v[1] - v[0]) / 1024:.0f} MB)"
              for k, v in report.rss_kb.items()}
        growth = (report.rss_kb["end"][1] - report.rss_kb["after_warmup"][1]) / 1024
        lines.append(f"  proxy RSS: start {mb['start']}, after warm-up "
                     f"{mb['after_warmup']}, end {mb['end']}, peak {mb['peak']}; growth "
                     f"after warm-up {growth:+.0f} MB")
        lines.append("  at the end: " + ", ".join(
            f"{name} {kb / 1024:.0f} MB" for name, kb in report.processes_kb.items()))
    lines.append(f"  statuses {dict(sorted(report.statuses.items()))}")
    if report.mode in ("addon", "lean"):
        lines.append(f"  add-on: {report.proxy_summary or 'no summary line'}")
        lines.append(f"  findings written {report.findings}; proxy traceback: "
                     f"{'YES' if report.proxy_traceback else 'none'}; exit "
                     f"{report.proxy_exit}")
    lines += [f"  e.g. {e}" for e in report.examples]
    lines.append("  OK" if report.ok else "  NOT OK")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--mode", choices=("lean", "addon", "bare", "direct"),
                        default="lean",
                        help="the lean master with the add-on (what sinch-conformance "
                             "proxy runs; default), mitmdump with it, mitmdump without "
                             "it, or no proxy")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "soak",
                        help="working directory (logs, findings; default benchmarks/out/soak)")
    parser.add_argument("--record", action="store_true", help="also record a HAR file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures as JSON here too")
    parser.add_argument("--serve-emulator", metavar="LOG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_emulator:
        return serve_emulator(args.serve_emulator)
    if args.requests < 1 or not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--requests must be at least 1, --clients 1 to {MAX_CLIENTS}")
    for stale in (args.out / "findings").glob("*.jsonl"):
        stale.unlink()
    print(f"soak: {args.requests} requests, {args.clients} clients, mode {args.mode}, "
          f"workdir {args.out}", file=sys.stderr, flush=True)
    report = soak(args.requests, args.clients, args.mode, args.out, seed=args.seed,
                  record=args.record)
    print(render(report), flush=True)
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
