"""A class on one JupyterHub: ``python deploy/hubload.py``

Starts the one-machine hub (deploy/jupyterhub_config.py: JupyterHub, configurable-http-proxy,
a local server per student) on free localhost ports, with its state in a fresh folder, and
drives its REST API like a class. For each class size N (default 1, 5, 10):

    log in      the hub issues each of student1 … studentN an API token (through the hub's
                API, with the token of the hub's "class-driver" service)
    start       every student starts a server, all at once
    run         every student opens a notebook (a session, as JupyterLab does), runs its
                cells top to bottom in a real kernel over the kernel's websocket, and
                closes it: first 09 (the longest training), then 05, all students at once
    measure     wall time per student; each student's peak memory (peak RSS of their server
                plus their kernel, VmHWM from /proc); the kernel's CPU seconds; the total
                memory of everything the hub started (sampled); every failure (an error, a
                cell over its timeout, a lost kernel)

then stops the hub, checks that no process it started is left, and prints the table and what
it implies for a hub's per-student limits (``derive``: the rules are written there). With
``--write`` the figures go to deploy/measured.json with the command and the date, which
deploy/z2jh/values.yaml and tests/test_hub.py follow.

    python deploy/hubload.py --write               the full measurement (N = 1, 5, 10)
    python deploy/hubload.py --students 1 2        smaller classes
    python deploy/hubload.py --threads default     numpy's own BLAS threads (one per core)

Needs the hub extra (pip install -e ".[lab,hub]") and deploy/node_modules (npm ci in deploy/):
``make hub`` installs both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

CONFIG = REPO_ROOT / "deploy" / "jupyterhub_config.py"
MEASURED = REPO_ROOT / "deploy" / "measured.json"
VALUES = REPO_ROOT / "deploy" / "z2jh" / "values.yaml"
LOGS = REPO_ROOT / "build" / "hub-bench"  # the hub's log of each class size
NOTEBOOKS = ("10_training_in_a_nutshell", "05_sgd")
COUNTS = (1, 5, 10)
CELL_TIMEOUT = 120  # seconds one cell may take (as the test suite's nbval), then it failed
START_TIMEOUT = 300  # seconds for the hub, or a class's servers, to come up
STOP_TIMEOUT = 60  # seconds for the hub to stop its servers and proxy
NODES = ((8, 32), (16, 64))  # (cores, GiB) of the nodes to size for

# The rules that turn the measurement into a hub's per-student settings (see derive).
MEMORY_STEP_MIB = 256  # guarantees are rounded up to a multiple of this
MEMORY_LIMIT_FACTOR = 2  # limit = this x guarantee: room for a second open notebook
SLOWDOWN = 2  # a student may run at most this many times slower than alone
CPU_STEP = 0.05
SYSTEM_SHARE = 0.1  # of a node's memory and CPUs, kept for the system (kubelet, hub, proxy)


# ------------------------------------------------------------------ the rules --
def derive(rows: list[dict], threads: int = 1, nodes=NODES) -> dict:
    """A hub's per-student settings from the measured ``rows`` (see ``measure``).

    memory guarantee  the largest peak of any student (server + kernel), rounded up to a
                      multiple of MEMORY_STEP_MIB
    memory limit      MEMORY_LIMIT_FACTOR x the guarantee: a student who leaves a notebook's
                      kernel running while opening the next one still fits
    CPU guarantee     the CPUs a student's kernel keeps busy while running alone (CPU seconds
                      / wall seconds, the largest over the notebooks), divided by SLOWDOWN and
                      rounded up to CPU_STEP: when the whole class presses Run All at once,
                      everyone still runs at least 1/SLOWDOWN as fast as alone
    CPU limit         ``threads``, the BLAS threads each student's kernel runs
    students per node what fits in (1 - SYSTEM_SHARE) of a node's memory and of its CPUs,
                      at the guarantees; the smaller of the two is what the node serves
    """
    rows = [r for r in rows if not (math.isnan(r["peak_mib_max"]) or math.isnan(r["cpu_busy"]))]
    if not rows:
        raise ValueError("derive needs a measured row where a student ran a notebook through")
    peak = max(row["peak_mib_max"] for row in rows)
    alone = [row for row in rows if row["students"] == 1] or rows
    busy = max(row["cpu_busy"] for row in alone)
    guarantee = MEMORY_STEP_MIB * math.ceil(peak / MEMORY_STEP_MIB)
    cpu = round(CPU_STEP * math.ceil(round(busy / SLOWDOWN / CPU_STEP, 6)), 2)
    sizes = []
    for cores, gib in nodes:
        by_memory = math.floor(gib * 1024 * (1 - SYSTEM_SHARE) / guarantee)
        by_cpu = math.floor(round(cores * (1 - SYSTEM_SHARE) / cpu, 6))
        sizes.append(
            {
                "cores": cores,
                "memory_gib": gib,
                "students_by_memory": by_memory,
                "students_by_cpu": by_cpu,
                "students": min(by_memory, by_cpu),
            }
        )
    return {
        "memory_guarantee_mib": guarantee,
        "memory_limit_mib": MEMORY_LIMIT_FACTOR * guarantee,
        "cpu_guarantee": cpu,
        "cpu_limit": float(threads),
        "nodes": sizes,
    }


def update_values(derived: dict, path: Path = VALUES) -> None:
    """Write ``derived``'s per-student settings into the Helm values file, in place
    (singleuser.memory, singleuser.cpu and the BLAS thread variables; nothing else)."""
    threads = str(int(derived["cpu_limit"]))
    edits = [
        (
            r"(\n  memory:\n    guarantee: )\S+(\n    limit: )\S+",
            f"{derived['memory_guarantee_mib']}M",
            f"{derived['memory_limit_mib']}M",
        ),
        (
            r"(\n  cpu:\n    guarantee: )\S+(\n    limit: )\S+",
            f"{derived['cpu_guarantee']}",
            f"{derived['cpu_limit']}",
        ),
    ]
    text = path.read_text(encoding="utf-8")
    for pattern, guarantee, limit in edits:
        text, found = re.subn(pattern, lambda m, g=guarantee, x=limit: m[1] + g + m[2] + x, text)
        if found != 1:
            raise ValueError(f"{path}: expected one block matching {pattern!r}, found {found}")
    text, found = re.subn(
        r'(\n    (?:OPENBLAS|OMP|MKL)_NUM_THREADS: )"\d+"', lambda m: f'{m[1]}"{threads}"', text
    )
    if found != 3:
        raise ValueError(f"{path}: expected the three BLAS thread variables, found {found}")
    path.write_text(text, encoding="utf-8")


def _median(values) -> float:
    return float(statistics.median(values))


# ------------------------------------------------------------ the processes --
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _isolation():
    """deploy/isolation.py (beside this file; deploy/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "isolation", Path(__file__).with_name("isolation.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Hub:
    """The one-machine hub, started on free localhost ports with its state in ``state_dir``.

    A context manager: leaving it stops the hub (which stops every student's server and the
    proxy) and then ends, and reports in ``strays``, any process it started that is still
    running, and any process left running as one of its users. Run as root, the hub creates
    a system user per account: their names get a prefix of their own (``h<hex>student1`` …,
    never a real class's student1), and leaving removes those users and their homes.
    """

    def __init__(
        self, state_dir: Path, students: int, threads: str = "1", log=None, name: str = ""
    ):
        self.state_dir = Path(state_dir)
        self.students = students
        self.threads = threads
        self.log = log
        own = name or (f"h{secrets.token_hex(3)}" if os.getuid() == 0 else "")
        self.student_base = f"{own}student"
        self.teacher = f"{own}teacher"
        self.student_names = [f"{self.student_base}{i}" for i in range(1, students + 1)]
        self.users_removed: list[str] = []
        self.token = secrets.token_hex(32)
        self.proc: subprocess.Popen | None = None
        self._own_log = None
        self.strays: list[str] = []
        self.url = ""

    def __enter__(self) -> Hub:
        import requests

        hub = Path(sys.executable).with_name("jupyterhub")
        if not hub.exists():
            raise RuntimeError(f"{hub} is missing: install the hub extra (make hub)")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = dict(
            os.environ,
            HUB_STATE_DIR=str(self.state_dir),
            HUB_STUDENTS=str(self.students),
            HUB_STUDENT_NAME=self.student_base,
            HUB_TEACHER=self.teacher,
            HUB_IP="127.0.0.1",
            HUB_PORT=str(port),
            HUB_API_PORT=str(_free_port()),
            HUB_PROXY_API_PORT=str(_free_port()),
            HUB_THREADS=self.threads,
            HUB_SERVICE_TOKEN=self.token,
        )
        if self.log is None:
            self.log = self._own_log = open(self.state_dir / "jupyterhub.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(hub), "-f", str(CONFIG)],
            cwd=self.state_dir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while True:
                try:
                    if requests.get(f"{self.url}/hub/api/", timeout=2).ok:
                        return self
                except requests.RequestException:
                    pass
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"jupyterhub exited with status {self.proc.returncode}; "
                        f"see {self.state_dir / 'jupyterhub.log'}"
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the hub did not answer within {START_TIMEOUT} s")
                time.sleep(0.25)
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def api(self, method: str, path: str, token: str | None = None, **kwargs):
        """A call to the hub's REST API (``path`` below /hub/api), with the service's token."""
        import requests

        headers = {"Authorization": f"token {token or self.token}"}
        response = requests.request(
            method, f"{self.url}/hub/api{path}", headers=headers, timeout=60, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def passwords(self) -> dict[str, str]:
        """The accounts' initial passwords, from the file the hub writes them to."""
        lines = (self.state_dir / "initial-passwords").read_text().splitlines()
        return dict(line.split(" ", 1) for line in lines if line.strip())

    def processes(self) -> list:
        """The hub's descendants (psutil.Process): proxy, servers, kernels."""
        import psutil

        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def server_of(self, student: str):
        """The psutil.Process of ``student``'s single-user server, or None."""
        import psutil

        for proc in self.processes():
            try:
                if proc.environ().get("JUPYTERHUB_USER") == student and any(
                    "jupyterhub-singleuser" in part for part in proc.cmdline()
                ):
                    return proc
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return None

    def __exit__(self, *exc) -> None:
        import psutil

        if self.proc is None:
            return
        started = [self.proc, *self.processes()]
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the hub stops servers and proxy first
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        _, alive = psutil.wait_procs(started, timeout=10)
        for proc in alive:
            try:
                self.strays.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=10)
        if os.getuid() == 0:
            isolation = _isolation()
            for name in [*self.student_names, self.teacher]:
                entry = isolation.system_user(name)
                if isolation.is_ours(entry):
                    for stray in isolation.end_processes_of(entry.pw_uid):
                        self.strays.append(f"{stray} (as {name})")
            self.users_removed = isolation.remove_system_users([*self.student_names, self.teacher])
            for group in isolation.hub_cgroups(self.proc.pid):  # the hub removes them itself
                if group.exists():
                    children = [g for g in group.iterdir() if g.is_dir()]
                    self.strays.append(f"cgroup {group} ({len(children)} students' inside)")
                    isolation.release([*children, group])
        if self._own_log is not None:
            self._own_log.close()


# --------------------------------------------------------------- a student --
class KernelLost(RuntimeError):
    """The kernel died or restarted while a cell ran."""


class CellTimeout(RuntimeError):
    """A cell ran longer than its timeout."""


def _message(code: str, session: str) -> dict:
    """A Jupyter execute_request, as the kernel websocket takes it (JSON, no signature)."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "username": "student",
            "session": session,
            "date": dt.datetime.now(dt.UTC).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
        "buffers": [],
    }


def run_cell(ws, code: str, session: str, timeout: float = CELL_TIMEOUT) -> float:
    """Execute ``code`` in the kernel behind websocket ``ws``; wait for its reply and for
    the kernel to go idle; returns the seconds it took. Raises RuntimeError with the error
    if the cell raised, CellTimeout past ``timeout`` seconds, KernelLost if the kernel died."""
    import websocket

    start = time.perf_counter()
    request = _message(code, session)
    msg_id = request["header"]["msg_id"]
    ws.send(json.dumps(request))
    deadline = time.monotonic() + timeout
    reply = idle = None
    while reply is None or idle is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CellTimeout(f"a cell took more than {timeout} s: {code.strip()[:60]!r}")
        ws.settimeout(remaining)
        try:
            raw = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        except websocket.WebSocketConnectionClosedException as err:
            raise KernelLost("the kernel's websocket closed") from err
        if isinstance(raw, bytes):  # a message with binary buffers (widgets): not ours
            continue
        msg = json.loads(raw)
        state = msg.get("content", {}).get("execution_state")
        if msg["msg_type"] == "status" and state in ("dead", "restarting"):
            raise KernelLost(f"the kernel is {state}")
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_reply":
            reply = msg["content"]
        elif msg["msg_type"] == "status" and state == "idle":
            idle = True
    if reply.get("status") != "ok":
        raise RuntimeError(f"{reply.get('ename')}: {reply.get('evalue')}")
    return time.perf_counter() - start


class Student:
    """One student of the class: logged in (a token from the hub), with a server."""

    def __init__(self, hub: Hub, name: str):
        self.hub = hub
        self.name = name
        self.token = hub.api("POST", f"/users/{name}/tokens", json={"note": "class"})["token"]

    def server_api(self, method: str, path: str, **kwargs):
        """A call to this student's server's REST API (``path`` below /user/<name>/api)."""
        import requests

        response = requests.request(
            method,
            f"{self.hub.url}/user/{self.name}/api{path}",
            headers={"Authorization": f"token {self.token}"},
            timeout=60,
            **kwargs,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start this student's server (as the hub's "Start" button does); seconds taken."""
        start = time.perf_counter()
        self.hub.api("POST", f"/users/{self.name}/server", token=self.token)
        deadline = time.monotonic() + timeout
        while True:
            user = self.hub.api("GET", f"/users/{self.name}", token=self.token)
            server = user.get("servers", {}).get("")
            if server and server.get("ready"):
                return time.perf_counter() - start
            if server is None and user.get("pending") is None:
                raise RuntimeError(f"{self.name}'s server failed to start")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}'s server did not start within {timeout} s")
            time.sleep(0.5)

    def run_notebook(self, name: str, cell_timeout: float = CELL_TIMEOUT) -> dict:
        """Open ``name``.ipynb from this student's home in a fresh kernel, run every code
        cell in order, close it. Wall seconds, peak MiB of server + kernel, kernel CPU
        seconds, and the error if one cell failed (the rest are then not run)."""
        import websocket

        path = f"{name}.ipynb"
        start = time.perf_counter()
        notebook = self.server_api("GET", f"/contents/{path}")["content"]
        session = self.server_api(
            "POST",
            "/sessions",
            json={"path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}},
        )
        kernel_id = session["kernel"]["id"]
        url = self.hub.url.replace("http", "ws", 1)
        result = {"student": self.name, "notebook": name, "error": None, "slowest_cell_s": 0.0}
        ws = websocket.create_connection(
            f"{url}/user/{self.name}/api/kernels/{kernel_id}/channels?session_id={session['id']}",
            header=[f"Authorization: token {self.token}"],
            timeout=60,
        )
        try:
            for cell in notebook["cells"]:
                if cell["cell_type"] == "code" and cell["source"].strip():
                    seconds = run_cell(ws, cell["source"], session["id"], cell_timeout)
                    result["slowest_cell_s"] = max(result["slowest_cell_s"], seconds)
        except (RuntimeError, websocket.WebSocketException) as err:
            result["error"] = f"{type(err).__name__}: {str(err)[:200]}"
        finally:
            result["seconds"] = time.perf_counter() - start
            result.update(self._footprint())
            ws.close()
            try:
                self._close(session["id"], kernel_id)
            except Exception as err:  # noqa: BLE001 - reported beside the run's own error
                closing = f"closing it: {type(err).__name__}: {str(err)[:200]}"
                result["error"] = "; ".join(filter(None, [result["error"], closing]))
        return result

    def _close(self, session_id: str, kernel_id: str, timeout: float = 60) -> None:
        """Close the session and shut its kernel down, as closing the notebook's tab does;
        a kernel that is restarting (after it died) is first waited for."""
        deadline = time.monotonic() + timeout
        while self.server_api("GET", f"/kernels/{kernel_id}")["execution_state"] in (
            "starting",
            "restarting",
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}'s kernel did not come back within {timeout} s")
            time.sleep(0.25)
        self.server_api("DELETE", f"/sessions/{session_id}")

    def _footprint(self) -> dict:
        """Peak MiB of this student's server and kernel(s), and the kernels' CPU seconds."""
        server = self.hub.server_of(self.name)
        if server is None:
            return {"peak_mib": float("nan"), "cpu_seconds": float("nan")}
        kernels = server.children(recursive=True)
        cpu = 0.0
        for kernel in kernels:
            try:
                times = kernel.cpu_times()
                cpu += times.user + times.system
            except Exception:  # noqa: BLE001 - a kernel that just ended adds nothing
                pass
        peak = _peak_rss_mib(server.pid) + sum(_peak_rss_mib(k.pid) for k in kernels)
        return {"peak_mib": peak, "cpu_seconds": cpu}


# -------------------------------------------------------------- the class --
class _TotalMemory(threading.Thread):
    """Samples the summed RSS of the hub and everything it started, every half second."""

    def __init__(self, hub: Hub):
        super().__init__(daemon=True)
        self.hub = hub
        self.peak_mib = 0.0
        self.done = threading.Event()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join(timeout=5)

    def run(self) -> None:
        import psutil

        while not self.done.wait(0.5):
            total = 0
            for proc in [self.hub.proc.pid, *self.hub.processes()]:
                try:
                    proc = psutil.Process(proc) if isinstance(proc, int) else proc
                    total += proc.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak_mib = max(self.peak_mib, total / 2**20)


def measure(students: int, notebooks=NOTEBOOKS, threads: str = "1", state_dir=None) -> list[dict]:
    """``students`` students at once, on a fresh hub: one row per notebook."""
    import tempfile

    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"jupyterhub-{students}.log"
    with (
        tempfile.TemporaryDirectory(prefix="hub-", dir=state_dir) as tmp,
        open(log_path, "w") as log,
    ):
        hub = Hub(Path(tmp), students, threads, log=log)
        rows, failures, starts = [], [], []
        with hub:
            names = hub.student_names
            class_ = [Student(hub, name) for name in names]
            sampler = _TotalMemory(hub)
            sampler.start()
            with sampler, ThreadPoolExecutor(students) as pool:
                for student, outcome in zip(
                    class_, pool.map(_attempt(Student.start), class_), strict=True
                ):
                    if isinstance(outcome, str):
                        failures.append(f"{student.name} start: {outcome}")
                    else:
                        starts.append(outcome)
                running = [
                    s for s in class_ if not any(f.startswith(s.name + " ") for f in failures)
                ]
                for name in notebooks:
                    results = list(pool.map(lambda s, n=name: _run(s, n), running))
                    ok = [r for r in results if r["error"] is None]
                    peaks = [r["peak_mib"] for r in results if not math.isnan(r["peak_mib"])]
                    busy = [r["cpu_seconds"] / r["seconds"] for r in ok]
                    rows.append(
                        {
                            "students": students,
                            "notebook": name,
                            "median_s": _median([r["seconds"] for r in ok]) if ok else None,
                            "max_s": max(r["seconds"] for r in ok) if ok else None,
                            "peak_mib_median": _median(peaks) if peaks else float("nan"),
                            "peak_mib_max": max(peaks) if peaks else float("nan"),
                            "cpu_busy": _median(busy) if busy else float("nan"),
                            "server_start_s_max": max(starts) if starts else None,
                            "slowest_cell_s": max((r["slowest_cell_s"] for r in ok), default=None),
                            "failures": failures
                            + [f"{r['student']}: {r['error']}" for r in results if r["error"]],
                        }
                    )
        for row in rows:
            row["total_peak_mib"] = sampler.peak_mib
            row["strays"] = hub.strays
    return rows


def _run(student: Student, notebook: str) -> dict:
    """``student.run_notebook(notebook)``, with a failure to even open it as its error."""
    try:
        return student.run_notebook(notebook)
    except Exception as err:  # noqa: BLE001 - one student's failure is a measurement
        return {
            "student": student.name,
            "notebook": notebook,
            "error": f"{type(err).__name__}: {str(err)[:200]}",
            "seconds": float("nan"),
            "peak_mib": float("nan"),
            "cpu_seconds": float("nan"),
        }


def _attempt(function):
    """``function`` made to return its error as text instead of raising (for pool.map)."""

    def attempt(*args):
        try:
            return function(*args)
        except Exception as err:  # noqa: BLE001 - one student's failure is a measurement
            return f"{type(err).__name__}: {str(err)[:200]}"

    return attempt


# ------------------------------------------------------------------ report --
def format_table(rows: list[dict], derived: dict) -> str:
    lines = [
        "| students at once | notebook | median s | max s | peak MiB per student (median / max)"
        " | total MiB | failures |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        seconds = (
            f"{row['median_s']:.0f} | {row['max_s']:.0f}"
            if row["median_s"] is not None
            else "- | -"
        )
        failures = "; ".join(row["failures"] + [f"stray {s}" for s in row["strays"]]) or "none"
        lines.append(
            f"| {row['students']} | {row['notebook']} | {seconds} | "
            f"{row['peak_mib_median']:.0f} / {row['peak_mib_max']:.0f} | "
            f"{row['total_peak_mib']:.0f} | {failures} |"
        )
    lines.append("")
    for n in dict.fromkeys(row["students"] for row in rows):
        class_rows = [row for row in rows if row["students"] == n]
        start = class_rows[0]["server_start_s_max"]
        cells = [r["slowest_cell_s"] for r in class_rows if r.get("slowest_cell_s") is not None]
        lines.append(
            f"{n} student(s): every server ready within "
            + (f"{start:.0f} s" if start is not None else "- (none started)")
            + (
                f"; slowest cell {max(cells):.0f} s (a cell fails at {CELL_TIMEOUT} s)"
                if cells
                else ""
            )
        )
    d = derived
    lines += [
        f"per student: memory guarantee {d['memory_guarantee_mib']}M, limit "
        f"{d['memory_limit_mib']}M; CPU guarantee {d['cpu_guarantee']}, limit {d['cpu_limit']:g}",
    ]
    for node in d["nodes"]:
        lines.append(
            f"a node of {node['cores']} cores / {node['memory_gib']} GiB serves "
            f"{node['students']} students (memory allows {node['students_by_memory']}, "
            f"CPU {node['students_by_cpu']})"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python deploy/hubload.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--students", type=int, nargs="+", default=list(COUNTS))
    parser.add_argument("--notebooks", nargs="+", default=list(NOTEBOOKS))
    parser.add_argument(
        "--threads", default="1", help='BLAS threads per student (default 1; "default": numpy\'s)'
    )
    parser.add_argument("--write", action="store_true", help=f"write the figures to {MEASURED}")
    parser.add_argument(
        "--preliminary", action="store_true", help="mark the written figures as preliminary"
    )
    args = parser.parse_args(argv)
    if min(args.students) < 1:
        parser.error("--students: every class needs at least one student")
    missing = [n for n in args.notebooks if not (REPO_ROOT / "notebooks" / f"{n}.ipynb").exists()]
    if missing:
        parser.error(f"no such notebook(s) {missing}; give names such as 05_sgd")
    if args.threads != "default" and not args.threads.isdigit():
        parser.error('--threads takes a number of threads or "default"')
    rows = []
    for count in args.students:
        print(
            f"{count} student(s) at once … (hub log: {LOGS.relative_to(REPO_ROOT)}/)",
            file=sys.stderr,
            flush=True,
        )
        rows += measure(count, args.notebooks, args.threads)
    threads = int(args.threads) if args.threads.isdigit() else os.cpu_count() or 1
    derived = derive(rows, threads)
    print(format_table(rows, derived))
    if args.write:
        record = {
            "command": "python deploy/hubload.py "
            + " ".join(sys.argv[1:] if argv is None else argv),
            "date": dt.date.today().isoformat(),
            "preliminary": args.preliminary,
            "machine": {"cpus": os.cpu_count(), "memory_gib": _memory_gib()},
            "threads_per_student": args.threads,
            "notebooks": args.notebooks,
            "rows": rows,
            "derived": derived,
        }
        MEASURED.write_text(json.dumps(record, indent=2) + "\n")
        update_values(derived)
        print(f"written to {MEASURED.relative_to(REPO_ROOT)} and {VALUES.relative_to(REPO_ROOT)}")


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return float("nan")


if __name__ == "__main__":
    main()
