"""Checkers for notebook 07, momentum: one step of the lecture's momentum rule by hand,
``momentum_step`` and ``adam_step`` (with bias correction) written by the student.

Shapes: the parameters w, their gradient and every state array (velocity, m, v) have one
shape, any shape (P stands for it).

Every verdict carries a diagnosis, a stable id listed in :data:`DIAGNOSES`.
"""

from __future__ import annotations

import numpy as np

from ..optim import SGD, Adam
from .core import (
    Feedback,
    Mistake,
    answer_checker,
    check_implementation,
    is_blank,
    judge_array,
    not_answered,
    precision_of,
    right,
    wrong,
)

__all__ = ["check_adam_step", "check_momentum_step", "check_momentum_step_function"]

# id -> what to re-teach (merged into helpers.checks.DIAGNOSES for the grade report).
DIAGNOSES: dict[str, str] = {
    "no-momentum": "The velocity dropped its previous value: that is plain gradient descent, "
    "momentum keeps momentum · velocity.",
    "sign-flipped": "A sign is flipped: the velocity adds the gradient step (uphill), or "
    "Adam's step is added to w.",
    "no-learning-rate": "The gradient entered the velocity without the learning rate.",
    "pytorch-form": "The student used PyTorch's v = momentum·v + g (w −= lr·v), whose v is "
    "not the lecture's velocity (velocity = −lr·v).",
    "old-velocity": "w moved by the previous velocity instead of the one just computed: "
    "update the velocity first, then w.",
    "w-moved-backwards": "w moved by minus the velocity; the minus sign is already inside "
    "the velocity.",
    "w-not-updated": "The velocity is right but w was left where it was.",
    "swapped-outputs": "The new velocity and the new w were given in each other's place.",
    "swapped-arguments": "Two inputs were used in each other's place (learning rate and "
    "momentum, or velocity and gradient, or beta1 and beta2).",
    "ran-twice": "The answer is where a second momentum step lands: the student's lines ran "
    "twice on numbers they had already changed.",
    "no-bias-correction": "Adam's m and v were used without bias correction: early on they "
    "start at 0 and are too small.",
    "bias-correction-m-only": "Only m was bias-corrected in Adam, not v.",
    "bias-correction-v-only": "Only v was bias-corrected in Adam, not m.",
    "no-square-root": "Adam divided by v̂ instead of its square root.",
    "eps-inside-square-root": "Adam's eps went inside the square root (√(v̂ + eps)); the "
    "lecture and the package add it outside.",
    "no-eps": "Adam's eps was left out of the step's denominator.",
    "stepped-along-gradient": "Adam's step used the raw gradient instead of the momentum m̂.",
    "summed-not-averaged": "Adam's moments summed the gradients (β·m + g) instead of "
    "averaging them (β·m + (1 − β)·g).",
    "off-by-one-step": "The bias correction used step t + 1 instead of t (t counts from 1).",
    "returned-corrected-moments": "The bias-corrected m̂ and v̂ were returned as the new "
    "state; the state is the uncorrected m and v.",
}


def _numbers(answer) -> np.ndarray | None:
    """The answer as a float array (float32 stays float32, whole numbers become float64),
    or None if it is not numbers."""
    if isinstance(answer, (str, bytes, bool)):
        return None
    try:
        array = np.asarray(answer)
    except (TypeError, ValueError):
        return None
    if array.dtype.kind in "iu":
        array = array.astype(np.float64)
    return array if array.dtype.kind == "f" else None


# ---------------------------------------------------- a momentum step by hand ----


