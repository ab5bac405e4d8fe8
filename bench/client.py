#!/usr/bin/env python3
"""Signs in through the real two-step flow (password, then the SMS code read back from the fake gateway) and
prints what the load scripts need. Loopback only.

    client.py api-login  BASE GATEWAY PASSWORD ID:PHONE [ID:PHONE ...]   -> one bearer token a line
    client.py web-login  BASE GATEWAY PASSWORD ID:PHONE NEXT             -> "cookie-name=value"
    client.py check      BASE GATEWAY PASSWORD ID:PHONE                  -> sanity: right password 200, wrong 401
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "harness"))
import portal_harness as harness  # noqa: E402


def main():
    cmd, base, gateway_base, password = sys.argv[1:5]
    rest = sys.argv[5:]
    gateway = harness.RemoteGateway(gateway_base)
    send = lambda method, path, body=None: harness.call(base, method, path, body, timeout=60)  # noqa: E731
    if cmd == "api-login":
        for item in rest:
            ident, phone = item.split(":")
            print(harness.sign_in(send, gateway, ident, password, phone), flush=True)
    elif cmd == "web-login":
        ident, phone = rest[0].split(":")
        print(harness.web_sign_in(base, gateway, ident, password, phone, rest[1], timeout=60))
    elif cmd == "check":
        ident, _ = rest[0].split(":")
        ok, _ = send("POST", "/api/v1/login", {"username": ident, "password": password})
        bad, _ = send("POST", "/api/v1/login", {"username": ident, "password": password + "x"})
        print(f"sanity: right password -> {ok}, wrong password -> {bad}")
        if ok != 200 or bad != 401:
            raise SystemExit("login endpoint misbehaves")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        raise SystemExit(str(failure))
