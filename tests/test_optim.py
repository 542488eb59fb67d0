"""Optimizers: three steps written out by hand for each rule, the lecture's momentum form,
state you can look at, validation, and (where PyTorch is installed) the same trajectory
as torch.optim."""

import math

import numpy as np
import pytest

from helpers.landscapes import bowl
from helpers.optim import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, RMSprop

GRADS = [1.0, 2.0, -1.0]  # the gradient handed to each of three steps
W0 = 1.0


def run_three_steps(optimizer):
    w = np.array([W0])
    trajectory = []
    for g in GRADS:
        optimizer.step([w], [np.array([g])])
        trajectory.append(float(w[0]))
    return trajectory


def test_sgd_three_steps():
    # w ← w − 0.1·g: 1 − 0.1 = 0.9, 0.9 − 0.2 = 0.7, 0.7 + 0.1 = 0.8
    assert run_three_steps(SGD(0.1)) == pytest.approx([0.9, 0.7, 0.8])


def test_sgd_momentum_three_steps():
    # v1 = 1;               w1 = 1 − 0.1·1      = 0.9
    # v2 = 0.9·1 + 2 = 2.9; w2 = 0.9 − 0.1·2.9  = 0.61
    # v3 = 0.9·2.9 − 1 = 1.61; w3 = 0.61 − 0.161 = 0.449
    opt = SGD(0.1, momentum=0.9)
    assert run_three_steps(opt) == pytest.approx([0.9, 0.61, 0.449])
    assert opt.velocity[0] == pytest.approx([1.61])
    assert opt.iterations == 3


def test_sgd_nesterov_three_steps():
    # d = g + 0.9·v:  d1 = 1 + 0.9 = 1.9      → w1 = 1 − 0.19 = 0.81
    #                 d2 = 2 + 0.9·2.9 = 4.61 → w2 = 0.81 − 0.461 = 0.349
    #                 d3 = −1 + 0.9·1.61 = 0.449 → w3 = 0.349 − 0.0449 = 0.3041
    assert run_three_steps(SGD(0.1, momentum=0.9, nesterov=True)) == pytest.approx(
        [0.81, 0.349, 0.3041]
    )


def test_sgd_weight_decay_adds_to_the_gradient():
    # g' = g + 0.5·w: 1 + 0.5 = 1.5 → w1 = 0.85; 2 + 0.425 = 2.425 → w2 = 0.6075;
    # −1 + 0.30375 = −0.69625 → w3 = 0.6075 + 0.069625 = 0.677125
    assert run_three_steps(SGD(0.1, weight_decay=0.5)) == pytest.approx([0.85, 0.6075, 0.677125])


def test_rmsprop_three_steps():
    lr, alpha, eps = 0.01, 0.99, 1e-8
    w, s, expected = W0, 0.0, []
    for g in GRADS:
        s = alpha * s + (1 - alpha) * g * g
        w = w - lr * g / (math.sqrt(s) + eps)
        expected.append(w)
    # first step by hand: s1 = 0.01, √s1 = 0.1, w1 = 1 − 0.01·1/0.1 = 0.9
    assert expected[0] == pytest.approx(0.9)
    opt = RMSprop(lr)
    assert run_three_steps(opt) == pytest.approx(expected, rel=1e-12)
    assert opt.square_avg[0] == pytest.approx([s])


def test_adagrad_three_steps():
    # s = 1, 5, 6: w1 = 1 − 0.1·1/1 = 0.9; w2 = 0.9 − 0.1·2/√5; w3 = w2 + 0.1/√6
    w1 = 0.9
    w2 = w1 - 0.1 * 2 / math.sqrt(5)
    w3 = w2 + 0.1 / math.sqrt(6)
    opt = Adagrad(0.1)
    assert run_three_steps(opt) == pytest.approx([w1, w2, w3], rel=1e-9)
    assert opt.sum_squares[0] == pytest.approx([6.0])