def _by_hand_candidates(v, w, g, lr, m):
    """Named wrong answers (id, velocity, w, message, hint) for one step by hand."""
    new_v = m * v - lr * g
    new_w = w + new_v
    second_v = m * new_v - lr * g
    torch_v = m * v + g
    return [
        (
            "swapped-outputs",
            new_w,
            new_v,
            "the two numbers are swapped: my_velocity holds the new w and my_w the new velocity.",
            "my_velocity is the step, my_w the point it lands on.",
        ),
        (
            "ran-twice",
            second_v,
            new_w + second_v,
            "that is where a second step lands: your lines ran twice, the second time on "
            "numbers they had already changed.",
            "Run the whole answer cell again: its first lines set w, velocity and g back to "
            "the question's numbers.",
        ),
        (
            "no-momentum",
            -lr * g,
            w - lr * g,
            "your velocity forgets the previous velocity: that is plain gradient descent.",
            "The velocity keeps a share of its old value; the momentum says how much.",
        ),
        (
            "sign-flipped",
            m * v + lr * g,
            w + m * v + lr * g,
            "your velocity points uphill.",
            "The gradient points uphill; the velocity takes a step against it.",
        ),
        (
            "no-learning-rate",
            m * v - g,
            w + m * v - g,
            "the gradient enters your velocity at full size, without the learning rate.",
            "The gradient step in the velocity is the step of gradient descent.",
        ),
        (
            "pytorch-form",
            torch_v,
            w - lr * torch_v,
            "that is PyTorch's form (v = momentum·v + g), whose v is not the lecture's velocity.",
            "The lecture's velocity already holds the learning rate and the minus sign.",
        ),
        (
            "old-velocity",
            new_v,
            w + v,
            "the velocity is right, but w moved by the old velocity.",
            "Move w by the velocity you just computed.",
        ),
        (
            "w-moved-backwards",
            new_v,
            w - new_v,
            "the velocity is right, but w moved the wrong way.",
            "The minus sign is already inside the velocity.",
        ),
        (
            "w-not-updated",
            new_v,
            w,
            "the velocity is right, but w did not move.",
            "w moves by the new velocity.",
        ),
    ]


@answer_checker("the new velocity and the new w")
def check_momentum_step(
    new_velocity, new_w, *, velocity, w, gradient, learning_rate: float, momentum: float
) -> Feedback:
    """One step of the lecture's momentum rule:
    ``velocity = momentum * velocity - learning_rate * gradient; w = w + velocity``.

    velocity, w, gradient: the question's numbers (arrays of one shape, or numbers), which
    the check cell passes as literals, so an answer cell that overwrites the notebook's
    ``w`` and ``velocity`` is still judged against the question; new_velocity, new_w: the
    answer. A float32 answer is judged at float32 precision.
    """
    v, w0, g = (np.array(a, dtype=np.float64) for a in (velocity, w, gradient))  # copies
    lr, m = float(learning_rate), float(momentum)
    expected_v = m * v - lr * g
    expected_w = w0 + expected_v
    if is_blank(new_w):
        return not_answered("the new w")
    answer_v, answer_w = _numbers(new_velocity), _numbers(new_w)
    if answer_v is None or answer_w is None:
        return wrong(
            "expected numbers for the new velocity and the new w.",
            "Give numbers (or arrays) like velocity and w.",
            diagnosis="wrong-type",
        )
    if answer_v.size == expected_v.size and answer_w.size == expected_w.size:
        answer_v = answer_v.reshape(expected_v.shape)  # [0.25] for 0.25 is fine
        answer_w = answer_w.reshape(expected_w.shape)
    else:
        return wrong(
            f"shapes differ: your velocity {answer_v.shape} and w {answer_w.shape}, "
            f"expected {expected_v.shape} for both.",
            "Every coefficient has its own velocity, of the same shape as w.",
            diagnosis="wrong-shape",
        )

    def same(answer, expected) -> bool:
        return judge_array(answer, expected) is None

    if same(answer_v, expected_v) and same(answer_w, expected_w):
        return right(
            "the velocity remembers the last step, and w moves by the new velocity.",
            precision=precision_of(answer_v, answer_w),
        )
    for diagnosis, cand_v, cand_w, message, hint in _by_hand_candidates(v, w0, g, lr, m):
        if same(answer_v, cand_v) and same(answer_w, cand_w):
            return wrong(message, hint, diagnosis=diagnosis)
    if same(answer_v, expected_v):
        return wrong(
            "the velocity is right, the new w is not.",
            "Start from the old w and move it by the new velocity.",
            diagnosis="other",
        )
    return wrong(
        "the new velocity is not right yet.",
        "Two parts: what the velocity keeps of its old value, and a gradient step downhill.",
        diagnosis="other",
    )


