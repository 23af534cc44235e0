"""Serve the emulator with uvicorn (one worker) and print the line that says how to use it.

The socket is bound (and listening) before the start line is printed, so a client that
reads the line can connect at once; ``port=0`` lets the operating system pick a free port.
"""

from __future__ import annotations

import socket
import sys
from typing import TextIO

import uvicorn

from conformance.emulator.app import create_app
from conformance.emulator.config import EmulatorConfig

__all__ = ["base_url", "bind", "serve", "start_line"]


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on accepted
    # sockets whose proto says TCP; with proto 0 every keep-alive answer waits ~40 ms for
    # the client's delayed ACK, because uvicorn writes headers and body separately.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


def start_line(url: str, config: EmulatorConfig, *, show_secret: bool) -> str:
    """One line: base URL, project id, key id (the secret only when it was generated)."""
    parts = [f"Sinch Conversation API emulator on {url}", f"project_id={config.project_id}",
             f"key_id={config.key_id}"]
    if show_secret:
        parts.append(f"key_secret={config.key_secret} (generated)")
    if config.faults:
        parts.append(f"faults={','.join(sorted(config.faults))}")
    parts.append(f"token_url={url}/oauth2/token")
    return "  ".join(parts)


def serve(config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0, *,
          show_secret: bool = False, out: TextIO = sys.stdout) -> int:
    """Run until interrupted (SIGINT/SIGTERM); returns the exit code."""
    sock = bind(host, port)
    app = create_app(config)
    # h11, not httptools: the same answers to badly framed requests on every machine
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           lifespan="off", workers=1, http="h11",
                                           server_header=False))
    print(start_line(base_url(sock), config, show_secret=show_secret), file=out, flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
