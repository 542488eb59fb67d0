"""Isolation of the students on one machine, for deploy/jupyterhub_config.py (``make hub``).

The layers, each against what one student could otherwise do to another or to the course:

    accounts    ``ClassAuthenticator`` (JupyterHub's NativeAuthenticator): one account per
                student with a password of their own, created by the hub; the teacher is an
                admin. Initial passwords go to a file only the teacher can read, never to a log.
    OS users    ``ensure_system_user``: one system user per account (when the hub runs as
                root), home /home/<name> mode 0700, marked as the hub's so that
                ``remove_system_users`` never touches an account it did not create.
    servers     ``StudentSpawner`` (JupyterHub's LocalProcessSpawner): each server and its
                kernels run as that user, never root; when a server stops, every process
                left in its cgroup or owned by its user is ended.
    limits      ``Limits``: memory and CPU per student from deploy/measured.json, in a cgroup
                of the student's own (cgroup v2, or v1's memory and cpu hierarchies), else
                per-process rlimits; over the memory limit the kernel of that student is
                killed (or gets MemoryError), nobody else's.
    course      ``lock_repository``: the repository is closed to other users except what a
                kernel imports (.venv, helpers/, data/), and nothing there is writable by them:
                the instructor notebooks, hidden tests, nbgrader's folders, .git and the hub's
                state are unreadable to students.
    network     ``bind_url``: an address other than localhost needs TLS or an explicit
                insecure switch that warns; without root, localhost only.

Nothing here runs on import.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
import re
import resource
import secrets
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

MARKER = "engine-of-neural-networks hub"  # the GECOS field of the users the hub creates
HOME_ROOT = Path("/home")
STUDENT_READABLE = (".venv", "helpers", "data")  # what a student's kernel imports or reads
NPROC_LIMIT = 512  # processes and threads per student (a fork bomb stops there)
CGROUP_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000
NAME = re.compile(r"[a-z][a-z0-9]{0,30}")  # what the hub allows as a user name


# ---------------------------------------------------------------- OS users --
def system_user(name: str):
    """The passwd entry of ``name``, or None."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def is_ours(entry) -> bool:
    """Whether a passwd entry was created by this hub (its GECOS field is MARKER)."""
    return entry is not None and entry.pw_gecos == MARKER


def ensure_system_user(name: str) -> pwd.struct_passwd:
    """Create system user ``name`` (home /home/<name>, mode 0700, its own group) unless the
    hub created it before; an existing account the hub did not create is refused, so a hub
    never takes over a person's or a service's account."""
    if not NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a user name the hub creates: use [a-z][a-z0-9]*")
    entry = system_user(name)
    if entry is not None and not is_ours(entry):
        raise RuntimeError(
            f"system user {name!r} exists and was not created by this hub: "
            "choose other names (HUB_STUDENT_NAME, HUB_TEACHER) or remove that account"
        )
    if entry is None:
        home = HOME_ROOT / name
        subprocess.run(
            ["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash"]
            + ["--comment", MARKER, "--user-group", name],
            check=True,
            capture_output=True,
            text=True,
        )
        entry = pwd.getpwnam(name)
    home = Path(entry.pw_dir)
    home.mkdir(mode=0o700, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    home.chmod(0o700)
    return entry


def end_processes_of(uid: int, timeout: float = 10) -> list[str]:
    """End (SIGTERM, then SIGKILL) every process running as ``uid``; what had to be ended."""
    import psutil

    found = []
    for proc in psutil.process_iter(["uids", "cmdline"]):
        uids = proc.info["uids"]
        if uids is not None and uid in (uids.real, uids.effective):
            found.append(proc)
    for proc in found:
        try:
            proc.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(found, timeout=timeout)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=timeout)
    return [f"{p.pid} {' '.join(p.info['cmdline'] or [])[:120]}" for p in found]


def remove_system_users(names) -> list[str]:
    """Remove the hub's system users among ``names`` with their homes, after ending their
    processes; users the hub did not create are left alone. The names removed."""
    removed = []
    for name in names:
        entry = system_user(name)
        if not is_ours(entry):
            continue
        end_processes_of(entry.pw_uid)
        subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
        if system_user(name) is not None:
            raise RuntimeError(f"userdel could not remove {name!r}")
        shutil.rmtree(entry.pw_dir, ignore_errors=True)
        removed.append(name)
    return removed