# ------------------------------------------------------- implement it ----


def _momentum_reference(w, velocity, gradient, learning_rate, momentum):
    """The package's SGD(momentum) taking one step on copies, in the lecture's velocity form.

    SGD keeps PyTorch's v = −velocity / learning_rate; a first step with a zero gradient
    creates that state (and leaves w where it is), then it is set and the real step taken.
    """
    new_w = np.array(w, dtype=np.float64)
    optimizer = SGD(learning_rate, momentum=momentum)
    optimizer.step([new_w], [np.zeros_like(new_w)])
    optimizer.velocity[0][...] = -np.asarray(velocity, dtype=np.float64) / learning_rate
    optimizer.step([new_w], [np.asarray(gradient, dtype=np.float64)])
    return new_w, -learning_rate * optimizer.velocity[0]


def _velocity(velocity, gradient, learning_rate, momentum):
    return momentum * velocity - learning_rate * gradient


def _step(velocity_rule, move=lambda w, old, new: w + new):
    """A momentum step whose new velocity is ``velocity_rule(vel, g, lr, m)`` and whose w
    moves by ``move(w, old_velocity, new_velocity)``: returns (new_w, new_velocity)."""

    def compute(w, vel, g, lr, m):
        new = velocity_rule(vel, g, lr, m)
        return move(w, vel, new), new

    return compute


MOMENTUM_MISTAKES = [
    Mistake(
        _step(lambda vel, g, lr, m: -lr * g),
        "your velocity forgets the previous velocity: that is plain gradient descent.",
        "The velocity keeps a share of its old value; the momentum says how much.",
        "no-momentum",
    ),
    Mistake(
        _step(lambda vel, g, lr, m: m * vel + lr * g),
        "your velocity points uphill (the gradient term has the wrong sign).",
        "The gradient points uphill; the velocity takes a step against it.",
        "sign-flipped",
    ),
    Mistake(
        _step(lambda vel, g, lr, m: m * vel - g),
        "the gradient enters your velocity at full size, without the learning rate.",
        "The gradient step in the velocity is the step of gradient descent.",
        "no-learning-rate",
    ),
    Mistake(
        _step(_velocity, lambda w, old, new: w + old),
        "the velocity is right, but w moved by the old velocity.",
        "Move w by the velocity you just computed.",
        "old-velocity",
    ),
    Mistake(
        _step(_velocity, lambda w, old, new: w - new),
        "the velocity is right, but w moved the wrong way.",
        "The minus sign is already inside the velocity.",
        "w-moved-backwards",
    ),
    Mistake(
        _step(_velocity, lambda w, old, new: w),
        "the velocity is right, but w did not move.",
        "w moves by the new velocity.",
        "w-not-updated",
    ),
    Mistake(
        lambda w, vel, g, lr, m: (w - lr * (m * vel + g), m * vel + g),
        "that is PyTorch's form (v = momentum·v + g), whose v is not the lecture's velocity.",
        "The lecture's velocity already holds the learning rate and the minus sign.",
        "pytorch-form",
    ),
    Mistake(
        lambda w, vel, g, lr, m: _step(_velocity)(w, vel, g, lr, m)[::-1],
        "you returned the velocity first and w second.",
        "Return (new_w, new_velocity), in that order.",
        "swapped-outputs",
    ),
    Mistake(
        _step(lambda vel, g, lr, m: lr * vel - m * g),
        "learning_rate and momentum are swapped: the momentum scales your gradient.",
        "Compare the order of your function's parameters with the exercise's.",
        "swapped-arguments",
    ),
    Mistake(
        _step(lambda vel, g, lr, m: m * g - lr * vel),
        "velocity and gradient are swapped in your step.",
        "Compare the order of your function's parameters with the exercise's.",
        "swapped-arguments",
    ),
]


