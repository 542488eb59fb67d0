"""Shared test setup: draw with Agg (no window, no display) and close figures after each test;
kernels talk to the tests over Unix sockets, not TCP ports."""

import contextlib
import fcntl
import hashlib
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import shutil  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

_ORIGINAL_KERNEL_MANAGER_INIT = None
KERNEL_SOCKETS = None  # the folder of this test process's kernel sockets (POSIX only)


def pytest_configure(config):
    """Every kernel started in this test process (nbval's notebook kernels, nbclient's,
    jupyter_client's own) uses IPC transport: Unix sockets in a folder of this process,
    named after the kernel, instead of TCP ports. With ``pytest -n 2`` two workers start
    kernels at once, and a TCP port jupyter_client picked for one kernel can be taken by
    another before it binds it (jupyter_client issue 487, "Address already in use"; it once
    failed a classroom run). The classroom bench (bench/classroom.py) and the hub do the
    same. A kernel manager given a transport or an address keeps it. (Windows has no IPC
    transport: TCP stays.)

    Done when pytest starts, not in a fixture: nbval starts a notebook's kernel while it
    sets up the notebook, before any fixture of its first cell."""
    global _ORIGINAL_KERNEL_MANAGER_INIT, KERNEL_SOCKETS
    if os.name != "posix":
        return
    try:
        from jupyter_client.manager import KernelManager
    except ImportError:
        return
    KERNEL_SOCKETS = tempfile.mkdtemp(prefix="kernels-")  # short: a socket path has 107 bytes
    original = _ORIGINAL_KERNEL_MANAGER_INIT = KernelManager.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("transport", "ipc")
        original(self, *args, **kwargs)
        if self.transport == "ipc" and "ip" not in kwargs:
            self.ip = os.path.join(KERNEL_SOCKETS, f"kernel-{uuid.uuid4().hex[:12]}")

    KernelManager.__init__ = __init__


def pytest_unconfigure(config):
    if _ORIGINAL_KERNEL_MANAGER_INIT is not None:
        from jupyter_client.manager import KernelManager

        KernelManager.__init__ = _ORIGINAL_KERNEL_MANAGER_INIT
    if KERNEL_SOCKETS is not None:
        shutil.rmtree(KERNEL_SOCKETS, ignore_errors=True)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# ---------------------------------------------- tests that change the machine itself ----
# The real hub (tests/test_hub.py) closes the repository to other users while it runs, and
# `make grade` (tests/test_grade.py) runs students' kernels as other users who must reach
# the repository's .venv and the grading state in build/. Under `pytest -n 2` the two ran
# at the same time and every graded kernel failed to start. Each holds this lock while it
# runs, so they take turns, whichever worker runs them.
_REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_MACHINE_LOCK = os.path.join(
    tempfile.gettempdir(),
    f"engine-of-neural-networks-tests-{hashlib.sha1(_REPOSITORY.encode()).hexdigest()[:12]}.lock",
)


@contextlib.contextmanager
def machine_to_itself():
    """Run the block while no other test worker runs one (an exclusive flock)."""
    with open(_MACHINE_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
