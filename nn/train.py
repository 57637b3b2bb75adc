"""``fit``: the training loop (forward, loss, backward, step) over epochs and mini-batches.

By default each batch is one vectorised forward pass: the ``(B, nin)`` array goes to the
model at once, so the graph has batched values instead of ``B`` copies of the network. With
``vectorize=False`` every sample gets its own scalar graph (micrograd's way); the gradients
are the same.

Example:
    >>> from nn import MLP, SGD, fit, xor
    >>> X, y = xor()
    >>> model = MLP(2, [8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> history = fit(model, X, y, loss="bce", optimizer=SGD(model.parameters(), lr=1.0),
    ...               epochs=300, metrics=["accuracy"], progress=False)
    >>> history["accuracy"][-1], history.loss[-1] < 0.05
    (1.0, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from autograd import Value, no_grad
from nn.losses import binary_cross_entropy_with_logits, hinge_loss, resolve_loss
from nn.metrics import accuracy, predictions_array
from nn.module import Module
from nn.optim import SGD, Optimizer

__all__ = ["fit", "History", "METRICS"]

Metric = Callable[[np.ndarray, np.ndarray], float]
METRICS: dict[str, Metric] = {"accuracy": accuracy}


class History:
    """Per-epoch records of a ``fit`` run: ``loss``, each metric, and ``val_`` versions.

    Example:
        >>> h = History()
        >>> h.record(loss=0.5, accuracy=0.75)
        >>> h.record(loss=0.25, accuracy=1.0)
        >>> h.to_dict()
        {'epoch': [1, 2], 'loss': [0.5, 0.25], 'accuracy': [0.75, 1.0]}
        >>> h
        History(epochs=2, loss=0.25, accuracy=1)
    """

    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.records: dict[str, list[float]] = {}
        # fit(track_grads=True): {"layer 0": [per epoch], ...}, the mean over the epoch's steps
        # of the L2 norm of the layer's parameter gradients (see nn.plots.plot_gradient_flow)
        self.grad_norms: dict[str, list[float]] = {}

    def record(self, **values: float) -> None:
        """Add one epoch's values (the epoch number counts from 1)."""
        self.epochs.append(len(self.epochs) + 1)
        for name, value in values.items():
            self.records.setdefault(name, []).append(float(value))

    @property
    def loss(self) -> list[float]:
        """The training loss of each epoch."""
        return self.records.get("loss", [])

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.records:
            raise KeyError(f"no record named {name!r}; have {', '.join(map(repr, self.records))}")
        return self.records[name]

    def __len__(self) -> int:
        return len(self.epochs)

    def to_dict(self) -> dict[str, list[Any]]:
        """``{"epoch": [...], "loss": [...], ...}``: ready for a plot or a ``pandas.DataFrame``."""
        return {"epoch": list(self.epochs), **{name: list(values) for name, values in self.records.items()}}

    def __repr__(self) -> str:
        last = ", ".join(f"{name}={values[-1]:.4g}" for name, values in self.records.items())
        return f"History(epochs={len(self)}{', ' if last else ''}{last})"


