"""Checkers for notebooks 07 and 08, momentum and the optimizers after it: one step of the
lecture's momentum rule by hand, the step momentum builds up on a long slope, and
``momentum_step`` written by the student (07); how long gradient descent lingers at a
saddle point, and ``adam_step`` (with bias correction) written by the student (08).

Shapes: the parameters w, their gradient and every state array (velocity, m, v) have one
shape, any shape (P stands for it).

Every verdict carries a diagnosis, a stable id listed in :data:`DIAGNOSES`.
"""

from __future__ import annotations

import math

import numpy as np

from ..optim import SGD, Adam
from ..validation import check_momentum
from .core import (
    Feedback,
    Mistake,
    UsageError,
    answer_checker,
    as_number,
    check_implementation,
    is_blank,
    judge_array,
    not_a_number,
    not_answered,
    precision_of,
    right,
    wrong,
)

__all__ = [
    "check_adam_step",
    "check_effective_step",
    "check_momentum_step",
    "check_momentum_step_function",
    "check_saddle_steps",
]

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
    # the step on a long slope (07)
    "no-amplification": "The plain step η·g was given: on a long slope momentum's steps "
    "grow to η·g/(1 − β), 1/(1 − β) times as long.",
    "divided-by-momentum": "η·g/β was given: the amplification is 1/(1 − β), the sum "
    "1 + β + β² + …, not 1/β.",
    "one-plus-momentum": "(1 + β) was used instead of 1/(1 − β): momentum keeps a share β "
    "of every earlier step, not only of the last one.",
    "multiplied-not-divided": "η·g·(1 − β) was given: the step is divided by (1 − β), "
    "not multiplied.",
    "no-gradient": "η/(1 − β) was given, the effective learning rate, not the step: the "
    "step is that times the gradient.",
    "factor-not-step": "Only the amplification 1/(1 − β) was given, not the step η·g/(1 − β).",
    "finite-steps": "The step after a few steps was given (measured or summed), not the "
    "length it tends to: the velocity keeps growing towards η·g/(1 − β).",
    "negative-length": "A negative number was given for a length: the velocity is "
    "−η·g/(1 − β), its length η·g/(1 − β).",
    # a saddle point (08)
    "off-by-one-count": "The count of steps is one off: after k steps y is y₀·(1 + 2η)ᵏ, "
    "and the answer is the first k at which that exceeds the bound.",
    "not-a-count": "The number of steps was not a whole number ≥ 0 (often k from "
    "(1 + 2η)ᵏ = 1/y₀ left unrounded).",
    "growth-factor-eta": "y was grown by (1 + η) per step: the gradient of −y² is −2y, so "
    "a step multiplies y by (1 + 2η).",
    "linearised-growth": "ln(1 + 2η) was replaced by 2η (continuous growth e^(2ηk)): for "
    "η = 0.1 that undercounts the steps by about 10%.",
    "never-leaves": "The path was taken to stay at the saddle (0 or infinity): y, however "
    "small, grows by (1 + 2η) per step, so gradient descent leaves.",
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


# ------------------------------------------------- the step on a long slope ----


def _steps_taken(value: float, expected: float, momentum: float) -> int | None:
    """k >= 2 when ``value`` is the step after k steps on a constant slope,
    expected·(1 − βᵏ) (to 1e-6 in k), else None."""
    if not (0 < value < expected) or momentum <= 0:
        return None
    k = math.log(1 - value / expected) / math.log(momentum)
    return round(k) if round(k) >= 2 and abs(k - round(k)) < 1e-6 * max(1.0, k) else None