# ---------------------------------------------------------- the repository --
def lock_repository(repo: Path, venv: Path, readable=STUDENT_READABLE) -> list[str]:
    """Close ``repo`` to users other than its owner, except ``readable`` (what kernels
    import), and make nothing in ``venv`` and ``readable`` writable by others.

    The repository folder keeps only its search bit for others (they reach .venv/ and
    helpers/ by name, but cannot list it); every other entry at its top (notebooks/ with the
    instructor edition, tests/, .git, build/ with the hub's state, nbgrader's folders) loses
    all permissions for others. Runs on every start, so entries added since are closed too.
    What changed, one line each.
    """
    changed = []

    def set_mode(path: Path, mode: int) -> None:
        old = stat.S_IMODE(path.lstat().st_mode)
        if old != mode:
            path.chmod(mode)
            changed.append(f"{oct(old)} -> {oct(mode)} {path}")

    repo = repo.resolve()
    set_mode(repo, (stat.S_IMODE(repo.stat().st_mode) & ~0o007) | 0o001)
    for entry in sorted(repo.iterdir()):
        if entry.is_symlink():
            continue
        mode = stat.S_IMODE(entry.lstat().st_mode)
        if entry.name in readable:
            continue
        set_mode(entry, mode & ~0o007)
    tops = [str(p) for p in {venv.resolve(), *(repo / name for name in readable)} if p.exists()]
    # find(1): thousands of files in a .venv, far faster than a walk in Python
    found = subprocess.run(
        ["find", *tops, "!", "-type", "l", "-perm", "/022", "-print0"],
        check=True,
        capture_output=True,
    ).stdout
    writable = [Path(os.fsdecode(p)) for p in found.split(b"\0") if p]
    for path in writable:
        path.chmod(stat.S_IMODE(path.lstat().st_mode) & ~0o022)
    if writable:
        changed.append(
            f"{len(writable)} files or folders writable by group or others made read-only"
        )
    for path in (venv.resolve(), *(repo / name for name in readable)):
        for parent in [path, *path.parents]:
            info = parent.stat()
            if info.st_mode & 0o002 and not info.st_mode & stat.S_ISVTX:
                raise RuntimeError(
                    f"{parent} is writable by every user: a student could replace what the "
                    f"kernels import. Run chmod o-w {parent}"
                )
    return changed


def open_path_to(targets) -> list[str]:
    """Let other users reach ``targets`` (the Python the .venv was made from, its standard
    library): search permission (o+x, never read) on each folder above them that lacks it,
    such as /root when the Python was installed there by pyenv. What changed."""
    changed = []
    for target in targets:
        target = Path(target).resolve()
        for folder in reversed([target, *target.parents] if target.is_dir() else target.parents):
            mode = stat.S_IMODE(folder.stat().st_mode)
            if not mode & 0o001:
                folder.chmod(mode | 0o001)
                changed.append(f"{oct(mode)} -> {oct(mode | 0o001)} {folder} (search only)")
    return changed


