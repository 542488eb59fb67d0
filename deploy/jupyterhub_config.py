"""JupyterHub on one machine for a class: ``make hub``.

Run as root (a course machine, a cloud VM, a container), the hub isolates the students
(the layers are written out in deploy/isolation.py and the README, "Running the hub for a
class"):

    accounts   student1 … studentN and an admin "teacher", each with a password of their own
               (NativeAuthenticator; sign-up is off: the hub creates the accounts). Initial
               passwords are written to <state>/initial-passwords, readable by root only,
               and never printed; a student changes theirs at /hub/change-password, the
               teacher resets one at /hub/change-password/<name>
    OS users   a system user per account, created by the hub (home /home/<name>, mode 0700);
               servers and kernels run as that user, never as root
    course     every server and kernel uses this repository's .venv (read-only to students);
               each home gets its own copy of the student edition on the first start (written
               as the student), the server opens 00_index.ipynb; the rest of the repository
               (instructor notebooks, hidden tests, nbgrader's folders, .git, the hub's state)
               is closed to students; the teacher's tools in the .venv (nbgrader's menu,
               sidebar and formgrader) are switched off in each student's Jupyter config
    limits     memory and CPU per student from deploy/measured.json, in a cgroup of their own
               (else rlimits per process): over the limit a student loses their own kernel
    network    127.0.0.1 unless HUB_IP says otherwise, and then only with TLS (HUB_SSL_CERT,
               HUB_SSL_KEY) or HUB_INSECURE=1, which warns

Without root there are no OS users to give: every server runs as you, with homes under the
state folder, no limits, and the hub serves 127.0.0.1 only (it says so when it starts).

    proxy      configurable-http-proxy from deploy/node_modules (npm ci in deploy/)
    kernels    one BLAS thread each (HUB_THREADS); they talk to their server over Unix sockets
               in a short runtime folder of the server's own

Settings, from the environment (all optional):

    HUB_STUDENTS        how many students (default 30)
    HUB_STUDENT_NAME    their names without the number (default "student": student1 …)
    HUB_TEACHER         the admin's name (default "teacher")
    HUB_IP, HUB_PORT    where the hub answers (default 127.0.0.1:8000)
    HUB_SSL_CERT, HUB_SSL_KEY   TLS certificate and key files (needed for any HUB_IP but
                        localhost)
    HUB_INSECURE        1: serve plain http on a network address anyway (warns; only behind
                        a TLS reverse proxy)
    HUB_API_PORT        the hub's own API, behind the proxy (default 8081)
    HUB_PROXY_API_PORT  the proxy's REST API (default 8001)
    HUB_STATE_DIR       database, cookie secret, initial passwords (default build/hub)
    HUB_THREADS         BLAS threads per student's kernels (default 1; "default" leaves
                        numpy's own choice, one per core)
    HUB_SERVICE_TOKEN   if set, a service "class-driver" with this API token may manage the
                        students (create their tokens, start and stop their servers): the
                        load script (python deploy/hubload.py) and tests/test_hub.py use it
"""

import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import bcrypt
from jupyterhub.spawner import LocalProcessSpawner
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import isolation  # noqa: E402 - deploy/isolation.py, beside this file