@answer_checker("the length of the step (one positive number)")
def check_effective_step(
    length, *, learning_rate: float, momentum: float, gradient: float
) -> Feedback:
    """How long momentum's steps become on a long slope whose gradient is ``gradient`` at
    every step: the velocity tends to −η·g/(1 − β), so each step is η·g/(1 − β) long.

    learning_rate, momentum, gradient: the question's numbers, as literals in the check
    cell; length: the answer, one positive number (judged at the answer's precision).
    """
    lr, g = float(learning_rate), float(gradient)
    try:
        beta = check_momentum(momentum)
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    if not (math.isfinite(lr) and lr > 0 and math.isfinite(g) and g != 0):
        raise UsageError(
            f"learning_rate must be > 0 and gradient a number other than 0, got "
            f"learning_rate={learning_rate!r}, gradient={gradient!r}."
        )
    g = abs(g)
    expected = lr * g / (1 - beta)
    value = as_number(length)
    if value is None:
        return not_a_number("the length of the step", length)
    if not math.isfinite(value):
        return wrong(
            f"{value:g} is not a length a step can have: the steps settle.",
            "Write v = β·v − η·g for the velocity that no longer changes, and solve for v.",
        )
    answer = np.asarray(length).reshape(())  # [1.0] for 1.0 is fine; float32 stays float32

    def near(target) -> bool:
        return judge_array(answer, target) is None

    if near(expected):
        return right(
            f"the velocity settles where β·v − η·g = v, at −η·g/(1 − β), so each step is "
            f"{lr:g}·{g:g}/(1 − {beta:g}) = {expected:g} long: {1 / (1 - beta):g} times the "
            f"plain step η·g = {lr * g:g}.",
            precision=precision_of(answer),
        )
    if near(-expected):
        return wrong(
            f"{value:g} is the velocity itself, which points downhill; its length is positive.",
            "The question asks how long a step is, not which way it goes.",
            diagnosis="negative-length",
        )
    mistakes = [
        (
            lr * g,
            f"{value:g} is the plain step η·g, the very first one: momentum makes later "
            "steps longer.",
            "Each step keeps a share β of the last one and adds η·g: where does that settle?",
            "no-amplification",
        ),
        (
            lr * g / beta,
            f"{value:g} divides η·g by β.",
            "Add up what the velocity keeps: η·g·(1 + β + β² + …).",
            "divided-by-momentum",
        ),
        (
            lr * g * (1 + beta),
            f"{value:g} keeps a share β of the last step only.",
            "The last step itself kept a share of the one before: add them all up.",
            "one-plus-momentum",
        ),
        (
            lr * g / (1 + beta),
            f"{value:g} divides by (1 + β).",
            "Add up what the velocity keeps: η·g·(1 + β + β² + …).",
            "one-plus-momentum",
        ),
        (
            lr * g * (1 - beta),
            f"{value:g} multiplies η·g by (1 − β); momentum makes the steps longer.",
            "The sum 1 + β + β² + … is 1/(1 − β).",
            "multiplied-not-divided",
        ),
        (
            lr / (1 - beta),
            f"{value:g} is the effective learning rate η/(1 − β), not the step.",
            f"A step is a learning rate times the gradient, here g = {g:g}.",
            "no-gradient",
        ),
        (
            g / (1 - beta),
            f"{value:g} leaves out the learning rate.",
            "Each step adds η·g to the velocity, not g.",
            "no-learning-rate",
        ),
        (
            1 / (1 - beta),
            f"{value:g} is how many times longer the steps get, not how long they are.",
            "Multiply it by the plain step η·g.",
            "factor-not-step",
        ),
    ]
    for guess, message, hint, diagnosis in mistakes:
        if near(guess):
            return wrong(message, hint, diagnosis=diagnosis)
    k = _steps_taken(value, expected, beta)
    if k is not None:
        return wrong(
            f"{value:g} is the step after {k} steps; the steps keep growing after that.",
            "Where does the velocity stop changing? Solve v = β·v − η·g.",
            diagnosis="finite-steps",
        )
    if value < 0:
        return wrong(
            f"{value:g} is negative; a length is a positive number.",
            "Give how long a step is, whatever its direction.",
            diagnosis="negative-length",
        )
    return wrong(
        f"{value:g} is not the length the steps settle at.",
        "Write v = β·v − η·g for the velocity that no longer changes, and solve for v.",
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


# ------------------------------------------------------------ a saddle point ----


def _first_step_beyond(y0: float, factor: float, bound: float, most: int = 10**6) -> float:
    """The first k at which |y0|·factorᵏ > bound, multiplying step by step in float64 as
    gradient descent does (inf if it never gets there within ``most`` steps)."""
    y, k = abs(y0), 0
    while y <= bound:
        if factor <= 1 or k >= most:
            return math.inf
        y, k = y * factor, k + 1
    return float(k)


@answer_checker("the number of steps (one whole number)")
def check_saddle_steps(steps, *, start, learning_rate: float, bound: float = 1.0) -> Feedback:
    """Gradient descent on x² − y² from ``start`` = (x, y) with learning rate η: each step
    multiplies x by (1 − 2η) and y by (1 + 2η). The answer is the first step count k after
    which |y| > ``bound``.

    start, learning_rate, bound: the question's numbers, as literals in the check cell;
    steps: the answer, one whole number (76 and 76.0 alike).
    """
    try:
        x0, y0 = (float(v) for v in start)
    except (TypeError, ValueError):
        raise UsageError(f"start must be two numbers (x, y), got {start!r}.") from None
    lr, bound = float(learning_rate), float(bound)
    if not (math.isfinite(lr) and lr > 0 and math.isfinite(bound) and bound > 0):
        raise UsageError(f"learning_rate and bound must be numbers > 0, got {lr!r}, {bound!r}.")
    if not (math.isfinite(y0) and 0 < abs(y0) < bound and math.isfinite(x0)):
        raise UsageError(f"start's y must be a number with 0 < |y| < bound, got {y0!r}.")
    expected = _first_step_beyond(y0, 1 + 2 * lr, bound)
    value = as_number(steps)
    if value is None:
        return not_a_number("the number of steps", steps)
    if value == expected:
        below = abs(y0) * (1 + 2 * lr) ** (expected - 1)
        return right(
            f"every step multiplies y by 1 + 2·{lr:g} = {1 + 2 * lr:g}, so |y| is "
            f"{below:.3g} after {expected - 1:g} steps and {below * (1 + 2 * lr):.3g} after "
            f"{expected:g}. The way down is there from the start, but a tiny y grows by "
            f"only {2 * lr:.0%} a step, so the path lingers at the saddle first."
        )
    growth = (
        "One step multiplies y by a fixed number (which?): find the first k at which "
        f"{abs(y0):g} times its k-th power passes {bound:g}."
    )
    if math.isnan(value):
        return not_a_number("the number of steps", steps)
    if math.isinf(value) or value in (0, -1):
        return wrong(
            f"{value:g} says the path never leaves the saddle; it does, slowly at first.",
            f"y is tiny, not 0, and the gradient of −y² is −2y. {growth}",
            diagnosis="never-leaves",
        )
    if value == expected - 1:
        return wrong(
            f"after {value:g} steps |y| is {abs(y0) * (1 + 2 * lr) ** value:.3g}, not yet "
            f"beyond {bound:g}: one step short.",
            "Round k up: the first whole number of steps past the bound.",
            diagnosis="off-by-one-count",
        )
    if value == expected + 1:
        return wrong(
            f"{value:g} is one step too many: |y| is beyond {bound:g} one step earlier.",
            "k counts the steps taken from the start; after 0 steps y is still its start.",
            diagnosis="off-by-one-count",
        )
    if value < 0 or value != round(value):
        exact = math.log(bound / abs(y0)) / math.log(1 + 2 * lr)
        if abs(value - exact) <= 1e-3 * exact:
            return wrong(
                f"{value:g} is where (1 + 2η)ᵏ·{abs(y0):g} reaches {bound:g}; a number of "
                "steps is whole.",
                "Take the first whole number of steps that gets |y| past the bound.",
                diagnosis="not-a-count",
            )
        return wrong(
            f"{value:g} is not a number of steps: that is a whole number ≥ 0.",
            growth,
            diagnosis="not-a-count",
        )
    if value == _first_step_beyond(y0, 1 + lr, bound):
        return wrong(
            f"{value:g} grows y by 1 + η = {1 + lr:g} per step (as if η were {lr / 2:g}).",
            "What is the gradient of −y²?",
            diagnosis="growth-factor-eta",
        )
    linear = math.log(bound / abs(y0)) / (2 * lr)
    if value in (math.floor(linear), math.ceil(linear)):
        return wrong(
            f"{value:g} uses 2η for ln(1 + 2η), the continuous growth e^(2ηk); steps are discrete.",
            f"Solve (1 + 2η)ᵏ > {bound:g}/{abs(y0):g} with the logarithm of 1 + 2η itself.",
            diagnosis="linearised-growth",
        )
    return wrong(f"{value:g} is not the step at which |y| first exceeds {bound:g}.", growth)
