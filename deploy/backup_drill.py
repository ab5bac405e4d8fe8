#!/usr/bin/env python3
"""The backup drill: a point-in-time restore of the topology's pgBackRest repository into a fresh cluster, with a
portal on it.

Starts deploy/topology.sh (its start takes a full base backup; WAL is archived continuously from the leader), or
uses the running one with --running. Then:

  1. registers --before citizens through HAProxy (after the base backup: they come back only by WAL replay);
  2. takes the target time from the database's clock, waits a second, registers --after more citizens, and has
     pgBackRest close and archive the current WAL segment (`check`);
  3. `topology.sh restore TARGET`: pgBackRest restores the base backup into a new folder, PostgreSQL replays the
     archived WAL up to the target and opens; a portal starts on it (same DATA_ENCRYPTION_KEY, kept apart from
     the repository);
  4. checks on the restored database: every account of step 1 is there, none of step 2; and through the restored
     portal: an account of step 1 signs in (password and SMS code), one of step 2 is refused.

    sudo python3 deploy/backup_drill.py [--binary PATH] [--before 5] [--after 5] [--running]

The last line is the result with its figures (restore time, backup size).
"""
import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "harness"))
import portal_harness as harness  # noqa: E402

SETTINGS = {k: v for k, v in harness.SCRIPT_SETTINGS.items() if k not in ("DATA_ENCRYPTION_KEY", "LOG_LEVEL")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--before", type=int, default=5, help="accounts registered before the target time")
    parser.add_argument("--after", type=int, default=5, help="accounts registered after it")
    parser.add_argument("--running", action="store_true", help="use the topology already running")
    args = parser.parse_args(argv)
    started = time.time()
    topology = harness.Topology(args.binary, settings=SETTINGS)
    failures, figures = [], {}
    try:
        if not args.running:
            topology.start(demo=False)
        gateway, web = topology.gateway, topology.web
        citizens = harness.Citizens()
        before = [citizens.new() for _ in range(args.before)]
        after = [citizens.new() for _ in range(args.after)]
        for c in before:
            harness.register(web, gateway, c)
        live = harness.Tables(topology.database_url())
        target = live.rows("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t")[0]["t"]
        time.sleep(1.0)
        for c in after:
            harness.register(web, gateway, c)
        topology.run("check", timeout=120)

        t0 = time.monotonic()
        topology.run("restore", target, timeout=600)
        figures["restore_s"] = round(time.monotonic() - t0, 1)
        restored = harness.Tables(topology.database_url(port=topology.RESTORED_DB))
        present = {r["id_number"] for r in restored.rows("SELECT id_number FROM accounts")}
        missing = [c["idNumber"] for c in before if c["idNumber"] not in present]
        extra = [c["idNumber"] for c in after if c["idNumber"] in present]
        if missing:
            failures.append(f"{len(missing)} accounts made before the target are not in the restored database: {missing}")
        if extra:
            failures.append(f"{len(extra)} accounts made after the target are in the restored database: {extra}")
        figures["accounts_restored"] = len(present)

        restored_web = f"http://127.0.0.1:{topology.RESTORED_WEB}"
        c = before[-1]
        try:
            harness.sign_in(restored_web, gateway, c["idNumber"], c["password"], c["e164"])
        except AssertionError as error:
            failures.append(f"an account made before the target cannot sign in on the restored portal: {error}")
        c = after[0]
        status, payload = harness.call(restored_web, "POST", "/api/v1/login", {"username": c["idNumber"], "password": c["password"]})
        if status == 200:
            failures.append("an account made after the target signs in on the restored portal")
        figures["after_sign_in"] = f"{status} {harness.error_code(payload)}"
        info = topology.run("info")
        sizes = re.findall(r"database size: ([0-9.]+\w+), database backup size: ([0-9.]+\w+)", info)
        archive = re.search(r"wal archive min/max \S+: (\S+)/(\S+)", info)
        figures["backup"] = f"{len(sizes)} backup(s), the full one of a {sizes[0][0]} database" if sizes else "?"
        figures["wal"] = f"{archive.group(1)}…{archive.group(2)}" if archive else "?"
        topology.run("restore-stop", check=False)
    finally:
        if not args.running:
            topology.stop()

    return harness.report("backup_drill", failures, started,
                          f"target {target}: {args.before} accounts before it all restored, {args.after} after it none "
                          f"({figures.get('accounts_restored')} accounts in the restored database); restore and replay "
                          f"{figures.get('restore_s')} s, portal on it ready; an account after the target: "
                          f"{figures.get('after_sign_in')}; repository: {figures.get('backup')}, WAL {figures.get('wal')}")


if __name__ == "__main__":
    harness.run_script(main)
