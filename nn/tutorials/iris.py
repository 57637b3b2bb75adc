"""Iris with a 4-2-3 sigmoid network, as a numpy tutorial trains it, and a setup that works.

**The tutorial's setup** (:func:`iris_tutorial_run`): 4 inputs, 2 sigmoid hidden units, 3
sigmoid outputs, no biases; weights drawn from ``normal(scale=0.5)`` after
``np.random.seed(10)``; a held-out set of 20 samples (scikit-learn's ``train_test_split``
with ``random_state=4``); 5,000 full-batch gradient steps with lr 0.1 on the loss
``sum((output - target)^2) / (2 * number of entries)``. The tutorial forgets to one-hot the
labels, so its code cannot run as printed; we one-hot them, and the update it writes is then
exactly the gradient of its loss.

**A better setup** (:func:`iris_better_run`): standardized inputs, a 4-4-3 tanh network with
biases, softmax cross-entropy, Adam (lr 0.05), 100 full-batch epochs.

Both record the loss and training accuracy of every iteration (a :class:`nn.train.History`).

Example:
    >>> run = iris_tutorial_run(iterations=50)
    >>> len(run.history.loss), run.test_size
    (50, 20)
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd import Value, no_grad
from nn.datasets import iris, one_hot, standardize
from nn.layers import MLP
from nn.losses import cross_entropy, mse_loss
from nn.metrics import accuracy, predictions_array
from nn.optim import SGD, Adam
from nn.train import History, fit

__all__ = [
    "IrisRun",
    "IrisStudy",
    "IRIS_SETUPS",
    "TUTORIAL_WEIGHT_SEED",
    "TUTORIAL_SPLIT_SEED",
    "PRINTED_TEST_ACCURACY",
    "tutorial_split",
    "iris_tutorial_run",
    "iris_better_run",
    "iris_study",
]

TEST_SIZE = 20
TUTORIAL_WEIGHT_SEED = 10  # np.random.seed(10) before drawing the weights
TUTORIAL_SPLIT_SEED = 4  # train_test_split(..., random_state=4)
PRINTED_TEST_ACCURACY = 0.8


@dataclass(frozen=True)
class IrisRun:
    """One training run.

    Attributes:
        setup: ``"tutorial"`` or ``"better"``.
        weight_seed, split_seed: the seeds of the initial weights and of the held-out split.
        history: loss and training ``accuracy`` per iteration (measured before each update).
        train_accuracy, test_accuracy: of the trained network.
        test_size: how many held-out samples.
        model: the trained network (to predict with, draw or save).
    """

    setup: str
    weight_seed: int
    split_seed: int
    history: History
    train_accuracy: float
    test_accuracy: float
    test_size: int
    model: MLP = field(repr=False, compare=False)


@dataclass(frozen=True)
class IrisStudy:
    """One setup trained over many seeds (each seed: its own weights and its own split)."""

    setup: str
    runs: tuple[IrisRun, ...]

    @property
    def test_accuracies(self) -> list[float]:
        return [run.test_accuracy for run in self.runs]

    @property
    def mean_test_accuracy(self) -> float:
        return statistics.fmean(self.test_accuracies)

    @property
    def mean_train_accuracy(self) -> float:
        return statistics.fmean(run.train_accuracy for run in self.runs)


def tutorial_split(seed: int, n: int = 150, test_size: int = TEST_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices as scikit-learn's ``train_test_split(test_size=20, random_state=seed)``
    chooses them: one permutation from numpy's ``RandomState(seed)``, the first ``test_size``
    indices held out, the rest (in permutation order) for training.

    Example:
        >>> train, test = tutorial_split(4)
        >>> len(train), len(test), len(set(train) | set(test))
        (130, 20, 150)
    """
    order = np.random.RandomState(seed).permutation(n)
    return order[test_size:], order[:test_size]


def _tutorial_loss(predictions: Any, targets: np.ndarray) -> Value:
    """The tutorial's ``mean_squared_error``: the sum of squared errors over 2 * entries.

    With one-hot targets its gradient is exactly the tutorial's update (which divides by
    ``y_train.size``, the number of entries).
    """
    return mse_loss(predictions, targets, reduction="sum") * (0.5 / targets.size)


