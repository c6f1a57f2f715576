"""A stack started by a test run or the launcher stops when whoever started it is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from deploy.local.launch import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux only")

# The parent starts a long-running child the way the launcher starts honcho, prints its pid, waits.
PARENT = """
import subprocess, sys, time
sys.path.insert(0, {root!r})
from deploy.local.launch import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                         start_new_session=True, preexec_fn=die_with_parent)
print(child.pid, flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); its state letter is Z.
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split()[2] != "Z"


def test_the_child_gets_sigterm_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT.format(root=str(ROOT))], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child)
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)


# A test run starts the launcher without a preexec_fn (it has gRPC threads): the launcher follows
# the parent named in SCHOOL_LAUNCHER_PARENT_PID itself.
FOLLOWER = """
import subprocess, sys, time, os
sys.path.insert(0, {root!r})
child = subprocess.Popen([sys.executable, "-c",
    "import sys, time; sys.path.insert(0, {root!r}); from deploy.local.launch import follow_parent; "
    "follow_parent(); time.sleep(120)"],
    env={{**os.environ, "SCHOOL_LAUNCHER_PARENT_PID": str(os.getpid())}})
print(child.pid, flush=True)
time.sleep(120)
"""


def test_a_launcher_started_without_preexec_follows_its_parent() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", FOLLOWER.format(root=str(ROOT))], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        time.sleep(1.0)  # let the child import and ask for the signal
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child)
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
