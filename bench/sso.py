#!/usr/bin/env python3
"""Single sign-on benchmark: the token endpoint (authorization-code exchange, refresh) and userinfo, measured
with wrk against a running portal, as requests per CPU-second of the portal process and p50/p99 latencies.
Loopback only; every phase is bounded in time.

    sso.py --base URL --gateway URL --pid PID --client-id ID --client-secret SECRET --user ID:PHONE --password P
           [--conns 16] [--threads 2] [--seconds 10] [--work DIR]

The client must be registered as trusted (no consent page) with the redirect URI given by --redirect-uri
(`portal oidc-client add … --trusted`); `bench/run.sh sso` does that and starts the server. The citizen signs in
once through the pages (password, then the SMS code from the fake gateway); each code is then asked of
/oidc/authorize with that session's cookie, without following the redirect: the code is in its Location.
Codes live 60 s, so they are made in batches just before each measurement: a short round (CALIBRATE codes)
gives the exchange rate, and the measured round gets as many codes as that rate uses in --seconds.

Prints one line a phase: NAME key=value…, as bench/run.sh's summary.tsv keeps them.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "Tests" / "harness"))
import portal_harness as harness  # noqa: E402

CALIBRATE = 400
MAX_CODES = 30000          # what the minting can make well within a code's 60 s
VERIFIER = base64.urlsafe_b64encode(hashlib.sha256(b"portal bench verifier").digest()).decode().rstrip("=")
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """The process's user + system time (/proc/PID/stat fields 14 and 15), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Minter:
    """Asks /oidc/authorize for codes with the signed-in session's cookie, on keep-alive connections."""

    def __init__(self, base, cookie, client_id, redirect_uri, scope):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookie = cookie
        self.query = urllib.parse.urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
            "code_challenge": CHALLENGE, "code_challenge_method": "S256"})

    def _one(self, conn, n):
        conn.request("GET", f"/oidc/authorize?{self.query}&state=s{n}", headers={"Cookie": self.cookie})
        res = conn.getresponse()
        res.read()
        location = res.getheader("Location") or ""
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("code")
        if res.status != 303 or not code:
            raise RuntimeError(f"/oidc/authorize answered {res.status} Location={location[:200]!r}: is the client trusted, "
                               "the redirect URI registered, the session signed in?")
        return code[0]

    def mint(self, count, workers=4):
        """`count` codes, in the order they were made (oldest first)."""
        out = [None] * count
        todo = queue.Queue()
        for n in range(count):
            todo.put(n)
        failures = []

        def work():
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                while not failures:
                    try:
                        n = todo.get_nowait()
                    except queue.Empty:
                        return
                    out[n] = self._one(conn, n)
            except Exception as error:  # noqa: BLE001 - reported by the caller
                failures.append(error)
            finally:
                conn.close()

        threads = [threading.Thread(target=work) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]
        return out


def token_call(base, basic, form):
    status, _, body = harness.request(base, "POST", "/oidc/token", urllib.parse.urlencode(form),
                                      {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"})
    return status, json.loads(body or b"null")


def run_wrk(args, name, path, lua, env, duration):
    """wrk on the server for at most `duration` seconds; the server's CPU seconds around it. Returns the RESULT
    fields with the server's requests per CPU-second."""
    out = Path(args.work) / f"wrk-{name}.txt"
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.conns}", f"-d{duration}s", "--timeout", "30s", "-s", str(BENCH / "lua" / lua),
           args.base + path]
    c0 = cpu_seconds(args.pid)
    with open(out, "w") as f:
        subprocess.run(cmd, env={**os.environ, "BENCH_LUA": str(BENCH / "lua"), "BENCH_THREADS": str(args.threads), **env},
                       stdout=f, stderr=subprocess.STDOUT, check=False, timeout=duration + 60)
    c1 = cpu_seconds(args.pid)
    text = out.read_text()
    m = re.search(r"^RESULT (.*)$", text, re.M)
    if not m:
        raise RuntimeError(f"wrk gave no RESULT line:\n{text[-2000:]}")
    fields = dict(kv.split("=", 1) for kv in m.group(1).split())
    good = int(fields.get("ok", fields.get("n")))
    cpu = c1 - c0
    fields["server_cpu_s"] = f"{cpu:.2f}"
    fields["req_per_cpu_s"] = f"{good / cpu:.0f}" if cpu > 0 else "0"
    fields["rss_mb"] = f"{rss_mb(args.pid):.1f}"
    fields["conns"] = str(args.conns)
    fields["cmd"] = " ".join(cmd[:-1]) + " " + path
    return fields