# ------------------------------------------------------------------ limits --
class Limits:
    """Per-student memory and CPU: a cgroup per student where the machine lets the hub make
    one, else rlimits on each process.

    ``kind`` is "cgroup2", "cgroup1" or "rlimit". Made once per hub process; a student's
    cgroup is ``<parent>/<name>`` (created before their server starts, removed after it
    stops), the parent ``engine-hub-<hub pid>``.
    """

    def __init__(
        self,
        memory_limit: int,
        memory_guarantee: int = 0,
        cpu_limit: float = 0,
        cpu_guarantee: float = 0,
        parent: str | None = None,
    ):
        self.memory_limit = int(memory_limit)
        self.memory_guarantee = int(memory_guarantee)
        self.cpu_limit = float(cpu_limit)
        self.cpu_guarantee = float(cpu_guarantee)
        self.parent = parent or f"engine-hub-{os.getpid()}"
        self.kind, self.roots = self._find()

    # where the hub may make cgroups
    def _find(self) -> tuple[str, dict[str, Path]]:
        if os.getuid() != 0:
            return "rlimit", {}
        own = _own_cgroups()
        unified = CGROUP_ROOT if (CGROUP_ROOT / "cgroup.controllers").exists() else None
        if unified is not None:
            controllers = (unified / "cgroup.controllers").read_text().split()
            if {"memory", "cpu"} <= set(controllers):
                parent = unified / self.parent
                try:
                    parent.mkdir(exist_ok=True)
                    (parent / "cgroup.subtree_control").write_text("+memory +cpu")
                    return "cgroup2", {"unified": parent}
                except OSError:
                    _rmdir(parent)
        roots = {}
        for controller in ("memory", "cpu"):
            mount = CGROUP_ROOT / controller
            if not (mount / "cgroup.procs").exists():
                break
            parent = mount / own.get(controller, "/").lstrip("/") / self.parent
            try:
                parent.mkdir(exist_ok=True)
            except OSError:
                break
            roots[controller] = parent
        if len(roots) == 2:
            return "cgroup1", roots
        for parent in roots.values():
            _rmdir(parent)
        return "rlimit", {}

    def describe(self) -> str:
        what = f"memory {self.memory_limit // 2**20} MiB"
        if self.kind == "rlimit":
            return f"{what} per process (rlimit; no cgroups here), CPU not limited"
        return f"{what}, {self.cpu_limit:g} CPU per student ({self.kind})"

    def paths(self, name: str) -> list[Path]:
        """``name``'s cgroup folder(s) (none with rlimits)."""
        return [parent / name for parent in self.roots.values()]

    def prepare(self, name: str) -> list[Path]:
        """Make ``name``'s cgroup(s) with the limits written in; the folders."""
        groups = self.paths(name)
        for group in groups:
            group.mkdir(exist_ok=True)
        if self.kind == "cgroup2":
            (group,) = groups
            (group / "memory.max").write_text(str(self.memory_limit))
            if (group / "memory.swap.max").exists():  # the limit is memory, not swap too
                (group / "memory.swap.max").write_text("0")
            if self.memory_guarantee:
                (group / "memory.low").write_text(str(self.memory_guarantee))
            if self.cpu_limit:
                quota = int(self.cpu_limit * CPU_PERIOD_US)
                (group / "cpu.max").write_text(f"{quota} {CPU_PERIOD_US}")
            if self.cpu_guarantee:
                (group / "cpu.weight").write_text(str(max(1, round(self.cpu_guarantee * 100))))
        elif self.kind == "cgroup1":
            memory, cpu = self.roots["memory"] / name, self.roots["cpu"] / name
            (memory / "memory.limit_in_bytes").write_text(str(self.memory_limit))
            if (memory / "memory.memsw.limit_in_bytes").exists():  # memory + swap: no swap
                (memory / "memory.memsw.limit_in_bytes").write_text(str(self.memory_limit))
            if self.memory_guarantee:
                (memory / "memory.soft_limit_in_bytes").write_text(str(self.memory_guarantee))
            if self.cpu_limit:
                (cpu / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                (cpu / "cpu.cfs_quota_us").write_text(str(int(self.cpu_limit * CPU_PERIOD_US)))
            if self.cpu_guarantee:
                (cpu / "cpu.shares").write_text(str(max(2, round(self.cpu_guarantee * 1024))))
        return groups

    def enter(self, groups: list[Path]) -> None:
        """In the forked child, before it drops root: join ``groups``, set the rlimits."""
        for group in groups:
            (group / "cgroup.procs").write_text(str(os.getpid()))
        if self.kind == "rlimit":
            # the data segment (heap and anonymous mappings: numpy's arrays) of each process
            resource.setrlimit(resource.RLIMIT_DATA, (self.memory_limit, self.memory_limit))
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))

    def release(self, groups: list[Path]) -> list[str]:
        """End what is left in ``groups`` and remove them; what had to be ended."""
        return release(groups)

    def close(self) -> None:
        """Remove the hub's parent cgroup(s) (when the hub stops; empty by then)."""
        for parent in self.roots.values():
            for child in parent.iterdir() if parent.exists() else []:
                if child.is_dir():
                    self.release([child])
            _rmdir(parent)


def release(groups: list[Path]) -> list[str]:
    """Kill what is left in the cgroups ``groups`` and remove them (children before their
    parents); the process ids that had to be killed."""
    ended = []
    for group in groups:
        procs = group / "cgroup.procs"
        for _ in range(50):
            pids = [int(p) for p in procs.read_text().split()] if procs.exists() else []
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    ended.append(str(pid))
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        _rmdir(group)
    return ended


