"""Before/after screenshots for the issue «Pages that every citizen and officer can use» (issue 14): one binary
per run, on a fresh demo province, the same steps each time. Not a test (pytest does not collect it).

    python3 Tests/e2e/screenshots_issue14.py /tmp/portal-before before --git-ref HEAD
    python3 Tests/e2e/screenshots_issue14.py /tmp/portal-after after

writes docs/screenshots/issue-14-catalogue-360-<label>.png (the catalogue /dich-vu at 360 px),
issue-14-counter-draft-<label>.png (the counter's draft page at 1280 px, right after the draft is made) and
issue-14-audit-log-<label>.png (the audit log at 1280 px after a look-up, a draft, a code and an account), each
the whole page. The portal reads its templates and static files from the working tree, or with --git-ref from
that commit's Resources/ and Public/ (a binary built from an older commit needs its own templates). The database is
a SQLite file in a temporary folder, or a new database on the PostgreSQL server of --database-url."""
import argparse
import base64
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "harness"))
import portal_harness as harness  # noqa: E402
from conftest import make_driver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from test_citizen import fill, set_date, submit  # noqa: E402
from test_console import sign_in_to_console  # noqa: E402
from test_counter import scan_file  # noqa: E402

CITIZEN = {"idNumber": "036185004321", "fullName": "Hoàng Thị Nguyệt", "dob": "1985-08-15", "phone": "0977 123 987",
           "e164": "+84977123987"}


def full_page(d, path):
    """The whole page, not only the window: Chrome's own capture beyond the viewport, at the page's CSS size."""
    size = d.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = d.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    Path(path).write_bytes(base64.b64decode(shot["data"]))
    print(f"wrote {path} ({int(size['width'])}×{int(size['height'])} CSS px)")


def wait_for(d, element_id, timeout=15):
    WebDriverWait(d, timeout).until(EC.presence_of_element_located((By.ID, element_id)))


def take(base, gateway, out, label):
    portal = {"base": base}

    # The catalogue on a phone.
    d = make_driver(360)
    d.width = 360
    try:
        d.get(base + "/dich-vu")
        wait_for(d, "services-table")
        full_page(d, out / f"issue-14-catalogue-360-{label}.png")
    finally:
        d.quit()

    d = make_driver(1280)
    d.width = 1280
    try:
        # The counter: a look-up of a number that has an account, then a new draft.
        sign_in_to_console(d, portal, gateway, harness.CENTRE_OFFICER)
        d.get(base + "/quantri/tai-khoan-cong-dan/them-moi")
        fill(d, "lookup-idNumber", "033060000011")
        submit(d, "lookup-submit")
        fill(d, "lookup-idNumber", CITIZEN["idNumber"])
        submit(d, "lookup-submit")
        fill(d, "idNumber", CITIZEN["idNumber"])
        fill(d, "fullName", CITIZEN["fullName"])
        set_date(d, "dateOfBirth", CITIZEN["dob"])
        fill(d, "phone", CITIZEN["phone"])
        d.find_element(By.ID, "idScan").send_keys(scan_file())
        submit(d, "draft-submit")
        wait_for(d, "create-form")
        full_page(d, out / f"issue-14-counter-draft-{label}.png")

        # The code, then the account.
        before = gateway.mark()
        submit(d, "send-otp")
        fill(d, "code", gateway.latest_code(CITIZEN["e164"], after=before))
        submit(d, "create-account")
        assert "Đã tạo tài khoản" in d.page_source, d.find_element(By.TAG_NAME, "main").text
        submit(d, "nav-logout")

        # The audit log, as the province's super admin.
        sign_in_to_console(d, portal, gateway, harness.SUPER_ADMIN)
        d.get(base + "/quantri/nhat-ky")
        wait_for(d, "audit-table")
        full_page(d, out / f"issue-14-audit-log-{label}.png")
    finally:
        d.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="the portal binary to run")
    parser.add_argument("label", help="before or after: the end of each file name")
    parser.add_argument("--git-ref", help="serve the templates and static files of this commit (e.g. HEAD)")
    parser.add_argument("--out", default=str(harness.ROOT / "docs" / "screenshots"))
    parser.add_argument("--database-url", help="a PostgreSQL server (any database on it); default: SQLite")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="portal-issue14-")
    root = harness.ROOT
    if args.git_ref:
        root = Path(folder) / "root"
        root.mkdir()
        archive = subprocess.run(["git", "-C", str(harness.ROOT), "archive", args.git_ref, "Resources", "Public"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    gateway = harness.Gateway()
    server = None
    try:
        with harness.script_database(args.database_url, "portal_issue14_") as database_url:
            env = harness.portal_env(database_url or harness.sqlite_url(folder), gateway.url, harness.SCRIPT_SETTINGS,
                                     PORTAL_ROOT=str(root), LOG_LEVEL="warning")
            server = harness.Server(env, folder, binary=args.binary, cwd=str(root))
            with harness.demo_server(server):
                take(server.base, gateway, out, args.label)
        return 0
    finally:
        gateway.stop()
        if server and not server.alive():
            print(server.log_tail(20), file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    harness.run_script(main)
