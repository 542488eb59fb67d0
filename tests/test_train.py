"""The training loop: fit on the bundled MNIST, Trainer's batches, divergence, validation,
interrupts, and a clear word for every bad input before the first step."""

import os
import queue
import re
import signal
import time
import warnings

import numpy as np
import pytest

from helpers.data import load_mnist, prepare
from helpers.layers import Dense, Sequential, mlp
from helpers.optim import SGD
from helpers.train import PRINT_WIDTH, History, Trainer, evaluate, fit, loss_rose_message


@pytest.fixture(scope="module")
def mnist():
    (x_train, y_train), (x_test, y_test) = load_mnist(verbose=False)
    return prepare(x_train), y_train, prepare(x_test), y_test


def small_data(n=300, d=8, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)  # a learnable rule
    return x, y % classes


def test_one_epoch_of_sgd_with_momentum_reaches_95_percent(mnist):
    x_train, y_train, x_test, y_test = mnist
    model = mlp([784, 128, 10], seed=0)
    history = fit(
        model,
        x_train,
        y_train,
        SGD(learning_rate=0.1, momentum=0.9),
        epochs=1,
        batch_size=128,
        validation_data=(x_test, y_test),
        progress=False,
    )
    assert history.steps == 469 and not history.diverged
    assert history.val_accuracy[0] >= 0.95
    assert model.accuracy(x_test, y_test) == pytest.approx(history.val_accuracy[0])
    assert history.loss[-1] < history.loss[0]


def test_history_records_every_step_and_epoch():
    x, y = small_data()
    history = fit(
        mlp([8, 6, 3], seed=0),
        x,
        y,
        SGD(0.1),
        epochs=3,
        batch_size=64,
        validation_data=(x, y),
        progress=False,
    )
    assert isinstance(history, History)
    assert history.steps == 3 * 5  # ceil(300 / 64) = 5 steps per epoch
    assert len(history.accuracy) == len(history.val_accuracy) == len(history.seconds) == 3
    assert all(0 <= a <= 1 for a in history.accuracy + history.val_accuracy)
    assert all(s > 0 for s in history.seconds)


def test_each_epoch_visits_every_example_once():
    x, y = small_data(n=10, d=2)
    trainer = Trainer(mlp([2, 3], seed=0), x, y, SGD(0.1), batch_size=4, seed=1)
    seen = []
    for _ in range(trainer.steps_per_epoch):
        xb, _ = trainer._next_batch()
        seen.extend(map(tuple, xb.copy()))
    assert sorted(seen) == sorted(map(tuple, x))


def test_same_seed_same_training():
    x, y = small_data()
    losses = [
        fit(mlp([8, 6, 3], seed=0), x, y, SGD(0.1), progress=False, seed=5).loss for _ in range(2)
    ]
    assert losses[0] == losses[1]
    other = fit(mlp([8, 6, 3], seed=0), x, y, SGD(0.1), progress=False, seed=6).loss
    assert other != losses[0]


def test_trainer_runs_a_few_steps_at_a_time_and_keeps_going():
    x, y = small_data()
    opt = SGD(0.1)
    trainer = Trainer(mlp([8, 6, 3], seed=0), x, y, opt, batch_size=32)
    assert len(trainer.run(4)) == 4
    opt.learning_rate = 0.05  # changed mid-training, as a slider does
    assert len(trainer.run(20)) == 20
    assert trainer.history.steps == 24 and trainer.epoch == 2  # 10 steps per epoch


def test_callback_can_stop_training():
    x, y = small_data()
    history = fit(
        mlp([8, 3], seed=0),
        x,
        y,
        SGD(0.1),
        epochs=5,
        progress=False,
        callback=lambda trainer: trainer.history.steps < 7,
    )
    assert history.steps == 7


def test_an_exploding_loss_stops_with_a_clear_message():
    x, y = small_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no screen of overflow warnings either
        history = fit(
            mlp([8, 16, 3], seed=0), x * 100, y, SGD(1e4, momentum=0.9), epochs=50, progress=False
        )
    assert history.diverged
    assert history.steps < 50 * 3
    assert f"at step {history.steps} with learning_rate=10000" in history.message
    assert "the learning rate is too large" in history.message


