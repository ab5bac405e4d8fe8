#!/usr/bin/env python3
"""The ratios of docs/performance.md from one pair of runs (the peer's bench.sh, then ours at the peer's
scrypt parameters), read from RESULTS_DIR/summary.tsv and RESULTS_DIR/peer-summary.txt. Prints Markdown.

    ratios.py bench/results/sqlite-10000-peer
"""
import re
import sys

CORES = 2


def ours(path):
    rows = {}
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 4:
            continue
        when, name, load, rest = parts[0], parts[1], parts[2], parts[3]
        kv = dict(re.findall(r"(\w+)=([^\s]+)", rest))
        kv["_when"], kv["_load"], kv["_raw"] = when, load, rest
        rows[name] = kv  # the latest row of each name wins
    return rows


def peer(path):
    t = open(path).read()
    g = lambda pat: float(re.search(pat, t).group(1))
    return {
        "boot_ms": g(r"start -> first 200 /health\s+([\d.]+) ms"),
        "rss_idle": g(r"RSS idle \(\d+ procs\)\s+([\d.]+) MiB"),
        "rss_load": max(g(r"RSS under login load \(peak\)\s+([\d.]+) MiB"), g(r"RSS under health load \(peak\)\s+([\d.]+) MiB")),
        "login_rps": g(r"POST /api/login \(\S+\)\s+([\d.]+) req/s"),
        "login_p99": g(r"POST /api/login \(\S+\)\s+[\d.]+ req/s\s+p50 [\d.]+ ms\s+p99 ([\d.]+) ms"),
        "health_rps": g(r"GET /health \(\S+\)\s+([\d.]+) req/s"),
        "health_p99": g(r"GET /health \(\S+\)\s+[\d.]+ req/s\s+p50 [\d.]+ ms\s+p99 ([\d.]+) ms"),
        "me_rps": g(r"GET /api/me \(\S+\)\s+([\d.]+) req/s"),
        "me_p99": g(r"GET /api/me \(\S+\)\s+[\d.]+ req/s\s+p50 [\d.]+ ms\s+p99 ([\d.]+) ms"),
        "hash_ms": g(r"make_password x20 .*median ([\d.]+) ms"),
        "header": re.search(r"== django-allauth peer.*", t).group(0),
    }


def main():
    d = sys.argv[1]
    o, p = ours(f"{d}/summary.tsv"), peer(f"{d}/peer-summary.txt")
    hash_line = o["hash-peer-params"]["_raw"]
    our_hash_ms = float(re.search(r"median ([\d.]+) ms", hash_line).group(1))
    our_bound = CORES / (our_hash_ms / 1000)
    peer_bound = CORES / (p["hash_ms"] / 1000)
    login = float(o["login"]["rps"])
    rss_load = max(float(o[k]["rss_peak_mb"]) for k in o if "rss_peak_mb" in o[k])
    print(f"Pair run: peer `{p['header']}`; ours {o['login']['_when']} (load {o['login']['_load']}).\n")
    print("| measure | ours | peer | ratio (ours vs peer) | target |")
    print("|---|---|---|---|---|")
    print(f"| time per hash, scrypt N=2^14 r=8 p=5 (median) | {our_hash_ms:.0f} ms | {p['hash_ms']:.0f} ms | "
          f"{p['hash_ms'] / our_hash_ms:.2f}× faster | — |")
    print(f"| hash bound (2 cores ÷ s per hash) | {our_bound:.1f}/s | {peer_bound:.1f}/s | | |")
    print(f"| sign-in step 1, req/s (p99) | {login:.1f} ({float(o['login']['p99']):.0f} ms) | "
          f"{p['login_rps']:.1f} ({p['login_p99']:.0f} ms) | {login / p['login_rps']:.2f}× | |")
    print(f"| **logins/s ÷ hash bound** | **{login / our_bound:.2f}** | {p['login_rps'] / peer_bound:.2f} | | ≥ 0.9 |")
    # The same work on both sides: readiness (one SELECT 1) and the signed-in user through the session (a session
    # row and a user row).
    for name, label, peer_rps, peer_p99, peer_label in [
            ("ready", "GET /health/ready", p["health_rps"], p["health_p99"], "`/health`"),
            ("me", "GET /api/v1/me", p["me_rps"], p["me_p99"], "`/api/me`")]:
        if name in o:
            rps = float(o[name]["rps"])
            print(f"| {label}, req/s per core (p99) | {rps / CORES:.0f} ({float(o[name]['p99']):.1f} ms) | "
                  f"{peer_rps / CORES:.0f} ({peer_label}, p99 {peer_p99:.1f} ms) | **{rps / peer_rps:.1f}×** | ≥ 5× |")
    # No partner at the peer: requests per CPU-second of our server, as a share of our own readiness check's.
    ready_cpu = float(o["ready"]["req_per_cpu_s"]) if "ready" in o else 0
    for name, label, target in [("otp-verify", "OTP verify", "≥ 0.25 of `/health/ready`"),
                                ("lookup", "ID look-up", "≥ 0.25 of `/health/ready`"),
                                ("list-page", "officer's list page (20 rows)", "≥ 500 per core, p99 ≤ 50 ms"),
                                ("list-api", "officer's list API (20 rows)", "—"),
                                ("home", "home page", "—")]:
        if name in o and ready_cpu:
            cpu = float(o[name]["req_per_cpu_s"])
            print(f"| {label}: req/s, per CPU-second (p99) | {float(o[name]['rps']):.0f}, [{cpu:.0f}] ({float(o[name]['p99']):.1f} ms) | — | "
                  f"**{cpu / ready_cpu:.2f}** of `/health/ready`'s [{ready_cpu:.0f}] | {target} |")
    print(f"| RSS idle | {float(o['rss_idle']['mb']):.1f} MiB | {p['rss_idle']:.1f} MiB | {p['rss_idle'] / float(o['rss_idle']['mb']):.1f}× less | ≤ 50 MB |")
    print(f"| RSS under load (peak) | {rss_load:.1f} MiB | {p['rss_load']:.1f} MiB | {p['rss_load'] / rss_load:.1f}× less | ≤ 100 MB |")
    print(f"| start → first 200 from the readiness check | {float(o['startup']['ms']):.0f} ms | {p['boot_ms']:.0f} ms | "
          f"{p['boot_ms'] / float(o['startup']['ms']):.1f}× faster | ≤ 300 ms |")


if __name__ == "__main__":
    main()
