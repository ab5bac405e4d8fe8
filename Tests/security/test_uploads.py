"""uploads.py for the test command: one byte over 5 MB sent slowly, a chunked body past the limit, a declared
length over it, and twenty 5 MB uploads at once against a running server (about 30 s)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import uploads  # noqa: E402


def test_oversized_slow_and_concurrent_uploads_are_answered_and_bounded():
    assert uploads.main([]) == 0
