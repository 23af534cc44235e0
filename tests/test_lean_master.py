"""The lean mitmproxy master that `sinch-conformance proxy` runs.

It must be mitmproxy as mitmdump is, minus add-ons a validating proxy does not use: the
same bytes on the wire both ways (mitmdump's Alt-Svc rewriting and h2c handling
included), the same start-up errors, and a clear one-line error for an option it does
not have. Traffic and findings through it are also covered by tests/test_proxy_live.py
and tests/test_reliability_proxy.py, which run every case against both.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from raw_http import read_message

from conformance.proxy.launcher import COMMANDS, Mitmdump, free_port, lean_master_args
from conformance.proxy.lean_master import ProxyCore

BODY = b'{"apps": []}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b'Alt-Svc: h3=":443"; ma=86400, h2="alt.example.org:443"\r\n'
            b"X-Custom:  spaced  value \r\nSet-Cookie: a=1; Path=/\r\n"
            b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


class RecordingUpstream:
    """A raw-socket HTTP/1.1 upstream: records each request's bytes, answers RESPONSE."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                while True:
                    request = _read_message(conn)
                    if not request:
                        break
                    self.received.append(request)
                    conn.sendall(RESPONSE)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def _read_message(conn: socket.socket) -> bytes:
    """One whole HTTP/1.1 message; b"" when the peer closed or went quiet."""
    try:
        head, body = read_message(conn)
    except OSError:  # closed, or timed out
        return b""
    return head + b"\r\n\r\n" + body


JSON_BODY = '{"display_name": "\u00e9x"}'.encode()
REQUESTS = [
    b"GET /v1/projects/p/apps HTTP/1.1\r\nHost: api.example.org\r\nAccept: */*\r\n"
    b"X-Trace:  a  b \r\nCookie: c=1\r\n\r\n",
    # an h2c upgrade: mitmdump's DisableH2C add-on strips it, so must the lean master
    b"GET /v1/projects/p/apps HTTP/1.1\r\nHost: api.example.org\r\nConnection: Upgrade, "
    b"HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
    b"POST /v1/projects/p/apps HTTP/1.1\r\nHost: api.example.org\r\nContent-Type: "
    b"application/json\r\nContent-Length: " + str(len(JSON_BODY)).encode() + b"\r\n\r\n"
    + JSON_BODY,
]


