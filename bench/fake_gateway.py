#!/usr/bin/env python3
"""A fake SMS gateway for the benchmarks: accepts every POST at once (or after a configured delay, or with a
configured error), and records what it got so that the scripts can read the codes back.

    python3 bench/fake_gateway.py --port 18025 [--delay-ms 0] [--status 200] [--log accepted.jsonl]

SMS: any POST with the contract's JSON body {"to","text","reference"}; answers --status (default 200).
Control (loopback only, GET):
    /_/code?to=+849...&after=EPOCH   latest 6-digit code sent to that phone after that time (404 if none)
    /_/stats                {"received", "unique_references", "duplicates", "first_at", "last_at", "by_status"}
    /_/reset                forgets everything
    /_/config?delay_ms=2000&status=503   changes behaviour from now on (either may be omitted)
    /_/times                the arrival time of every accepted message (epoch seconds), one a line

It is the tests' gateway (Tests/harness/portal_harness.py: a small asyncio HTTP/1.1 server, keep-alive,
Content-Length bodies only), run as a process of its own, so that it costs little CPU next to the portal on
the same two cores; it is not a general web server.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "harness"))
import portal_harness as harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=18025)
    ap.add_argument("--delay-ms", type=float, default=0)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--log", default=None, help="appends each accepted SMS there as a JSON line {at, reference, to}")
    ap.add_argument("--max-seconds", type=float, default=7200, help="stops by itself after this long")
    a = ap.parse_args()
    gateway = harness.Gateway(port=a.port, status=a.status, delay_ms=a.delay_ms, log_path=a.log)
    print(f"fake gateway on 127.0.0.1:{a.port}", flush=True)
    try:
        time.sleep(a.max_seconds)
    finally:
        gateway.stop()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