def adam_by_hand(lr, beta1, beta2, eps, decoupled_decay=0.0):
    w, m, v, out = W0, 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        w = w * (1 - lr * decoupled_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w = w - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(w)
    return out


def test_adam_three_steps_with_bias_correction():
    expected = adam_by_hand(0.1, 0.9, 0.999, 1e-8)
    # step 1: m̂ = g, v̂ = g², so the first step is lr·sign(g): w1 = 0.9
    assert expected[0] == pytest.approx(0.9)
    # step 2: m = 0.29, v = 0.004999 → m̂ = 0.29/0.19, v̂ = 0.004999/0.001999
    assert expected[1] == pytest.approx(0.9 - 0.1 * (0.29 / 0.19) / math.sqrt(0.004999 / 0.001999))
    # step 3: m = 0.161, v = 0.005994001 → m̂ = 0.161/0.271, v̂ = 0.005994001/0.002997001
    m_hat3 = 0.161 / (1 - 0.9**3)
    v_hat3 = 0.005994001 / (1 - 0.999**3)
    assert expected[2] == pytest.approx(expected[1] - 0.1 * m_hat3 / math.sqrt(v_hat3))
    opt = Adam(0.1)
    assert run_three_steps(opt) == pytest.approx(expected, rel=1e-12)
    assert opt.m[0] == pytest.approx([0.161]) and opt.v[0] == pytest.approx([0.005994001])


def test_adamw_decays_weights_outside_the_gradient():
    expected = adam_by_hand(0.1, 0.9, 0.999, 1e-8, decoupled_decay=0.5)
    # step 1: w shrinks to 1·(1 − 0.1·0.5) = 0.95, then Adam's step of 0.1 → 0.85
    assert expected[0] == pytest.approx(0.85)
    assert run_three_steps(AdamW(0.1, weight_decay=0.5)) == pytest.approx(expected, rel=1e-12)


def test_adam_weight_decay_is_l2_added_to_the_gradient():
    # Adam(weight_decay=0.5) on gradient g is plain Adam on g + 0.5·w, step by step
    w, ref = np.array([W0]), np.array([W0])
    decayed, plain = Adam(0.1, weight_decay=0.5), Adam(0.1)
    for g in GRADS:
        plain.step([ref], [np.array([g]) + 0.5 * ref])
        decayed.step([w], [np.array([g])])
        assert w[0] == pytest.approx(ref[0], rel=1e-12)


def test_lecture_velocity_form_gives_the_same_trajectory():
    lr, mu = 0.3, 0.8
    p_lecture = np.array(bowl.start)
    velocity = np.zeros(2)
    p_package = np.array(bowl.start)
    opt = SGD(lr, momentum=mu)
    for _ in range(50):
        velocity = mu * velocity - lr * bowl.gradient(p_lecture)
        p_lecture = p_lecture + velocity
        opt.step([p_package], [bowl.gradient(p_package)])
        np.testing.assert_allclose(p_package, p_lecture, rtol=1e-12, atol=1e-15)


def test_learning_rate_and_momentum_can_change_between_steps():
    opt = SGD(0.1, momentum=0.5)
    w = np.array([1.0])
    opt.step([w], [np.array([1.0])])
    opt.learning_rate = 0.2
    opt.momentum = 0.0
    opt.step([w], [np.array([1.0])])
    assert w[0] == pytest.approx(1 - 0.1 - 0.2)


def test_step_updates_in_place_and_leaves_gradients_alone():
    w = np.ones(3, dtype=np.float32)
    g = np.full(3, 2.0, dtype=np.float32)
    ref = w
    SGD(0.5).step([w], [g])
    assert ref is w and w.dtype == np.float32
    np.testing.assert_array_equal(w, 0.0)
    np.testing.assert_array_equal(g, 2.0)


def test_repr_is_readable():
    assert repr(SGD(0.1, momentum=0.9)) == "SGD(learning_rate=0.1, momentum=0.9)"
    assert repr(Adam()) == "Adam(learning_rate=0.001, beta1=0.9, beta2=0.999)"


def test_reset_forgets_state():
    opt = SGD(0.1, momentum=0.9)
    run_three_steps(opt)
    opt.reset()
    assert opt.iterations == 0 and opt.velocity == []
    assert run_three_steps(opt) == pytest.approx([0.9, 0.61, 0.449])


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0, -0.1, float("inf"), float("nan")])
def test_bad_learning_rate(lr):
    with pytest.raises(ValueError, match="learning_rate must be a finite number greater than 0"):
        SGD(lr)


def test_learning_rate_must_be_a_number():
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        SGD("0.1")


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        SGD(0.1, momentum=momentum)


def test_bad_momentum_set_later():
    opt = SGD(0.1)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        opt.momentum = 1.0


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="nesterov=True needs a momentum"):
        SGD(0.1, nesterov=True)