c = get_config()  # noqa: F821 - defined by JupyterHub when it loads this file

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "notebooks" / "student"
PROXY = REPO / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy"
MEASURED = REPO / "deploy" / "measured.json"
STATE = Path(os.environ.get("HUB_STATE_DIR") or REPO / "build" / "hub").resolve()
PASSWORDS = STATE / "initial-passwords"
STUDENTS = int(os.environ.get("HUB_STUDENTS", "30"))
STUDENT_NAME = os.environ.get("HUB_STUDENT_NAME", "student")
TEACHER = os.environ.get("HUB_TEACHER", "teacher")
THREADS = os.environ.get("HUB_THREADS", "1")
IP = os.environ.get("HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("HUB_PORT", "8000"))
ISOLATED = os.getuid() == 0  # only root can give each student an OS user of their own

if STUDENTS < 1:
    sys.exit(f"HUB_STUDENTS={STUDENTS}: there must be at least one student")
NAMES = [f"{STUDENT_NAME}{i}" for i in range(1, STUDENTS + 1)]
for name in [*NAMES, TEACHER]:
    if not isolation.NAME.fullmatch(name):
        sys.exit(f"{name!r} cannot be a user name: HUB_STUDENT_NAME and HUB_TEACHER take a-z, 0-9")
if TEACHER in NAMES:
    sys.exit(f"HUB_TEACHER={TEACHER!r} is also a student's name")
if not PROXY.exists():
    sys.exit(f"{PROXY} is missing: run `make hub` (or `npm ci` in deploy/) to install it")
STATE.mkdir(parents=True, exist_ok=True)
STATE.chmod(0o700)  # database, cookie secret, passwords: the hub's alone

url, warnings = isolation.bind_url(
    IP,
    PORT,
    ISOLATED,
    ssl_cert=os.environ.get("HUB_SSL_CERT", ""),
    ssl_key=os.environ.get("HUB_SSL_KEY", ""),
    insecure=os.environ.get("HUB_INSECURE") == "1",
)

# --------------------------------------------------------------- per student --
derived = json.loads(MEASURED.read_text(encoding="utf-8"))["derived"]
LIMITS = (
    isolation.Limits(
        memory_limit=derived["memory_limit_mib"] * 2**20,
        memory_guarantee=derived["memory_guarantee_mib"] * 2**20,
        cpu_limit=derived["cpu_limit"],
        cpu_guarantee=derived["cpu_guarantee"],
    )
    if ISOLATED
    else None
)
if LIMITS is not None:
    atexit.register(LIMITS.close)


def read_course() -> dict[str, bytes]:
    """The student edition's notebooks, by name (read by the hub: students cannot)."""
    return {path.name: path.read_bytes() for path in sorted(COURSE.glob("*.ipynb"))}


# The teacher's tools that the shared .venv has (nbgrader comes with the test extra):
# students get neither its menu, toolbar and sidebar in JupyterLab nor its server pages.
TEACHER_LAB_EXTENSIONS = ("@jupyter/nbgrader",)
TEACHER_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.validate_assignment",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)


def student_config() -> dict[str, str]:
    """A student's own Jupyter config files (searched before the .venv's): the teacher's
    tools off. Written on every start, so a change here reaches everyone."""
    off = dict.fromkeys(TEACHER_LAB_EXTENSIONS, True)
    page = {"disabledExtensions": off, "lockedExtensions": off}
    server = {"ServerApp": {"jpserver_extensions": dict.fromkeys(TEACHER_SERVER_EXTENSIONS, False)}}
    return {
        "labconfig/page_config.json": json.dumps(page, indent=2),
        "jupyter_server_config.json": json.dumps(server, indent=2),
    }


def fill_home(home: Path, notebooks: dict[str, bytes]) -> None:
    """Put the student edition in ``home`` and write the student's Jupyter config.

    Only notebooks the home does not have yet are copied, so a student's own work survives
    restarts and a notebook added to the course later still reaches everyone. Never
    follows a link the student may have put in the way (O_EXCL, O_NOFOLLOW).
    """
    for name, content in notebooks.items():
        try:
            fd = os.open(home / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(content)
    config = home / ".jupyter"
    for relative, text in student_config().items():
        path = config / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(path.name + ".new")
        fresh.unlink(missing_ok=True)
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(fresh, path)


# ------------------------------------------------------------------ accounts --
class ClassAuthenticator(NativeAuthenticator):
    """NativeAuthenticator whose accounts the hub creates: for every configured user, a
    system user (as root) and an account with an initial password, written to PASSWORDS
    (root only), never logged. Sign-up is off, so no one else gets an account."""

    def get_handlers(self, app):
        """Only NativeAuthenticator's password pages (/hub/change-password for a student,
        /hub/change-password/<name> for the teacher): logging in is JupyterHub's own form
        (nativeauthenticator 1.3's login page fails on JupyterHub 6), and there is no sign-up."""
        return [h for h in super().get_handlers(app) if h[0].startswith("/change-password")]

    def add_user(self, user):
        super().add_user(user)
        if ISOLATED:
            isolation.ensure_system_user(user.name)
        if self.get_user(user.name) is None:
            password = isolation.new_password()
            # bcrypt's cost slows the guessing of a person's password; 12 random characters
            # (69 bits) need less of it than NativeAuthenticator's default (12 rounds, which
            # a password a student chooses still gets): four times faster at each login
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10))
            self.db.add(UserInfo(username=user.name, password=hashed, is_authorized=True))
            self.db.commit()
            fd = os.open(PASSWORDS, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "a") as f:
                f.write(f"{user.name} {password}\n")


c.JupyterHub.authenticator_class = ClassAuthenticator
c.NativeAuthenticator.enable_signup = False
c.NativeAuthenticator.minimum_password_length = 8
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 5  # then that name waits a minute
c.NativeAuthenticator.seconds_before_next_try = 60
c.Authenticator.allowed_users = set(NAMES)
c.Authenticator.admin_users = {TEACHER}


