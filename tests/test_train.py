"""The training loop: fit on the bundled MNIST, Trainer's batches, divergence, validation."""

import warnings

import numpy as np
import pytest

from helpers.data import load_mnist, prepare
from helpers.layers import mlp
from helpers.optim import SGD
from helpers.train import History, Trainer, evaluate, fit


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