def check_momentum_step_function(momentum_step, seed: int = 0) -> Feedback:
    """Your ``momentum_step(w, velocity, gradient, learning_rate, momentum)`` against the
    package's ``SGD(learning_rate, momentum=momentum)``.

    Called on fresh random float64 w, velocity, gradient: (P,) of several shapes (and
    learning rates and momenta drawn apart, so that swapping them shows); must return
    (new_w, new_velocity) of the lecture's rule. The package's own momentum step may not
    be called from it (``forbid``).
    """
    rng = np.random.default_rng(seed)
    cases = [
        (
            rng.normal(size=shape),
            rng.normal(size=shape),
            rng.normal(size=shape),
            float(rng.uniform(0.01, 0.3)),
            float(rng.uniform(0.6, 0.95)),
        )
        for shape in [(3,), (4, 2), (5,)]
    ]
    return check_implementation(
        momentum_step,
        name="momentum_step",
        cases=cases,
        reference=_momentum_reference,
        outputs=("the new w", "the new velocity"),
        mistakes=MOMENTUM_MISTAKES,
        forbid=("momentum_step",),
        hint="Two jobs: the velocity keeps a share of its past and adds a step downhill; "
        "then w moves by the new velocity.",
    )


# ---------------------------------------------------------------- adam ----


def _adam_reference(w, m, v, gradient, t, learning_rate, beta1, beta2, eps):
    """The package's Adam taking step number ``t`` from the state (w, m, v), on copies.

    A first step with a zero gradient creates Adam's state arrays (its ``m`` and ``v``,
    public attributes) and leaves w where it is; then the state is set to (m, v, t − 1
    steps taken) and the real step taken.
    """
    new_w = np.array(w, dtype=np.float64)
    optimizer = Adam(learning_rate, beta1=beta1, beta2=beta2, eps=eps)
    optimizer.step([new_w], [np.zeros_like(new_w)])
    new_w[...] = w
    optimizer.m[0][...] = m
    optimizer.v[0][...] = v
    optimizer.iterations = t - 1
    optimizer.step([new_w], [np.asarray(gradient, dtype=np.float64)])
    return new_w, optimizer.m[0].copy(), optimizer.v[0].copy()