def test_an_infinite_loss_stops_training():
    x, y = small_data()
    model = mlp([8, 3], seed=0)
    model.layers[0].kernel[:] = 3e38  # logits overflow float32 on the first step
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(model, x, y, SGD(0.1), progress=False)
    assert history.diverged and history.steps == 1
    assert history.message.startswith("loss became nan at step 1") or history.message.startswith(
        "loss became inf at step 1"
    )


def test_evaluate():
    x, y = small_data()
    model = mlp([8, 3], seed=0)
    loss, acc = evaluate(model, x, y, batch_size=64)
    assert acc == pytest.approx(model.accuracy(x, y))
    assert loss > 0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be at least 1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be a whole number"),
        ({"epochs": 0}, ValueError, "epochs must be a whole number >= 1"),
        ({"seed": "a"}, TypeError, r"seed must be a whole number >= 0 such as 0 .* got 'a'"),
        ({"seed": 1.5}, TypeError, r"seed must be a whole number >= 0 .* got 1\.5 \(a float\)"),
    ],
)
def test_bad_settings(kwargs, error, match):
    x, y = small_data()
    with pytest.raises(error, match=match):
        fit(mlp([8, 3], seed=0), x, y, SGD(0.1), progress=False, **kwargs)


def test_labels_out_of_range():
    x, y = small_data()
    with pytest.raises(ValueError, match="training labels y must be in 0 … 2"):
        fit(mlp([8, 3], seed=0), x, y + 3, SGD(0.1), progress=False)


def test_unflattened_images():
    images = np.zeros((10, 28, 28), np.float32)
    with pytest.raises(ValueError, match=r"flatten images to \(N, 784\)"):
        fit(mlp([784, 10], seed=0), images, np.zeros(10, int), SGD(0.1), progress=False)


def test_progress_bar_runs(capsys):
    x, y = small_data()
    history = fit(mlp([8, 3], seed=0), x, y, SGD(0.1), progress=True)
    assert history.steps == 3
    assert "3/3" in capsys.readouterr().err


# --- interrupts: fit returns the History so far ----------------------------------------------


class InterruptingLoss:
    """softmax_cross_entropy that raises KeyboardInterrupt (or sends SIGINT, as the
    notebook's Stop button does) inside step ``at``. ``before``: the calls made before the
    first step (fit measures the loss of its reference examples once; Trainer makes none)."""

    def __init__(self, at, how, before=0):
        self.at, self.how, self.calls = at + before, how, 0

    def __call__(self, logits, labels):
        from helpers.losses import softmax_cross_entropy

        self.calls += 1
        if self.calls == self.at:
            if self.how == "raise":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGINT)
        return softmax_cross_entropy(logits, labels)


def wrapped(message: str) -> str:
    """``message`` as it is printed: each line wrapped between words at PRINT_WIDTH."""
    import textwrap

    return "\n".join(
        textwrap.fill(line, PRINT_WIDTH, break_long_words=False, break_on_hyphens=False)
        for line in message.split("\n")
    )


def test_printed_messages_break_between_words_only(capsys):
    # Issue 25: "t oo large" in 06: JupyterLab broke a long printed line inside a word.
    x, y = small_data()
    trainer = Trainer(mlp([8, 16, 3], seed=0), x * 100, y, SGD(1e4, momentum=0.9))
    trainer.run(50)
    out = capsys.readouterr().out
    message = trainer.history.message
    assert trainer.history.diverged and len(message) > PRINT_WIDTH and "\n" not in message
    lines = out.splitlines()
    assert len(lines) > 1 and all(len(line) <= PRINT_WIDTH for line in lines), lines
    assert " ".join(lines) == message  # the same words, broken only at spaces


def stop_at(steps):
    def callback(trainer):
        if trainer.history.steps == steps:
            raise KeyboardInterrupt

    return callback


