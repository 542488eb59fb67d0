"""Issue 12: re-running any cell in any order after Run All raises nothing a student can't read.

Each notebook of both editions runs in one real kernel: Run All, then every code cell once
more in reverse order, then every code cell once more in a shuffled order seeded by the
notebook's edition and name. The reversed pass re-runs each cell after the state Run All
left (as scrolling up and re-running one cell does) and leaves every cell's inputs re-made
after the cells that use them ran (a new tape, a fresh model); the shuffled pass then runs
cells on those inputs and on random mixtures (a check after its cell's inputs were re-made
but the cell itself was not re-run, a later cell after an earlier one failed). Run All raises
nothing at all. On a re-run an error is allowed only when a student can read it:

- its type is one the course raises on purpose: ValueError, TypeError, RuntimeError,
  AssertionError (and their subclasses) or an exception class defined in helpers/;
- its message is words (at least three), not empty and not a bare ``AssertionError``;
- the innermost frame of its traceback is a ``raise`` or ``assert`` statement in a notebook
  cell or in helpers/, and that statement raised it (an assert raises AssertionError, a
  ``raise ValueError(...)`` a ValueError): raised on purpose, not deep inside numpy,
  matplotlib or ipywidgets, and not by compiled code (numpy, ``max()``) called from a cell or
  from helpers/, which has no frame of its own.

The kernel itself reports each error's type, message and innermost frame (a probe cell reads
``sys.last_value``, which IPython sets for every error it shows), so nothing is parsed out
of coloured tracebacks. The notebooks are read when the test runs.
"""

import json
import os
import random
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
EDITIONS = {"instructor": NOTEBOOK_DIR, "student": NOTEBOOK_DIR / "student"}
CASES = [
    (edition, path)
    for edition, folder in EDITIONS.items()
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))
]
CELL_TIMEOUT = 120  # seconds, as nbval's --nbval-cell-timeout in pyproject.toml
STARTUP_TIMEOUT = 60
# One BLAS thread per kernel: two pytest workers share two cores (Makefile's TEST_ENV).
KERNEL_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Kinds of error the course raises on purpose, and the package whose own classes count too.
READABLE_TYPES = ("ValueError", "TypeError", "RuntimeError", "AssertionError")
MARKER = "RERUN-PROBE "

# Run in the kernel right after a cell that raised: what it raised and where, as one line of
# JSON. Defines and deletes one name; prints, returns nothing (so `_` is left alone).
_PROBE = f"""
def _rerun_probe():
    import ast, json, linecache, os, sys, traceback
    from ipykernel.compiler import get_tmp_directory
    error = sys.last_value
    frames = traceback.extract_tb(error.__traceback__)
    last = frames[-1] if frames else None
    statement, names = "", ""
    try:  # the innermost statement around the frame's line (a cell's code is in linecache)
        tree = ast.parse("".join(linecache.getlines(last.filename)))
        around = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)
                  and node.lineno <= last.lineno <= node.end_lineno]
        node = min(reversed(around), key=lambda n: n.end_lineno - n.lineno)
        statement = type(node).__name__
        if isinstance(node, ast.Assert):
            names = "AssertionError"
        elif isinstance(node, ast.Raise) and node.exc is not None:
            named = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = getattr(named, "id", getattr(named, "attr", ""))
            names = name if name[:1].isupper() else ""  # a class, not `raise error`
    except Exception:
        pass
    print({MARKER!r} + json.dumps({{
        "type": type(error).__qualname__,
        "module": type(error).__module__,
        "bases": [c.__qualname__ for c in type(error).__mro__],
        "message": str(error),
        "file": os.path.realpath(last.filename) if last else "",
        "line": last.lineno if last else 0,
        "statement": statement,
        "names": names,
        "cell_dir": os.path.realpath(get_tmp_directory()),
        "helpers_dir": os.path.realpath(os.path.dirname(sys.modules["helpers"].__file__))
        if "helpers" in sys.modules else "",
    }}))
_rerun_probe()
del _rerun_probe
"""


def _probe(client, nb):
    """What the last error in the client's kernel was: a dict (see _PROBE)."""
    cell = nbformat.v4.new_code_cell(_PROBE)
    nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(nb.cells) - 1)
    finally:
        nb.cells.pop()
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return json.loads(text.split(MARKER, 1)[1].splitlines()[0])


