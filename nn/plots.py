"""Training pictures with matplotlib: learning curves, gradient flow, decision boundaries, confusion matrices.

matplotlib is an optional extra (``pip install 'chainrule[plot]'``); it is imported only when
a plot is drawn, and its absence is reported with the command that installs it. Every
function returns the ``matplotlib`` ``Figure`` (draw into your own axes with ``ax=``).

Example:
    >>> import numpy as np
    >>> from nn.plots import confusion_matrix
    >>> confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2])
    array([[1, 0, 0],
           [0, 0, 1],
           [0, 0, 2]])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from autograd import no_grad
from nn.metrics import predictions_array
from nn.train import History

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_history",
    "plot_gradient_flow",
    "plot_decision_boundary",
    "plot_confusion_matrix",
    "confusion_matrix",
]

Histories = Union[History, Mapping[str, History]]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "nn.plots needs matplotlib, an optional extra: pip install 'chainrule[plot]' "
            "(or pip install matplotlib)"
        ) from error
    return plt


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Any, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = _pyplot().subplots(figsize=figsize)
    return fig, ax


# --- learning curves -----------------------------------------------------------------------


def plot_history(
    history: Histories, metrics: Sequence[str] | None = None, log_loss: bool = False, title: str | None = None
) -> Figure:
    """Loss and metric curves per epoch, one panel each; validation curves dashed.

    Args:
        history: a :class:`~nn.History`, or ``{"name": history, ...}`` to compare runs.
        metrics: the records to draw beside the loss (default: every recorded metric, e.g.
            ``accuracy``); their ``val_`` versions go in the same panel.
        log_loss: draw the loss on a log scale.
        title: a title over the figure.

    Returns:
        The figure: ``fig.axes[0]`` holds the loss, then one axes per metric.

    Raises:
        ValueError: if a history is empty or lacks a requested metric.
    """
    runs = dict(history) if isinstance(history, Mapping) else {"": history}
    if not runs:
        raise ValueError("plot_history needs at least one History")
    for name, run in runs.items():
        if not isinstance(run, History):
            raise TypeError(f"plot_history expects History objects, got {type(run).__name__} for {name!r}")
        if len(run) == 0:
            raise ValueError(
                f"history {name!r} has no epochs to plot" if name else "the history has no epochs"
            )
    if metrics is None:
        names = [key for run in runs.values() for key in run.records]
        metrics = [m for m in dict.fromkeys(names) if m != "loss" and not m.startswith("val_")]
    for metric in metrics:
        if not any(metric in run.records for run in runs.values()):
            raise ValueError(f"no history recorded {metric!r}")

    panels = ["loss", *metrics]
    fig, axes = _pyplot().subplots(1, len(panels), figsize=(4.5 * len(panels), 3.5), squeeze=False)
    colours = [f"C{i}" for i in range(len(runs))]
    for ax, panel in zip(axes[0], panels, strict=True):
        for colour, (name, run) in zip(colours, runs.items(), strict=True):
            for key, style, suffix in ((panel, "-", "train"), (f"val_{panel}", "--", "validation")):
                if key in run.records:
                    label = " ".join(part for part in (name, suffix) if part)
                    ax.plot(run.epochs, run.records[key], style, color=colour, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(panel)
        ax.set_title(panel)
        if panel == "loss" and log_loss:
            ax.set_yscale("log")
        if len(ax.get_lines()) > 1:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- gradient flow -------------------------------------------------------------------------


def plot_gradient_flow(history: Histories, title: str | None = None) -> Figure:
    """Each layer's gradient norm per epoch, on a log scale: do gradients reach the first layers?

    With sigmoid units each layer multiplies the gradient by at most 0.25 on its way back, so in
    a deep network the first layers' lines sit orders of magnitude below the last one's (the
    vanishing gradient); with relu they stay close together.

    Args:
        history: a :class:`~nn.History` from ``fit(..., track_grads=True)``, or
            ``{"name": history, ...}``: one panel each, sharing the y axis.
        title: a title over the figure.

    Returns:
        The figure: one axes per history, one line per layer (label ``"layer k"``, drawn from
        the first layer to the last), its data ``history.epochs`` and ``history.grad_norms``.

    Raises:
        ValueError: if a history has no gradient norms (``fit`` ran without ``track_grads``).
    """
    runs = dict(history) if isinstance(history, Mapping) else {"": history}
    if not runs:
        raise ValueError("plot_gradient_flow needs at least one History")
    for name, run in runs.items():
        if not isinstance(run, History):
            raise TypeError(f"plot_gradient_flow expects History objects, got {type(run).__name__}")
        if not run.grad_norms:
            which = f"history {name!r}" if name else "the history"
            raise ValueError(f"{which} has no gradient norms: train with fit(..., track_grads=True)")
    fig, axes = _pyplot().subplots(1, len(runs), figsize=(5 * len(runs), 3.8), squeeze=False, sharey=True)
    for ax, (name, run) in zip(axes[0], runs.items(), strict=True):
        layers = list(run.grad_norms)
        colours = _pyplot().get_cmap("viridis")(np.linspace(0.0, 0.85, len(layers)))
        for colour, layer in zip(colours, layers, strict=True):
            ax.plot(run.epochs, run.grad_norms[layer], color=colour, label=layer)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(name or "gradient norm per layer")
        ax.legend(fontsize=8)
    axes[0][0].set_ylabel("gradient norm (L2) of the layer")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- decision boundaries -------------------------------------------------------------------


def plot_decision_boundary(
    model: Callable[..., Any],
    X: Any,
    y: Any,
    ax: Axes | None = None,
    resolution: int = 150,
    threshold: float | None = None,
    padding: float = 0.5,
    title: str | None = None,
) -> Figure:
    """The regions a 2-D classifier assigns to each class, with the data on top.

    The model is evaluated on a ``resolution x resolution`` grid in one batched forward pass
    without a graph. One output per sample is a binary classifier: class 1 where the output
    exceeds ``threshold`` (default 0 for -1/+1 labels, 0.5 for 0/1 labels; pass 0.0 for
    logits), and the boundary is drawn where the output crosses it. Several outputs: the
    argmax.

    Args:
        model: takes an array of shape ``(B, 2)`` (an ``MLP(2, ...)``).
        X: the points, shape ``(N, 2)``.
        y: their labels (0/1, -1/+1 or class indices).
        ax: axes to draw into (default: a new figure).
        resolution: grid points per side.
        threshold: see above.
        padding: margin around the data.
        title: the axes' title.

    Returns:
        The figure. Its axes hold the filled class regions, the boundary line (binary), and
        one scatter of the data.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D points, X of shape (N, 2); got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} points but y has {len(y)} labels")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")

    xs = np.linspace(X[:, 0].min() - padding, X[:, 0].max() + padding, resolution)
    ys = np.linspace(X[:, 1].min() - padding, X[:, 1].max() + padding, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    with no_grad():
        scores = predictions_array(model(grid))
    fig, ax = _figure_and_axes(ax, (5, 4.5))

    if scores.ndim == 1 or scores.shape[1] == 1:
        scores = scores.reshape(grid_x.shape)
        if threshold is None:
            threshold = 0.0 if np.any(y < 0) else 0.5
        predicted = (scores > threshold).astype(float)
        ax.contourf(
            grid_x, grid_y, predicted, levels=[-0.5, 0.5, 1.5], colors=["#9ecae1", "#fdae6b"], alpha=0.6
        )
        if scores.min() < threshold < scores.max():
            ax.contour(grid_x, grid_y, scores, levels=[threshold], colors="k", linewidths=1.5)
        classes = np.where(y > (0 if np.any(y < 0) else 0.5), 1, 0)
        colours = np.array(["#3182bd", "#e6550d"])[classes]
    else:
        predicted = scores.argmax(axis=1).reshape(grid_x.shape).astype(float)
        k = scores.shape[1]
        ax.contourf(grid_x, grid_y, predicted, levels=np.arange(k + 1) - 0.5, cmap="Pastel1", alpha=0.8)
        colours = np.array([f"C{i}" for i in range(k)])[y.astype(int)]
    ax.scatter(X[:, 0], X[:, 1], c=colours, edgecolors="k", s=30, zorder=3)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    if title:
        ax.set_title(title)
    return fig


# --- confusion matrix ----------------------------------------------------------------------


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``M[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    ``y_pred`` may be class indices or scores of shape ``(N, k)`` (the argmax is taken), also
    as the ``Value`` outputs of a model.

    Raises:
        ValueError: on a length mismatch or labels that are not non-negative integers.
    """
    true = np.asarray(y_true)
    pred = predictions_array(y_pred)
    if pred.ndim == 2:
        if num_classes is None:
            num_classes = pred.shape[1]
        pred = pred.argmax(axis=1)
    if true.ndim == 2:
        true = true.argmax(axis=1)
    if len(true) != len(pred):
        raise ValueError(f"confusion_matrix: {len(true)} true labels but {len(pred)} predictions")
    for what, labels in (("true", true), ("predicted", pred)):
        if labels.size and (np.any(labels < 0) or np.any(labels != np.round(labels))):
            raise ValueError(f"confusion_matrix: {what} labels must be class indices 0, 1, ...")
    true, pred = true.astype(np.int64), pred.astype(np.int64)
    largest = max(int(true.max(initial=-1)), int(pred.max(initial=-1))) + 1
    k = largest if num_classes is None else num_classes
    if largest > k:
        raise ValueError(f"confusion_matrix: a label is >= num_classes={num_classes}")
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (true, pred), 1)
    return matrix


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """A confusion matrix as a heat map with the count in each cell.

    Rows are the true classes, columns the predicted ones; the diagonal holds the correct
    predictions. Arguments as for :func:`confusion_matrix`.

    Returns:
        The figure; its axes hold the image (``ax.images[0].get_array()`` is the matrix) and
        one text per cell.
    """
    k = len(class_names) if class_names is not None else None
    matrix = confusion_matrix(y_true, y_pred, num_classes=k)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(matrix))]
    fig, ax = _figure_and_axes(ax, (4.5, 4))
    ax.imshow(matrix, cmap="Blues", vmin=0)
    ticks = np.arange(len(matrix))
    ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    dark = matrix.max() / 2 if matrix.size else 0
    for i in range(len(matrix)):
        for j in range(len(matrix)):
            colour = "white" if matrix[i, j] > dark else "black"
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=colour)
    accuracy = np.trace(matrix) / matrix.sum() if matrix.sum() else float("nan")
    ax.set_title(title if title is not None else f"accuracy {accuracy:.1%}")
    fig.tight_layout()
    return fig
