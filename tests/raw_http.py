"""Reading one HTTP/1.1 message off a raw socket, for the tests' raw-socket peers."""

from __future__ import annotations

import socket


def read_message(conn: socket.socket) -> tuple[bytes, bytes]:
    """(head, body) of the next message: the head up to the blank line, the body by its
    Content-Length (none without one). OSError when the peer closes before a head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("the peer closed the connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body
