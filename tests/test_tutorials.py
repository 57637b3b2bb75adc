"""The tutorials replayed: the hand example pinned by independent formulas, the XOR, iris and
moons runs reaching their stated results, and the replays checked against plain numpy
versions of the tutorials' own update rules."""

import math

import numpy as np
import pytest
import torch

from nn.datasets import iris, moons, one_hot, standardize
from nn.metrics import accuracy
from nn.tutorials.hand import START_WEIGHTS, Erratum, hand_example, walkthrough_errata
from nn.tutorials.iris import (
    PRINTED_TEST_ACCURACY,
    iris_better_run,
    iris_study,
    iris_tutorial_run,
    tutorial_split,
)
from nn.tutorials.moons import crossed_points, moons_demo
from nn.tutorials.xor import (
    TUTORIAL_1,
    TUTORIAL_2,
    TUTORIAL_2_FIXED,
    XorSetup,
    initial_weights,
    xor_run,
    xor_study,
)

# Float64 re-computations of the same formulas agree to rounding (~1e-16); 1e-12 leaves room
# for a different summation order while still pinning far below the 6 printed decimals.
TIGHT = 1e-12


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --- the hand-computed example -------------------------------------------------------------


def hand_by_formula():
    """The worked example in closed form with numpy: the network as matrices, derivatives by hand."""
    x = np.array([0.35, 0.7])
    target, lr = 0.5, 1.0
    w_hidden = np.array([[0.2, 0.2], [0.3, 0.3]])  # row j: the weights into hidden unit j
    w_out = np.array([0.3, 0.9])
    a_hidden = w_hidden @ x
    y_hidden = sigmoid(a_hidden)
    a_out = w_out @ y_hidden
    y_out = sigmoid(a_out)
    # L = 0.5 (target - y)^2; dL/da_out = -(target - y) y (1 - y)
    g_out = -(target - y_out) * y_out * (1 - y_out)
    g_hidden = g_out * w_out * y_hidden * (1 - y_hidden)
    grad_w_out = g_out * y_hidden
    grad_w_hidden = np.outer(g_hidden, x)
    new_hidden = w_hidden - lr * grad_w_hidden
    new_out = w_out - lr * grad_w_out
    y_hidden_after = sigmoid(new_hidden @ x)
    y_out_after = sigmoid(new_out @ y_hidden_after)
    return {
        "a": (*a_hidden, a_out),
        "y": (*y_hidden, y_out),
        "deltas": {"delta3": -g_hidden[0], "delta4": -g_hidden[1], "delta5": -g_out},
        "grads": {
            "w11": grad_w_hidden[0, 0],
            "w21": grad_w_hidden[0, 1],
            "w12": grad_w_hidden[1, 0],
            "w22": grad_w_hidden[1, 1],
            "w13": grad_w_out[0],
            "w23": grad_w_out[1],
        },
        "after": (*y_hidden_after, y_out_after),
    }


def test_hand_forward_values_match_the_closed_form():
    ex, ref = hand_example(), hand_by_formula()
    f = ex.forward
    assert (f["a1"], f["a2"], f["a3"]) == pytest.approx(ref["a"], abs=TIGHT)
    assert (f["y3"], f["y4"], f["y5"]) == pytest.approx(ref["y"], abs=TIGHT)
    assert f["error"] == pytest.approx(0.5 - ref["y"][2], abs=TIGHT)
    assert ex.loss == pytest.approx(0.5 * (0.5 - ref["y"][2]) ** 2, abs=TIGHT)


def test_hand_deltas_gradients_and_updated_weights_match_the_closed_form():
    ex, ref = hand_example(), hand_by_formula()
    for name, delta in ref["deltas"].items():
        assert ex.deltas[name] == pytest.approx(delta, abs=TIGHT)
        assert ex.deltas_from_backward[name] == pytest.approx(delta, abs=TIGHT)
    for name, grad in ref["grads"].items():
        assert ex.gradients[name] == pytest.approx(grad, abs=TIGHT)
        assert ex.new_weights[name] == pytest.approx(START_WEIGHTS[name] - grad, abs=TIGHT)
    after = ex.forward_after
    assert (after["y3"], after["y4"], after["y5"]) == pytest.approx(ref["after"], abs=TIGHT)


def test_hand_values_to_six_decimals():
    # The headline numbers at the precision the CLI prints, against the closed form.
    ex, ref = hand_example(), hand_by_formula()
    assert round(ex.forward["y5"], 6) == round(ref["y"][2], 6)
    assert round(ex.deltas["delta4"], 6) == round(ref["deltas"]["delta4"], 6)
    assert round(ex.forward_after["y5"], 6) == round(ref["after"][2], 6)


def test_delta_rule_changes_equal_minus_lr_times_the_backward_gradient():
    ex = hand_example()
    for name, change in ex.changes.items():
        assert change == pytest.approx(-1.0 * ex.gradients[name], abs=1e-15)
    assert ex.rule_vs_gradient_gap < 1e-15
    assert ex.delta_vs_gradient_gap < 1e-15