def fit(
    model: Callable[..., Any],
    X: Any,
    y: Any,
    loss: Union[str, Callable[..., Value]] = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    metrics: Sequence[Union[str, Metric]] = (),
    progress: bool = True,
    vectorize: bool = True,
    validation_data: tuple[Any, Any] | None = None,
    callback: Callable[[int, History], None] | None = None,
    track_grads: bool = False,
) -> History:
    """Train ``model`` on ``X`` (shape ``(N, nin)``) and targets ``y`` (``N`` rows).

    Args:
        model: an ``MLP`` (or any callable taking a ``(B, nin)`` array, or one sample when
            ``vectorize=False``).
        loss: ``"mse"``, ``"bce"``, ``"bce_with_logits"``, ``"cross_entropy"``, ``"hinge"``, or
            a callable ``(predictions, targets) -> Value`` (add regularisation there).
        optimizer: default ``SGD(model.parameters(), lr=0.1)``.
        epochs: passes over the data.
        batch_size: samples per step; ``None``: all of them (full-batch gradient descent).
        shuffle: draw a new sample order each epoch (only matters with mini-batches).
        seed: seed of the shuffling.
        metrics: names (``"accuracy"``) or callables ``(predictions_array, targets) -> float``,
            computed each epoch on the predictions made during the epoch (before each step).
            Accuracy thresholds scores at 0 for ``"hinge"`` and ``"bce_with_logits"``.
        progress: show a tqdm progress bar (terminal or notebook) if tqdm is installed.
        vectorize: one batched graph per batch (default) or one scalar graph per sample.
        validation_data: ``(X_val, y_val)``, evaluated after each epoch without a graph
            (records ``val_loss`` and ``val_<metric>``).
        callback: called as ``callback(epoch, history)`` after each epoch.
        track_grads: record each layer's gradient norm per epoch in ``history.grad_norms``
            (needs a model with ``.layers``, such as an ``MLP``).

    Returns:
        A :class:`History` with ``loss`` (the batch losses of the epoch, averaged with
        weights by batch size) and each metric, per epoch.

    Raises:
        ValueError: for ``X``/``y`` length mismatch, bad sizes, unknown loss or metric names.
        FloatingPointError: if the loss becomes NaN or infinite (lower the learning rate).
    """
    X, y = _check_data(X, y, "")
    loss_fn = resolve_loss(loss)
    metric_fns = _resolve_metrics(metrics, loss_fn)
    _check_epochs(epochs)
    n = len(X)
    batch_size = _checked_batch_size(batch_size, n)
    validation = _checked_validation(validation_data)
    trainer = _Trainer(
        model=model,
        loss_fn=loss_fn,
        optimizer=_checked_optimizer(model, optimizer),
        vectorize=vectorize,
        groups=_layer_groups(model) if track_grads else {},
        keep_predictions=bool(metric_fns),
    )
    rng = np.random.default_rng(seed)
    history = History()
    bar = _progress_bar(epochs, progress)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n) if shuffle and batch_size < n else np.arange(n)
        total, outputs, norms = trainer.run_epoch(X, y, order, batch_size, epoch)
        values = {"loss": total / n}
        if metric_fns:
            values.update(_metric_values(outputs, y, metric_fns))
        if validation is not None:
            values.update(_evaluate(model, *validation, loss_fn, metric_fns, vectorize))
        history.record(**values)
        steps = -(-n // batch_size)
        for name in trainer.groups:
            history.grad_norms.setdefault(name, []).append(norms[name] / steps)
        if bar is not None:
            bar.set_postfix({k: f"{v:.4g}" for k, v in values.items()}, refresh=False)
            bar.update(1)
        if callback is not None:
            callback(epoch, history)
    if bar is not None:
        bar.close()
    return history


# Which rows of X one batch was, and the model's predictions for them.
_BatchPredictions = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Trainer:
    """The fixed parts of one ``fit`` run: the model, its loss and optimizer, what to record."""

    model: Callable[..., Any]
    loss_fn: Callable[..., Value]
    optimizer: Optimizer
    vectorize: bool
    groups: dict[str, list[Value]]
    keep_predictions: bool

    def run_epoch(
        self, X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int, epoch: int
    ) -> tuple[float, list[_BatchPredictions], dict[str, float]]:
        """One pass over the data in ``order``: the summed loss (weighted by batch size), each
        batch's predictions (if kept) and each layer group's summed gradient norms."""
        total, outputs, norms = 0.0, [], {name: 0.0 for name in self.groups}
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            where = f"at epoch {epoch} (batch at sample {start})"
            out, batch_loss = self.step(X[rows], y[rows], norms, where)
            total += batch_loss * len(rows)
            if self.keep_predictions:
                outputs.append((rows, predictions_array(out)))
        return total, outputs, norms

    def step(self, X: np.ndarray, y: np.ndarray, norms: dict[str, float], where: str) -> tuple[Any, Any]:
        """Forward, loss, backward and an optimizer step on one batch; adds the gradient norms
        to ``norms``. Returns the model's output and the loss's data."""
        self.optimizer.zero_grad()
        out = _forward(self.model, X, self.vectorize)
        batch_loss = self.loss_fn(out, y)
        if not math.isfinite(batch_loss.data):
            raise FloatingPointError(
                f"fit: the loss is {batch_loss.data} {where}; try a smaller learning rate"
            )
        batch_loss.backward()
        for name, params in self.groups.items():
            norms[name] += math.sqrt(sum(float(p.grad) ** 2 for p in params))
        self.optimizer.step()
        return out, batch_loss.data


def _metric_values(
    outputs: list[_BatchPredictions], y: np.ndarray, metric_fns: dict[str, Metric]
) -> dict[str, float]:
    """Each metric on the epoch's predictions, put back in the order of ``X``."""
    predictions = np.empty((len(y), *outputs[0][1].shape[1:]))
    for rows, out_array in outputs:
        predictions[rows] = out_array
    return {name: fn(predictions, y) for name, fn in metric_fns.items()}


def _check_epochs(epochs: Any) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")


def _checked_batch_size(batch_size: Any, n: int) -> int:
    """``batch_size``, or ``n`` (the whole data set) for ``None``."""
    if batch_size is None:
        return n
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    return int(batch_size)


def _checked_validation(validation_data: tuple[Any, Any] | None) -> tuple[np.ndarray, np.ndarray] | None:
    """``(X_val, y_val)`` as checked arrays, or ``None`` without validation data."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError("fit: validation_data must be a pair (X_val, y_val)")
    X_val, y_val = validation_data
    return _check_data(X_val, y_val, "validation ")


def _checked_optimizer(model: Callable[..., Any], optimizer: Optimizer | None) -> Optimizer:
    """The optimizer given, or SGD with ``lr=0.1`` on the model's parameters."""
    if optimizer is None:
        if not isinstance(model, Module):
            raise ValueError("fit needs an optimizer for a model that is not an nn.Module")
        return SGD(model.parameters(), lr=0.1)
    if not (callable(getattr(optimizer, "step", None)) and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(
            f"fit: optimizer must be an optimizer such as nn.SGD(model.parameters(), lr=0.1), "
            f"got {type(optimizer).__name__}"
        )
    return optimizer


def _layer_groups(model: Any) -> dict[str, list[Value]]:
    layers = getattr(model, "layers", None)
    if not layers:
        raise ValueError("fit(track_grads=True) needs a model with layers (model.layers), such as an MLP")
    return {f"layer {k}": list(layer.parameters()) for k, layer in enumerate(layers)}


def _evaluate(
    model: Callable[..., Any],
    X: np.ndarray,
    y: np.ndarray,
    loss_fn: Callable[..., Value],
    metric_fns: dict[str, Metric],
    vectorize: bool,
) -> dict[str, float]:
    with no_grad():
        out = _forward(model, X, vectorize)
        values = {"val_loss": float(loss_fn(out, y).data)}
    predictions = predictions_array(out)
    values.update({f"val_{name}": fn(predictions, y) for name, fn in metric_fns.items()})
    return values


def _forward(model: Callable[..., Any], X: np.ndarray, vectorize: bool) -> Any:
    return model(X) if vectorize else [model(x) for x in X]


def _check_data(X: Any, y: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"fit: {what}X and y must be numeric arrays") from None
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"fit: {what}X must be a non-empty 2-D array (samples, features), got {X.shape}")
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"fit: {what}X has {len(X)} samples but y has {len(y) if y.ndim else 'no'} rows")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError(f"fit: {what}X and y must be finite (found NaN or infinity)")
    return X, y


def _resolve_metrics(
    metrics: Iterable[Union[str, Metric]], loss_fn: Callable[..., Value]
) -> dict[str, Metric]:
    if isinstance(metrics, str):
        metrics = [metrics]
    resolved: dict[str, Metric] = {}
    for metric in metrics:
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(f"unknown metric {metric!r}; valid names: {', '.join(map(repr, METRICS))}")
            if metric == "accuracy" and loss_fn in (hinge_loss, binary_cross_entropy_with_logits):
                resolved[metric] = lambda p, t: accuracy(p, t, threshold=0.0)  # raw scores
            else:
                resolved[metric] = METRICS[metric]
        elif callable(metric):
            resolved[getattr(metric, "__name__", f"metric_{len(resolved)}")] = metric
        else:
            raise TypeError(f"a metric must be a name or a callable, got {type(metric).__name__}")
    return resolved


def _progress_bar(epochs: int, progress: bool) -> Any:
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional (the "progress" extra)
        return None
    return tqdm(total=epochs, desc="fit", unit="epoch")
