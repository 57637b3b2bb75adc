"""Small datasets, offline and without scikit-learn: XOR, iris, two moons; and data helpers.

Example:
    >>> X, y = iris()
    >>> X.shape, y.shape, sorted(set(y.tolist()))
    ((150, 4), (150,), [0, 1, 2])
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=20, seed=4)
    >>> X_train.shape, X_test.shape
    ((130, 4), (20, 4))
"""

from __future__ import annotations

import math
import numbers
from importlib import resources
from typing import Any, Union

import numpy as np

__all__ = [
    "xor",
    "iris",
    "moons",
    "train_test_split",
    "one_hot",
    "standardize",
    "IRIS_FEATURES",
    "IRIS_CLASSES",
]

IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def xor(signed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: ``X`` of shape (4, 2) and labels ``y`` in {0, 1} (or {-1, +1} if ``signed``).

    Example:
        >>> X, y = xor()
        >>> X.tolist(), y.tolist()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    return X, 2 * y - 1 if signed else y


def iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's iris data (1936): ``X`` (150, 4) in cm, ``y`` (150,) class indices 0, 1, 2.

    The columns are ``IRIS_FEATURES``, the classes ``IRIS_CLASSES`` (50 samples each, in
    class order). The file ships with the package (``nn/data/iris.csv``, the copy in
    scikit-learn, which follows Fisher's paper; the UCI Machine Learning Repository's copy
    differs in two rows).
    """
    text = resources.files("nn").joinpath("data/iris.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.splitlines() if line and not line.startswith("#")]
    header, body = rows[0], rows[1:]
    if tuple(header[:4]) != IRIS_FEATURES or len(body) != 150:
        raise RuntimeError("nn/data/iris.csv is damaged: expected a header and 150 rows")
    data = np.array(body, dtype=np.float64)
    return data[:, :4], data[:, 4].astype(np.int64)


def moons(
    n: int = 100, noise: float = 0.1, seed: int | None = None, signed: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``, written anew).

    ``n // 2`` points on the upper half circle of radius 1 around (0, 0) get label 0, the
    rest on the lower half circle around (1, 0.5) label 1 (or -1/+1 if ``signed``); samples
    are shuffled and Gaussian noise of standard deviation ``noise`` is added to each coordinate.

    Example:
        >>> X, y = moons(6, noise=0.0, seed=0)
        >>> X.shape, int(y.sum())
        ((6, 2), 3)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"moons needs n >= 2 points, got {n!r}")
    if not isinstance(noise, numbers.Real) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    n_outer = n // 2
    n_inner = n - n_outer
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_inner)
    X = np.concatenate(
        [
            np.stack([np.cos(outer), np.sin(outer)], axis=1),
            np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    X, y = X[order], y[order]
    X = X + rng.normal(scale=noise, size=X.shape)
    return X, (2 * y - 1 if signed else y.astype(np.int64))


def train_test_split(
    X: Any, y: Any, test_size: Union[int, float] = 0.25, seed: int | None = None, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size`` is a number of samples (int) or a fraction in (0, 1) (rounded up). The
    split is a random permutation drawn from ``seed`` (none if ``shuffle=False``: the last
    samples are the test set).

    Raises:
        ValueError: if ``X`` and ``y`` differ in length or the test set would be empty or all.
    """
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"train_test_split: X has {n} samples but y has {len(y)}")
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be an int or a float, got {type(test_size).__name__}")
    if isinstance(test_size, (int, np.integer)):
        n_test = int(test_size)
    elif 0 < test_size < 1:
        n_test = math.ceil(test_size * n)
    else:
        raise ValueError(f"a fractional test_size must be in (0, 1), got {test_size!r}")
    if not 1 <= n_test <= n - 1:
        raise ValueError(f"test_size={test_size!r} leaves no train or no test samples out of {n}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    test, train = order[n - n_test :], order[: n - n_test]
    return X[train], X[test], y[train], y[test]


def one_hot(labels: Any, num_classes: int | None = None) -> np.ndarray:
    """Class indices as one-hot rows (float64, shape ``(N, num_classes)``).

    Example:
        >>> one_hot([0, 2, 1]).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]

    Raises:
        ValueError: for labels that are not integers in ``0..num_classes-1``.
    """
    array = np.asarray(labels)
    if array.ndim != 1 or array.dtype.kind not in "iuf" or not np.all(array == np.round(array)):
        raise ValueError(f"one_hot expects a 1-D sequence of integer class labels, got {labels!r}")
    indices = array.astype(np.int64)
    k = int(indices.max()) + 1 if num_classes is None and len(indices) else int(num_classes or 0)
    if len(indices) and (indices.min() < 0 or indices.max() >= k):
        raise ValueError(f"one_hot: labels must be in 0..{k - 1}, got {indices.min()}..{indices.max()}")
    return np.eye(k)[indices]


def standardize(X: Any, reference: Any = None) -> np.ndarray:
    """Each column shifted to mean 0 and scaled to standard deviation 1.

    The means and deviations come from ``reference`` (default: ``X`` itself): pass the
    training data to scale a test set the same way. A constant column is only shifted.

    Example:
        >>> standardize([[1.0, 5.0], [3.0, 5.0]]).tolist()
        [[-1.0, 0.0], [1.0, 0.0]]
    """
    X = np.asarray(X, dtype=np.float64)
    ref = X if reference is None else np.asarray(reference, dtype=np.float64)
    if X.ndim != 2 or ref.ndim != 2 or ref.shape[1] != X.shape[1] or len(ref) == 0:
        raise ValueError(f"standardize expects 2-D arrays with equal columns, got {X.shape} and {ref.shape}")
    std = ref.std(axis=0)
    return (X - ref.mean(axis=0)) / np.where(std > 0, std, 1.0)
