"""JupyterHub on one machine, for trying a classroom setup: ``make hub``.

    students   student1 … studentN (N = HUB_STUDENTS, default 30), one shared password
    spawner    SimpleLocalProcessSpawner: every student's server runs as the user who started
               the hub, with its own home under the hub's state folder (build/hub/home/<name>)
    course     installed once: every server and kernel uses this repository's .venv; each
               home gets its own copy of the student edition (notebooks/student/) on the first
               start, and the server opens its index (00_index.ipynb); the teacher's tools
               in that .venv (nbgrader's menu, sidebar and formgrader) are switched off
               for students, in their own Jupyter config
    proxy      configurable-http-proxy from deploy/node_modules (npm ci in deploy/)
    kernels    one BLAS thread each (HUB_THREADS); they talk to their server over Unix
               sockets in /tmp/jupyterhub-<hub pid>-<name>, removed when the server stops

Nothing here reaches the network. NOT for a real class on a network: the password is shared,
every student can read every other student's files, and one student's kernel can use all the
machine's memory. For that, see deploy/z2jh/ (Kubernetes, one container per student).

Settings, from the environment (all optional):

    HUB_STUDENTS        how many students (default 30)
    HUB_PASSWORD        their password, at least 8 characters (default: generated once and
                        kept in <state>/student-password; printed at start)
    HUB_IP, HUB_PORT    where the hub answers (default 127.0.0.1:8000)
    HUB_API_PORT        the hub's own API, behind the proxy (default 8081)
    HUB_PROXY_API_PORT  the proxy's REST API (default 8001)
    HUB_STATE_DIR       database, cookie secret, homes (default build/hub in the repository)
    HUB_THREADS         BLAS threads per student's kernels (default 1; "default" leaves
                        numpy's own choice, one per core)
    HUB_SERVICE_TOKEN   if set, a service "class-driver" with this API token may manage the
                        students (create their tokens, start and stop their servers): the
                        load script (python deploy/hubload.py) and tests/test_hub.py use it
"""

import json
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

c = get_config()  # noqa: F821 - defined by JupyterHub when it loads this file

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "notebooks" / "student"
PROXY = REPO / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy"
STATE = Path(os.environ.get("HUB_STATE_DIR") or REPO / "build" / "hub").resolve()
STUDENTS = int(os.environ.get("HUB_STUDENTS", "30"))
THREADS = os.environ.get("HUB_THREADS", "1")
IP = os.environ.get("HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("HUB_PORT", "8000"))

if STUDENTS < 1:
    sys.exit(f"HUB_STUDENTS={STUDENTS}: there must be at least one student")
if not PROXY.exists():
    sys.exit(f"{PROXY} is missing: run `make hub` (or `npm ci` in deploy/) to install it")
STATE.mkdir(parents=True, exist_ok=True)


def student_password() -> str:
    """HUB_PASSWORD, or one generated on the first start and kept in the state folder."""
    password = os.environ.get("HUB_PASSWORD")
    if password is not None:
        if len(password) < 8:
            sys.exit("HUB_PASSWORD must be at least 8 characters long")
        return password
    kept = STATE / "student-password"
    if not kept.exists():
        kept.touch(mode=0o600)
        kept.write_text(secrets.token_urlsafe(9))
    return kept.read_text().strip()


def runtime_dir(spawner) -> Path:
    """Where a student's server keeps its kernels' sockets: a short path (a Unix socket's
    path may not be longer than 107 bytes, and the home's .local/share/jupyter/runtime often
    is), one per hub process and student."""
    tmp = Path("/tmp") if Path("/tmp").is_dir() else Path(tempfile.gettempdir())
    return tmp / f"jupyterhub-{os.getpid()}-{spawner.user.name}"


def before_start(spawner) -> None:
    """Before a student's server starts: put the student edition in their home, make the
    server's runtime folder, and write the student's Jupyter config (no teacher tools).

    Only notebooks the home does not have yet are copied, so a student's own work survives
    restarts, and a notebook added to the course later still reaches everyone.
    """
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    for notebook in sorted(COURSE.glob("*.ipynb")):
        if not (home / notebook.name).exists():
            shutil.copy2(notebook, home / notebook.name)
    runtime = runtime_dir(spawner)
    runtime.mkdir(mode=0o700, exist_ok=True)
    config = write_student_config(home / ".jupyter")
    spawner.environment = {
        **spawner.environment,
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(config),
    }


# The teacher's tools that the shared .venv has (nbgrader comes with the test extra):
# students get neither its menu, toolbar and sidebar in JupyterLab nor its server pages.
TEACHER_LAB_EXTENSIONS = ("@jupyter/nbgrader",)
TEACHER_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.validate_assignment",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)


def write_student_config(config: Path) -> Path:
    """A student's own Jupyter config folder (searched before the .venv's): the teacher's
    tools off. Written on every start, so a change here reaches everyone."""
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    off = dict.fromkeys(TEACHER_LAB_EXTENSIONS, True)
    page = {"disabledExtensions": off, "lockedExtensions": off}
    (config / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2))
    server = {"ServerApp": {"jpserver_extensions": dict.fromkeys(TEACHER_SERVER_EXTENSIONS, False)}}
    (config / "jupyter_server_config.json").write_text(json.dumps(server, indent=2))
    return config


