"""micrograd's demo: a 2-16-16-1 relu MLP separating 100 "moons" points, replayed.

The recipe of micrograd's ``demo.ipynb``: 100 points with noise 0.1 and labels -1/+1; the
network ``MLP(2, [16, 16, 1])`` (relu hidden layers, linear output, uniform(-1, 1) weights,
337 parameters); the max-margin loss ``mean(relu(1 - y * score))`` plus ``1e-4 * sum(p^2)``;
100 full-batch steps of SGD with the learning rate ``1.0 - 0.9 * k / 100`` at step ``k``.
micrograd reports 100% training accuracy.

Our moons are drawn by :func:`nn.datasets.moons` (the same shapes as scikit-learn's
``make_moons``, not the same random numbers), so the points differ from micrograd's.

Example:
    >>> result = moons_demo(steps=5)
    >>> len(result.history.loss), result.parameters
    (5, 337)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd import Value, no_grad, sum_values
from nn.datasets import moons
from nn.layers import MLP
from nn.losses import hinge_loss
from nn.metrics import accuracy
from nn.optim import SGD
from nn.train import History, fit

__all__ = ["MoonsResult", "moons_demo", "moons_study", "crossed_points", "L2_STRENGTH"]

L2_STRENGTH = 1e-4


@dataclass(frozen=True)
class MoonsResult:
    """The demo's outcome.

    Attributes:
        seed: seeds both the points and the initial weights.
        history: per step, the loss and training ``accuracy`` of the predictions made before
            that step's update (what micrograd prints).
        final_accuracy: training accuracy of the trained network.
        parameters: how many parameters the network has.
        crossed: how many points the noise moved nearer to the other class's half circle.
        model: the trained network (to predict with, draw or save).
    """

    seed: int
    history: History
    final_accuracy: float
    parameters: int
    crossed: int
    model: MLP = field(repr=False, compare=False)


def moons_demo(
    seed: int = 0, steps: int = 100, n: int = 100, noise: float = 0.1, progress: bool = False
) -> MoonsResult:
    """Train micrograd's demo network on ``n`` moons points for ``steps`` full-batch steps.

    Example:
        >>> moons_demo(seed=0, steps=100).final_accuracy
        1.0
    """
    X, y = moons(n, noise=noise, seed=seed, signed=True)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=seed)
    params = model.parameters()

    def max_margin_with_l2(scores: Any, targets: Any) -> Value:
        return hinge_loss(scores, targets) + L2_STRENGTH * sum_values([p * p for p in params])

    history = fit(
        model,
        X,
        y,
        loss=max_margin_with_l2,
        optimizer=SGD(params, lr=lambda k: 1.0 - 0.9 * k / steps),
        epochs=steps,
        shuffle=False,
        metrics=["accuracy"],
        progress=progress,
    )
    with no_grad():
        final = accuracy(model(X), y)
    return MoonsResult(seed, history, final, len(params), crossed_points(X, y), model)


def moons_study(seeds: Iterable[int] = range(20), steps: int = 100) -> list[MoonsResult]:
    """The demo once per seed (each seed: its own points and its own initial weights)."""
    return [moons_demo(seed=seed, steps=steps) for seed in seeds]


def _distance_to_half_circle(points: np.ndarray, center: tuple[float, float], upper: bool) -> np.ndarray:
    """Distance from each point to the upper (or lower) half of the unit circle around ``center``."""
    dx, dy = points[:, 0] - center[0], points[:, 1] - center[1]
    on_arc_side = dy >= 0 if upper else dy <= 0
    to_arc = np.abs(np.hypot(dx, dy) - 1.0)
    to_ends = np.minimum(np.hypot(dx - 1.0, dy), np.hypot(dx + 1.0, dy))
    return np.where(on_arc_side, to_arc, to_ends)


def crossed_points(X: np.ndarray, y: np.ndarray) -> int:
    """How many points lie nearer the other class's (noise-free) half circle than their own.

    The moons are the upper half circle around (0, 0) (label 0 or -1) and the lower one around
    (1, 0.5) (label 1); noise can push a point across. A network that classifies such a point
    "correctly" has bent its boundary around it.

    Example:
        >>> X = np.array([[0.0, 1.0], [1.0, -0.5], [1.0, -0.4]])
        >>> crossed_points(X, np.array([-1, 1, -1]))    # the third lies on the other moon
        1
    """
    to_upper = _distance_to_half_circle(X, (0.0, 0.0), upper=True)
    to_lower = _distance_to_half_circle(X, (1.0, 0.5), upper=False)
    nearer_lower = to_lower < to_upper
    return int(np.sum(nearer_lower != (y > 0)))