def _accuracy_of(model: MLP, X: np.ndarray, labels: np.ndarray) -> float:
    with no_grad():
        return accuracy(predictions_array(model(X)), labels)


def iris_tutorial_run(
    weight_seed: int = TUTORIAL_WEIGHT_SEED,
    split_seed: int = TUTORIAL_SPLIT_SEED,
    iterations: int = 5000,
    lr: float = 0.1,
    progress: bool = False,
) -> IrisRun:
    """The tutorial's program with the labels one-hot encoded (its defaults: its own seeds).

    Example:
        >>> run = iris_tutorial_run(weight_seed=0, split_seed=0, iterations=20)
        >>> run.history["accuracy"][0] <= 1.0
        True
    """
    X, labels = iris()
    train, test = tutorial_split(split_seed)
    rng = np.random.RandomState(weight_seed)
    w_hidden = rng.normal(scale=0.5, size=(4, 2))
    w_output = rng.normal(scale=0.5, size=(2, 3))
    model = MLP.from_weights(
        [w_hidden.T, w_output.T], biases=None, activation="sigmoid", output_activation="sigmoid"
    )
    history = fit(
        model,
        X[train],
        one_hot(labels[train], 3),
        loss=_tutorial_loss,
        optimizer=SGD(model.parameters(), lr=lr),
        epochs=iterations,
        shuffle=False,
        metrics=["accuracy"],
        progress=progress,
    )
    return IrisRun(
        "tutorial",
        weight_seed,
        split_seed,
        history,
        _accuracy_of(model, X[train], labels[train]),
        _accuracy_of(model, X[test], labels[test]),
        len(test),
        model,
    )


def iris_better_run(
    seed: int = TUTORIAL_SPLIT_SEED,
    epochs: int = 100,
    lr: float = 0.05,
    hidden: int = 4,
    progress: bool = False,
) -> IrisRun:
    """Standardized inputs, a 4-``hidden``-3 tanh net, softmax cross-entropy and Adam.

    ``seed`` picks both the split (as :func:`tutorial_split`) and the initial weights
    (PyTorch's default scale, U(-1/sqrt(nin), 1/sqrt(nin))). Inputs are standardized with the
    training set's means and deviations.

    Example:
        >>> iris_better_run(epochs=100).test_accuracy >= 0.9
        True
    """
    X, labels = iris()
    train, test = tutorial_split(seed)
    X_train, X_test = standardize(X[train]), standardize(X[test], reference=X[train])
    model = MLP(
        4, [hidden, 3], activation="tanh", output_activation="linear", init="scaled_uniform", seed=seed
    )
    history = fit(
        model,
        X_train,
        labels[train],
        loss=cross_entropy,
        optimizer=Adam(model.parameters(), lr=lr),
        epochs=epochs,
        shuffle=False,
        metrics=["accuracy"],
        progress=progress,
    )
    return IrisRun(
        "better",
        seed,
        seed,
        history,
        _accuracy_of(model, X_train, labels[train]),
        _accuracy_of(model, X_test, labels[test]),
        len(test),
        model,
    )


IRIS_SETUPS: dict[str, Callable[[int], IrisRun]] = {
    "tutorial": lambda seed: iris_tutorial_run(weight_seed=seed, split_seed=seed),
    "better": lambda seed: iris_better_run(seed=seed),
}


def iris_study(
    setup: str = "tutorial",
    seeds: Iterable[int] = range(20),
    on_run: Callable[[IrisRun], None] | None = None,
) -> IrisStudy:
    """Train ``setup`` (``"tutorial"`` or ``"better"``) once per seed; seed ``s`` uses the
    weights of ``s`` and the split of ``s``.

    Example:
        >>> study = iris_study("better", seeds=[0])
        >>> study.mean_test_accuracy
        1.0
    """
    if setup not in IRIS_SETUPS:
        raise ValueError(f"unknown iris setup {setup!r}; valid: {', '.join(map(repr, IRIS_SETUPS))}")
    runs = []
    for seed in seeds:
        run = IRIS_SETUPS[setup](seed)
        runs.append(run)
        if on_run is not None:
            on_run(run)
    return IrisStudy(setup, tuple(runs))