def test_hand_gradients_match_torch():
    w = {
        name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
        for name, value in START_WEIGHTS.items()
    }
    x1, x2 = 0.35, 0.7
    y3 = torch.sigmoid(w["w11"] * x1 + w["w21"] * x2)
    y4 = torch.sigmoid(w["w12"] * x1 + w["w22"] * x2)
    y5 = torch.sigmoid(w["w13"] * y3 + w["w23"] * y4)
    (0.5 * (0.5 - y5) ** 2).backward()
    ex = hand_example()
    for name, tensor in w.items():
        assert ex.gradients[name] == pytest.approx(tensor.grad.item(), abs=TIGHT)


def test_walkthrough_errata_verdicts():
    rows = {e.quantity: e for e in walkthrough_errata()}
    assert len(rows) == 23
    assert rows["a1"].verdict == "right"  # 0.2 * 0.35 + 0.2 * 0.7 is 0.21
    assert rows["y5"].verdict == "right"  # 0.665 rounds to the printed 0.67
    assert rows["y3"].verdict == "slip"  # sigmoid(0.21) = 0.5523, printed 0.56
    assert rows["delta4"].verdict == "slip"  # -0.0081, printed -0.0819
    assert rows["change w11"].verdict == "slip"  # the sign is wrong
    assert rows["a3"].verdict == "carried"  # right arithmetic on wrong hidden outputs
    assert rows["new w23"].verdict == "carried"
    assert rows["y5 after"].true == pytest.approx(hand_by_formula()["after"][2], abs=TIGHT)


def test_erratum_judges_at_the_printed_precision():
    assert Erratum("q", "0.67", true=0.665074, from_printed=0.0).is_right
    assert not Erratum("q", "0.56", true=0.552308, from_printed=0.552308).is_right
    assert Erratum("q", "0.56", true=0.552308, from_printed=0.5599).verdict == "carried"
    assert Erratum("q", "0.56", true=0.552308, from_printed=0.552308).verdict == "slip"
    assert Erratum("q", "0.18534", true=0.0, from_printed=0.0).decimals == 5


# --- XOR: numpy versions of the two tutorials' update rules --------------------------------

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def numpy_xor(setup, seed, epochs):
    """The tutorial's training loop in plain numpy: returns (logged MSE by epoch, final outputs)."""
    rng = np.random.RandomState(seed)
    w1 = rng.randn(2, 4) * setup.init_scale
    w2 = rng.randn(4, 1) * setup.init_scale
    b1, b2 = np.zeros((1, 4)), np.zeros((1, 1))
    logged = {}
    for epoch in range(epochs):
        hidden = sigmoid(XOR_X @ w1 + b1)
        out = sigmoid(hidden @ w2 + b2)
        if epoch % setup.log_every == 0:
            logged[epoch] = float(np.mean((out - XOR_Y) ** 2))
        if setup.objective == "half_sse":  # tutorial 1: delta rule, summed over samples
            d_out = (XOR_Y - out) * out * (1 - out)
            d_hidden = (d_out @ w2.T) * hidden * (1 - hidden)
            w2 += setup.lr * hidden.T @ d_out
            b2 += setup.lr * d_out.sum(axis=0, keepdims=True)
            w1 += setup.lr * XOR_X.T @ d_hidden
            b1 += setup.lr * d_hidden.sum(axis=0, keepdims=True)
        else:  # tutorial 2: dz2 = out - y, averaged over samples
            dz2 = out - XOR_Y
            dz1 = (dz2 @ w2.T) * hidden * (1 - hidden)
            w2 -= setup.lr * hidden.T @ dz2 / 4
            b2 -= setup.lr * dz2.sum(axis=0, keepdims=True) / 4
            w1 -= setup.lr * XOR_X.T @ dz1 / 4
            b1 -= setup.lr * dz1.sum(axis=0, keepdims=True) / 4
    final = sigmoid(sigmoid(XOR_X @ w1 + b1) @ w2 + b2)
    return logged, final.ravel()


@pytest.mark.parametrize("setup", [TUTORIAL_1, TUTORIAL_2], ids=["tutorial1", "tutorial2"])
def test_xor_replay_follows_the_tutorials_update_rule(setup):
    # The engine's gradient steps equal the tutorial's hand-written updates, epoch after epoch.
    epochs = 1500
    logged, final = numpy_xor(setup, seed=3, epochs=epochs)
    run = xor_run(setup, seed=3, epochs=epochs)
    assert run.logged.keys() == logged.keys()
    for epoch, loss in logged.items():
        assert run.logged[epoch] == pytest.approx(loss, rel=1e-9, abs=1e-12)
    assert run.predictions == pytest.approx(tuple(final), abs=1e-9)


def test_xor_weights_are_the_tutorials_draws_for_a_seed():
    np.random.seed(7)
    expected_in, expected_out = np.random.randn(2, 4) * 0.01, np.random.randn(4, 1) * 0.01
    w_in, w_out = initial_weights(0.01, seed=7)
    assert np.array_equal(w_in, expected_in) and np.array_equal(w_out, expected_out)


