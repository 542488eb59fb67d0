"""Friendly answers to the exercises of the notebooks, one module per lesson topic.

Each ``check_…`` function takes the student's answer and returns a :class:`Feedback`:
"Right: …", "Not yet: … Hint: …", or "Not answered yet: …" while the answer is still the
blank (``...``) that the student edition starts with. A checker never raises on an answer;
only a notebook that calls it the wrong way gets a :class:`UsageError`.

    result = check_kernel_shape(my_kernel_shape)
    result           # shows "Right: …" or "Not yet: … Hint: …"
    result.passed    # True / False

Implement-it exercises hand the checker a *function*; it is called on fresh random
inputs, under a time and memory limit, and compared with the package's own
implementation by relative error (:func:`rel_error`, CS231n's scale: below
``RIGHT = 1e-7`` the two agree; a float32 answer below ``RIGHT_FLOAT32 = 1e-5``).

Every verdict carries a diagnosis, a stable id of the mistake ("no-bias",
"summed-not-averaged", "timeout", …); ``DIAGNOSES`` maps each id to one sentence for the
teacher. The hidden test of every exercise is ``confirm(result)``: it passes exactly when
the visible verdict is Right and nothing the check relies on was replaced.

    core            Feedback, rel_error, check_implementation: what every checker shares
    training_loop   the loop's steps in order, one cross-entropy, one training step (00, 02)
    initialization  Glorot's limit for a random start (02)
    layers          kernel and bias: shapes, a forward pass, dense_forward (01)
    naive_update    counting parameters and forward passes, a finite-difference partial (03)
    gradient        a slope, a descent step, a numerical gradient (04)
    sgd             steps per epoch, a chunked full gradient, one SGD epoch (05)
    learning_rate   a step on a parabola, a sweep's best rate, a descent step, the stable
                    limit of a quadratic, which runs have converged (06, 07)
    momentum        the momentum rule by hand and as a function, the step on a long
                    slope (07); leaving a saddle point, adam_step (08)
    backprop        the chain rule, an input gradient, dense_backward, softmax's gradient,
                    a log-sum-exp that does not overflow (09)
    glossary        the 17-term glossary quiz, steps at a decayed learning rate, fit
                    assembled from its pieces (10)
    curvature       the largest eigenvalue by power iteration (11, a lab)
    debugging       the debugging clinic's repairs (12, a lab)
"""

from . import core as _core
from .backprop import *  # noqa: F403
from .backprop import __all__ as _backprop
from .core import (
    CORE_DIAGNOSES,
    FEEDBACK_MIME,
    RIGHT,
    RIGHT_FLOAT32,
    Feedback,
    UsageError,
    confirm,
    is_blank,
    rel_error,
)
from .curvature import *  # noqa: F403
from .curvature import __all__ as _curvature
from .debugging import *  # noqa: F403
from .debugging import __all__ as _debugging
from .glossary import *  # noqa: F403
from .glossary import __all__ as _glossary
from .gradient import *  # noqa: F403
from .gradient import __all__ as _gradient
from .initialization import *  # noqa: F403
from .initialization import __all__ as _initialization
from .layers import *  # noqa: F403
from .layers import __all__ as _layers
from .learning_rate import *  # noqa: F403
from .learning_rate import __all__ as _learning_rate
from .momentum import *  # noqa: F403
from .momentum import __all__ as _momentum
from .naive_update import *  # noqa: F403
from .naive_update import __all__ as _naive_update
from .sgd import *  # noqa: F403
from .sgd import __all__ as _sgd
from .training_loop import *  # noqa: F403
from .training_loop import __all__ as _training_loop

__all__ = [
    "DIAGNOSES",
    "diagnosis_sentence",
    "FEEDBACK_MIME",
    "RIGHT",
    "RIGHT_FLOAT32",
    "Feedback",
    "UsageError",
    "confirm",
    "is_blank",
    "rel_error",
    *_training_loop,
    *_initialization,
    *_layers,
    *_naive_update,
    *_gradient,
    *_sgd,
    *_learning_rate,
    *_momentum,
    *_backprop,
    *_glossary,
    *_curvature,
    *_debugging,
]


def _lesson_modules():
    from . import (
        backprop,
        curvature,
        debugging,
        glossary,
        gradient,
        initialization,
        layers,
        learning_rate,
        momentum,
        naive_update,
        sgd,
        training_loop,
    )

    return (
        training_loop,
        initialization,
        layers,
        naive_update,
        gradient,
        sgd,
        learning_rate,
        momentum,
        backprop,
        glossary,
        curvature,
        debugging,
    )


def diagnosis_sentence(checker: str, diagnosis: str) -> str:
    """What to re-teach for ``diagnosis`` as the checker named ``checker`` means it.

    The same id (say "sign-flipped") names the same kind of mistake in several lessons;
    the sentence of the lesson whose checker gave it says what it was there. Falls back
    to the core's sentence, then to the merged DIAGNOSES, then to "".
    """
    import sys

    function = globals().get(checker)
    module = sys.modules.get(getattr(function, "__module__", ""), None)
    own = getattr(module, "DIAGNOSES", {})
    return own.get(diagnosis) or CORE_DIAGNOSES.get(diagnosis) or DIAGNOSES.get(diagnosis, "")


def _diagnoses() -> dict[str, str]:
    """Every diagnosis id a checker can give, with its sentence for the teacher."""
    merged = dict(CORE_DIAGNOSES)
    for module in _lesson_modules():
        merged.update(getattr(module, "DIAGNOSES", {}))
    return merged


def _seal() -> None:
    """Remember the checkers and everything they rely on (see core.tampering)."""
    import sys

    from .. import (
        autodiff,
        curvature,
        data,
        debugging,
        exercises,
        gradients,
        initialization,
        landscapes,
        layers,
        losses,
        optim,
        train,
        validation,
    )

    engine = (
        layers,
        losses,
        gradients,
        autodiff,
        optim,
        train,
        landscapes,
        data,
        validation,
        exercises,
        initialization,
        curvature,
        debugging,
    )
    checks = (_core, *_lesson_modules(), sys.modules[__name__])
    names = {name: value for name, value in globals().items() if name.startswith("check_")}
    _core.seal(names, (*engine, *checks))


DIAGNOSES = _diagnoses()
_seal()
