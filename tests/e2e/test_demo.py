"""`clinics demo` as a newcomer runs it: local web, crawl, verify, site; Ctrl-C stops it cleanly."""

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ignore_sigint() -> None:
    """What a shell without job control does for a command it starts in the background."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("stop", "start_with"),
    [(signal.SIGINT, None), (signal.SIGINT, ignore_sigint), (signal.SIGTERM, None)],
    ids=["ctrl-c", "ctrl-c-sigint-ignored-at-start", "sigterm"],
)
def test_demo_crawls_verifies_serves_and_stops_cleanly(tmp_path, stop, start_with):
    port = free_port()
    # faulthandler prints every thread's stack on SIGABRT: a stop that hangs says where.
    environment = {**os.environ, "CLINICS_LOG_LEVEL": "WARNING", "PYTHONFAULTHANDLER": "1"}
    environment.pop("DATABASE_URL", None)  # the demo uses the embedded default
    demo = subprocess.Popen(
        [sys.executable, "-m", "clinics", "demo", "--port", str(port), "--web-port", "0"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=start_with,
    )
    try:
        output = []
        for line in demo.stdout:
            output.append(line)
            if "in your browser" in line:
                break
        assert f"Open http://127.0.0.1:{port}/ in your browser" in "".join(output), output
        assert (tmp_path / "var" / "clinics.db").exists()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?near=78703&radius=25") as page:
            assert "Calm Waters Ketamine Clinic" in page.read().decode()
        api = f"http://127.0.0.1:{port}/api/v1/clinics?near=Houston,%20TX&radius=50&status=all"
        with urllib.request.urlopen(api) as response:
            names = {result["name"] for result in json.load(response)["results"]}
        assert names == {"Lone Star Ketamine Infusions", "Bayou City Ketamine"}
        address = "near=1201+W+6th+St%2C+Austin%2C+TX+78703&radius=5"  # the local geocoder's
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/clinics?{address}") as found:
            place = json.load(found)["query"]["place"]
        assert (place["label"], place["approximate"]) == ("1201 W 6TH ST, AUSTIN, TX, 78703", False)
    finally:
        demo.send_signal(stop)
        try:
            rest, _ = demo.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            demo.send_signal(signal.SIGABRT)
            pytest.fail("the demo did not stop within 30 s:\n" + demo.communicate()[0])
    assert demo.returncode == 0, rest
    assert "Stopped." in rest
    assert "Traceback" not in "".join(output) + rest
