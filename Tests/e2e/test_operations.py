"""What an operator meets first: the binary started from anywhere, and commands that refuse cleanly."""
import os
import shutil
import subprocess
import tempfile
import urllib.request

import pytest

import portal_harness as harness

ROOT = harness.ROOT
CRASH_SIGNS = ("Fatal error", "Stack dump", "Backtrace", "Crash", "Current stack trace", "💣")


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def run(argv, env, cwd, timeout=60):
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def folders():
    made = [tempfile.mkdtemp(prefix="portal-ops-") for _ in range(3)]
    yield made
    for f in made:
        shutil.rmtree(f, ignore_errors=True)


def refused_in_one_line(done, *words):
    assert done.returncode == 1, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    lines = [l for l in done.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    for sign in CRASH_SIGNS:
        assert sign not in done.stderr + done.stdout, done.stderr


def test_an_installed_binary_serves_its_pages_from_any_working_directory(folders, gateway):
    install, cwd, data = folders
    # An installation: the binary in bin/, its files beside it, started from an unrelated folder.
    os.makedirs(os.path.join(install, "bin"))
    binary = os.path.join(install, "bin", "portal")
    shutil.copy2(harness.DEFAULT_BINARY, binary)
    shutil.copytree(ROOT / "Resources", os.path.join(install, "Resources"))
    shutil.copytree(ROOT / "Public", os.path.join(install, "Public"))
    env = harness.portal_env(harness.sqlite_url(data), gateway.url, harness.FAST_HASHING, HUMAN_CHECK="off", PORTAL_ROOT=None)
    server = harness.Server(env, data, binary=binary, cwd=cwd)
    server.start(timeout=60)
    try:
        for path in ("/", "/dang-nhap", "/dang-ky", "/api/openapi.yaml", "/css/portal.css"):
            status, body = get(server.base + path)
            assert status == 200, (path, status, body[:300])
        assert "openapi:" in get(server.base + "/api/openapi.yaml")[1]
        assert not os.path.exists(os.path.join(install, "data")), "data stays in the working directory"
    finally:
        server.stop(timeout=10)


def test_the_server_refuses_to_start_without_its_files_naming_the_setting(folders, gateway):
    lone, cwd, data = folders
    binary = os.path.join(lone, "portal")
    shutil.copy2(harness.DEFAULT_BINARY, binary)
    env = harness.portal_env(harness.sqlite_url(data), gateway.url, harness.FAST_HASHING, HUMAN_CHECK="off", PORTAL_ROOT=None)
    done = run([binary, "serve", "--hostname", "127.0.0.1", "--port", str(harness.free_port())], env, cwd, timeout=60)
    refused_in_one_line(done, "PORTAL_ROOT")
    done = run([harness.DEFAULT_BINARY, "serve", "--hostname", "127.0.0.1", "--port", str(harness.free_port())],
               dict(env, PORTAL_ROOT=cwd), ROOT, timeout=60)
    refused_in_one_line(done, "PORTAL_ROOT")


@pytest.mark.parametrize("args, words", [
    (["create-superadmin", "--id-number", "033080000001", "--full-name", "Nguyễn Văn Quản", "--phone", "0958878271",
      "--province", "Tỉnh Hưng Yên"], ["mobile number"]),
    (["create-superadmin", "--id-number", "033080000001"], ["--phone"]),
    (["create-superadmin", "--id-number", "12", "--full-name", "Nguyễn Văn Quản", "--phone", "0912000001",
      "--province", "Tỉnh Hưng Yên"], []),
    (["demo", "--env", "production"], ["production"]),
    (["seed-bench", "--accounts", "-5"], ["--accounts"]),
    (["oidc-client", "add", "--name", "X", "--redirect-uri", "ftp://nowhere"], []),
    (["no-such-command"], []),
], ids=["bad-phone", "missing-options", "bad-id", "demo-in-production", "bad-count", "bad-client", "unknown-command"])
def test_a_command_refusal_is_one_line_and_status_1(folders, args, words):
    data = folders[0]
    env = harness.portal_env(harness.sqlite_url(data), "http://127.0.0.1:9/sms", harness.FAST_HASHING, HUMAN_CHECK="off")
    done = run([harness.DEFAULT_BINARY, *args], env, ROOT)
    refused_in_one_line(done, *words)


def test_demo_refuses_a_database_with_a_real_super_admin(folders):
    data = folders[0]
    env = harness.portal_env(harness.sqlite_url(data), "http://127.0.0.1:9/sms", harness.FAST_HASHING, HUMAN_CHECK="off")
    made = run([harness.DEFAULT_BINARY, "create-superadmin", "--id-number", "033080000099", "--full-name", "Nguyễn Văn Tỉnh",
                "--phone", "0912000099", "--province", "Tỉnh Hưng Yên"], env, ROOT)
    assert made.returncode == 0, made.stderr
    for command in (["demo"], ["seed-bench", "--accounts", "10"]):
        refused_in_one_line(run([harness.DEFAULT_BINARY, *command], env, ROOT), "--on-existing-data")
    done = run([harness.DEFAULT_BINARY, "demo", "--on-existing-data"], env, ROOT, timeout=180)
    assert done.returncode == 0, done.stderr
