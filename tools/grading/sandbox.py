"""The kernel launcher of a graded notebook: limits, a fresh working directory, and, when
run as root, a separate user in a private view of the file system.

nbgrader starts each graded notebook's kernel from the kernelspec written by
:func:`write_kernelspec`, whose command is this file:

    python sandbox.py SETTINGS.json CONNECTION_FILE

It prepares the process and then *replaces itself* (``execve``) with the IPython kernel,
so the process jupyter_client interrupts or kills is the kernel itself. In order:

1. resource limits (``setrlimit``), inherited by anything the kernel starts:
   RLIMIT_AS (address space: a huge allocation raises MemoryError instead of taking the
   machine's memory), RLIMIT_CPU (CPU seconds for the whole notebook; SIGXCPU ends the
   kernel), RLIMIT_FSIZE (largest file), RLIMIT_CORE 0 and, with a separate user,
   RLIMIT_NPROC (processes and threads);
2. as root, where the kernel allows it (``unshare(CLONE_NEWNS)``): a private mount
   namespace in which the repository, the grading state and the submissions are covered
   by empty read-only tmpfs mounts, only the package (``helpers``), the bundled data and the
   virtual environment are mounted back read-only, and /tmp, /var/tmp and /dev/shm are
   small private tmpfs mounts. The working directory and HOME live in that /tmp; all of
   it disappears with the kernel;
3. as root: the groups, group and user become SETTINGS' ``uid`` (an id with no account,
   chosen by the grader), with PR_SET_NO_NEW_PRIVS so no setuid program gives them back;
4. a clean environment (no variable of the teacher's is passed on but PATH and LANG).

Without root only step 1 and a fresh working directory apply (see README, "Grading a
class": what protects what).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "engine-grading"
HOOK_MODULE = "engine_grading_hook"

# Linux constants (linux/sched.h, linux/mount.h, linux/prctl.h).
CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND = 1, 2, 4, 32, 4096
MS_REC, MS_PRIVATE = 16384, 1 << 18
MNT_DETACH = 2
PR_SET_NO_NEW_PRIVS = 38


def write_kernelspec(directory: Path, settings: dict) -> Path:
    """Write ``directory/kernels/engine-grading/`` (kernel.json and the settings it reads).

    ``directory`` goes on JUPYTER_PATH of the nbgrader process, and nbgrader's Execute
    preprocessor is told ``kernel_name = "engine-grading"``.
    """
    spec_dir = directory / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    settings_file = spec_dir / "settings.json"
    settings_file.write_text(json.dumps(settings, indent=1), encoding="utf-8")
    spec = {
        "argv": [sys.executable, str(Path(__file__).resolve()), str(settings_file)]
        + ["{connection_file}"],
        "display_name": "Python 3 (graded, sandboxed)",
        "language": "python",
        "interrupt_mode": "signal",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return spec_dir


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    libc = _libc()
    enc = lambda s: None if s is None else str(s).encode()  # noqa: E731
    result = libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))
    _check(result, f"mount {target}")


def _tmpfs(target: str, size: str, mode: str, readonly: bool = False) -> None:
    flags = MS_NOSUID | MS_NODEV | (MS_RDONLY if readonly else 0)
    _mount("tmpfs", target, "tmpfs", flags, f"size={size},mode={mode}")


def _under(path: str, parents) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in parents)


class NoNamespace(OSError):
    """The kernel refused a new mount namespace (nothing was changed)."""


def _closed_ancestors(path: str) -> list[str]:
    """The folders above ``path`` that other users cannot search (no o+x)."""
    closed, current = [], os.path.dirname(os.path.abspath(path))
    while current != "/":
        try:
            if not os.stat(current).st_mode & 0o001:
                closed.append(current)
        except OSError:
            pass
        current = os.path.dirname(current)
    return closed


def private_view(
    hide: list[str], keep: list[str], tmp_size: str, shared: list[str] = (), network=True
) -> None:
    """Enter a new mount namespace in which ``hide`` is covered and ``keep`` mounted back
    read-only, ``shared`` read-write (the kernel's socket folder); without ``network`` also
    a new network namespace (no interface but a loopback that is down).

    Raises NoNamespace when the kernel does not allow one (no CAP_SYS_ADMIN): the caller
    then falls back to a working directory on the host. Any later failure is an error.
    """
    libc = _libc()
    if libc.unshare(CLONE_NEWNS | (0 if network else CLONE_NEWNET)) != 0:
        errno = ctypes.get_errno()
        raise NoNamespace(errno, f"unshare(CLONE_NEWNS): {os.strerror(errno)}")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    shared_tmp = [d for d in ("/tmp", "/var/tmp", "/dev/shm") if os.path.isdir(d)]
    # A folder above a kept path that other users may not search (/root, a home of mode
    # 0700 holding pyenv's Python) is covered too: its cover (mode 0711) can be searched,
    # and the kept path is mounted back inside it, the rest of it stays hidden.
    hide = list(hide) + [a for k in keep for a in _closed_ancestors(k)]
    hide = [h for h in hide if os.path.isdir(h)]
    # Outermost first; a hidden path inside another (or inside /tmp) is covered already.
    hide = [
        h
        for h in sorted(set(hide), key=len)
        if not _under(h, [x for x in hide if x != h] + shared_tmp)
    ]
    writable = {k for k in shared if os.path.isdir(k) and _under(k, hide + shared_tmp)}
    keep = [k for k in keep if os.path.exists(k) and _under(k, hide + shared_tmp)]
    keep += sorted(writable)
    # Hold every kept directory open before anything is covered, then mount it back
    # through /proc/self/fd (so a kept path may lie under /tmp or any hidden path).
    fds = {k: os.open(k, os.O_PATH | os.O_DIRECTORY) for k in keep}
    for d in shared_tmp:
        _tmpfs(d, tmp_size, "1777")
    for h in hide:
        _tmpfs(h, "1m", "0711")
    for k in sorted(keep, key=len):
        os.makedirs(k, exist_ok=True)
        _mount(f"/proc/self/fd/{fds[k]}", k, None, MS_BIND | MS_REC)
        readonly = 0 if k in writable else MS_RDONLY
        _mount(None, k, None, MS_REMOUNT | MS_BIND | readonly | MS_NOSUID | MS_NODEV)
        os.close(fds[k])
    for h in hide:  # the covers become read-only once the kept paths are in place
        _mount(None, h, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def set_limits(settings: dict, separate_user: bool) -> None:
    """The rlimits of the kernel (soft = hard, so the student's code cannot raise them)."""
    memory = int(settings["memory_bytes"])
    cpu = int(settings["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # SIGXCPU at the soft limit ends the kernel; the hard limit (SIGKILL) is a backstop.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    size = int(settings["file_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if separate_user:  # counted per user: only meaningful for the grader's own uid
        n = int(settings["processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _check(_libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError(f"could not become uid {uid}")


def main(argv: list[str]) -> None:
    settings_file, connection_file = argv
    settings = json.loads(Path(settings_file).read_text(encoding="utf-8"))
    connection = Path(connection_file).read_text(encoding="utf-8")
    hook = Path(__file__).with_name("hook.py").read_text(encoding="utf-8")
    uid = settings.get("uid")
    as_root = os.geteuid() == 0 and uid is not None
    base = None
    if as_root and settings.get("private_view", True):
        try:
            private_view(
                settings["hide"],
                settings["keep"],
                settings["tmp_size"],
                shared=settings.get("sockets", []),
                network=settings.get("network", True),
            )
            base = Path("/tmp")
        except NoNamespace as error:
            print(f"grading sandbox: no private file system view ({error})", file=sys.stderr)
    if base is None:  # a fresh directory on the host, in the grader's folder for it
        base = Path(tempfile.mkdtemp(prefix="kernel-", dir=settings["host_dir"]))
    home, work, grading = base / "home", base / "work", base / ".grading"
    for d in (home, work, grading):
        d.mkdir(mode=0o700, exist_ok=True)
    (grading / f"{HOOK_MODULE}.py").write_text(hook, encoding="utf-8")
    connection_copy = grading / "kernel.json"
    connection_copy.write_text(connection, encoding="utf-8")
    # A matplotlib font cache from the teacher's, so each kernel does not rebuild it.
    mpl_cache = settings.get("matplotlib_cache")
    if mpl_cache and os.path.isdir(mpl_cache):
        shutil.copytree(mpl_cache, home / ".matplotlib", dirs_exist_ok=True)
    if as_root:  # the kernel's own files; /tmp itself stays root's (mode 1777)
        owned = [home, work, grading] + [p for d in (home, grading) for p in d.rglob("*")]
        for path in owned + ([base] if base != Path("/tmp") else []):
            os.chown(path, uid, uid)
    set_limits(settings, separate_user=as_root)
    if as_root:
        drop_privileges(uid)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "HOME": str(home),
        "USER": "student",
        "LOGNAME": "student",
        "TMPDIR": str(work),
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "PYTHONPATH": str(grading),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": str(settings.get("blas_threads", 1)),
        "OMP_NUM_THREADS": str(settings.get("blas_threads", 1)),
        "MKL_NUM_THREADS": str(settings.get("blas_threads", 1)),
        "ENGINE_GRADING": "1",
    }
    if "JPY_PARENT_PID" in os.environ:  # set by jupyter_client: the kernel has a parent
        env["JPY_PARENT_PID"] = os.environ["JPY_PARENT_PID"]
    os.chdir(work)
    python = settings["python"]
    args = [python, "-m", "ipykernel_launcher", "-f", str(connection_copy)]
    args += [f"--IPKernelApp.extensions=['{HOOK_MODULE}']", "--HistoryManager.hist_file=:memory:"]
    os.execve(python, args, env)


if __name__ == "__main__":
    main(sys.argv[1:])