def _exchange(port: int) -> list[bytes]:
    """Send REQUESTS on one keep-alive connection; the raw responses."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        for request in REQUESTS:
            conn.sendall(request)
            answers.append(_read_message(conn))
    return answers


@pytest.fixture
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream()
    try:
        yield server
    finally:
        server.close()


def _through(runner: str, upstream: RecordingUpstream, tmp: Path) -> tuple[list[bytes],
                                                                            list[bytes]]:
    port = free_port()
    lean = runner == "lean"  # the lean master with the add-on, against bare mitmdump
    options: dict[str, object] = {"confdir": tmp / "confdir"}
    if lean:
        options["sinch_findings_dir"] = tmp / "findings"
    args = COMMANDS[runner](mode=f"reverse:http://127.0.0.1:{upstream.port}",
                            listen_host="127.0.0.1", listen_port=port, addon=lean,
                            options=options)
    start = len(upstream.received)
    with (tmp / f"{runner}.log").open("w") as log, \
            Mitmdump(args, port, stdout=log, stderr=subprocess.STDOUT):
        answers = _exchange(port)
    # mitmproxy points Alt-Svc at the port it listens on
    return ([a.replace(f":{port}".encode(), b":PROXY") for a in answers],
            upstream.received[start:])


@pytest.mark.slow
def test_the_wire_is_what_it_is_through_mitmdump(upstream: RecordingUpstream,
                                                 tmp_path: Path) -> None:
    """Byte for byte, both directions: the lean master with the add-on against bare
    mitmdump, for a plain request, an h2c upgrade, a JSON body and a response with an
    Alt-Svc header (which mitmdump rewrites in reverse mode)."""
    lean_answers, lean_sent = _through("lean", upstream, tmp_path)
    dump_answers, dump_sent = _through("mitmdump", upstream, tmp_path)
    assert len(lean_sent) == len(dump_sent) == len(REQUESTS)
    assert lean_sent == dump_sent
    assert lean_answers == dump_answers
    assert all(a.endswith(BODY) for a in lean_answers)
    assert not any(b"h2c" in sent.lower() for sent in lean_sent)  # stripped, as mitmdump does
    # Alt-Svc pointed at the proxy, as mitmdump does
    assert b'Alt-Svc: h3=":PROXY"; ma=86400, h2=":PROXY"' in lean_answers[0]
    log = (tmp_path / "lean.log").read_text()
    assert "Traceback" not in log and "checking" in log


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance.proxy.lean_master", *args],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("setting", "needle"), [
    ("flow_detail=0", "Unknown option(s): flow_detail"),
    ("sinch_max_body=huge", "sinch_max_body must be a size such as 512k or 1m"),
    ("sinch_spec=/no/such/spec.yaml", "does not exist"),
])
def test_a_bad_option_is_one_line_and_exit_2(tmp_path: Path, setting: str,
                                             needle: str) -> None:
    proc = _run("--mode", "reverse:http://127.0.0.1:9", "--listen-port", str(free_port()),
                "--set", f"sinch_findings_dir={tmp_path}", "--set", setting)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("sinch-conformance proxy: ") and needle in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "checker process" not in proc.stderr + proc.stdout  # none was started


def test_a_bad_mode_is_one_line_and_exit_2() -> None:
    proc = _run("--mode", "sideways:x", "--listen-port", str(free_port()))
    assert proc.returncode == 2
    assert "Invalid proxy mode specification: sideways:x" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_a_port_in_use_exits_1_as_mitmdump_does(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        proc = _run("--mode", "reverse:http://127.0.0.1:9", "--listen-port", str(port),
                    "--set", f"sinch_findings_dir={tmp_path}")
    assert proc.returncode == 1
    assert "address already in use" in proc.stdout
    assert "Error logged during startup, exiting..." in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "checker process" not in proc.stderr + proc.stdout


def test_the_core_add_ons_are_children_of_one_add_on() -> None:
    """Registered as mitmproxy's nested add-ons: one member of the chain, every child
    reachable by name (the master looks up "proxyserver" and "errorcheck")."""
    from mitmproxy import master, options

    async def build() -> tuple[list[object], set[str]]:
        proxy = master.Master(options.Options())
        proxy.addons.add(ProxyCore())
        return list(proxy.addons.chain), set(proxy.addons.lookup)

    chain, names = asyncio.run(build())
    assert len(chain) == 1 and isinstance(chain[0], ProxyCore)
    assert {"proxyserver", "errorcheck", "nextlayer", "tlsconfig", "block", "disableh2c",
            "updatealtsvc", "core"} <= names


class TlsUpstream:
    """An HTTPS upstream on loopback with a self-signed certificate (made by mitmproxy's
    own certificate store), answering every GET with an empty app list."""

    def __init__(self, tmp: Path) -> None:
        import http.server
        import ssl

        from mitmproxy import certs

        certs.CertStore.from_store(tmp, "upstream", 2048)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY)

            def log_message(self, *args: object) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tmp / "upstream-ca.pem")
        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.mark.slow
@pytest.mark.parametrize("insecure", [False, True])
def test_an_https_upstream_is_verified_as_mitmdump_verifies_it(tmp_path: Path,
                                                               insecure: bool) -> None:
    """The real API is HTTPS: the lean master verifies the upstream's certificate (a
    self-signed one gets mitmproxy's 502) unless ssl_insecure says not to, as mitmdump."""
    import requests

    upstream = TlsUpstream(tmp_path)
    port = free_port()
    options: dict[str, object] = {"sinch_findings_dir": tmp_path / "findings",
                                  "sinch_hosts": upstream.url.split("//")[1],
                                  "confdir": tmp_path / "confdir"}
    if insecure:
        options["ssl_insecure"] = True
    args = lean_master_args(mode=f"reverse:{upstream.url}", listen_host="127.0.0.1",
                            listen_port=port, options=options)
    session = requests.Session()
    session.trust_env = False
    try:
        with (tmp_path / "lean.log").open("w") as log, \
                Mitmdump(args, port, stdout=log, stderr=subprocess.STDOUT):
            response = session.get(f"http://127.0.0.1:{port}/v1/projects/p/apps", timeout=10)
    finally:
        upstream.close()
    log = (tmp_path / "lean.log").read_text()
    if insecure:
        assert (response.status_code, response.content) == (200, BODY)
        assert "1 flows checked, 0 with violations" in log
    else:
        assert response.status_code == 502
        assert "Certificate verify failed" in response.text
    assert "Traceback" not in log
