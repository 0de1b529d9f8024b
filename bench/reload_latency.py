#!/usr/bin/env python3
"""Save→reload latency of `brief serve`, with the Python standard library only.

Starts `brief serve --root CORPUS --port P`, waits for the first build, connects to the
live-reload WebSocket (`<base path>__brief/reload`, see src/serve/server.rs), then edits one
article N times (appending a paragraph, or with --front-matter changing its title) and
measures, for each save, the time from the end of the write to the "reload" message. Prints
one line per edit and a last line `median_ms=<value>`, or `skip: <reason>` when `brief
serve` is not available. The article is restored at the end.

    python3 bench/reload_latency.py --brief target/release/brief --root /tmp/corpus-10k
"""

import argparse
import base64
import glob
import hashlib
import http.client
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import time

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_path(root):
    """The path of base_url in brief.yaml ("/" when there is none)."""
    try:
        text = open(os.path.join(root, "brief.yaml"), encoding="utf-8").read()
    except OSError:
        return "/"
    m = re.search(r"^base_url:\s*[\"']?(\S+?)[\"']?\s*(#.*)?$", text, re.M)
    if not m:
        return "/"
    path = re.sub(r"^[a-z]+://[^/]+", "", m.group(1)) or "/"
    return path if path.endswith("/") else path + "/"


class WebSocket:
    """A minimal RFC 6455 client: handshake, unmasked server frames, pings answered."""

    def __init__(self, port, path):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("connection closed during the WebSocket handshake")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError(f"WebSocket handshake refused: {lines[0]}")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        if not any(l.lower().startswith("sec-websocket-accept:") and l.split(":", 1)[1].strip() == accept for l in lines):
            raise ConnectionError("bad Sec-WebSocket-Accept")

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("WebSocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, opcode, payload=b""):
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def recv_text(self, timeout):
        """The next text message, or None after `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                b0, b1 = self._read(2)
                opcode, length = b0 & 0x0F, b1 & 0x7F
                if length == 126:
                    length = struct.unpack(">H", self._read(2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", self._read(8))[0]
                mask = self._read(4) if b1 & 0x80 else None
                payload = self._read(length)
                if mask:
                    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                if opcode == 0x9:
                    self._send(0xA, payload)
                elif opcode == 0x8:
                    raise ConnectionError("WebSocket closed by the server")
                elif opcode == 0x1:
                    return payload.decode()
        except socket.timeout:
            return None

    def close(self):
        try:
            self._send(0x8)
        except OSError:
            pass
        self.sock.close()


def wait_ready(proc, port, base, timeout):
    """Waits until the server answers the front page from a good build."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"brief serve exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", base, headers={"Host": f"127.0.0.1:{port}"})
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status == 200 and b"The site does not build yet" not in body:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"brief serve did not answer within {timeout} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--brief", default="target/release/brief")
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=300, help="seconds to wait for a build")
    ap.add_argument("--log", default=None, help="file for the server's output")
    ap.add_argument(
        "--front-matter",
        action="store_true",
        help="edit the article's title instead of appending a paragraph to its text",
    )
    args = ap.parse_args()

    help_run = subprocess.run([args.brief, "serve", "--help"], capture_output=True)
    if help_run.returncode != 0:
        print("skip: this brief has no `serve` command yet")
        return 0
    if not os.path.isdir(os.path.join(args.root, "content")):
        print(f"skip: {args.root} has no content/ folder")
        return 0
    articles = sorted(glob.glob(os.path.join(args.root, "content", "**", "*.md"), recursive=True))
    articles = [a for a in articles if not os.path.basename(a).startswith(("_", "."))]
    if not articles:
        print("skip: no article to edit")
        return 0
    article = articles[len(articles) // 2]
    original = open(article, "rb").read()
    port = args.port or free_port()
    base = base_path(args.root)
    log = open(args.log or os.devnull, "wb")
    proc = subprocess.Popen(
        [args.brief, "serve", "--root", args.root, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    latencies = []
    try:
        started = time.monotonic()
        wait_ready(proc, port, base, args.timeout)
        print(f"first build served after {time.monotonic() - started:.2f} s; editing {os.path.relpath(article, args.root)}")
        ws = WebSocket(port, base + "__brief/reload")
        for k in range(args.runs):
            # Let earlier events settle, and drop anything already queued.
            while ws.recv_text(0.5) is not None:
                pass
            if args.front_matter:
                # A new title: the article, lists, topics, timeline and source pages change.
                edited = re.sub(
                    rb"^title: (.*)$",
                    lambda m: b"title: " + f"Edit {k + 1} ".encode() + m.group(1).lstrip(b'"'),
                    original,
                    count=1,
                    flags=re.M,
                )
                if edited.count(b'"') % 2:
                    edited = edited.replace(b"title: Edit", b'title: "Edit', 1)
            else:
                edited = original.rstrip(b"\n") + f"\n\nEdit number {k + 1} of the latency benchmark.\n".encode()
            with open(article, "wb") as f:
                f.write(edited)
            saved = time.perf_counter()
            while True:
                msg = ws.recv_text(args.timeout)
                if msg is None:
                    raise RuntimeError(f"no reload message within {args.timeout} s")
                if msg == "reload":
                    break
                if msg == "errors":
                    raise RuntimeError("the edit did not build (the server sent 'errors')")
            ms = (time.perf_counter() - saved) * 1000
            latencies.append(ms)
            print(f"edit {k + 1}: {ms:.0f} ms")
        ws.close()
    except (RuntimeError, ConnectionError, OSError) as e:
        print(f"error: {e}")
        return 1
    finally:
        with open(article, "wb") as f:
            f.write(original)
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    print(f"median_ms={statistics.median(latencies):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
