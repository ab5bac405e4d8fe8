#!/usr/bin/env python3
"""A fake SMS gateway for the benchmarks: accepts every POST at once (or after a configured delay, or with a
configured error), and records what it got so that the scripts can read the codes back.

    python3 bench/fake_gateway.py --port 18025 [--delay-ms 0] [--status 200]

SMS: any POST with the contract's JSON body {"to","text","reference"}; answers --status (default 200).
Control (loopback only, GET):
    /_/code?to=+849...&after=EPOCH   latest 6-digit code sent to that phone after that time (404 if none)
    /_/stats                {"received", "unique_references", "duplicates", "first_at", "last_at", "by_status"}
    /_/reset                forgets everything
    /_/config?delay_ms=2000&status=503   changes behaviour from now on (either may be omitted)
    /_/times                the arrival time of every accepted message (epoch seconds), one a line

A small asyncio HTTP/1.1 server (keep-alive, Content-Length bodies only), so that it costs little CPU next
to the portal on the same two cores; it is not a general web server.
"""
import argparse
import asyncio
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

CODE = re.compile(rb"(?<![0-9])[0-9]{6}(?![0-9])")


class State:
    def __init__(self, delay_ms: float, status: int):
        self.delay = delay_ms / 1000.0
        self.status = status
        self.reset()

    def reset(self):
        self.codes = {}
        self.references = set()
        self.received = 0
        self.duplicates = 0
        self.times = []
        self.by_status = {}


def response(status: int, body: bytes, ctype: str = "application/json") -> bytes:
    reason = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests",
              500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Status")
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


class Gateway(asyncio.Protocol):
    def __init__(self, state: State):
        self.state = state
        self.buf = b""
        self.transport = None
        self.busy = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buf += data
        if not self.busy:
            self.process()

    def process(self):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1")
            lines = head.split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) < 2:
                self.transport.close()
                return
            method, target = parts[0], parts[1]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4:end + 4 + length]
            self.buf = self.buf[end + 4 + length:]
            if method == "POST" and not target.startswith("/_/"):
                status = self.state.status
                self.record(body, status)
                if self.state.delay > 0:
                    self.busy = True
                    asyncio.get_running_loop().call_later(self.state.delay, self.delayed, status)
                    return
                self.transport.write(response(status, b'{"accepted":true}' if status < 300 else b'{"error":"fake"}'))
            else:
                self.transport.write(self.control(target))

    def delayed(self, status):
        self.busy = False
        if self.transport.is_closing():
            return
        self.transport.write(response(status, b'{"accepted":true}' if status < 300 else b'{"error":"fake"}'))
        self.process()

    def record(self, body: bytes, status: int):
        s = self.state
        s.by_status[status] = s.by_status.get(status, 0) + 1
        if status >= 300:
            return
        try:
            msg = json.loads(body)
        except ValueError:
            return
        ref = msg.get("reference", "")
        if ref in s.references:
            s.duplicates += 1
        s.references.add(ref)
        s.received += 1
        s.times.append(time.time())
        m = CODE.search(msg.get("text", "").encode())
        if m:
            s.codes[msg.get("to", "")] = (m.group(0).decode(), time.time())

    def control(self, target: str) -> bytes:
        s = self.state
        url = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/_/code":
            found = s.codes.get(q.get("to", "").replace(" ", "+"))
            if found and found[1] > float(q.get("after", "0")):
                return response(200, found[0].encode(), "text/plain")
            return response(404, b"none", "text/plain")
        if url.path == "/_/stats":
            body = {"received": s.received, "unique_references": len(s.references), "duplicates": s.duplicates,
                    "first_at": s.times[0] if s.times else None, "last_at": s.times[-1] if s.times else None,
                    "by_status": {str(k): v for k, v in s.by_status.items()},
                    "delay_ms": s.delay * 1000, "status": s.status}
            return response(200, json.dumps(body).encode())
        if url.path == "/_/reset":
            s.reset()
            return response(200, b'{"reset":true}')
        if url.path == "/_/config":
            if "delay_ms" in q:
                s.delay = float(q["delay_ms"]) / 1000.0
            if "status" in q:
                s.status = int(q["status"])
            return response(200, json.dumps({"delay_ms": s.delay * 1000, "status": s.status}).encode())
        if url.path == "/_/times":
            return response(200, "".join(f"{t:.6f}\n" for t in s.times).encode(), "text/plain")
        return response(404, b'{"error":"unknown"}')


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=18025)
    ap.add_argument("--delay-ms", type=float, default=0)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--max-seconds", type=float, default=7200, help="stops by itself after this long")
    a = ap.parse_args()
    state = State(a.delay_ms, a.status)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Gateway(state), "127.0.0.1", a.port, backlog=1024)
    print(f"fake gateway on 127.0.0.1:{a.port}", flush=True)
    async with server:
        await asyncio.sleep(a.max_seconds)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