@pytest.mark.parametrize("progress", [True, False])
def test_an_interrupt_from_a_callback_returns_the_history_so_far(progress, capsys):
    x, y = small_data()  # 3 steps per epoch of 128
    model = mlp([8, 3], seed=0)
    history = fit(model, x, y, SGD(0.1), epochs=5, callback=stop_at(7), progress=progress)
    assert history.interrupted and not history.diverged
    assert history.steps == 7 and len(history.accuracy) == 2 and len(history.seconds) == 3
    line = "fit interrupted after step 1 of 3 in epoch 3 of 5 (7 steps in all)"
    assert history.message.startswith(line)
    assert "the History so far is returned" in history.message
    assert "History(steps=7, epochs=2" in repr(history) and "interrupted" in repr(history)
    out, err = capsys.readouterr()
    assert out.count("fit interrupted") == 1  # one line, printed even without a bar
    if progress:
        assert "7/15" in err  # the bar was closed where it stopped
    trained = model.layers[0].kernel.copy()  # the model keeps what it learned …
    again = fit(model, x, y, SGD(0.1), epochs=1, progress=False)  # … and goes on
    assert not again.interrupted and again.steps == 3
    assert not np.array_equal(trained, model.layers[0].kernel)


def test_an_interrupt_at_the_end_of_an_epoch_says_so():
    x, y = small_data()
    history = fit(
        mlp([8, 3], seed=0), x, y, SGD(0.1), epochs=5, callback=stop_at(6), progress=False
    )
    assert history.message.startswith("fit interrupted at the end of epoch 2 of 5 (6 steps")


def test_an_interrupt_inside_a_step_says_during_which():
    x, y = small_data()
    loss = InterruptingLoss(at=5, how="raise", before=1)
    history = fit(mlp([8, 3], seed=0), x, y, SGD(0.1), epochs=5, progress=False, loss=loss)
    assert history.interrupted and history.steps == 4
    assert history.message.startswith(
        "fit interrupted during step 2 of 3 in epoch 2 of 5 (4 steps done before it)"
    )


def test_the_stop_button_finishes_the_current_step_then_stops(capsys):
    x, y = small_data()
    model, opt = mlp([8, 3], seed=0), SGD(0.1, momentum=0.9)
    loss = InterruptingLoss(at=5, how="signal", before=1)  # SIGINT in the middle of step 5
    history = fit(model, x, y, opt, epochs=5, loss=loss, progress=True)
    assert history.interrupted and history.steps == 5 and opt.iterations == 5
    assert history.message.startswith("fit interrupted after step 2 of 3 in epoch 2 of 5")
    # exactly the model of five whole steps
    same = mlp([8, 3], seed=0)
    fit(
        same,
        x,
        y,
        SGD(0.1, momentum=0.9),
        epochs=5,
        progress=False,
        callback=lambda t: t.history.steps < 5,
    )
    assert np.array_equal(model.layers[0].kernel, same.layers[0].kernel)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    assert "5/15" in capsys.readouterr().err


# --- interrupts: Trainer.run (the live panel's play and step) returns the losses so far -------


def test_the_stop_button_ends_trainer_run_after_the_current_step(capsys):
    x, y = small_data()  # 3 steps per epoch of 128
    model, opt = mlp([8, 3], seed=0), SGD(0.1, momentum=0.9)
    trainer = Trainer(model, x, y, opt, loss=InterruptingLoss(at=5, how="signal"))
    assert len(trainer.run(2)) == 2
    losses = trainer.run(10)  # SIGINT in the middle of step 5 (the third of this run)
    assert len(losses) == 3 and trainer.history.steps == 5 and opt.iterations == 5
    assert trainer.history.interrupted and not trainer.history.diverged
    line = (
        "Trainer.run interrupted after step 3 of 10 (5 steps trained in all): the losses so "
        "far are returned and the model keeps what it learned; call run again to go on."
    )
    assert trainer.history.message == line
    assert capsys.readouterr().out == wrapped(line) + "\n"  # the line, wrapped between words
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    same = Trainer(mlp([8, 3], seed=0), x, y, SGD(0.1, momentum=0.9))
    same.run(5, verbose=False)
    assert losses == same.history.loss[2:]
    assert np.array_equal(model.layers[0].kernel, same.model.layers[0].kernel)  # 5 whole steps
    assert len(trainer.run(4)) == 4 and trainer.history.steps == 9  # and it goes on
    assert not trainer.history.interrupted and trainer.history.message == ""