def _adam_state(shape, t: int, rng, learning_rate=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """A realistic Adam state: (w, m, v) after t − 1 steps of the package's Adam on random
    gradients, driven through its public interface (step, then read m and v)."""
    w = rng.normal(size=shape)
    optimizer = Adam(learning_rate, beta1=beta1, beta2=beta2, eps=eps)
    m, v = np.zeros(shape), np.zeros(shape)
    for _ in range(t - 1):
        optimizer.step([w], [rng.normal(size=shape)])
        m, v = optimizer.m[0].copy(), optimizer.v[0].copy()
    return w, m, v


def _adam(
    *,
    correct_m=True,
    correct_v=True,
    root=np.sqrt,
    numerator="m",
    sign=-1,
    average=True,
    t_shift=0,
    swap_betas=False,
    eps_inside=False,
    no_eps=False,
    return_corrected=False,
):
    """An Adam step with the given departures from the rule: (new_w, new_m, new_v)."""

    def compute(w, m, v, g, t, lr, beta1, beta2, eps):
        if swap_betas:
            beta1, beta2 = beta2, beta1
        a1, a2 = (1 - beta1, 1 - beta2) if average else (1.0, 1.0)
        new_m = beta1 * m + a1 * g
        new_v = beta2 * v + a2 * g * g
        step = t + t_shift
        m_hat = new_m / (1 - beta1**step) if correct_m else new_m
        v_hat = new_v / (1 - beta2**step) if correct_v else new_v
        top = m_hat if numerator == "m" else g
        if eps_inside:
            bottom = np.sqrt(v_hat + eps)
        else:
            bottom = root(v_hat) + (0.0 if no_eps else eps)
        new_w = w + sign * lr * top / bottom
        if return_corrected:
            return new_w, m_hat, v_hat
        return new_w, new_m, new_v

    return compute


ADAM_MISTAKES = [
    Mistake(
        _adam(correct_m=False, correct_v=False),
        "your step has no bias correction: it uses m and v as they are.",
        "m and v start at 0, so in the first steps they are too small; the bias "
        "correction scales them up by a factor that depends on t.",
        "no-bias-correction",
    ),
    Mistake(
        _adam(correct_v=False),
        "you bias-corrected m but not v.",
        "v starts at 0 too and needs its own correction, with beta2.",
        "bias-correction-m-only",
    ),
    Mistake(
        _adam(correct_m=False),
        "you bias-corrected v but not m.",
        "m starts at 0 too and needs its own correction, with beta1.",
        "bias-correction-v-only",
    ),
    Mistake(
        _adam(root=lambda x: x),
        "you forgot the square root: you divide by v̂, not by √v̂.",
        "v averages squared gradients; its square root has the gradient's scale.",
        "no-square-root",
    ),
    Mistake(
        _adam(eps_inside=True),
        "eps is inside your square root; Adam adds it after the root.",
        "eps only guards against dividing by 0: add it to √v̂.",
        "eps-inside-square-root",
    ),
    Mistake(
        _adam(no_eps=True),
        "your step leaves out eps.",
        "eps is small, but it belongs to the step: it is added to √v̂.",
        "no-eps",
    ),
    Mistake(
        _adam(numerator="g"),
        "you stepped along the gradient instead of along m̂ (Adam's momentum).",
        "The top of the step is the bias-corrected first moment, not the gradient.",
        "stepped-along-gradient",
    ),
    Mistake(
        _adam(sign=+1),
        "your step goes uphill: the sign is wrong.",
        "Adam moves w against its momentum, like every descent step.",
        "sign-flipped",
    ),
    Mistake(
        _adam(average=False),
        "your m and v sum the gradients (β·m + g) instead of averaging them.",
        "A running average gives the new gradient the weight that the old value lost.",
        "summed-not-averaged",
    ),
    Mistake(
        _adam(t_shift=+1),
        "your bias correction uses step t + 1; t is already the number of this step (1, 2, …).",
        "Use the t you were given, unchanged.",
        "off-by-one-step",
    ),
    Mistake(
        _adam(swap_betas=True),
        "beta1 and beta2 are swapped.",
        "beta1 (0.9) goes with m, the momentum; beta2 (0.999) with v, the squares.",
        "swapped-arguments",
    ),
    Mistake(
        _adam(return_corrected=True),
        "the new w is right, but you returned m̂ and v̂ as the new state.",
        "The state carried to the next step is m and v before the bias correction.",
        "returned-corrected-moments",
    ),
]


def check_adam_step(adam_step, seed: int = 0) -> Feedback:
    """Your ``adam_step(w, m, v, gradient, t, learning_rate, beta1, beta2, eps)`` against
    the package's ``Adam`` taking its step number t from the same state.

    Called on fresh random float64 states (w, m, v): (P,) made by running the package's
    Adam for t − 1 steps, a random gradient (P,) and t ≥ 1; must return
    (new_w, new_m, new_v) of Adam's rule with bias correction. The package's own Adam step
    may not be called from it (``forbid``).
    """
    rng = np.random.default_rng(seed)
    cases = []
    # eps = 0.01 in one case, so that where eps goes matters (at 1e-8 it hardly shows)
    for shape, t, lr, beta1, beta2, eps in [
        ((4,), 3, 0.01, 0.9, 0.999, 1e-8),
        ((3, 2), 10, 0.05, 0.8, 0.99, 1e-2),
        ((2,), 1, 0.001, 0.9, 0.999, 1e-8),
        ((5,), 40, 0.1, 0.9, 0.999, 1e-8),
    ]:
        w, m, v = _adam_state(shape, t, rng, lr, beta1, beta2, eps)
        cases.append((w, m, v, rng.normal(size=shape), t, lr, beta1, beta2, eps))
    return check_implementation(
        adam_step,
        name="adam_step",
        cases=cases,
        reference=_adam_reference,
        outputs=("the new w", "the new m", "the new v"),
        mistakes=ADAM_MISTAKES,
        forbid=("adam_step",),
        hint="Go through the table's Adam row in order: the two moments, their bias "
        "correction at step t, then the step itself.",
    )
