"""Who holds a crawl lock, and whether that holder is still there."""

import os
import socket
import subprocess
import sys

from crawler.jobs import holder, holder_alive


def test_this_process_holds_its_locks_alive():
    assert holder() == f"{socket.gethostname()}:{os.getpid()}"
    assert holder_alive(holder())


def test_a_process_of_this_host_that_has_exited_holds_nothing():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert not holder_alive(f"{socket.gethostname()}:{gone.pid}")


def test_a_holder_on_another_host_is_taken_to_be_alive():
    assert holder_alive("another-host.example:1")
    assert holder_alive("not a holder")