def test_an_interrupt_inside_the_last_step_of_an_epoch_leaves_a_trainer_that_goes_on(capsys):
    x, y = small_data()  # 3 steps per epoch of 128
    trainer = Trainer(mlp([8, 3], seed=0), x, y, SGD(0.1), loss=InterruptingLoss(3, "raise"))
    losses = trainer.run(10)  # KeyboardInterrupt inside step 3, the last of the epoch
    assert len(losses) == 2 and trainer.history.interrupted
    assert capsys.readouterr().out.startswith(
        "Trainer.run interrupted during step 3 of 10 (2 steps trained in all): the losses"
    )
    more = trainer.run(4)  # the next epoch starts afresh: no empty batch, no NaN
    assert len(more) == 4 and np.isfinite(more).all() and not trainer.history.diverged
    assert trainer.epoch == 2 and trainer.history.steps == 6


@pytest.mark.parametrize("steps", [-1, 2.5, "10", True])
def test_trainer_run_says_what_steps_are(steps):
    x, y = small_data()
    trainer = Trainer(mlp([8, 3], seed=0), x, y, CountingSGD(0.1))
    with pytest.raises(ValueError, match=f"steps must be a whole number >= 0, got {steps!r}"):
        trainer.run(steps)


# --- bad input, up front and in words --------------------------------------------------------


class CountingSGD(SGD):
    def step(self, params, grads):
        raise AssertionError("no step may run when the input is bad")


@pytest.mark.parametrize("value, what", [(np.nan, "1 NaN value"), (np.inf, "1 infinite value")])
def test_nan_or_inf_in_the_training_data_is_a_data_problem(value, what):
    x, y = small_data()
    x[17, 3] = value
    with pytest.raises(ValueError) as err:
        fit(mlp([8, 3], seed=0), x, y, CountingSGD(1e-6), progress=False)
    message = str(err.value)
    assert message.startswith(f"training data x contains {what} in 1 of its 300 examples")
    assert "(the first is example 17)" in message
    assert "a problem with the data, not with the learning rate" in message
    assert "np.isfinite(x).all(axis=1)" in message


def test_nan_in_the_validation_data_is_found_before_the_first_step():
    x, y = small_data()
    x_val = x.copy()
    x_val[[2, 5, 9]] = np.nan
    with pytest.raises(ValueError, match="validation data x_val contains 24 NaN values in 3 of"):
        fit(mlp([8, 3], seed=0), x, y, CountingSGD(0.1), validation_data=(x_val, y), progress=False)


@pytest.mark.parametrize(
    "validation_data, error, match",
    [
        (
            lambda x, y: (x[:, :5], y),
            ValueError,
            r"validation data x_val got input of shape \(300, 5\)",
        ),
        (
            lambda x, y: (x, y[:10]),
            ValueError,
            "validation labels y_val has 10 entries but there are 300",
        ),
        (
            lambda x, y: (x[:0], y[:0]),
            ValueError,
            r"fit got 0 examples \(validation data x_val has shape \(0, 8\)\)",
        ),
        (lambda x, y: x, TypeError, r"validation_data must be a pair \(x_val, y_val\)"),
        (lambda x, y: (x, y + 3), ValueError, "validation labels y_val must be in 0 … 2"),
    ],
)
def test_validation_data_is_checked_before_the_first_step(validation_data, error, match):
    x, y = small_data()
    with pytest.raises(error, match=match):
        fit(
            mlp([8, 3], seed=0),
            x,
            y,
            CountingSGD(0.1),
            validation_data=validation_data(x, y),
            progress=False,
        )


def test_a_model_left_broken_by_a_diverged_run_is_refused():
    x, y = small_data()
    model = mlp([8, 3], seed=0)
    model.layers[0].kernel[0, 0] = np.nan
    with pytest.raises(
        ValueError, match=r"parameter 0\.kernel holds 1 NaN or infinite value of 24"
    ) as err:
        fit(model, x, y, CountingSGD(1e-6), progress=False)
    assert "Build a new model" in str(err.value)


def test_evaluating_on_zero_examples_is_a_clear_error():
    x, y = small_data()
    with pytest.raises(
        ValueError, match=r"evaluate got 0 examples \(x has shape \(0, 8\)\): a mean over no"
    ):
        evaluate(mlp([8, 3], seed=0), x[:0], y[:0])


def test_evaluate_checks_its_data_for_nan():
    x, y = small_data()
    x[0, 0] = np.inf
    with pytest.raises(ValueError, match="x contains 1 infinite value in 1 of its 300 examples"):
        evaluate(mlp([8, 3], seed=0), x, y)


