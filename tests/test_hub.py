"""A class on JupyterHub (deploy/): the Kubernetes values follow the measured figures, and a
real hub (JupyterHub, configurable-http-proxy, a server and a kernel per student) serves two
students and leaves nothing running when it stops.

The hub test needs the hub extra (jupyterhub) and deploy/node_modules (`make test` runs
`npm ci` in deploy/); without them it is skipped locally and fails in CI (env CI=true).
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import test_environment
import yaml
from conftest import machine_to_itself

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
VALUES = DEPLOY / "z2jh" / "values.yaml"
MEASURED = DEPLOY / "measured.json"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
INDEX = "00_index.ipynb"
MNIST = ROOT / "data" / "mnist.npz"


def _load(path: Path):
    """A script of deploy/ (not a package: run as ``python deploy/NAME.py``) as a module."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hubload = _load(DEPLOY / "hubload.py")


@pytest.fixture(scope="module")
def values():
    data = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("singleuser"), dict), (
        f"{VALUES} must be a mapping with a singleuser section"
    )
    return data


@pytest.fixture(scope="module")
def measured():
    return json.loads(MEASURED.read_text(encoding="utf-8"))


# ---------------------------------------------------------- measured figures --
def test_measured_figures_say_how_they_were_made(measured):
    assert measured["command"].startswith("python deploy/hubload.py"), measured["command"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", measured["date"]), measured["date"]
    counts = {row["students"] for row in measured["rows"]}
    assert 1 in counts and len(counts) >= 2, f"measured class sizes {sorted(counts)}"
    notebooks = {row["notebook"] for row in measured["rows"]}
    assert set(hubload.NOTEBOOKS) <= notebooks, f"measured notebooks {sorted(notebooks)}"


def test_measured_class_had_no_failures(measured):
    for row in measured["rows"]:
        where = f"{row['students']} students, {row['notebook']}"
        assert row["failures"] == [], f"{where}: {row['failures']}"
        assert row["strays"] == [], f"{where}: processes left running {row['strays']}"


def test_derived_settings_follow_the_rule(measured):
    threads = int(measured["threads_per_student"])
    assert measured["derived"] == hubload.derive(measured["rows"], threads)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # 700 MiB rounds up to 768 MiB; a kernel busy 0.97 of the time alone needs 0.5 CPU
        ([{"students": 1, "peak_mib_max": 700, "cpu_busy": 0.97}], (768, 1536, 0.5)),
        # the peak is the largest of any class size; CPU is read from the student alone
        (
            [
                {"students": 1, "peak_mib_max": 500, "cpu_busy": 0.5},
                {"students": 5, "peak_mib_max": 513, "cpu_busy": 0.2},
            ],
            (768, 1536, 0.25),
        ),
    ],
)
def test_derive_rounds_up(rows, expected):
    got = hubload.derive(rows, threads=1)
    assert (got["memory_guarantee_mib"], got["memory_limit_mib"], got["cpu_guarantee"]) == expected
    for node in got["nodes"]:
        assert node["students"] == min(node["students_by_memory"], node["students_by_cpu"])
        assert node["students"] * got["memory_guarantee_mib"] <= node["memory_gib"] * 1024


# ------------------------------------------------------------- values.yaml --
def test_values_limits_are_the_measured_ones(values, measured):
    derived = measured["derived"]
    singleuser = values["singleuser"]
    assert singleuser["memory"] == {
        "guarantee": f"{derived['memory_guarantee_mib']}M",
        "limit": f"{derived['memory_limit_mib']}M",
    }
    assert singleuser["cpu"] == {
        "guarantee": derived["cpu_guarantee"],
        "limit": derived["cpu_limit"],
    }
    # numpy's BLAS runs as many threads as the CPU limit gives each student
    env = singleuser["extraEnv"]
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert env[name] == str(int(derived["cpu_limit"])), (name, env.get(name))