def line(name, fields):
    print(name + " " + " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True)
    p.add_argument("--gateway", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", required=True)
    p.add_argument("--redirect-uri", default="https://rp.bench.example.vn/oidc/callback")
    p.add_argument("--scope", default="openid profile phone")
    p.add_argument("--user", required=True, help="ID:PHONE of a citizen (a line of users.txt, with ':')")
    p.add_argument("--password", required=True)
    p.add_argument("--conns", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=10.0, help="each measured phase (at most 20)")
    p.add_argument("--work", default="/tmp/portal-bench-sso")
    args = p.parse_args()
    args.seconds = min(args.seconds, 20.0)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    basic = base64.b64encode(f"{urllib.parse.quote(args.client_id, safe='')}:{urllib.parse.quote(args.client_secret, safe='')}"
                             .encode()).decode()
    redirect_form = urllib.parse.quote(args.redirect_uri, safe="")
    ident, phone = args.user.split(":")

    cookie = harness.web_sign_in(args.base, harness.RemoteGateway(args.gateway), ident, args.password, phone, "/", timeout=60)
    minter = Minter(args.base, cookie, args.client_id, args.redirect_uri, args.scope)
    codes_file = Path(args.work) / "codes.txt"
    token_env = {"BENCH_CODES": str(codes_file), "BENCH_BASIC": basic, "BENCH_REDIRECT": redirect_form, "BENCH_VERIFIER": VERIFIER}

    # One exchange by hand: the answer is what the standard says, and its tokens work.
    status, tokens = token_call(args.base, basic, {"grant_type": "authorization_code", "code": minter.mint(1)[0],
                                                   "redirect_uri": args.redirect_uri, "code_verifier": VERIFIER})
    if status != 200 or not tokens.get("id_token") or tokens.get("token_type") != "Bearer":
        raise SystemExit(f"the exchange answered {status}: {tokens}")
    status, _, body = harness.request(args.base, "GET", "/oidc/userinfo", None, {"Authorization": f"Bearer {tokens['access_token']}"})
    if status != 200 or b'"sub"' not in body:
        raise SystemExit(f"userinfo answered {status}: {body[:300]!r}")

    # The framework's floor and a database read, in the same conditions: the machine is shared, and CPU time per
    # request grows with what else runs, so the token figures are also given as a share of these.
    for name, path in (("sso-ref-live", "/health/live"), ("sso-ref-ready", "/health/ready")):
        ref = run_wrk(args, name, path, "get.lua", {}, 5)
        ref["req_per_cpu_s"] = f"{int(ref['n']) / float(ref['server_cpu_s']):.0f}" if float(ref["server_cpu_s"]) > 0 else "0"
        line(name, ref)

    # Minting speed (what /oidc/authorize costs with a signed-in session and a trusted client).
    t0, c0 = time.monotonic(), cpu_seconds(args.pid)
    codes = minter.mint(CALIBRATE)
    t1, c1 = time.monotonic(), cpu_seconds(args.pid)
    line("sso-authorize", {"n": CALIBRATE, "rps": f"{CALIBRATE / (t1 - t0):.1f}", "server_cpu_s": f"{c1 - c0:.2f}",
                           "req_per_cpu_s": f"{CALIBRATE / (c1 - c0):.0f}" if c1 > c0 else "0", "workers": 4,
                           "note": "python-client,keep-alive,sequential-per-worker"})
    mint_rate = CALIBRATE / (t1 - t0)

    # Calibration round: the exchange rate, and the server warmed up.
    codes_file.write_text("\n".join(codes) + "\n")
    cal = run_wrk(args, "sso-exchange-calibrate", "/oidc/token", "sso-token.lua", token_env, 10)
    rate = float(cal["rps"])
    line("sso-exchange-calibrate", cal)

    # The measured exchange: as many codes as the rate uses in --seconds, made just before.
    count = int(min(MAX_CODES, max(CALIBRATE, rate * args.seconds), mint_rate * 40))
    t0 = time.monotonic()
    codes = minter.mint(count)
    minted_s = time.monotonic() - t0
    codes_file.write_text("\n".join(codes) + "\n")
    ex = run_wrk(args, "sso-exchange", "/oidc/token", "sso-token.lua", token_env,
                 int(min(20, max(3, count / max(rate, 1) * 1.5 + 2))))
    ex["codes"] = str(count)
    ex["minted_in_s"] = f"{minted_s:.1f}"
    line("sso-exchange", ex)

    # Refresh chains: one per connection, each from a fresh code.
    chains, access = [], []
    for code in minter.mint(args.conns):
        status, t = token_call(args.base, basic, {"grant_type": "authorization_code", "code": code, "redirect_uri": args.redirect_uri,
                                                  "code_verifier": VERIFIER})
        if status != 200:
            raise SystemExit(f"the exchange for a refresh chain answered {status}: {t}")
        chains.append(t["refresh_token"])
        access.append(t["access_token"])
    refresh_file = Path(args.work) / "refresh.txt"
    refresh_file.write_text("\n".join(chains) + "\n")
    rf = run_wrk(args, "sso-refresh", "/oidc/token", "sso-refresh.lua", {"BENCH_REFRESH": str(refresh_file), "BENCH_BASIC": basic},
                 int(args.seconds))
    rf["chains"] = str(len(chains))
    line("sso-refresh", rf)

    # Userinfo with fixed access tokens (they live 600 s), through bench/lua/get.lua.
    access_file = Path(args.work) / "access.txt"
    access_file.write_text("\n".join(access) + "\n")
    ui = run_wrk(args, "sso-userinfo", "/oidc/userinfo", "get.lua", {"BENCH_TOKENS": str(access_file)}, int(args.seconds))
    # get.lua's RESULT has no ok count: every 2xx is an answer with claims.
    ui["req_per_cpu_s"] = f"{(int(ui['n']) - int(ui['non2xx'])) / float(ui['server_cpu_s']):.0f}" if float(ui["server_cpu_s"]) > 0 else "0"
    line("sso-userinfo", ui)
    return 0


if __name__ == "__main__":
    harness.run_script(main)