def test_params_and_grads_must_match():
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="2 parameter arrays but 1 gradients"):
        opt.step([np.zeros(2), np.zeros(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match="a gradient of shape"):
        opt.step([np.zeros(2)], [np.zeros(3)])


def test_an_optimizer_is_for_one_set_of_parameters():
    opt = SGD(0.1, momentum=0.9)
    opt.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="Use a new optimizer for each model"):
        opt.step([np.zeros(3)], [np.ones(3)])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_an_optimizer_refuses_a_second_model_of_the_same_shapes(name):
    first, second = [np.zeros(2), np.zeros(3)], [np.zeros(2), np.zeros(3)]
    grads = [np.ones(2), np.ones(3)]
    opt = OPTIMIZERS[name]()
    opt.step(first, grads)
    state = {n: [a.copy() for a in getattr(opt, n)] for n in opt.state_names}
    with pytest.raises(ValueError, match=r"already took 1 step\(s\) on another model") as err:
        opt.step(second, grads)
    assert "call optimizer.reset()" in str(err.value)
    assert f"still holds their state ({', '.join((*opt.state_names, 'iterations'))})" in str(
        err.value
    )
    assert np.all(second[0] == 0) and np.all(second[1] == 0)  # refused before any change
    for n in opt.state_names:  # the state stays as it was, and readable
        assert all(np.array_equal(a, b) for a, b in zip(getattr(opt, n), state[n], strict=True))
    opt.step(first, grads)  # the first model goes on
    assert opt.iterations == 2


def test_a_fresh_or_reset_optimizer_trains_the_second_model_from_zero():
    first, second = np.array([1.0]), np.array([1.0])
    used = SGD(0.1, momentum=0.9)
    used.step([first], [np.array([1.0])])
    used.reset()
    used.step([second], [np.array([1.0])])
    fresh_w = np.array([1.0])
    fresh = SGD(0.1, momentum=0.9)
    fresh.step([fresh_w], [np.array([1.0])])
    assert second[0] == fresh_w[0] == pytest.approx(0.9)
    assert used.velocity[0] == pytest.approx([1.0]) and used.iterations == 1


def test_new_views_of_the_same_parameters_are_the_same_model():
    w = np.zeros((2, 3))
    opt = SGD(0.1, momentum=0.9)
    for _ in range(3):
        opt.step([w.reshape(-1)], [np.ones(6)])  # a new view object every step
    assert opt.iterations == 3 and w == pytest.approx(np.full((2, 3), -0.1 * (1 + 1.9 + 2.71)))


def test_an_optimizer_does_not_keep_a_model_alive():
    import gc
    import weakref

    w = np.zeros(3)
    opt = Adam()
    opt.step([w], [np.ones(3)])
    ref = weakref.ref(w)
    del w
    gc.collect()
    assert ref() is None
    with pytest.raises(ValueError, match="another model"):  # gone, so a new one is another
        opt.step([np.zeros(3)], [np.ones(3)])


@pytest.mark.parametrize(
    "params, grads, error, match",
    [
        ("model", [np.ones(2)], TypeError, r"a list of arrays, got a str; call optimizer\.step"),
        ([[1.0, 2.0]], [np.ones(2)], TypeError, r"parameters\[0\] must be a numpy array"),
        ([np.zeros(2, int)], [np.ones(2)], TypeError, r"int64.*use a float array"),
        ([np.zeros(2)], [3.0], TypeError, r"gradients\[0\] must be a numpy array"),
    ],
)
def test_step_says_what_it_takes(params, grads, error, match):
    with pytest.raises(error, match=match):
        SGD(0.1).step(params, grads)


# --- the same rules as PyTorch ---------------------------------------------------------------

TORCH_CASES = [
    ("SGD", {"learning_rate": 0.1}, {"lr": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.9}),
    (
        "SGD",
        {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    ),
    ("RMSprop", {"learning_rate": 0.01}, {"lr": 0.01}),
    ("Adagrad", {"learning_rate": 0.1}, {"lr": 0.1}),
    ("Adam", {"learning_rate": 0.01}, {"lr": 0.01}),
    ("Adam", {"learning_rate": 0.01, "weight_decay": 0.1}, {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}, {"lr": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("name, ours, theirs", TORCH_CASES)
def test_same_trajectory_as_pytorch(name, ours, theirs):
    torch = pytest.importorskip("torch", reason="PyTorch is optional (pip install -e '.[bench]')")
    start = np.array(bowl.start)
    w = start.copy()
    opt = OPTIMIZERS[name](**ours)
    tw = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, name)([tw], **theirs)
    for _ in range(20):
        opt.step([w], [bowl.gradient(w)])
        topt.zero_grad()
        tw.grad = torch.tensor(bowl.gradient(tw.detach().numpy()), dtype=torch.float64)
        topt.step()
        np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_an_optimizer_can_be_copied_and_pickled():
    import copy
    import pickle

    w = np.zeros(3)
    opt = Adam()
    opt.step([w], [np.ones(3)])
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        assert clone.iterations == 1 and clone.m[0] == pytest.approx(opt.m[0])
        clone.step([w], [np.ones(3)])
        assert clone.iterations == 2