def test_values_cull_idle_servers(values):
    cull = values["cull"]
    assert cull["enabled"] is True
    assert isinstance(cull["timeout"], int) and cull["timeout"] > 0
    assert isinstance(cull["every"], int) and 0 < cull["every"] <= cull["timeout"]


def test_values_open_the_course_index(values):
    assert values["singleuser"]["defaultUrl"] == f"/lab/tree/{INDEX}"
    assert (ROOT / "notebooks" / "student" / INDEX).exists()
    # the home (a volume) gets the student edition from the image's copy of the repository
    command = " ".join(values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"])
    match = re.search(r"(/\S+)/notebooks/student/", command)
    assert match, f"postStart must copy the student edition into the home: {command}"
    target = match.group(1)
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert f"--target-repo-dir {target}" in readme, (
        f"deploy/README.md must build the image with --target-repo-dir {target}"
    )


def test_values_image_is_built_with_repo2docker(values):
    image = values["singleuser"]["image"]
    assert image["name"] and image["tag"]
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "repo2docker" in readme and image["name"] in readme


def test_image_environment_matches_pyproject():
    """The image is built from environment.yml: the checks of tests/test_environment.py."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        pyproject = tomllib.load(f)
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    test_environment.test_env_names_every_core_dependency(env, pyproject)
    for extra in test_environment.REQUIRED_EXTRAS:
        test_environment.test_env_names_extra_essentials(env, pyproject, extra)
    test_environment.test_env_lower_bounds_match_pyproject(env, pyproject)
    test_environment.test_env_installs_this_package_editable_with_pip(env)
    test_environment.test_env_python_pin_is_visible_to_repo2docker(env)


# ------------------------------------------------------ who may log in where --
def _extra_config(values) -> str:
    return values["hub"]["extraConfig"]["10-course-accounts"]


def _hub_config(values, teachers, students):
    from traitlets.config import Config

    config = Config(copy.deepcopy(values["hub"]["config"]))
    config.Authenticator.admin_users = teachers
    config.Authenticator.allowed_users = students
    return config


@pytest.mark.parametrize(
    ("teachers", "students"),
    [
        (["SET-THE-TEACHER"], ["SET-THE-STUDENTS"]),  # as shipped
        (["ada"], ["SET-THE-STUDENTS"]),
        (["SET-THE-TEACHER"], ["alan", "grace"]),
        ([], ["alan"]),
        (["ada"], []),
    ],
)
def test_values_hub_refuses_to_start_until_the_names_are_set(values, teachers, students):
    pytest.importorskip("nativeauthenticator")
    c = _hub_config(values, teachers, students)
    with pytest.raises(SystemExit, match="set hub.config.Authenticator.admin_users"):
        exec(_extra_config(values), {"c": c})


def test_values_authenticator_has_no_signup_and_no_open_door(values):
    nativeauthenticator = pytest.importorskip("nativeauthenticator")
    assert values["hub"]["config"]["NativeAuthenticator"]["enable_signup"] is False
    c = _hub_config(values, ["ada"], ["alan", "grace"])
    exec(_extra_config(values), {"c": c})  # names set: the hub starts
    authenticator = c.JupyterHub.authenticator_class
    assert issubclass(authenticator, nativeauthenticator.NativeAuthenticator)
    routes = [
        route
        for route, *_ in authenticator.get_handlers(authenticator.__new__(authenticator), None)
    ]
    assert routes == ["/change-password", "/change-password/([^/]+)"]  # no sign-up, no approval


def test_values_proxy_is_reached_only_over_tls(values):
    service = values["proxy"]["service"]["type"]
    https = values["proxy"].get("https", {}).get("enabled", False)
    assert service == "ClusterIP" or https, f"a {service} proxy without https"
    assert "ClusterIP" in VALUES.read_text(encoding="utf-8").split("proxy:")[0]  # documented


# --------------------------------------------------------- the students' image --
def test_image_context_holds_the_student_edition_only(tmp_path):
    image_context = _load(DEPLOY / "image_context.py")
    out = tmp_path / "context"
    files = image_context.build(out)
    relative = {p.relative_to(out).as_posix() for p in files}
    student = {
        f"notebooks/student/{p.name}" for p in (ROOT / "notebooks" / "student").glob("*.ipynb")
    }
    assert student and student <= relative  # the whole student edition, and what it needs
    for needed in (
        "environment.yml",
        "pyproject.toml",
        "README.md",
        "helpers/__init__.py",
        "data/mnist.npz",
    ):
        assert needed in relative, needed
    notebooks = {name for name in relative if name.endswith(".ipynb")}
    assert notebooks == student, sorted(notebooks - student)
    instructor = {p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert instructor  # the answer key exists, and none of it is in the context:
    for path in files:
        content = path.read_bytes()
        assert content not in instructor, path
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker.encode() not in content, (path, marker)
    tops = {name.split("/")[0] for name in relative}
    assert tops == {
        "environment.yml",
        "pyproject.toml",
        "README.md",
        "helpers",
        "data",
        "notebooks",
    }


def test_image_context_check_finds_an_instructor_notebook(tmp_path):
    image_context = _load(DEPLOY / "image_context.py")
    out = tmp_path / "context"
    image_context.build(out)
    leak = sorted((ROOT / "notebooks").glob("*.ipynb"))[1]
    (out / "notebooks" / "student" / leak.name).write_bytes(leak.read_bytes())
    with pytest.raises(ValueError, match=f"notebooks/student/{leak.name}: an instructor notebook"):
        image_context.check(out)
    with pytest.raises(FileExistsError, match="exists"):
        image_context.build(out)


# ------------------------------------------------------- one machine's layers --
LOCAL, NETWORK = "127.0.0.1", "0.0.0.0"


@pytest.mark.parametrize(
    ("ip", "isolated", "tls", "insecure", "expected"),
    [
        (LOCAL, False, False, False, "http://127.0.0.1:8000"),
        ("localhost", True, False, False, "http://localhost:8000"),
        ("::1", True, False, False, "http://[::1]:8000"),
        (LOCAL, True, True, False, "https://127.0.0.1:8000"),
        (NETWORK, True, True, False, "https://0.0.0.0:8000"),
        (NETWORK, True, False, True, "http://0.0.0.0:8000 WARNING"),
        (NETWORK, True, False, False, "needs TLS"),
        ("192.0.2.7", True, False, False, "needs TLS"),
        (NETWORK, False, True, False, "without root"),  # not isolated: never the network
        (NETWORK, False, False, True, "without root"),
    ],
)
def test_bind_url_needs_tls_or_a_warning_off_localhost(
    tmp_path, ip, isolated, tls, insecure, expected
):
    isolation = _load(DEPLOY / "isolation.py")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    key.write_text("x")
    tls_files = {"ssl_cert": str(cert), "ssl_key": str(key)} if tls else {}
    if "://" not in expected:
        with pytest.raises(SystemExit, match=expected):
            isolation.bind_url(ip, 8000, isolated, insecure=insecure, **tls_files)
        return
    url, warnings = isolation.bind_url(ip, 8000, isolated, insecure=insecure, **tls_files)
    assert url == expected.split()[0]
    assert bool(warnings) == expected.endswith("WARNING")
    assert all("unencrypted" in w for w in warnings)


def test_bind_url_needs_both_tls_files(tmp_path):
    isolation = _load(DEPLOY / "isolation.py")
    with pytest.raises(SystemExit, match="go together"):
        isolation.bind_url(NETWORK, 8000, True, ssl_cert=str(tmp_path / "cert.pem"))
    with pytest.raises(SystemExit, match="no such file"):
        isolation.bind_url(NETWORK, 8000, True, ssl_cert="/nonexistent", ssl_key="/nonexistent")


def test_lock_repository_closes_all_but_what_kernels_import(tmp_path):
    isolation = _load(DEPLOY / "isolation.py")
    repo = tmp_path / "repo"
    for folder in (".venv/bin", "helpers", "data", "notebooks/student", "tests", ".git"):
        (repo / folder).mkdir(parents=True)
    for file in ("notebooks/05_sgd.ipynb", "helpers/layers.py", "README.md", ".venv/bin/python"):
        (repo / file).write_text("x")
    for path in [repo, *repo.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (repo / "helpers" / "layers.py").chmod(0o666)  # anyone could change what kernels run
    (repo / ".venv" / "bin").chmod(0o777)
    changed = isolation.lock_repository(repo, repo / ".venv")
    assert changed
    mode = lambda name: (repo / name).stat().st_mode & 0o777  # noqa: E731
    assert mode(".") == 0o751  # reachable by name, not listed
    for closed in ("notebooks", "tests", ".git", "README.md"):
        assert mode(closed) & 0o007 == 0, closed
    for kept in ("helpers", "data", ".venv"):
        assert mode(kept) == 0o755, kept
    assert mode("helpers/layers.py") == 0o644
    assert mode(".venv/bin") == 0o755
    assert isolation.lock_repository(repo, repo / ".venv") == []  # a second start: nothing


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("nobody", "not created by this hub"),  # an account of the system
        ("root", "not created by this hub"),
        ("Student1", "is not a user name"),
        ("student-1", "is not a user name"),
        ("1student", "is not a user name"),
    ],
)
def test_ensure_system_user_never_takes_an_account_it_did_not_make(name, error):
    isolation = _load(DEPLOY / "isolation.py")
    with pytest.raises((RuntimeError, ValueError), match=error):
        isolation.ensure_system_user(name)
    assert isolation.remove_system_users([name]) == []  # and never removes one


def test_rlimit_fallback_gives_memory_error_over_the_limit():
    """Where no cgroup can be made, each process of a student gets RLIMIT_DATA: a kernel that
    asks for more gets MemoryError (run in a child, so pytest keeps its own limits)."""
    code = f"""
import importlib.util, numpy
spec = importlib.util.spec_from_file_location("isolation", {str(DEPLOY / "isolation.py")!r})
isolation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(isolation)
limits = isolation.Limits.__new__(isolation.Limits)
limits.memory_limit, limits.kind, limits.roots = 512 * 2**20, "rlimit", {{}}
limits.enter([])
small = numpy.ones(64 * 2**20, "uint8")  # well inside: fine
try:
    numpy.ones(600 * 2**20, "uint8")
except MemoryError:
    print("MemoryError")
"""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "MemoryError", done.stdout


# -------------------------------------------------------------- a real hub --
def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(what)
    pytest.skip(what)


def _real_hub_or_skip():
    """requests, or a skip (or, in CI, a failure) naming what the machine lacks."""
    requests = pytest.importorskip("requests")
    if not Path(sys.executable).with_name("jupyterhub").exists():
        _missing('jupyterhub is not installed: pip install -e ".[lab,hub]" (or make hub)')
    if not PROXY.exists():
        _missing(f"{PROXY.relative_to(ROOT)} is missing: run make test (npm ci in deploy/)")
    if os.getuid() != 0 or not shutil.which("useradd"):
        _missing("creating the students' system users needs root and useradd")
    return requests


# Run in each student's kernel: what it can read, write and signal, as JSON in its home.
PROBE = """
import json, os, pwd
P = json.loads({params!r})

def can_read(path):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
        return True
    except PermissionError:
        return False

def can_write_in(folder):
    path = os.path.join(folder, f".probe-{{os.getpid()}}")
    try:
        open(path, "w").close()
    except OSError:
        return False
    os.remove(path)
    return True

def can_signal(pid):
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return False

import helpers.data  # the course, as a student's notebook imports it

result = {{
    "user": pwd.getpwuid(os.getuid()).pw_name,
    "uid": os.getuid(),
    "read": {{path: can_read(path) for path in P["read"]}},
    "write": {{path: can_write_in(path) for path in P["write"]}},
    "signal": {{str(pid): can_signal(pid) for pid in P["signal"]}},
}}
with open("probe.json", "w") as f:
    json.dump(result, f)
"""


def _login(requests, hub, name: str, password: str):
    """(status of the login form's answer, the browser session, its xsrf token)."""
    browser = requests.Session()
    browser.get(f"{hub.url}/hub/login", timeout=30).raise_for_status()
    xsrf = browser.cookies["_xsrf"]
    form = {"username": name, "password": password, "_xsrf": xsrf}
    answer = browser.post(f"{hub.url}/hub/login", data=form, allow_redirects=False, timeout=30)
    refused = "Invalid username or password" in answer.text
    assert refused == (answer.status_code != 302), (answer.status_code, answer.text[:300])
    return answer.status_code, browser, xsrf


def _execute(student, session: dict, code: str) -> str | None:
    """Run ``code`` in the kernel of ``session`` (open in ``student``'s server); the error
    (KernelLost if the kernel died), or None."""
    import websocket

    url = student.hub.url.replace("http", "ws", 1)
    ws = websocket.create_connection(
        f"{url}/user/{student.name}/api/kernels/{session['kernel']['id']}/channels"
        f"?session_id={session['id']}",
        header=[f"Authorization: token {student.token}"],
        timeout=60,
    )
    try:
        hubload.run_cell(ws, code, session["id"])
    except (RuntimeError, websocket.WebSocketException) as err:
        return f"{type(err).__name__}: {err}"
    finally:
        ws.close()
    return None


def _kernels(hub, name: str) -> list[int]:
    server = hub.server_of(name)
    return [p.pid for p in server.children(recursive=True)] if server else []


@contextlib.contextmanager
def _permissions_kept():
    """Put back, after the test, the modes the hub changes as it starts: the repository's
    folder and top-level entries (closed to other users), the folders above this Python
    (opened for search), and anything writable by group or others in .venv, helpers/ and
    data/ (made read-only). A test leaves the checkout as it found it."""
    paths = [ROOT, *ROOT.iterdir()]
    python = Path(sys.executable).resolve()
    paths += [python.parent, *python.parents]
    tops = [str(ROOT / name) for name in (".venv", "helpers", "data") if (ROOT / name).exists()]
    found = subprocess.run(
        ["find", *tops, "!", "-type", "l", "-perm", "/022", "-print0"],
        check=True,
        capture_output=True,
    ).stdout
    paths += [Path(os.fsdecode(p)) for p in found.split(b"\0") if p]
    modes = {path: stat.S_IMODE(path.lstat().st_mode) for path in paths if not path.is_symlink()}
    try:
        yield
    finally:
        for path, mode in modes.items():
            if path.exists() and stat.S_IMODE(path.lstat().st_mode) != mode:
                path.chmod(mode)


def test_real_hub_isolates_three_students_and_leaves_nothing(tmp_path):
    requests = _real_hub_or_skip()
    derived = json.loads(MEASURED.read_text(encoding="utf-8"))["derived"]
    hub = hubload.Hub(tmp_path / "hub", students=3)
    names, state = hub.student_names, hub.state_dir
    try:
        with machine_to_itself(), _permissions_kept(), hub:
            passwords = _check_the_hub_with(requests, hub, derived)
            running = hub.processes()
            uids = {hubload._isolation().system_user(n).pw_uid for n in [*names, hub.teacher]}
    finally:
        # the hub removes its users as it stops; this is for a test that failed before
        leftover = hubload._isolation().remove_system_users([*names, hub.teacher])
    assert leftover == [], f"users the hub left behind: {leftover}"
    assert hub.proc.returncode is not None
    assert hub.strays == [], f"left running after the hub stopped: {hub.strays}"
    assert not [p.pid for p in running if p.is_running()], "a process the hub started survived"
    assert sorted(hub.users_removed) == sorted([*names, hub.teacher])
    for name in [*names, hub.teacher]:
        assert hubload._isolation().system_user(name) is None, name
        assert not (Path("/home") / name).exists(), name
    import psutil

    as_students = [
        p.pid
        for p in psutil.process_iter(["uids"])
        if p.info["uids"] is not None and {p.info["uids"].real, p.info["uids"].effective} & uids
    ]
    assert as_students == [], f"processes still running as a student: {as_students}"
    cgroups = [p for p in hubload._isolation().hub_cgroups(hub.proc.pid) if p.exists()]
    assert cgroups == [], f"cgroups left behind: {cgroups}"
    log = (state / "jupyterhub.log").read_text()
    for password in passwords.values():
        assert password not in log, "an initial password was written to the hub's log"


def _check_the_hub_with(requests, hub, derived) -> dict[str, str]:
    """Everything the real-hub test asks of a running hub; the accounts' passwords."""
    isolation = hubload._isolation()
    names, teacher, state = hub.student_names, hub.teacher, hub.state_dir
    passwords = hub.passwords()
    assert sorted(passwords) == sorted([*names, teacher])
    info = (state / "initial-passwords").stat()
    assert (info.st_uid, info.st_mode & 0o777) == (0, 0o600)

    # every student's server starts (as the hub's Start button does) while they log in
    students = [hubload.Student(hub, name) for name in names]
    starting = ThreadPoolExecutor(3)
    started = [starting.submit(student.start) for student in students]

    # each student logs in with their own password; not as another student with it
    for name in names:
        assert _login(requests, hub, name, passwords[name])[0] == 302, name
    status, intruder, _ = _login(requests, hub, names[1], passwords[names[0]])
    assert status == 403  # the form again, "Invalid username or password"
    assert intruder.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 403

    # a student replaces the initial password with one of their own
    name, old = names[0], passwords[names[0]]
    _, browser, _ = _login(requests, hub, name, old)
    page = browser.get(f"{hub.url}/hub/change-password", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)[1]  # the logged-in one
    new = f"{old}-mine"
    form = {"old_password": old, "new_password": new, "new_password_confirmation": new}
    changed = browser.post(
        f"{hub.url}/hub/change-password", data={**form, "_xsrf": xsrf}, timeout=30
    )
    assert "changed successfully" in changed.text, changed.text[:300]
    assert _login(requests, hub, name, old)[0] == 403
    assert _login(requests, hub, name, new)[0] == 302

    # their servers and kernels run as their own system users, never root
    for start in started:
        start.result()
    starting.shutdown()

    def open_notebook(student):  # a kernel each, open while the others probe it
        path = "probe.ipynb"
        session = {"path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}}
        return student.server_api("POST", "/sessions", json=session)

    with ThreadPoolExecutor(3) as pool:
        sessions = dict(zip(names, pool.map(open_notebook, students), strict=True))
    kernels = {name: _kernels(hub, name) for name in names}
    servers = {name: hub.server_of(name).pid for name in names}
    for name in names:
        entry = isolation.system_user(name)
        assert entry.pw_uid != 0 and isolation.is_ours(entry), name
        home = Path(entry.pw_dir)
        assert (home.stat().st_uid, home.stat().st_mode & 0o777) == (entry.pw_uid, 0o700)
        assert (home / INDEX).stat().st_uid == entry.pw_uid  # their own copy, theirs
        assert (home / "10_training_in_a_nutshell.ipynb").exists()
        for pid in [servers[name], *kernels[name]]:
            assert psutil_uids(pid) == {entry.pw_uid}, (name, pid)
            limits = isolation.limits_of(pid)
            if limits["memory"] is not None:  # a cgroup: the measured figures
                assert limits["memory"] == derived["memory_limit_mib"] * 2**20, limits
                assert limits["cpu"] == derived["cpu_limit"], limits
        assert "--allow-root" not in " ".join(psutil_cmdline(servers[name]))

    # from inside each kernel: nothing of the others, of the teacher or of the hub
    others = {name: [n for n in names if n != name] for name in names}
    probes = {}
    proxy = [p.pid for p in hub.processes() if "configurable-http-proxy" in " ".join(p.cmdline())]
    for student in students:
        name, home = student.name, isolation.system_user(student.name).pw_dir
        secret = [
            *(isolation.system_user(n).pw_dir for n in others[name]),
            *(f"/proc/{pid}/environ" for n in others[name] for pid in [servers[n], *kernels[n]]),
            str(ROOT / "notebooks"),
            str(ROOT / "notebooks" / "05_sgd.ipynb"),
            str(ROOT / "tests"),
            str(ROOT / ".git"),
            str(ROOT / "nbgrader_config.py"),
            str(state / "jupyterhub.sqlite"),
            str(state / "jupyterhub_cookie_secret"),
            str(state / "initial-passwords"),
        ]
        if (
            ROOT / "build"
        ).exists():  # nbgrader's course folder, a class's grades, make hub's state
            secret.append(str(ROOT / "build"))
        shared = [
            str(ROOT),
            str(ROOT / "helpers"),
            str(ROOT / "data"),
            sys.prefix,
            sys.prefix + "/bin",
        ]
        shared.append(str(Path(hubload.__file__).parent))  # deploy/
        site = next(Path(sys.prefix).glob("lib/python3*/site-packages"))
        shared.append(str(site))
        targets = [hub.proc.pid, *proxy, *(pid for n in others[name] for pid in kernels[n])]
        params = {
            "read": [*secret, home, str(ROOT / "helpers" / "__init__.py"), str(MNIST)],
            "write": [*shared, home],
            "signal": targets,
        }
        probes[name] = PROBE.format(params=json.dumps(params))
    with ThreadPoolExecutor(3) as pool:
        errors = list(pool.map(lambda s: _execute(s, sessions[s.name], probes[s.name]), students))
    for student, error in zip(students, errors, strict=True):
        assert error is None, (student.name, error)
        name, home = student.name, isolation.system_user(student.name).pw_dir
        probe = json.loads((Path(home) / "probe.json").read_text())
        assert (probe["user"], probe["uid"]) == (name, isolation.system_user(name).pw_uid)
        readable = [p for p, ok in probe["read"].items() if ok]
        assert readable == [home, str(ROOT / "helpers" / "__init__.py"), str(MNIST)], readable
        writable = [p for p, ok in probe["write"].items() if ok]
        assert writable == [home], (name, writable)
        signalled = [p for p, ok in probe["signal"].items() if ok]
        assert signalled == [], (name, signalled)

    # a student over the memory limit loses their own kernel; the class goes on
    hog = students[2]
    grab = derived["memory_limit_mib"] * 2**20  # with the server and kernel: over it
    error = _execute(hog, sessions[hog.name], f"import numpy\nx = numpy.ones({grab}, 'uint8')")
    assert error and ("KernelLost" in error or "MemoryError" in error), error
    assert hog.server_api("GET", "/status")["started"]  # their server is still there
    for student in students[:2]:  # the others' kernels never noticed
        assert set(kernels[student.name]) <= set(_kernels(hub, student.name)), student.name

    # students get none of the teacher's tools that the shared .venv has (nbgrader)
    student = students[0]
    base, auth = f"{hub.url}/user/{student.name}", {"Authorization": f"token {student.token}"}
    lab = requests.get(f"{base}/lab", headers=auth, timeout=60)
    lab.raise_for_status()
    config = json.loads(
        re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', lab.text, re.S)[1]
    )
    installed = {extension["name"] for extension in config["federated_extensions"]}
    assert "@jupyter/nbgrader" in installed, installed  # in the .venv, and
    assert "@jupyter/nbgrader" in config["disabledExtensions"], config  # switched off
    assert "@jupyter-widgets/jupyterlab-manager" not in config["disabledExtensions"]
    page = requests.get(f"{base}/formgrader", headers=auth, timeout=60)
    assert page.status_code == 404, (page.status_code, page.text[:200])

    # the teacher (admin) sees every student and may open their servers; a student may not
    status, desk, xsrf = _login(requests, hub, teacher, passwords[teacher])
    assert status == 302
    listed = desk.get(f"{hub.url}/hub/api/users", headers={"X-XSRFToken": xsrf}, timeout=30)
    assert set(names) <= {user["name"] for user in listed.json()}, listed.text[:300]
    # as a browser: the hub asks the teacher to confirm opening another user's server
    asked = desk.get(f"{base}/lab", timeout=60)
    assert asked.status_code == 200 and "/oauth2/authorize" in asked.url, asked.url
    form = dict(re.findall(r'type="hidden" name="(_xsrf|scopes)" value="([^"]*)"', asked.text))
    opened = desk.post(asked.url, data=form, timeout=60)
    assert opened.status_code == 200 and opened.url.startswith(f"{base}/lab"), opened.url
    _, second, _ = _login(requests, hub, names[1], passwords[names[1]])
    refused = second.get(f"{base}/lab", timeout=60)
    assert refused.status_code == 403, (refused.url, refused.text[:200])

    counted = hub.processes()
    commands = [" ".join(p.cmdline()) for p in counted]
    listing = "\n".join(_describe(p, c) for p, c in zip(counted, commands, strict=True))
    assert sum("configurable-http-proxy" in c for c in commands) == 1, listing
    # a server is a singleuser process the hub started; a server's own short-lived fork
    # shows the same command line until it execs (seen in CI, under load), and is not one
    pids = {p.pid for p, c in zip(counted, commands, strict=True) if "singleuser" in c}
    started = [p for p in counted if p.pid in pids and _parent(p) not in pids]
    assert len(started) == 3, listing
    return passwords


def psutil_uids(pid: int) -> set[int]:
    import psutil

    uids = psutil.Process(pid).uids()
    return {uids.real, uids.effective, uids.saved}


def psutil_cmdline(pid: int) -> list[str]:
    import psutil

    return psutil.Process(pid).cmdline()


def test_update_values_rewrites_only_the_measured_lines(tmp_path, values):
    written = tmp_path / "values.yaml"
    written.write_text(VALUES.read_text(encoding="utf-8"), encoding="utf-8")
    derived = hubload.derive([{"students": 1, "peak_mib_max": 1000, "cpu_busy": 0.9}], 2)
    hubload.update_values(derived, written)
    changed = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert changed["singleuser"]["memory"] == {"guarantee": "1024M", "limit": "2048M"}
    assert changed["singleuser"]["cpu"] == {"guarantee": 0.45, "limit": 2.0}
    assert set(changed["singleuser"]["extraEnv"].values()) == {"2"}
    unchanged = copy.deepcopy(values)
    for section in ("memory", "cpu", "extraEnv"):
        del changed["singleuser"][section]
        del unchanged["singleuser"][section]
    assert changed == unchanged


def _describe(process, command: str) -> str:
    """pid, parent, state, age and threads of a process the hub started, for a message."""
    try:
        with process.oneshot():
            age = time.time() - process.create_time()
            more = f"parent {process.ppid()}, {process.status()}, {age:.1f} s old, "
            more += f"{process.num_threads()} threads"
    except Exception as err:  # noqa: BLE001 - it may have ended since it was listed
        more = type(err).__name__
    return f"{process.pid} ({more}): {command}"


def _parent(process) -> int | None:
    try:
        return process.ppid()
    except Exception:  # noqa: BLE001 - it may have ended since it was listed
        return None
