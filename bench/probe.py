#!/usr/bin/env python3
"""Open-loop latency probe: sends each kind of request at a fixed rate, whatever the server's state, and
reports p50/p95/p99/max measured from the moment each request was due (so a stalled server cannot hide its
stall by slowing the probe down). Used for the surge test beside wrk's closed-loop sign-in load.

    probe.py --base http://127.0.0.1:18080 --seconds 20 --rate 40 \
        --verify CHALLENGES_FILE --me TOKENS_FILE --page "/quantri/tai-khoan-cong-dan" COOKIE

Prints one line per kind: "PROBE kind n= ok= p50= p95= p99= max= (ms)". Loopback only; bounded in time.
"""
import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


class Conn:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection", "").lower() == "close"


class Kind:
    def __init__(self, name, make):
        self.name, self.make = name, make
        self.lat, self.ok, self.bad, self.err = [], 0, 0, 0
        self.idle = []


async def one(kind, host, port, due):
    raw = kind.make()
    if raw is None:
        return
    try:
        c = kind.idle.pop() if kind.idle else Conn(*await asyncio.open_connection(host, port))
        c.writer.write(raw)
        status, close = await asyncio.wait_for(read_response(c.reader), 30)
        kind.lat.append((time.perf_counter() - due) * 1000)
        if 200 <= status < 400:
            kind.ok += 1
        else:
            kind.bad += 1
        if close:
            c.writer.close()
        else:
            kind.idle.append(c)
    except Exception:
        kind.err += 1


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))]


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rate", type=float, default=40, help="requests per second of each kind")
    ap.add_argument("--verify", help="file of `challengeId code` lines")
    ap.add_argument("--me", help="file of bearer tokens")
    ap.add_argument("--page", nargs=2, metavar=("PATH", "COOKIE"))
    ap.add_argument("--get", action="append", default=[], help="a plain GET path, e.g. /health/ready")
    ap.add_argument("--lookup", nargs=2, metavar=("USERS_FILE", "TOKENS_FILE"),
                    help="the officer's ID look-up, half of the numbers with an account, half without")
    a = ap.parse_args()
    u = urlsplit(a.base)
    host, port = u.hostname, u.port
    hdr = f"Host: {host}:{port}\r\n"
    kinds = []
    if a.verify:
        pairs = [l.split() for l in open(a.verify) if l.strip()]
        it = iter(pairs)

        def make_verify():
            try:
                cid, code = next(it)
            except StopIteration:
                return None
            body = json.dumps({"code": code}).encode()
            return (f"POST /api/v1/login/{cid}/verify HTTP/1.1\r\n{hdr}Content-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        kinds.append(Kind("otp-verify", make_verify))
    if a.me:
        tokens = [l.strip() for l in open(a.me) if l.strip()]
        state = {"i": 0}

        def make_me():
            state["i"] += 1
            t = tokens[state["i"] % len(tokens)]
            return f"GET /api/v1/me HTTP/1.1\r\n{hdr}Authorization: Bearer {t}\r\n\r\n".encode()
        kinds.append(Kind("me", make_me))
    if a.page:
        path, cookie = a.page
        kinds.append(Kind("page", lambda: f"GET {path} HTTP/1.1\r\n{hdr}Cookie: {cookie}\r\n\r\n".encode()))
    if a.lookup:
        ids = [l.split()[0] for l in open(a.lookup[0]) if l.strip()]
        toks = [l.strip() for l in open(a.lookup[1]) if l.strip()]
        st = {"i": 0}

        def make_lookup():
            st["i"] += 1
            i = st["i"]
            ident = ids[(i * 7919) % len(ids)]
            if i % 2:
                ident = "096" + ident[3:]
            return (f"GET /api/v1/admin/citizen-accounts/lookup?idNumber={ident} HTTP/1.1\r\n{hdr}"
                    f"Authorization: Bearer {toks[i % len(toks)]}\r\n\r\n").encode()
        kinds.append(Kind("lookup", make_lookup))
    for path in a.get:
        kinds.append(Kind("get " + path, lambda p=path: f"GET {p} HTTP/1.1\r\n{hdr}\r\n".encode()))

    start = time.perf_counter()
    interval = 1.0 / a.rate
    tasks = []
    n = 0
    while True:
        due = start + n * interval
        if due - start >= a.seconds:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        for k in kinds:
            tasks.append(asyncio.create_task(one(k, host, port, due)))
        n += 1
    await asyncio.gather(*tasks)
    for k in kinds:
        v = sorted(k.lat)
        print(f"PROBE {k.name.replace(' ', '_')} n={len(v)} ok={k.ok} non2xx={k.bad} errors={k.err} "
              f"p50={pct(v, 50):.1f} p95={pct(v, 95):.1f} p99={pct(v, 99):.1f} max={(v[-1] if v else float('nan')):.1f}",
              flush=True)


if __name__ == "__main__":
    asyncio.run(main())