def hub_cgroups(hub_pid: int) -> list[Path]:
    """Where a hub with process id ``hub_pid``, started from this process's cgroups, makes
    its students' cgroups (whichever kind the machine has)."""
    parent = f"engine-hub-{hub_pid}"
    own = _own_cgroups()
    return [
        CGROUP_ROOT / parent,
        *(CGROUP_ROOT / c / own.get(c, "/").lstrip("/") / parent for c in ("memory", "cpu")),
    ]


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per v1 controller (from /proc/self/cgroup)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            if controller:
                paths[controller] = path
    return paths


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except FileNotFoundError:
        pass


def limits_of(pid: int) -> dict:
    """The memory limit (bytes) and CPU limit (CPUs) of process ``pid``'s cgroup(s), as the
    kernel enforces them; None where there is none (for checking what Limits wrote)."""
    found: dict = {"memory": None, "cpu": None}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            group = CGROUP_ROOT / path.lstrip("/")
            if (group / "memory.max").exists():
                value = (group / "memory.max").read_text().strip()
                found["memory"] = None if value == "max" else int(value)
            if (group / "cpu.max").exists():
                quota, period = (group / "cpu.max").read_text().split()
                found["cpu"] = None if quota == "max" else int(quota) / int(period)
        elif "memory" in controllers.split(","):
            group = CGROUP_ROOT / "memory" / path.lstrip("/")
            value = int((group / "memory.limit_in_bytes").read_text())
            found["memory"] = value if value < 2**62 else None
        elif "cpu" in controllers.split(","):
            group = CGROUP_ROOT / "cpu" / path.lstrip("/")
            quota = int((group / "cpu.cfs_quota_us").read_text())
            period = int((group / "cpu.cfs_period_us").read_text())
            found["cpu"] = None if quota < 0 else quota / period
    return found


# ----------------------------------------------------------------- network --
def is_local(ip: str) -> bool:
    """Whether the hub listening on ``ip`` is reachable from this machine only."""
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def bind_url(
    ip: str,
    port: int,
    isolated: bool,
    ssl_cert: str = "",
    ssl_key: str = "",
    insecure: bool = False,
) -> tuple[str, list[str]]:
    """Where the hub listens, and the warnings to print; SystemExit with the reason and the
    fix when the address is not allowed.

    localhost           http, always
    any other address   only when the students are isolated (root), and then over TLS
                        (``ssl_cert`` and ``ssl_key``), or plain http with ``insecure`` (behind a
                        TLS reverse proxy elsewhere), which warns
    """
    if bool(ssl_cert) != bool(ssl_key):
        raise SystemExit("HUB_SSL_CERT and HUB_SSL_KEY go together: set both or neither")
    for path in filter(None, (ssl_cert, ssl_key)):
        if not Path(path).is_file():
            raise SystemExit(f"{path}: no such file (HUB_SSL_CERT / HUB_SSL_KEY)")
    scheme = "https" if ssl_cert else "http"
    host = f"[{ip}]" if ":" in ip else ip
    url = f"{scheme}://{host}:{port}"
    if is_local(ip):
        return url, []
    if not isolated:
        raise SystemExit(
            f"HUB_IP={ip}: without root the hub cannot give each student an OS user of their "
            "own (every student would read every other's files), so it serves this machine "
            "only. Leave HUB_IP unset (127.0.0.1), or run make hub as root."
        )
    if ssl_cert:
        return url, []
    if insecure:
        return url, [
            f"WARNING: serving plain http on {ip}:{port} (HUB_INSECURE=1): passwords and "
            "notebooks cross the network unencrypted. Use this only behind a TLS reverse "
            "proxy (README, 'Running the hub for a class')."
        ]
    raise SystemExit(
        f"HUB_IP={ip} serves the hub to the network, which needs TLS: set HUB_SSL_CERT and "
        "HUB_SSL_KEY (a certificate and its key), or keep HUB_IP=127.0.0.1 behind a TLS "
        "reverse proxy (README), or set HUB_INSECURE=1 to serve plain http anyway."
    )


# --------------------------------------------------------------- passwords --
def new_password() -> str:
    """An initial password: 12 characters from an alphabet without look-alikes (0/O, 1/l)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