def test_empty_training_data():
    with pytest.raises(ValueError, match=r"the training data is empty \(x has shape \(0, 8\)\)"):
        fit(mlp([8, 3], seed=0), np.zeros((0, 8), np.float32), np.zeros(0, int), SGD(0.1))


@pytest.mark.parametrize(
    "model, match",
    [
        (
            "mlp",
            r"model must be a network such as mlp\(\[784, 128, 10\], seed=0\).*got 'mlp' \(a str\)",
        ),
        (lambda: Dense(8, 3), r"got Dense\(8 → 3\) \(a Dense\); that is a single layer: wrap it"),
        (lambda: [Dense(8, 3)], r"put the layers in a model first: Sequential\(\*layers\)"),
        (lambda: Sequential, "got the class Sequential itself; create one"),
    ],
)
def test_something_else_where_a_model_is_expected(model, match):
    x, y = small_data()
    model = model() if callable(model) else model
    for call in (
        lambda: fit(model, x, y, SGD(0.1), progress=False),
        lambda: Trainer(model, x, y, SGD(0.1)),
        lambda: evaluate(model, x, y),
    ):
        with pytest.raises(TypeError, match=match):
            call()


@pytest.mark.parametrize(
    "optimizer, match",
    [
        ("adam", r"got 'adam' \(a str\); did you mean Adam\(learning_rate=0\.001\)"),
        ("sgd", r"did you mean SGD\(learning_rate=0\.1\)"),
        (0.1, r"that looks like a learning rate: pass SGD\(learning_rate=0\.1\)"),
        (SGD, r"got the class SGD itself; create one from it: SGD\(learning_rate=0\.1\)"),
        (None, r"optimizer must be an optimizer such as SGD\(learning_rate=0\.1\), got None"),
    ],
)
def test_something_else_where_an_optimizer_is_expected(optimizer, match):
    x, y = small_data()
    with pytest.raises(TypeError, match=match):
        fit(mlp([8, 3], seed=0), x, y, optimizer, progress=False)


def test_loss_and_callback_must_be_functions():
    x, y = small_data()
    with pytest.raises(TypeError, match=r"loss must be a function \(logits, labels\)"):
        fit(mlp([8, 3], seed=0), x, y, SGD(0.1), progress=False, loss="cross_entropy")
    with pytest.raises(TypeError, match="callback must be a function of the trainer"):
        fit(mlp([8, 3], seed=0), x, y, SGD(0.1), progress=False, callback=5)


def test_an_optimizer_of_another_model_is_refused_before_the_first_step():
    x, y = small_data()
    opt = SGD(0.1, momentum=0.9)
    fit(mlp([8, 3], seed=0), x, y, opt, progress=False)
    second = mlp([8, 3], seed=1)
    kernel = second.layers[0].kernel.copy()
    with pytest.raises(
        ValueError, match=r"SGD\(learning_rate=0\.1, momentum=0\.9\) already took 3"
    ):
        fit(second, x, y, opt, progress=False)
    assert np.array_equal(kernel, second.layers[0].kernel)
    history = fit(second, x, y, SGD(0.1, momentum=0.9), progress=False)  # a fresh one works
    assert history.steps == 3 and not history.message


# --- a loss that ends higher than it started -------------------------------------------------


def test_too_much_momentum_says_so_when_the_loss_ends_higher(capsys):
    x, y = small_data()
    history = fit(mlp([8, 16, 3], seed=0), x, y, SGD(1.0, momentum=0.99), epochs=20)
    assert not history.diverged  # no blow-up: the loss just ends above where it began
    assert history.loss[-1] > history.loss[0]
    assert history.message.startswith(
        "the loss ended higher than it started (mean of the first 6 steps"
    )
    assert "with learning_rate=1, momentum=0.99: the steps are too large" in history.message
    assert (
        "Try a learning rate ten times smaller (0.1) or less momentum (e.g. 0.9)."
        in history.message
    )
    assert wrapped(history.message) in capsys.readouterr().out


