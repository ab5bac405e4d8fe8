#!/usr/bin/env python3
"""ID-card uploads against a running server (ASVS V12): too large, sent slowly, and many at once.

Starts the debug server on a temporary SQLite file (or, with --database-url, a new PostgreSQL database made
beside the one named and dropped afterwards) with a fake SMS gateway and the demo province, signs in the demo
officer of the commune one-stop desk, then:

  1. slow: a 5,242,881-byte PDF (one byte over the limit, inside a body the Content-Length check lets through)
     sent in 64 KB pieces over a few seconds → 413, while /health/ready keeps answering quickly;
  2. chunked: 6 MB with no Content-Length, slowly → 413 once the limit is passed, without waiting for the rest;
  3. declared: a Content-Length of 50 MB → 413 on the first 16 KB, without waiting for the rest;
  3b. trickled: two uploads of a valid 1 MB PDF sent so slowly they would take 60 s hold both upload slots;
     each is answered 408 at the server's time limit (UPLOAD_TIME_LIMIT_SECONDS, 10 s here), nothing is
     stored for them, and a normal upload sent meanwhile gets a freed slot and is accepted;
  4. exact: one valid PDF of exactly 5 MB (5,242,880 bytes, the limit itself) on its own → 201;
  5. bursts: 20 valid uploads of exactly 5 MB at once, twice (--bursts) → each is answered 201, or 503 `busy`
     with Retry-After when no upload slot freed within 15 s (the server takes two at once, docs/operations.md),
     and at least two are accepted. The id_scans and citizen_drafts rows equal the 201s; the server's VmRSS is
     sampled before, at each burst's peak and after:
     no burst grows it by more than --max-peak-mb over the baseline, and the second burst's peak is at most
     --max-plateau-mb above the first's (memory levels off instead of growing with every burst).

    python3 Tests/security/uploads.py [--parallel 20] [--bursts 2] [--binary .build/debug/portal] [--database-url postgres://…/postgres]

Exit status 0 when every check holds; the last line is the result, for RESULTS.md.
"""
import argparse
import select
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402

LIMIT = 5_242_880
TIME_LIMIT_SECONDS = 10


class Poller:
    """Calls /health/ready every 100 ms in the background and keeps each answer's status and time."""

    def __init__(self, port):
        self.port = port
        self.samples = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopped.is_set():
            started = time.monotonic()
            try:
                status, _ = harness.call(self.port, "GET", "/health/ready", timeout=10)
            except OSError:
                status = None
            self.samples.append((status, time.monotonic() - started))
            self.stopped.wait(0.1)

    def stop(self):
        self.stopped.set()
        self.thread.join()
        ok = [t for s, t in self.samples if s == 200]
        return {"calls": len(self.samples), "ok": len(ok), "max_ms": round(max((t for _, t in self.samples), default=0) * 1000)}


class RSSSampler:
    def __init__(self, pid, every=0.05):
        self.pid, self.every = pid, every
        self.peak = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopped.is_set():
            self.peak = max(self.peak, harness.rss_kb(self.pid) or 0)
            self.stopped.wait(self.every)

    def stop(self):
        self.stopped.set()
        self.thread.join()
        return self.peak