# ------------------------------------------------------------ their servers --
class StudentSpawner(LocalProcessSpawner):
    """LocalProcessSpawner (each server and kernel as the student's own system user) that
    first puts the student in their cgroup (or sets rlimits), then, already as the student,
    fills their home and makes a short runtime folder for the kernels' sockets."""

    def get_env(self):
        env = super().get_env()
        home = Path(env["HOME"])
        env["JUPYTER_CONFIG_DIR"] = str(home / ".jupyter")
        # a Unix socket's path may not be longer than 107 bytes: the default runtime folder
        # (~/.local/share/jupyter/runtime) leaves too little room for the kernels' sockets
        env["JUPYTER_RUNTIME_DIR"] = str(home / ".jupyter-runtime")
        return env

    def make_preexec_fn(self, name):
        become_student = super().make_preexec_fn(name)
        groups, notebooks = LIMITS.prepare(name), read_course()
        home = Path(isolation.system_user(name).pw_dir)

        def preexec():
            LIMITS.enter(groups)  # still root: join the cgroup, set rlimits
            become_student()  # setgid, setgroups, setuid, cd home
            fill_home(home, notebooks)
            (home / ".jupyter-runtime").mkdir(mode=0o700, exist_ok=True)

        return preexec


def after_stop(spawner) -> None:
    """After a student's server stopped: end whatever they left running (a kernel, a
    background job), remove their cgroup."""
    if ISOLATED:
        start = time.monotonic()
        ended = LIMITS.release(LIMITS.paths(spawner.user.name))
        ended += isolation.end_processes_of(isolation.system_user(spawner.user.name).pw_uid)
        spawner.log.info(
            "%s: server stopped, %d leftover processes ended, cgroup removed (%.1f s)",
            spawner.user.name,
            len(ended),
            time.monotonic() - start,
        )
    else:
        shutil.rmtree(runtime_dir(spawner), ignore_errors=True)


def runtime_dir(spawner) -> Path:
    """Without root: where a student's server keeps its kernels' sockets, one short folder
    per hub process and student."""
    tmp = Path("/tmp") if Path("/tmp").is_dir() else Path(tempfile.gettempdir())
    return tmp / f"jupyterhub-{os.getpid()}-{spawner.user.name}"


def before_start_shared(spawner) -> None:
    """Without root: the home under the state folder, its course, the runtime folder."""
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    fill_home(home, read_course())
    runtime = runtime_dir(spawner)
    runtime.mkdir(mode=0o700, exist_ok=True)
    spawner.environment = {
        **spawner.environment,
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
    }


if ISOLATED:
    locked = isolation.lock_repository(REPO, Path(sys.prefix))
    # students run the .venv's Python: the interpreter it links to must be reachable
    reached = isolation.open_path_to([os.path.realpath(sys.executable), sys.base_prefix])
    for change in reached:
        print(f"made reachable for students: {change}", flush=True)
    c.JupyterHub.spawner_class = StudentSpawner
    c.Spawner.mem_limit = f"{derived['memory_limit_mib']}M"
    c.Spawner.mem_guarantee = f"{derived['memory_guarantee_mib']}M"
    c.Spawner.cpu_limit = float(derived["cpu_limit"])
    c.Spawner.cpu_guarantee = float(derived["cpu_guarantee"])
    isolation_note = (
        f"each student an OS user of their own; limits {LIMITS.describe()}; repository "
        f"closed to students ({len(locked)} permission changes now)"
    )
else:
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
    c.Spawner.pre_spawn_hook = before_start_shared
    isolation_note = (
        "NOT ISOLATED (not root): every student's server runs as you and can read every "
        "other student's files and the instructor notebooks; no memory or CPU limits; "
        "serving 127.0.0.1 only. Run as root for a class."
    )
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
# Without per-student CPU limits every kernel's BLAS starts one thread per core, and N
# students on C cores run N x C threads that wait on each other (see the README's table).
if THREADS != "default":
    c.Spawner.environment = {
        name: THREADS for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
# A loaded machine may take a while to start thirty servers at once.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# ------------------------------------------------------------------- the hub --
c.JupyterHub.bind_url = url
if os.environ.get("HUB_SSL_CERT"):
    c.JupyterHub.ssl_cert = os.environ["HUB_SSL_CERT"]
    c.JupyterHub.ssl_key = os.environ["HUB_SSL_KEY"]
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

print(
    f"JupyterHub for {STUDENTS} students: {url}/  users {NAMES[0]} … {NAMES[-1]}, admin "
    f"{TEACHER}; initial passwords in {PASSWORDS} (yours only)\n{isolation_note}",
    *warnings,
    sep="\n",
    flush=True,
)