def test_one_epoch_whose_loss_ends_higher_says_so(mnist, capsys):
    # Issue 25: one epoch on 6,000 images with far too much momentum. The first steps jump
    # far above the start, so the mean of the first steps is no measure of where the loss
    # began; fit compares the loss on the same training examples before and after instead.
    x_train, y_train, *_ = mnist
    x, y = x_train[:6000], y_train[:6000]
    model = mlp([784, 512, 10], seed=2)
    before = evaluate(model, x[:1024], y[:1024])[0]
    opt = SGD(learning_rate=1.0, momentum=0.99)
    history = fit(model, x, y, opt, epochs=1)
    after = evaluate(model, x[:1024], y[:1024])[0]
    assert len(history.loss) == 47 and not history.diverged
    assert after > before  # the run left the model worse on the data it trained on
    assert loss_rose_message(history.loss, opt) == ""  # the step means alone miss it
    assert history.message == (
        f"the loss ended higher than it started ({before:.4g} on the first 1,024 training "
        f"examples before the first step, {after:.4g} after the last) with learning_rate=1, "
        "momentum=0.99: the steps are too large, so training undoes what it learns. Try a "
        "learning rate ten times smaller (0.1) or less momentum (e.g. 0.9)."
    )
    assert wrapped(history.message) in capsys.readouterr().out


@pytest.mark.parametrize(
    "model_seed, learning_rate, momentum",
    [(0, 1.0, 0.99), (1, 1.0, 0.99), (3, 1.0, 0.99), (0, 0.1, 0.9), (0, 1e-4, 0.0)],
)
def test_one_epoch_warns_exactly_when_the_loss_on_its_examples_rose(
    mnist, model_seed, learning_rate, momentum
):
    # Runs that learned, however roughly, and a run that barely moves (a tiny learning rate
    # must not be told its steps are too large): the warning follows the measured losses.
    x_train, y_train, *_ = mnist
    x, y = x_train[:6000], y_train[:6000]
    model = mlp([784, 512, 10], seed=model_seed)
    before = evaluate(model, x[:1024], y[:1024])[0]
    opt = SGD(learning_rate=learning_rate, momentum=momentum)
    history = fit(model, x, y, opt, epochs=1, progress=False)
    after = evaluate(model, x[:1024], y[:1024])[0]
    rose = after > before or bool(loss_rose_message(history.loss, opt))
    assert history.message.startswith("the loss ended higher") == rose, (before, after)
    if momentum < 0.99:
        assert history.message == ""


def test_trainer_run_says_it_too_once_with_the_same_words_as_fit(capsys):
    x, y = small_data()
    history = fit(mlp([8, 16, 3], seed=0), x, y, SGD(1.0, momentum=0.99), epochs=20)
    capsys.readouterr()
    opt = SGD(1.0, momentum=0.99)
    trainer = Trainer(mlp([8, 16, 3], seed=0), x, y, opt)
    for _ in range(6):  # 60 steps, ten at a time, as the live panel runs them
        trainer.run(10)
    assert trainer.history.loss == history.loss and not trainer.history.diverged
    warning = loss_rose_message(trainer.history.loss, opt)
    assert warning.startswith("the loss ended higher than it started")
    assert trainer.history.message == warning == history.message  # the same words as fit
    assert capsys.readouterr().out.count("the loss ended higher than it started") == 1


def test_trainer_run_quietly_keeps_the_warning_in_the_history(capsys):
    x, y = small_data()
    trainer = Trainer(mlp([8, 16, 3], seed=0), x, y, SGD(1.0, momentum=0.99))
    trainer.run(60, verbose=False)
    assert trainer.history.message.startswith("the loss ended higher than it started")
    assert capsys.readouterr().out == ""


def test_trainer_run_says_when_and_why_it_diverged(capsys):
    x, y = small_data()
    trainer = Trainer(mlp([8, 16, 3], seed=0), x * 100, y, SGD(1e4, momentum=0.9))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.run(150)
        assert trainer.run(10) == []  # nothing more to train; said once
    assert trainer.history.diverged
    assert capsys.readouterr().out == wrapped(trainer.history.message) + "\n"
    assert "the learning rate is too large" in trainer.history.message


def test_a_healthy_trainer_run_says_nothing(capsys):
    x, y = small_data()
    trainer = Trainer(mlp([8, 16, 3], seed=0), x, y, SGD(0.1, momentum=0.9))
    trainer.run(60)
    assert trainer.history.message == "" and capsys.readouterr().out == ""


