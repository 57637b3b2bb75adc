"""Training plots (Agg backend): the curves, regions and counts drawn are the right ones."""

import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.contour import ContourSet

from autograd import Value
from nn import MLP, SGD, History, fit, moons, xor
from nn.plots import (
    confusion_matrix,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_gradient_flow,
    plot_history,
)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history(losses, accuracies=None, val_losses=None):
    history = History()
    for i, loss in enumerate(losses):
        record = {"loss": loss}
        if accuracies is not None:
            record["accuracy"] = accuracies[i]
        if val_losses is not None:
            record["val_loss"] = val_losses[i]
        history.record(**record)
    return history


# --- plot_history --------------------------------------------------------------------------


def test_history_loss_and_accuracy_panels_hold_the_recorded_curves():
    history = _history([0.9, 0.5, 0.2], accuracies=[0.5, 0.75, 1.0], val_losses=[1.0, 0.7, 0.4])
    fig = plot_history(history, log_loss=True)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss" and acc_ax.get_ylabel() == "accuracy"
    train, val = loss_ax.get_lines()
    assert list(train.get_xdata()) == [1, 2, 3]
    assert list(train.get_ydata()) == [0.9, 0.5, 0.2]
    assert list(val.get_ydata()) == [1.0, 0.7, 0.4] and val.get_linestyle() == "--"
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["train", "validation"]
    assert loss_ax.get_yscale() == "log"
    (acc,) = acc_ax.get_lines()
    assert list(acc.get_ydata()) == [0.5, 0.75, 1.0]


def test_history_comparison_draws_one_curve_per_run_with_its_name():
    fig = plot_history({"tutorial": _history([0.3, 0.25]), "better": _history([0.3, 0.1, 0.01])})
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["tutorial train", "better train"]
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [[0.3, 0.25], [0.3, 0.1, 0.01]]
    assert ax.get_yscale() == "linear"


def test_history_from_fit_can_be_plotted():
    X, y = xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=SGD(model.parameters(), lr=0.5),
        epochs=5,
        metrics=["accuracy"],
        progress=False,
    )
    fig = plot_history(history, title="xor")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert list(fig.axes[0].get_lines()[0].get_ydata()) == history.loss
    assert fig._suptitle.get_text() == "xor"


def test_history_errors_are_clear():
    with pytest.raises(ValueError, match="no epochs"):
        plot_history(History())
    with pytest.raises(ValueError, match="no history recorded 'accuracy'"):
        plot_history(_history([1.0]), metrics=["accuracy"])
    with pytest.raises(TypeError, match="expects History objects"):
        plot_history({"run": [1.0, 2.0]})


# --- plot_decision_boundary ----------------------------------------------------------------


def _linear_model(w0, w1, b, activation="linear"):
    """A one-neuron model whose boundary is known: w0*x0 + w1*x1 + b = threshold."""
    return MLP.from_weights([[[w0, w1]]], biases=[[b]], output_activation=activation)


def test_binary_boundary_regions_match_the_model():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    y = np.array([-1, 1, 1, -1])
    model = _linear_model(1.0, 1.0, 0.0)  # class +1 where x0 + x1 > 0
    fig = plot_decision_boundary(model, X, y, resolution=21, padding=0.5, title="x0 + x1 > 0")
    (ax,) = fig.axes
    assert ax.get_title() == "x0 + x1 > 0"
    assert ax.get_xlim() == pytest.approx((-1.5, 1.5)) and ax.get_ylim() == pytest.approx((-1.5, 1.5))
    (scatter,) = [c for c in ax.collections if c.get_offsets().shape == (4, 2)]
    assert np.allclose(scatter.get_offsets(), X)
    colours = scatter.get_facecolors()
    assert np.allclose(colours[1], colours[2]) and not np.allclose(colours[0], colours[1])
    # the boundary line lies on x0 + x1 = 0
    assert np.allclose(_boundary_points(ax).sum(axis=1), 0.0, atol=1e-9)


def test_sigmoid_output_uses_half_as_threshold_and_logits_can_use_zero():
    X, y = np.array([[0.0, 0.0], [2.0, 2.0]]), np.array([0, 1])
    model = _linear_model(1.0, 0.0, -1.0, activation="sigmoid")  # p > 0.5 where x0 > 1
    fig = plot_decision_boundary(model, X, y, resolution=41, padding=0.0)
    line_x = _boundary_points(fig.axes[0])[:, 0]
    assert np.allclose(line_x, 1.0, atol=1e-9)
    logits = _linear_model(1.0, 0.0, -1.0)
    fig = plot_decision_boundary(logits, X, y, resolution=41, padding=0.0, threshold=0.0)
    assert np.allclose(_boundary_points(fig.axes[0])[:, 0], 1.0, atol=1e-9)


def _boundary_points(ax):
    lines = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled is False]
    (contour,) = lines
    return np.concatenate([p.vertices for p in contour.get_paths() if len(p.vertices)])


