#!/usr/bin/env python3
"""Turns the fake gateway's /_/stats (stdin) into one result line for bench/run.sh outbox.

    outbox_stats.py fast|slow|down REFERENCE_EPOCH MESSAGES [DELAY_MS]
fast/slow: REFERENCE is the commit of the queued messages; down: the moment the gateway recovered.
"""
import json
import sys

mode, ref, m = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
s = json.load(sys.stdin)
first, last, got = s["first_at"], s["last_at"], s["received"]
if not last:
    print(f"messages={m} received=0")
elif mode == "fast":
    print(f"messages={m} received={got} duplicates={s['duplicates']} commit_to_first_ms={(first - ref) * 1000:.0f} "
          f"commit_to_last_s={last - ref:.2f} per_second={got / (last - ref):.0f} "
          f"steady_per_second={(got - 1) / max(last - first, 1e-6):.0f}")
elif mode == "slow":
    print(f"gateway_delay_ms={sys.argv[4]} messages={m} received={got} duplicates={s['duplicates']} "
          f"commit_to_last_s={last - ref:.1f} per_second={got / (last - ref):.1f}")
else:
    print(f"messages={m} accepted={got} refused_attempts={s['by_status'].get('503', 0)} duplicates={s['duplicates']} "
          f"drained_s_after_recovery={last - ref:.1f}")
