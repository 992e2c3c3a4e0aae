"""`clinics crawl` on a terminal shows live counts, then a summary; in a pipe it stays quiet."""

import os
import pty
import subprocess
import sys


def run_on_a_terminal(arguments: list[str], environment: dict[str, str]) -> str:
    """Run a command with a pseudo-terminal as its output; all it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(arguments, env=environment, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the command has exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_crawl_on_a_terminal_shows_live_counts_and_a_summary(local_web, clinics):
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    environment = {
        **os.environ,
        "DATABASE_URL": clinics.database_url,
        "CLINICS_CRAWL_DELAY": "0",
        "CLINICS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "clinics", "crawl", "--sources", str(sources)]
    shown = run_on_a_terminal([*command, "--source", "oig-leie"], environment)
    assert "\roig-leie: pages 0, items 0, errors 0" in shown  # as it starts
    assert "\roig-leie: pages 2, items 11, errors 0\r\n" in shown  # as it ends
    assert "Crawled 1 source(s): pages 2, items 11, errors 0." in shown
    piped = clinics.run("crawl", "--sources", str(sources), "--source", "oig-leie")
    assert "\r" not in piped.stdout + piped.stderr
    assert "Crawled 1 source(s): pages 2, items 11, errors 0." in piped.stdout