@pytest.mark.parametrize("epochs", [1, 20])
def test_a_healthy_run_has_no_message(epochs):
    x, y = small_data()
    history = fit(
        mlp([8, 16, 3], seed=0), x, y, SGD(0.1, momentum=0.9), epochs=epochs, progress=False
    )
    assert history.message == ""


def test_checks_run_once_per_fit_not_per_step(monkeypatch):
    import helpers.train as train

    calls = []
    monkeypatch.setattr(train, "check_finite", lambda x, where: calls.append(where))
    x, y = small_data()
    fit(mlp([8, 3], seed=0), x, y, SGD(0.1), epochs=4, validation_data=(x, y), progress=False)
    assert calls == ["training data x", "validation data x_val"]


class Kernel:
    """A real Jupyter kernel, driven as a notebook page drives it: ``execute`` a cell,
    send a widget's comm message (a click, a Play tick), press Stop (an interrupt request)."""

    def __init__(self):
        jupyter_client = pytest.importorskip("jupyter_client")
        self.km, self.kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def execute(self, code, interrupt_on=None):
        return self._wait(self.kc.execute(code), interrupt_on)

    def comm_msg(self, comm_id, data, interrupt_on=None):
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.kc.shell_channel.send(msg)
        return self._wait(msg["header"]["msg_id"], interrupt_on)

    def _wait(self, msg_id, interrupt_on):
        """(status, stdout) of the request ``msg_id``; interrupts the kernel as soon as its
        stdout contains ``interrupt_on`` (so the Stop comes while the work is running)."""
        stdout, status, start = [], None, time.monotonic()
        while status is None:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                assert time.monotonic() - start < 60, "the kernel did not answer in 60 s"
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                stdout.append(msg["content"]["text"])
                if interrupt_on is not None and interrupt_on in "".join(stdout):
                    self.km.interrupt_kernel()
                    interrupt_on = None
            elif msg["msg_type"] == "error":
                status = "error: " + msg["content"]["ename"]
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                status = "ok"
        return status, "".join(stdout)


@pytest.fixture
def kernel():
    kernel = Kernel()
    yield kernel
    kernel.close()


KERNEL_SETUP = """
import numpy as np
from helpers.layers import mlp
from helpers.optim import SGD
from helpers.train import fit
rng = np.random.default_rng(0)
x = rng.normal(size=(2000, 64)).astype(np.float32)
y = (x[:, 0] > 0).astype(int)
model = mlp([64, 256, 2], seed=0)

def say_started(trainer):
    if trainer.history.steps == 1:
        print("started", flush=True)
print("ready")
"""


def test_the_stop_button_in_a_real_kernel_returns_the_history(kernel):
    """What a student does: run fit in a Jupyter kernel, press Stop (an interrupt request)."""
    assert kernel.execute(KERNEL_SETUP) == ("ok", "ready\n")
    code = "history = fit(model, x, y, SGD(0.01), 100000, 16, callback=say_started)"
    status, out = kernel.execute(code, interrupt_on="started\n")
    assert status == "ok"  # no KeyboardInterrupt traceback: fit returned
    first, *lines, end = out.split("\n")  # the message: one line, wrapped between words
    line = " ".join(lines)
    assert first == "started" and end == ""
    assert line.startswith(("fit interrupted after step ", "fit interrupted at the end of epoch "))
    status, out = kernel.execute(
        "print(history.interrupted, history.steps > 0, len(history.loss) == history.steps)"
    )
    assert (status, out) == ("ok", "True True True\n")


