"""HTTP on a bare socket, for the clients httpx will not be: a subscriber that stops reading,
a body that never ends, a request whose answer is never read."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


def open_raw_stream(url: str, rcvbuf: int | None = None) -> socket.socket:
    """A bare TCP subscriber that reads the response headers and then does as the test says."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((parts.hostname, parts.port))
    sock.sendall(f"GET /live-scores HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 200"), head
    return sock


def raw_request(url: str, head: str, body: bytes = b"") -> socket.socket:
    """Sends ``head`` (lines ended by "\\n", without the blank line) and ``body`` to the
    server at ``url``; returns the socket, the answer unread."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
    return sock


def read_until(sock: socket.socket, marker: bytes, limit: int = 65536) -> bytes:
    """What ``sock`` receives until ``marker`` has arrived (or the peer closed, or ``limit``
    bytes came): one ``recv`` may hold only part of an answer, e.g. its headers."""
    got = b""
    while marker not in got and len(got) < limit:
        chunk = sock.recv(4096)
        if not chunk:
            break
        got += chunk
    return got
