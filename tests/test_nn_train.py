"""fit, History and accuracy: XOR, micrograd's moons demo, vectorised == per-sample, bad input."""

import random

import micrograd.engine
import micrograd.nn
import numpy as np
import pytest

from autograd import Value, sum_values
from nn import (
    MLP,
    SGD,
    Adam,
    History,
    accuracy,
    fit,
    hinge_loss,
    iris,
    moons,
    standardize,
    train_test_split,
    xor,
)


def test_fit_trains_xor_to_full_accuracy():
    X, y = xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=1)
    history = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=SGD(model, lr=0.5, momentum=0.9),
        epochs=200,
        metrics=["accuracy"],
        progress=False,
    )
    assert len(history) == 200 and history["accuracy"][-1] == 1.0
    assert history.loss[-1] < 0.01 < history.loss[0]
    assert accuracy(model(X), y) == 1.0


def test_vectorised_and_per_sample_training_agree():
    X, y = moons(40, noise=0.1, seed=2, signed=True)
    runs = []
    for vectorize in (True, False):
        model = MLP(2, [6, 6, 1], activation="tanh", seed=5)
        history = fit(
            model, X, y, loss="hinge", optimizer=SGD(model, lr=0.1, momentum=0.5), epochs=5, batch_size=16,
            seed=9, metrics=["accuracy"], progress=False, vectorize=vectorize,
        )  # fmt: skip
        runs.append((history, model.state_dict()))
    (h1, s1), (h2, s2) = runs
    np.testing.assert_allclose(h1.loss, h2.loss, rtol=0, atol=1e-12)
    assert h1["accuracy"] == h2["accuracy"]
    np.testing.assert_allclose(list(s1.values()), list(s2.values()), rtol=0, atol=1e-12)


