#!/usr/bin/env python3
"""Signs in through the real two-step flow (password, then the SMS code read back from the fake gateway) and
prints what the load scripts need. Loopback only.

    client.py api-login  BASE GATEWAY PASSWORD ID:PHONE [ID:PHONE ...]   -> one bearer token a line
    client.py web-login  BASE GATEWAY PASSWORD ID:PHONE NEXT             -> "cookie-name=value"
    client.py check      BASE GATEWAY PASSWORD ID:PHONE                  -> sanity: right password 200, wrong 401
"""
import http.client
import json
import re
import sys
import time
from urllib.parse import urlencode, urlsplit


def conn(base):
    u = urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def request(base, method, path, body=None, headers=None):
    c = conn(base)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheaders(), data


def wait_code(gateway, phone, after, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _, data = request(gateway, "GET", "/_/code?" + urlencode({"to": phone, "after": f"{after:.6f}"}))
        if status == 200:
            return data.decode()
        time.sleep(0.02)
    raise SystemExit(f"no SMS code for {phone} within {timeout} s")


def api_login(base, gateway, password, ident, phone):
    t = time.time()
    status, _, data = request(base, "POST", "/api/v1/login", json.dumps({"username": ident, "password": password}),
                              {"Content-Type": "application/json"})
    if status != 200:
        raise SystemExit(f"login {ident}: HTTP {status} {data[:200]!r}")
    challenge = json.loads(data)["challengeId"]
    code = wait_code(gateway, phone, t)
    status, _, data = request(base, "POST", f"/api/v1/login/{challenge}/verify", json.dumps({"code": code}),
                              {"Content-Type": "application/json"})
    if status != 200:
        raise SystemExit(f"verify {ident}: HTTP {status} {data[:200]!r}")
    return json.loads(data)["token"]


def cookies_of(headers):
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            k, _, rest = value.partition("=")
            jar[k] = rest.split(";")[0]
    return jar


def web_login(base, gateway, password, ident, phone, next_path):
    status, headers, data = request(base, "GET", "/dang-nhap")
    jar = cookies_of(headers)
    csrf = re.search(rb'name="_csrf" value="([^"]+)"', data).group(1).decode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    form = {"_csrf": csrf, "next": next_path, "username": ident, "password": password, "login-method": "portal"}
    t = time.time()
    status, headers, data = request(base, "POST", "/dang-nhap", urlencode(form),
                                    {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    location = dict((k.lower(), v) for k, v in headers).get("location")
    if status not in (302, 303) or not location:
        raise SystemExit(f"web login {ident}: HTTP {status}")
    code = wait_code(gateway, phone, t)
    status, headers, data = request(base, "POST", location, urlencode({"_csrf": csrf, "code": code}),
                                    {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    session = {k: v for k, v in cookies_of(headers).items() if k.endswith("session")}
    if not session:
        raise SystemExit(f"web verify {ident}: HTTP {status}, no session cookie")
    jar.update(session)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def main():
    cmd, base, gateway, password = sys.argv[1:5]
    rest = sys.argv[5:]
    if cmd == "api-login":
        for item in rest:
            ident, phone = item.split(":")
            print(api_login(base, gateway, password, ident, phone), flush=True)
    elif cmd == "web-login":
        ident, phone = rest[0].split(":")
        print(web_login(base, gateway, password, ident, phone, rest[1]))
    elif cmd == "check":
        ident, _ = rest[0].split(":")
        body = lambda p: json.dumps({"username": ident, "password": p})
        ok, _, _ = request(base, "POST", "/api/v1/login", body(password), {"Content-Type": "application/json"})
        bad, _, _ = request(base, "POST", "/api/v1/login", body(password + "x"), {"Content-Type": "application/json"})
        print(f"sanity: right password -> {ok}, wrong password -> {bad}")
        if ok != 200 or bad != 401:
            raise SystemExit("login endpoint misbehaves")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
