"""What a student sees on first opening a lesson, checked on the committed notebooks (issue 25).

(The notebooks' kernel metadata and the collapsed Colab cell are checked in test_course.py,
printed messages that break only between words in test_train.py.)"""

import ast
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _cell(path: Path, cell_id: str) -> str:
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.get("id") == cell_id]
    assert len(cells) == 1, f"{path.name}: no cell {cell_id}"
    return cells[0].source


@pytest.mark.parametrize("edition", ["notebooks", "notebooks/student"])
def test_07s_momentum_explorer_draws_its_loss_curve_inside_its_axis(edition):
    # At its first settings (η = 0.6, momentum 0.5) the loss fell to 1.7e-17 within 60
    # steps, far below the explorer's fixed log axis (down to 1e-10 × the first loss): the
    # curve ran off the bottom.
    from helpers.widgets import momentum_explorer

    matplotlib.use("Agg")
    source = _cell(ROOT / edition / "07_momentum.ipynb", "cell-21")
    call = next(
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
    )
    assert call.func.id == "momentum_explorer"
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    explorer = momentum_explorer(*args, **kwargs, backend="inline")
    ax, losses = explorer.panels.ax_loss, explorer.panels.loss_line.get_ydata()
    low, high = ax.get_ylim()
    assert len(losses) > 1 and np.all((losses >= low) & (losses <= high)), (
        f"losses {losses.min():.3g} … {losses.max():.3g}, axis {low:.3g} … {high:.3g}"
    )