def _micrograd_demo_loss(model, X, y, alpha=1e-4):
    """micrograd's demo.ipynb loss, verbatim in spirit: mean max-margin + alpha * L2."""
    inputs = [[micrograd.engine.Value(float(v)) for v in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -float(yi) * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + alpha * sum(p * p for p in model.parameters())


def test_micrograds_moons_demo_reaches_full_training_accuracy_and_matches_micrograd():
    X, y = moons(100, noise=0.1, seed=0, signed=True)
    random.seed(1337)
    model = MLP(2, [16, 16, 1])  # micrograd's draws: the global random, uniform(-1, 1)
    random.seed(1337)
    reference = micrograd.nn.MLP(2, [16, 16, 1])

    def loss(scores, targets):
        return hinge_loss(scores, targets) + 1e-4 * sum_values([p * p for p in model.parameters()])

    # the first step's loss and gradients equal micrograd's (one micrograd step takes ~1 s)
    ours = loss(model(X), y)
    ours.backward()
    theirs = _micrograd_demo_loss(reference, X, y)
    theirs.backward()
    assert ours.data == pytest.approx(theirs.data, rel=0, abs=1e-12)
    np.testing.assert_allclose(
        [p.grad for p in model.parameters()], [p.grad for p in reference.parameters()], rtol=1e-10, atol=1e-13
    )
    model.zero_grad()

    opt = SGD(model, lr=lambda k: 1.0 - 0.9 * k / 100)
    history = fit(model, X, y, loss=loss, optimizer=opt, epochs=100, metrics=["accuracy"], progress=False)
    assert history.loss[0] == ours.data
    assert history["accuracy"][-1] == 1.0


def test_fit_on_iris_with_validation_data_and_cross_entropy():
    X, y = iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=30, seed=0)
    model = MLP(4, [8, 3], activation="tanh", seed=0)
    history = fit(
        model, standardize(X_train), y_train, loss="cross_entropy", optimizer=Adam(model, lr=0.05),
        epochs=100, metrics=["accuracy"], progress=False,
        validation_data=(standardize(X_test, X_train), y_test),
    )  # fmt: skip
    assert set(history.to_dict()) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert history["val_accuracy"][-1] >= 0.9 and history["accuracy"][-1] >= 0.95


def test_mini_batches_shuffle_by_seed_and_default_optimizer():
    X, y = moons(30, seed=1)
    histories = []
    for seed in (1, 1, 2):
        model = MLP(2, [4, 1], output_activation="sigmoid", seed=0)
        histories.append(fit(model, X, y, loss="bce", epochs=3, batch_size=7, seed=seed, progress=False).loss)
    assert histories[0] == histories[1] and histories[0] != histories[2]


def test_history_records_and_callback():
    X, y = xor()
    seen = []
    model = MLP(2, [3, 1], seed=0)
    history = fit(
        model, X, y, optimizer=SGD(model, lr=0.01), epochs=4, progress=False,
        metrics=[lambda p, t: float(np.mean(np.abs(p - t)))],
        callback=lambda epoch, h: seen.append((epoch, len(h))),
    )  # fmt: skip
    assert seen == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert history.to_dict()["epoch"] == [1, 2, 3, 4] and len(history["<lambda>"]) == 4
    with pytest.raises(KeyError, match="no record named 'accuracy'"):
        history["accuracy"]
    h = History()
    h.record(loss=1.0)
    assert repr(h) == "History(epochs=1, loss=1)"


def test_progress_bar_shows_and_can_be_silenced(capsys):
    X, y = xor()
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, optimizer=SGD(model, lr=0.01), epochs=3, progress=True)
    assert "fit" in capsys.readouterr().err
    fit(model, X, y, optimizer=SGD(model, lr=0.01), epochs=3, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y": [0.0, 1.0, 1.0]}, ValueError, "X has 4 samples but y has 3 rows"),
        ({"X": [[0.0, 1.0]] * 4 + [[1.0, np.nan]], "y": [0.0] * 5}, ValueError, "finite"),
        ({"X": [0.0, 1.0, 1.0, 0.0]}, ValueError, "2-D array"),
        (
            {"loss": "l2"},
            ValueError,
            "unknown loss 'l2'; valid names: 'mse', 'bce', 'bce_with_logits', 'cross_entropy', 'hinge'",
        ),
        ({"metrics": ["f1"]}, ValueError, "unknown metric 'f1'; valid names: 'accuracy'"),
        ({"epochs": 0}, ValueError, "epochs must be a positive integer"),
        ({"batch_size": 0}, ValueError, "batch_size must be"),
        (
            {"validation_data": ([[0.0, 1.0]], [1.0, 0.0])},
            ValueError,
            "validation X has 1 samples but y has 2",
        ),
        ({"X": [["a", "b"]] * 4}, TypeError, "numeric"),
    ],
)
def test_fit_refuses_bad_input_before_training(kwargs, error, message):
    X, y = xor()
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    args = {"X": X, "y": y, **kwargs}
    with pytest.raises(error, match=message):
        fit(model, args.pop("X"), args.pop("y"), progress=False, **args)
    assert model.state_dict() == before


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_run_stops_with_a_clear_error():
    model = MLP.from_weights([[[1.0]]], output_activation="linear")
    X, y = np.array([[1e150]]), np.array([0.0])
    with pytest.raises(FloatingPointError, match="loss is inf at epoch 2"):
        fit(model, X, y, optimizer=SGD(model, lr=1.0), epochs=3, progress=False)


# --- accuracy ---------------------------------------------------------------------------------


def test_accuracy_binary_sign_threshold_and_argmax():
    assert accuracy(np.array([0.5, -0.2, 0.1, -3.0]), [1, -1, -1, -1]) == 0.75
    assert accuracy(np.array([0.7, 0.2, 0.5]), [1, 0, 1]) == pytest.approx(2 / 3)  # 0.5 is not > 0.5
    assert accuracy(np.array([0.7, -0.2, 0.1]), [1, 0, 1], threshold=0.0) == 1.0
    scores = np.array([[0.1, 0.9, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert accuracy(scores, [1, 0, 0]) == pytest.approx(2 / 3)
    assert accuracy(scores, np.eye(3)[[1, 0, 2]]) == 1.0


def test_accuracy_reads_values_in_every_layout():
    assert accuracy(Value(np.array([0.3, -0.4])), [1, -1]) == 1.0  # batched single output
    assert accuracy([Value(0.9), Value(0.1)], [1, 1]) == 0.5  # one Value per sample
    assert accuracy([Value(0.1), Value(2.0), Value(0.3)], 1) == 1.0  # one sample's class scores
    batched = [Value(np.array([1.0, 0.0])), Value(np.array([0.0, 1.0]))]
    assert accuracy(batched, [0, 0]) == 0.5  # k batched outputs
    assert accuracy([[Value(1.0), Value(0.0)], [Value(0.0), Value(1.0)]], [0, 1]) == 1.0


def test_accuracy_bad_input():
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        accuracy(np.array([0.1, 0.2, 0.3]), [1, 0])
    with pytest.raises(ValueError, match="binary targets must all be in"):
        accuracy(np.array([0.1, 0.2]), [0.5, 1.0])