def test_multiclass_boundary_takes_the_argmax():
    # three outputs: x0, -x0, x1 -> class 0 right, class 1 left, class 2 high up
    model = MLP.from_weights([[[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]], biases=[[0.0, 0.0, -1.0]])
    X = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 3.0]])
    y = np.array([0, 1, 2])
    fig, ax = plt.subplots()
    returned = plot_decision_boundary(model, X, y, ax=ax, resolution=30)
    assert returned is fig
    (filled,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert filled.filled and list(filled.levels) == [-0.5, 0.5, 1.5, 2.5]


def test_decision_boundary_rejects_bad_shapes():
    model = _linear_model(1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        plot_decision_boundary(model, np.zeros((3, 3)), [0, 1, 0])
    with pytest.raises(ValueError, match="3 points but y has 2 labels"):
        plot_decision_boundary(model, np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="resolution"):
        plot_decision_boundary(model, np.zeros((3, 2)), [0, 1, 0], resolution=1)


# --- confusion matrix ----------------------------------------------------------------------


def test_confusion_matrix_counts_from_labels_scores_and_values():
    true = [0, 0, 1, 1, 2, 2]
    pred = [0, 1, 1, 1, 2, 0]
    expected = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    assert np.array_equal(confusion_matrix(true, pred), expected)
    scores = np.eye(3)[pred] * 2.0 - 0.5
    assert np.array_equal(confusion_matrix(true, scores), expected)
    as_values = [Value(scores[:, j]) for j in range(3)]  # a batched model's three outputs
    assert np.array_equal(confusion_matrix(true, as_values), expected)
    assert np.array_equal(confusion_matrix(np.eye(3)[true], pred), expected)  # one-hot truth
    assert confusion_matrix([0, 1], [0, 1], num_classes=3).shape == (3, 3)


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match="2 true labels but 3 predictions"):
        confusion_matrix([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="class indices"):
        confusion_matrix([0, -1], [0, 1])
    with pytest.raises(ValueError, match="num_classes=2"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)


def test_confusion_matrix_plot_shows_counts_names_and_accuracy():
    true = [0, 0, 1, 1, 2, 2]
    pred = [0, 1, 1, 1, 2, 0]
    fig = plot_confusion_matrix(true, pred, class_names=["setosa", "versicolor", "virginica"])
    (ax,) = fig.axes
    assert np.array_equal(ax.images[0].get_array(), [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    cells = {(t.get_position()[1], t.get_position()[0]): t.get_text() for t in ax.texts}
    assert cells[(1, 1)] == "2" and cells[(2, 0)] == "1" and cells[(0, 2)] == "0"
    assert len(cells) == 9
    assert [t.get_text() for t in ax.get_xticklabels()] == ["setosa", "versicolor", "virginica"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert ax.get_title() == "accuracy 66.7%"


def test_missing_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[plot\]'"):
        plot_history(_history([1.0]))
    assert confusion_matrix([0, 1], [1, 1]).tolist() == [[0, 1], [0, 1]]  # no matplotlib needed


# --- gradient flow -------------------------------------------------------------------------


def _deep(activation):
    return MLP(2, [6, 6, 6, 6, 1], activation=activation, output_activation="sigmoid", seed=0)


def test_fit_records_each_layers_gradient_norm_only_on_request():
    X, y = moons(30, seed=0)
    model = _deep("tanh")
    start = [p.data for p in model.parameters()]
    history = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=1,
        progress=False,
        track_grads=True,
    )
    assert list(history.grad_norms) == [f"layer {k}" for k in range(5)]
    # the witness: the same full-batch gradient from the starting weights, by hand
    for p, data in zip(model.parameters(), start):
        p.data, p.grad = data, 0.0
    from nn.losses import resolve_loss

    resolve_loss("bce")(model(X), y).backward()
    for k, layer in enumerate(model.layers):
        expected = float(np.sqrt(sum(p.grad**2 for p in layer.parameters())))
        assert history.grad_norms[f"layer {k}"] == [pytest.approx(expected, rel=1e-12)]
    assert fit(_deep("tanh"), X, y, loss="bce", epochs=1, progress=False).grad_norms == {}
    with pytest.raises(ValueError, match="needs a model with layers"):
        fit(
            lambda batch: batch,
            X,
            y,
            optimizer=SGD([Value(1.0)], lr=0.1),
            epochs=1,
            progress=False,
            track_grads=True,
        )


def test_gradient_flow_picture_sigmoid_vanishes_relu_does_not():
    X, y = moons(40, seed=0)
    runs = {}
    for activation in ("sigmoid", "relu"):
        model = _deep(activation)
        runs[activation] = fit(
            model,
            X,
            y,
            loss="bce",
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=3,
            progress=False,
            track_grads=True,
        )
    fig = plot_gradient_flow(runs, title="vanishing gradients")
    assert [ax.get_title() for ax in fig.axes] == ["sigmoid", "relu"]
    assert fig._suptitle.get_text() == "vanishing gradients"
    for ax, run in zip(fig.axes, runs.values()):
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == [f"layer {k}" for k in range(5)]
        for line, norms in zip(lines, run.grad_norms.values()):
            assert list(line.get_xdata()) == run.epochs and list(line.get_ydata()) == norms
        assert ax.get_yscale() == "log"
    first_to_last = {a: r.grad_norms["layer 0"][0] / r.grad_norms["layer 4"][0] for a, r in runs.items()}
    assert first_to_last["sigmoid"] < 0.05 < first_to_last["relu"]  # the picture's point


def test_gradient_flow_needs_recorded_norms():
    with pytest.raises(ValueError, match="track_grads=True"):
        plot_gradient_flow(_history([1.0, 0.5]))
    with pytest.raises(TypeError, match="History objects"):
        plot_gradient_flow({"a": [1.0]})