def test_xor_tutorial1_learns_xor():
    study = xor_study(TUTORIAL_1, seeds=range(2))
    assert study.solved_count == 2
    for run in study.runs:
        assert run.final_loss < 0.01
        assert sorted(run.logged) == [0, 4000, 8000]


def test_xor_tutorial2_as_printed_stays_at_the_stationary_point():
    study = xor_study(TUTORIAL_2, seeds=range(5))
    assert study.solved_count == 0
    for run in study.runs:
        assert abs(run.logged[0] - 0.25) < 1e-4  # the printed epoch-0 loss 0.2508 is out of reach
        assert run.final_loss == pytest.approx(0.25, abs=1e-6)
        assert run.predictions == pytest.approx((0.5,) * 4, abs=1e-3)


def test_xor_tutorial2_with_unit_init_and_lr_half_learns_xor():
    study = xor_study(TUTORIAL_2_FIXED, seeds=range(5))
    assert study.solved_count == 5
    assert study.setup.change == "init 1 + lr 0.5" and study.setup.printed_losses == {}


def test_xor_setup_validation():
    with pytest.raises(ValueError, match="unknown objective 'mse'"):
        XorSetup("x", "x", 1.0, 0.1, 10, "mse", 5)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        TUTORIAL_1.changed("no epochs", epochs=0)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        xor_run(TUTORIAL_1, seed=0, epochs=-3)


# --- iris ----------------------------------------------------------------------------------


def test_tutorial_split_is_a_permutation_split():
    train, test = tutorial_split(4)
    assert len(test) == 20 and len(train) == 130
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(150))
    order = np.random.RandomState(4).permutation(150)
    assert np.array_equal(test, order[:20]) and np.array_equal(train, order[20:])


def test_iris_replay_follows_the_tutorials_update_rule():
    # The tutorial's loop with one-hot labels (its N = y_train.size = 390 entries), in numpy.
    X, labels = iris()
    train, _ = tutorial_split(4)
    x, y = X[train], one_hot(labels[train], 3)
    rng = np.random.RandomState(10)
    w1, w2 = rng.normal(scale=0.5, size=(4, 2)), rng.normal(scale=0.5, size=(2, 3))
    losses = []
    for _ in range(30):
        a1 = sigmoid(x @ w1)
        a2 = sigmoid(a1 @ w2)
        losses.append(((a2 - y) ** 2).sum() / (2 * a2.size))
        d2 = (a2 - y) * a2 * (1 - a2)
        d1 = (d2 @ w2.T) * a1 * (1 - a1)
        w2 = w2 - 0.1 * (a1.T @ d2) / y.size
        w1 = w1 - 0.1 * (x.T @ d1) / y.size
    run = iris_tutorial_run(iterations=30)
    assert run.history.loss == pytest.approx(losses, rel=1e-10)


def test_iris_tutorial_with_its_own_seeds_gives_its_printed_accuracy():
    run = iris_tutorial_run()
    assert run.test_accuracy == PRINTED_TEST_ACCURACY
    assert len(run.history.loss) == len(run.history["accuracy"]) == 5000
    assert run.history.loss[-1] < run.history.loss[0]


def test_iris_better_setup_reaches_95_percent_over_20_seeds():
    study = iris_study("better", seeds=range(20))
    assert study.mean_test_accuracy >= 0.95
    assert study.mean_train_accuracy >= 0.95


def test_iris_better_run_records_every_epoch():
    run = iris_better_run(seed=1, epochs=30)
    assert len(run.history.loss) == 30 and run.setup == "better"


def test_an_iris_run_returns_its_trained_model():
    run = iris_better_run(seed=1, epochs=30)
    X, labels = iris()
    train, _ = tutorial_split(1)
    scores = run.model(standardize(X[train]))
    assert accuracy(scores, labels[train]) == run.train_accuracy
    assert "model" not in repr(run)  # a run prints as its numbers


def test_iris_study_rejects_an_unknown_setup():
    with pytest.raises(ValueError, match="unknown iris setup 'best'; valid: 'tutorial', 'better'"):
        iris_study("best")


# --- moons ---------------------------------------------------------------------------------


def test_moons_demo_reaches_full_training_accuracy():
    result = moons_demo(seed=0)
    assert result.parameters == 337
    assert result.final_accuracy == 1.0
    assert len(result.history.loss) == 100
    assert result.history.loss[-1] < result.history.loss[0]
    X, y = moons(100, noise=0.1, seed=0, signed=True)
    assert accuracy(result.model(X), y) == result.final_accuracy
    assert len(result.model.parameters()) == result.parameters


def test_crossed_points_counts_points_nearer_the_other_moon():
    upper_arc = np.array([[math.cos(t), math.sin(t)] for t in (0.3, 1.5, 2.8)])
    lower_arc = np.array([[1 - math.cos(t), 0.5 - math.sin(t)] for t in (0.3, 1.5, 2.8)])
    X = np.concatenate([upper_arc, lower_arc])
    assert crossed_points(X, np.array([-1, -1, -1, 1, 1, 1])) == 0
    assert crossed_points(X, np.array([-1, 1, -1, 1, 1, -1])) == 2
