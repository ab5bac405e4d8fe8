#!/usr/bin/env python3
"""The API against its own OpenAPI document: schemathesis (from PyPI), every check, every phase, run against a
started portal (demo data) once as a desk officer and once as the super admin.

Each run must find nothing: no server error, no answer outside the document (status, content type, headers,
schema), no request the document allows that the server refuses, none it forbids that the server accepts, a
405 with `Allow` for an undeclared method, and the checks on authentication and on resources made and removed.
What a request well-formed by the document can still be refused for (a wrong code, a wrong password, an ID
number whose province code does not exist) is stated in schemathesis.toml beside this script, each with its
reason.

    python3 Tests/fuzz/schemathesis_run.py [--examples N] [--seed S] [--who officer,super_admin]

    python3 Tests/fuzz/schemathesis_run.py --database-url postgres://…   (a new database beside the one named)

On a SQLite file unless a PostgreSQL server is named."""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "harness"))
import portal_harness as harness  # noqa: E402

# Limits that a few thousand calls from one address and two accounts would otherwise reach: the limits
# themselves have their own tests; here they would only turn every later answer into a 429.
SETTINGS = {
    **harness.SCRIPT_SETTINGS,
    "OTP_MAX_PER_HOUR": "1000",
    "OTP_MAX_PER_DAY": "10000",
    "LOOKUP_LIMIT_PER_HOUR": "100000",
    "PHONE_ACCOUNT_LIMIT": "100",
}


def run(examples, seed, who, binary, postgres_url=None, quiet=False):
    """Runs schemathesis as each of `who`; answers the failures. With `postgres_url` (any database of a
    PostgreSQL server), on a new database made beside it and dropped afterwards; else on a SQLite file."""
    if postgres_url:
        with harness.new_postgres_database(postgres_url, "portal_st_") as database_url:
            return _run(examples, seed, who, binary, database_url, quiet)
    return _run(examples, seed, who, binary, None, quiet)


def _run(examples, seed, who, binary, database_url, quiet):
    folder = tempfile.mkdtemp(prefix="portal-schemathesis-")
    gateway = harness.Gateway()
    env = harness.portal_env(database_url or harness.sqlite_url(folder), gateway.url, SETTINGS)
    server = harness.Server(env, folder, binary)
    failures = []
    try:
        server.demo(timeout=180)
        server.start(timeout=60)
        for name in who:
            command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"), "--no-color",
                       "run", f"{server.base}/api/openapi.yaml", "--checks", "all",
                       "--max-examples", str(examples), "--seed", str(seed), "--workers", "1",
                       "--request-timeout", "30"]
            run_env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks", PYTHONPATH=str(HERE),
                           SCHEMATHESIS_PORTAL_PORT=str(server.port), SCHEMATHESIS_GATEWAY_URL=gateway.url,
                           SCHEMATHESIS_WHO=name)
            started = time.time()
            # In the scratch folder: schemathesis keeps a cache in its working directory.
            done = subprocess.run(command, env=run_env, cwd=folder, capture_output=True, text=True, timeout=1800)
            summary = done.stdout[done.stdout.rfind("= SUMMARY ="):] if "= SUMMARY =" in done.stdout else done.stdout[-3000:]
            if not quiet or done.returncode != 0:
                print(f"--- schemathesis as {name} ({time.time() - started:.0f} s), exit {done.returncode}")
                print(done.stdout if done.returncode != 0 else summary)
                if done.stderr.strip():
                    print(done.stderr[-3000:], file=sys.stderr)
            if done.returncode != 0:
                failures.append(f"schemathesis as {name} exited with {done.returncode}")
            elif server.proc.poll() is not None:
                failures.append(f"the server exited during the run as {name}")
        return failures
    finally:
        harness.clean_up(server, gateway, folder, failures)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SCHEMATHESIS_SEED", "20261201")))
    parser.add_argument("--who", default="officer,super_admin")
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server's database; a new one is made beside it")
    args = parser.parse_args(argv)
    started = time.time()
    failures = run(args.examples, args.seed, args.who.split(","), args.binary, args.database_url)
    where = "PostgreSQL" if args.database_url else "SQLite"
    return harness.report("schemathesis", failures, started, f"on {where}, as {args.who}, {args.examples} examples per operation")


if __name__ == "__main__":
    harness.run_script(main)