def unreadable(error):
    """Why a student could not read ``error`` (a _PROBE dict), or "" if they can."""
    why = []
    if not (set(error["bases"]) & set(READABLE_TYPES) or error["module"].startswith("helpers")):
        why.append(f"{error['type']} is not an error the course raises on purpose")
    if len(re.findall(r"[^\W\d_]{2,}", error["message"])) < 3:
        why.append("its message is not a sentence")
    in_cell = Path(error["file"]).parent == Path(error["cell_dir"])
    helpers = error["helpers_dir"]  # where the kernel imported helpers from
    in_helpers = bool(helpers) and Path(error["file"]).is_relative_to(helpers)
    if not (in_cell or in_helpers):
        why.append(f"it is raised in {error['file']}:{error['line']}, not in a cell or helpers/")
    elif error["statement"] not in ("Raise", "Assert") or (
        error["names"] and error["names"] not in error["bases"]
    ):
        place = "a cell" if in_cell else f"{error['file']}:{error['line']}"
        why.append(f"no raise or assert raised it: numpy or Python did, in {place}")
    return "; ".join(why)


def _first_line(source):
    lines = [line for line in source.splitlines() if line.strip()]
    return lines[0][:80] if lines else "(empty)"


def run_passes(nb, folder, passes):
    """Execute ``nb``'s cells in one fresh kernel, pass after pass ({name: [cell index]}).

    Returns (pass name, cell index, what went wrong) for each cell that raised: the _PROBE
    dict, or a string if the cell timed out or the kernel died (which ends the run).
    """
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        kernel_name="python3",
        allow_errors=True,  # every error is looked at, and the pass goes on
        resources={"metadata": {"path": str(folder)}},
    )
    found = []
    with client.setup_kernel(env={**os.environ, **KERNEL_ENV}):
        for pass_name, order in passes.items():
            for index in order:
                cell = nb.cells[index]
                cell.outputs = []
                try:
                    client.execute_cell(cell, index)
                except (CellTimeoutError, DeadKernelError) as err:
                    found.append((pass_name, index, f"{type(err).__name__}: {str(err)[:200]}"))
                    return found  # the kernel is stuck or gone: the rest would say nothing new
                if any(o.output_type == "error" for o in cell.outputs):
                    found.append((pass_name, index, _probe(client, nb)))
    return found


def rerun_passes(code, name):
    """Run All and the two re-run passes over the code cells' indices ``code``; the shuffle
    is seeded by ``name``, so every run of the test takes the same order."""
    order = list(code)
    random.Random(f"rerun {name}").shuffle(order)
    return {"Run All": code, "re-run reversed": code[::-1], "re-run shuffled": order}


@pytest.mark.parametrize(("edition", "path"), CASES, ids=[f"{e}-{p.stem}" for e, p in CASES])
def test_rerunning_cells_after_run_all_raises_only_readable_errors(edition, path):
    nb = nbformat.read(path, as_version=4)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    passes = rerun_passes(code, f"{edition}/{path.name}")
    failures = []
    for pass_name, index, error in run_passes(nb, path.parent, passes):
        where = f"{pass_name}, cell {index} ({_first_line(nb.cells[index].source)!r})"
        if isinstance(error, str):
            failures.append(f"{where}: {error}")
            continue
        said = f"{error['type']}: {error['message'][:300]!r}"
        if pass_name == "Run All":
            failures.append(f"{where}: Run All raised {said}")
        elif why := unreadable(error):
            failures.append(f"{where}: {said} ({why})")
    assert not failures, f"{edition} {path.name}:\n" + "\n".join(failures)


# What the check above makes of errors of each kind, raised in a real kernel.
SAMPLES = {
    'raise ValueError("the learning rate must be positive, e.g. 0.1")': "",
    "total = 1 + 1": None,
    'assert 1 + 1 == 3, (\n    "one and one make two, not three"\n)': "",
    "from helpers.optim import SGD\nSGD(learning_rate=-1.0)": "",
    "assert 1 + 1 == 3": "its message is not a sentence",
    "import numpy as np\nnp.ones((2, 3)) @ np.ones((2, 3))": "no raise or assert raised it",
    "import numpy as np\nnp.linalg.inv(np.zeros((2, 2)))": "not in a cell or helpers/",
    '{"a": 1}["the missing key"]': "KeyError is not an error the course raises on purpose",
    "import math\nmath.sqrt(-1.0)": "no raise or assert raised it",
    'assert max([]) > 0, "the list should have a positive number"': "no raise or assert",
    'raise ValueError("the rate %d is too high" % "high")': "no raise or assert raised it",
}


def test_the_check_tells_readable_errors_from_unreadable_ones(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in SAMPLES])
    found = run_passes(nb, tmp_path, {"Run All": list(range(len(SAMPLES)))})
    verdicts = {list(SAMPLES)[index]: unreadable(error) for _, index, error in found}
    for source, expected in SAMPLES.items():
        if expected is None:
            assert source not in verdicts, f"{source!r} raised {verdicts.get(source)}"
        elif expected == "":
            assert verdicts[source] == "", f"{source!r}: {verdicts[source]}"
        else:
            assert expected in verdicts[source], f"{source!r}: {verdicts[source]!r}"
