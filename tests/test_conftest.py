"""tests/conftest.py: the kernels tests start talk to them over Unix sockets (IPC), not TCP."""

import os
from pathlib import Path

import conftest
import nbformat
import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="IPC transport is POSIX only")


def _sockets(ip: str) -> list[Path]:
    folder = Path(ip).parent
    return sorted(p for p in folder.iterdir() if p.name.startswith(Path(ip).name + "-"))


def test_a_kernel_started_here_uses_unix_sockets_in_a_folder_of_its_own():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        info = manager.get_connection_info()
        assert info["transport"] == "ipc"
        assert Path(info["ip"]).parent == Path(conftest.KERNEL_SOCKETS)
        assert len(_sockets(info["ip"])) == 5  # shell, iopub, stdin, control, heartbeat
        reply = client.execute_interactive("print(6 * 7)", timeout=60)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert _sockets(info["ip"]) == []  # removed with the kernel


def test_two_kernels_get_different_sockets():
    from jupyter_client.manager import KernelManager

    first, second = KernelManager(kernel_name="python3"), KernelManager(kernel_name="python3")
    assert first.transport == second.transport == "ipc"
    assert first.ip != second.ip


def test_notebook_kernels_of_nbclient_and_nbval_use_unix_sockets():
    from nbclient import NotebookClient
    from nbval.kernel import RunningKernel

    nb = nbformat.v4.new_notebook()
    assert NotebookClient(nb, kernel_name="python3").create_kernel_manager().transport == "ipc"
    kernel = RunningKernel("python3")
    try:
        assert kernel.km.get_connection_info()["transport"] == "ipc"
    finally:
        kernel.stop()


def test_a_manager_told_its_transport_keeps_it():
    from jupyter_client.manager import KernelManager

    assert KernelManager(kernel_name="python3", transport="tcp").transport == "tcp"