def read_response(sock, timeout=30):
    """Reads one HTTP answer from a raw socket: (status, body bytes)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    if not data:
        raise OSError("the connection closed without an answer")
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, rest


def answered_early(sock):
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def send_slowly(port, token, headers_extra, pieces, seconds):
    """Sends the request line and headers, then the body pieces spread over `seconds`. Stops sending as soon
    as the server answers (or drops the connection), and returns (status, pieces sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        head = "POST /api/v1/admin/citizen-accounts/drafts HTTP/1.1\r\nHost: 127.0.0.1\r\n" \
               f"Authorization: Bearer {token}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers_extra.items()) + "\r\n"
        sock.sendall(head.encode())
        pause = seconds / max(1, len(pieces))
        sent = 0
        for piece in pieces:
            if answered_early(sock):
                break
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            time.sleep(pause)
        status, _ = read_response(sock)
        return status, sent
    finally:
        sock.close()


def pieces_of(data, size=65536):
    return [data[i:i + size] for i in range(0, len(data), size)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--parallel", type=int, default=20)
    parser.add_argument("--bursts", type=int, default=2, help="how many times the uploads are sent all at once")
    parser.add_argument("--slow-seconds", type=float, default=4.0)
    parser.add_argument("--max-peak-mb", type=float, default=200.0,
                        help="largest growth of the server's RSS over its baseline during a burst")
    parser.add_argument("--max-plateau-mb", type=float, default=40.0,
                        help="largest rise of a later burst's RSS peak over the first burst's")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (any database on it) where a new database may be made; SQLite when absent")
    args = parser.parse_args(argv)
    with harness.script_database(args.database_url, "portal_uploads_") as database_url:
        return run(args, database_url)


def upload_answer(port, token, citizen, unit, payload):
    """One valid upload: (status or `dropped: …`, what is wrong with the answer or None). A valid 5 MB PDF is
    answered 201, or 503 `busy` with Retry-After when no upload slot freed in time; nothing else."""
    try:
        status, headers, answer = harness.upload_draft_answer(port, token, citizen, unit, payload, timeout=120)
    except OSError as error:
        return f"dropped: {error}", "dropped"
    retry_after = headers.get("retry-after", "")
    if status == 201 or (status == 503 and harness.error_code(answer) == "busy" and retry_after.isdigit()):
        return status, None
    return status, f"{status} {harness.error_code(answer)} Retry-After {retry_after or '-'}"


def run(args, database_url):
    started = time.time()
    tmp, gateway, server = harness.scratch("portal-uploads-", args.binary, database_url,
                                           UPLOAD_TIME_LIMIT_SECONDS=TIME_LIMIT_SECONDS)
    port, database = server.port, server.env["DATABASE_URL"]
    label = "PostgreSQL" if database_url else "SQLite"
    failures = []
    figures = {}
    try:
        server.demo()
        server.start()
        token = harness.sign_in_staff(port, gateway)
        unit = harness.officer_unit(port, token)
        tables = harness.Tables(database)
        citizens = harness.Citizens(seed=5)
        # One account holds at most one upload slot: the slow senders, the upload sent meanwhile and each upload
        # of a burst come from officers of their own.
        officers = harness.more_officers(port, gateway, citizens, unit, max(3, args.parallel))

        # 1. One byte over, slowly, with a Content-Length the early check lets through.
        c = citizens.new()
        content_type, head, data, tail = harness.multipart(harness.draft_fields(c, unit), "idScan", "cccd.pdf", "application/pdf",
                                                           harness.pdf_of_size(LIMIT + 1))
        body = head + data + tail
        poller = Poller(port)
        t0 = time.monotonic()
        status, _ = send_slowly(port, token, {"Content-Type": content_type, "Content-Length": str(len(body))},
                                pieces_of(body), args.slow_seconds)
        slow_seconds = time.monotonic() - t0
        health = poller.stop()
        figures["slow"] = f"{status} after {slow_seconds:.1f} s; /health/ready {health['ok']}/{health['calls']} ok, slowest {health['max_ms']} ms"
        if status != 413:
            failures.append(f"slow upload of {LIMIT + 1} bytes: {status}, expected 413")
        # Every readiness call during the upload must succeed; how fast is for the benchmarks, not a test.
        if health["ok"] != health["calls"] or health["calls"] < 5:
            failures.append(f"the server was not responsive during the slow upload: {health}")

        # 2. Chunked, no length, past the limit: refused once the limit is crossed.
        c = citizens.new()
        content_type, head, data, tail = harness.multipart(harness.draft_fields(c, unit), "idScan", "cccd.pdf", "application/pdf",
                                                           harness.pdf_of_size(6_000_000))
        body = head + data + tail
        chunks = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces_of(body)] + [b"0\r\n\r\n"]
        status, sent = send_slowly(port, token, {"Content-Type": content_type, "Transfer-Encoding": "chunked"}, chunks, 3.0)
        figures["chunked"] = f"{status} after {sent}/{len(chunks)} pieces"
        if status != 413:
            failures.append(f"chunked 6 MB upload: {status}, expected 413")

        # 3. A declared length over the limit: answered on the first piece of the body (the server hands a request
        #    on once some of its body has come), without waiting for the other 50 MB.
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            sock.sendall(("POST /api/v1/admin/citizen-accounts/drafts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: 52428800\r\n\r\n").encode()
                         + body[:16384])
            t0 = time.monotonic()
            status, _ = read_response(sock, timeout=10)
            figures["declared"] = f"{status} in {(time.monotonic() - t0) * 1000:.0f} ms after the first 16 KB"
            if status != 413:
                failures.append(f"declared 50 MB: {status}, expected 413")
        finally:
            sock.close()

        scans_before = tables.count("SELECT COUNT(*) AS n FROM id_scans")
        if scans_before != 0:
            failures.append(f"{scans_before} scans stored by refused uploads")

        # 3b. Two tricklers hold both slots; the time limit frees them for an upload sent at normal speed.
        trickled = [None, None]
        valid = harness.pdf_of_size(1_000_000)

        def trickle(i):
            c = citizens.new()
            ct, head, data, tail = harness.multipart(harness.draft_fields(c, unit), "idScan", "cccd.pdf", "application/pdf", valid)
            body = head + data + tail
            t = time.monotonic()
            status, sent = send_slowly(port, officers[i], {"Content-Type": ct, "Content-Length": str(len(body))},
                                       pieces_of(body, 16384), 6 * TIME_LIMIT_SECONDS)
            trickled[i] = (status, time.monotonic() - t)

        tricklers = [threading.Thread(target=trickle, args=(i,)) for i in range(2)]
        for t in tricklers:
            t.start()
        time.sleep(1.5)
        t0 = time.monotonic()
        normal_status = harness.upload_draft(port, officers[2], citizens.new(), unit, valid, timeout=60)[0]
        normal_seconds = time.monotonic() - t0
        for t in tricklers:
            t.join()
        figures["trickled"] = (f"two 1 MB uploads at ~17 KB/s: {[s for s, _ in trickled]} after "
                               f"{', '.join(f'{d:.1f}' for _, d in trickled)} s; an upload sent meanwhile: {normal_status} "
                               f"after {normal_seconds:.1f} s")
        if [s for s, _ in trickled] != [408, 408]:
            failures.append(f"trickled uploads: {trickled}, expected 408 at the time limit")
        if normal_status != 201:
            failures.append(f"the upload sent while the slots were held by tricklers: {normal_status}, expected 201")
        if tables.count("SELECT COUNT(*) AS n FROM id_scans") != (1 if normal_status == 201 else 0):
            failures.append("a trickled upload was stored")

        # 4. Exactly 5 MB, the limit itself, on its own: accepted.
        payload = harness.pdf_of_size(LIMIT)
        exact = harness.upload_draft(port, officers[0], citizens.new(), unit, payload, timeout=120)[0]
        figures["exact"] = exact
        if exact != 201:
            failures.append(f"a valid PDF of exactly {LIMIT:,} bytes on its own: {exact}, expected 201")
        created_total = (1 if normal_status == 201 else 0) + (1 if exact == 201 else 0)

        # 5. The bursts: the second and later ones show whether memory comes back to a plateau or keeps growing.
        time.sleep(1)
        baseline = server.rss_kb()
        bursts, peaks = [], []
        for burst in range(args.bursts):
            sampler = RSSSampler(server.pid)
            poller = Poller(port)
            results = [None] * args.parallel
            people = [citizens.new() for _ in range(args.parallel)]
            barrier = threading.Barrier(args.parallel)

            def one(i):
                barrier.wait()
                results[i] = upload_answer(port, officers[i], people[i], unit, payload)

            threads = [threading.Thread(target=one, args=(i,)) for i in range(args.parallel)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            burst_seconds = time.monotonic() - t0
            health = poller.stop()
            time.sleep(3)
            peak = sampler.stop()
            peaks.append(peak)
            after = server.rss_kb()
            statuses = {}
            for status, _ in results:
                statuses[status] = statuses.get(status, 0) + 1
            accepted = statuses.get(201, 0)
            created_total += accepted
            scans = tables.count("SELECT COUNT(*) AS n FROM id_scans")
            drafts = tables.count("SELECT COUNT(*) AS n FROM citizen_drafts")
            bursts.append(f"{args.parallel} × 5 MB in {burst_seconds:.1f} s: answers "
                          f"{dict(sorted((str(k), v) for k, v in statuses.items()))}; id_scans {scans}, drafts {drafts}; VmRSS peak {peak // 1024} MB, "
                          f"after {after // 1024} MB; /health/ready {health['ok']}/{health['calls']} ok, slowest {health['max_ms']} ms")
            wrong = [w for _, w in results if w]
            if wrong:
                failures.append(f"burst {burst + 1}: answers to a valid 5 MB upload other than 201 or 503 busy with "
                                f"Retry-After: {wrong[:5]}")
            if accepted < 2:
                failures.append(f"burst {burst + 1}: {accepted} uploads accepted; the two upload slots take at least two")
            if scans != created_total or drafts != created_total:
                failures.append(f"burst {burst + 1}: {created_total} created in all but {scans} scan rows and {drafts} drafts")
            if (peak - baseline) / 1024 > args.max_peak_mb:
                failures.append(f"burst {burst + 1}: the server grew by {(peak - baseline) // 1024} MB (limit {args.max_peak_mb:.0f} MB)")
            if burst > 0 and (peak - peaks[0]) / 1024 > args.max_plateau_mb:
                failures.append(f"burst {burst + 1}: VmRSS peak {peak // 1024} MB, {(peak - peaks[0]) // 1024} MB above the first "
                                f"burst's (limit {args.max_plateau_mb:.0f} MB): memory keeps growing")
            if health["ok"] != health["calls"]:
                failures.append(f"burst {burst + 1}: /health/ready failed during the uploads: {health}")
        if not server.alive():
            failures.append("the server died")
        figures["burst"] = f"VmRSS before {baseline // 1024} MB; " + "; then ".join(bursts)
    finally:
        harness.clean_up(server, gateway, tmp, failures)

    return harness.report("uploads", failures, started,
                          f"on {label}: slow 5,242,881 bytes: {figures.get('slow')}; "
                          f"chunked 6 MB: {figures.get('chunked')}; declared 50 MB: {figures.get('declared')}; trickled: {figures.get('trickled')}; exactly 5,242,880 bytes alone: {figures.get('exact')}; "
                          f"bursts: {figures.get('burst')}")


if __name__ == "__main__":
    harness.run_script(main)