def test_the_stop_button_during_the_live_panels_play_ends_the_tick_cleanly(kernel):
    """The panel's play runs ``Trainer.run`` in a comm message handler (a Play tick), not
    in a cell: Stop there ends the run after the current step as well."""
    setup = (
        KERNEL_SETUP
        + """
from helpers.widgets import training_panel
panel = training_panel(x, y % 10, x[:200], y[:200] % 10, hidden=64, steps_per_tick=10**6,
                       backend="inline")
loss_fn = panel.trainer.loss_fn
def loss_saying_started(logits, labels):
    if not panel.trainer.history.loss:
        print("started", flush=True)
    return loss_fn(logits, labels)
panel.trainer.loss_fn = loss_saying_started
print(panel.controls["play"].model_id)
"""
    )
    status, out = kernel.execute(setup)
    assert status == "ok", out
    play_id = out.split()[-1]
    # as the browser's Play sends it: playing, then the next value (a tick while paused,
    # playing False, trains nothing)
    tick = {"method": "update", "state": {"playing": True, "value": 1}, "buffer_paths": []}
    status, out = kernel.comm_msg(play_id, tick, interrupt_on="started\n")
    assert status == "ok"
    first, *lines, end = out.split("\n")  # the message: one line, wrapped between words
    line = " ".join(lines)
    assert first == "started" and end == ""
    said = re.fullmatch(
        r"Trainer\.run interrupted after step (\d+) of 1000000 \(([\d,]+) steps trained in "
        r"all\): the losses so far are returned and the model keeps what it learned; "
        r"call run again to go on\.",
        line,
    )
    assert said and said[1] == said[2].replace(",", ""), line  # the first run: all its steps
    status, out = kernel.execute(
        "h = panel.trainer.history\n"
        "print(h.interrupted, 0 < h.steps < 10**6, np.isfinite(h.loss).all(), "
        "panel.test_steps == [h.steps], panel.trainer.run(3, verbose=False) != [])"
    )
    assert (status, out) == ("ok", "True True True True True\n")


# ------------------------------------------------------- raw uint8 images, a batch at a time


def test_fit_on_raw_uint8_images_trains_exactly_as_on_prepared_inputs():
    (images, labels), (test_images, test_labels) = load_mnist(verbose=False)
    images, labels = images[:3000], labels[:3000]  # (3000, 28, 28) uint8, read-only
    histories, models = [], []
    for x, x_val in ((images, test_images), (prepare(images), prepare(test_images))):
        model = mlp([784, 32, 10], seed=0)
        optimizer = SGD(learning_rate=0.1, momentum=0.9)
        history = fit(
            model, x, labels, optimizer, epochs=2, batch_size=100,
            validation_data=(x_val, test_labels), progress=False, seed=0,
        )  # fmt: skip
        histories.append(history)
        models.append(model)
    raw, prepared = histories
    assert raw.loss == prepared.loss and raw.accuracy == prepared.accuracy
    assert raw.val_accuracy == prepared.val_accuracy
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    model = models[0]
    assert evaluate(model, test_images, test_labels) == evaluate(
        model, prepare(test_images), test_labels
    )
    np.testing.assert_array_equal(
        model.predict(test_images.reshape(-1, 784)), model.predict(prepare(test_images))
    )
    assert model.accuracy(test_images, test_labels) == raw.val_accuracy[-1]


def test_raw_images_are_prepared_in_the_models_dtype():
    (images, labels), _ = load_mnist(verbose=False)
    images, labels = images[:500], labels[:500]
    models = [mlp([784, 8, 10], seed=0, dtype=np.float64) for _ in range(2)]
    for model, x in zip(models, (images, prepare(images)), strict=True):
        fit(model, x, labels, SGD(learning_rate=0.1), batch_size=50, progress=False)
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)


def test_trainer_on_raw_images_holds_no_float_copy_of_them():
    """A Trainer on uint8 images allocates its two batch buffers, not 4 bytes per pixel."""
    import tracemalloc

    (images, labels), _ = load_mnist(verbose=False)  # 47 MB of uint8 pixels
    model = mlp([784, 16, 10], seed=0)
    tracemalloc.start()
    try:
        trainer = Trainer(model, images, labels, SGD(learning_rate=0.1), batch_size=128)
        trainer.run(20, verbose=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    float_copy = images.size * 4  # 188 MB
    assert trainer.x.dtype == np.uint8 and np.shares_memory(trainer.x, images)
    assert peak < float_copy / 50, f"{peak / 1e6:.1f} MB allocated"


def test_dense_layers_still_refuse_raw_pixels_and_say_what_takes_them():
    (images, _), _ = load_mnist(verbose=False)
    with pytest.raises(TypeError, match=r"uint8 input; convert to floats first.*prepare"):
        mlp([784, 8, 10], seed=0).forward(images[:4].reshape(4, 784))
