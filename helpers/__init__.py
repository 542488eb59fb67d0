"""helpers — the small numpy engine behind the notebooks of *The Engine of Neural Networks*.

One module per idea of the lecture:

    layers      Dense (kernel and bias), Sequential, relu, softmax
    initialization  why weights start random, and how big (notebook 02)
    losses      softmax_cross_entropy, mean_squared_error
    gradients   finite differences (the naive method) and gradient checks
    autodiff    a tiny tape: record operations, replay them backwards (notebook 09)
    optim       SGD (with momentum), RMSprop, Adagrad, Adam, AdamW
    train       the training loop: Trainer, fit, evaluate
    landscapes  toy losses to watch an optimizer move on, and descend
    curvature   Hessian-vector products and the sharpness λ_max (lab 10)
    debugging   a training loop with planted bugs, and the tools to find them (lab 11)
    data        load_mnist (bundled real MNIST), prepare, batches
    plots       the pictures the notebooks draw
    widgets     sliders for learning rate, momentum and a random start's size
    checks      friendly answers to the check-yourself exercises
    exercises   what an exercise asks students to write themselves (no package shortcuts)
    threads     BLAS threads that follow the CPUs a kernel may use (shared servers)

The benchmark that measures the package is not part of it: ``python -m bench`` from the
repository root (``bench/``).

Importing ``helpers`` only defines names: it seeds nothing, loads no data and leaves
matplotlib's style alone. Import a module to use it, e.g. ``from helpers.layers import Dense``.
"""

from __future__ import annotations

__all__ = ["set_seed"]

__version__ = "0.1.0"


def set_seed(seed: int = 0):
    """Seed numpy's global random state and return a fresh ``np.random.Generator``.

    The package itself takes explicit ``seed=`` arguments; this is for notebook cells that
    call ``np.random`` directly, so a Run All gives the same numbers every time.
    """
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeding the legacy global state is the point
    return np.random.default_rng(seed)
