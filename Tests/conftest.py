"""For every Python suite of the test command: the run prints how many tests were skipped, and with
REQUIRE_POSTGRES=1 (set by scripts/test.sh) any skip fails it: a skipped check is a check that did not run."""
import os


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if reporter:
        reporter.write_line(f"Python tests skipped: {skipped}")
    if os.environ.get("REQUIRE_POSTGRES") == "1" and skipped and session.exitstatus == 0:
        if reporter:
            reporter.write_line("FAIL: skipped tests under the test command")
        session.exitstatus = 1
