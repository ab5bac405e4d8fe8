"""A 20-second run of bench/soak.py for the test command: the mixed steady load gets no error and no late
request. The 10-minute run and its figures are in bench/SOAK.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import soak  # noqa: E402


def test_twenty_seconds_of_steady_mixed_load_get_no_error():
    assert soak.main(["--minutes", str(20 / 60), "--members", "4"]) == 0