def after_stop(spawner) -> None:
    """After a student's server stopped: remove its runtime folder."""
    shutil.rmtree(runtime_dir(spawner), ignore_errors=True)


# ------------------------------------------------------------------- the hub --
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("HUB_API_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.default_url = "/hub/spawn"  # after logging in, start the server right away

c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")

# ------------------------------------------------------------------ students --
# SharedPasswordAuthenticator is JupyterHub's own replacement for DummyAuthenticator's
# password (deprecated in JupyterHub 5.3): one password for all, only the listed names.
password = student_password()
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allowed_users = {f"student{i}" for i in range(1, STUDENTS + 1)}
print(
    f"JupyterHub for {STUDENTS} students: http://{IP}:{PORT}/  "
    f"user student1 … student{STUDENTS}, password {password}",
    flush=True,
)

service_token = os.environ.get("HUB_SERVICE_TOKEN")
if service_token:
    c.JupyterHub.services = [{"name": "class-driver", "api_token": service_token}]
    c.JupyterHub.load_roles = [
        {
            "name": "class-driver",
            "description": "log students in (tokens), start and stop their servers",
            "scopes": ["admin:users", "admin:servers", "tokens", "list:users"],
            "services": ["class-driver"],
        }
    ]

# ------------------------------------------------------------ their servers --
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
c.Spawner.pre_spawn_hook = before_start
c.Spawner.post_stop_hook = after_stop
# The hub's own environment (.venv) serves every student: one install of the course.
singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
c.Spawner.cmd = [str(singleuser) if singleuser.exists() else "jupyterhub-singleuser"]
c.Spawner.default_url = "/lab/tree/00_index.ipynb"
c.Spawner.args = [
    # Offline: no news feed, no update check (as `make lab`).
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    # Students share one .venv: the extension manager lists what is installed but installs
    # nothing and asks PyPI for nothing.
    "--LabApp.extension_manager=readonly",
    # A kernel idle for an hour is shut down, its memory freed; the server stops itself
    # after two idle hours (jupyter_server's own culling; no extra service needed).
    "--MappingKernelManager.cull_idle_timeout=3600",
    "--ServerApp.shutdown_no_activity_timeout=7200",
    # Kernels talk to their server over Unix sockets in the server's runtime folder, not
    # TCP ports: with many kernels starting at once in different servers, a TCP port picked
    # for one kernel can be taken by another (jupyter_client issue 487), and that kernel
    # never answers; seen here with ten students starting 09 in the same second.
    "--KernelManager.transport=ipc",
]
if os.getuid() == 0:  # containers and CI run as root; Jupyter refuses without this
    c.Spawner.args.append("--allow-root")
# Without per-student CPU limits every kernel's BLAS starts one thread per core, and N
# students on C cores run N x C threads that wait on each other (see the README's table).
if THREADS != "default":
    c.Spawner.environment = {
        name: THREADS for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
# A loaded machine may take a while to start thirty servers at once.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
