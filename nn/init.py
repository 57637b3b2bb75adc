"""Weight initialisers: how a neuron's starting weights are drawn (biases always start at 0).

An initialiser is any callable ``init(rng, nin) -> float`` that draws one weight of a neuron
with ``nin`` inputs from the random source ``rng`` (a ``random.Random``). Three are built in,
by name or as objects:

* ``"uniform"`` -- :class:`Uniform`: U(-1, 1), micrograd's choice.
* ``"scaled_uniform"`` -- :class:`ScaledUniform`: U(-1/sqrt(nin), 1/sqrt(nin)), PyTorch's
  ``nn.Linear`` default; keeps the weighted sum of order 1 however wide the layer.
* ``"normal"`` -- :class:`Normal`: N(0, scale**2) (the tutorials use scale 1, 0.5 and 0.01).

Example:
    >>> import random
    >>> from nn.init import Normal, resolve_init
    >>> rng = random.Random(0)
    >>> round(resolve_init("uniform")(rng, 2), 6)
    0.688844
    >>> Normal(0.01)
    Normal(scale=0.01)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, Union

__all__ = [
    "RandomSource",
    "Initializer",
    "Uniform",
    "ScaledUniform",
    "Normal",
    "INITIALIZERS",
    "resolve_init",
]


class RandomSource(Protocol):
    """What an initialiser draws from: a ``random.Random`` (or the ``random`` module itself)."""

    def uniform(self, a: float, b: float) -> float: ...

    def gauss(self, mu: float, sigma: float) -> float: ...


Initializer = Callable[[RandomSource, int], float]


@dataclass(frozen=True)
class Uniform:
    """Weights drawn from U(low, high); the default U(-1, 1) is micrograd's."""

    low: float = -1.0
    high: float = 1.0

    def __call__(self, rng: RandomSource, nin: int) -> float:
        return rng.uniform(self.low, self.high)


@dataclass(frozen=True)
class ScaledUniform:
    """Weights drawn from U(-1/sqrt(nin), 1/sqrt(nin)) (PyTorch's ``nn.Linear`` default)."""

    def __call__(self, rng: RandomSource, nin: int) -> float:
        bound = 1.0 / math.sqrt(nin)
        return rng.uniform(-bound, bound)


@dataclass(frozen=True)
class Normal:
    """Weights drawn from a normal distribution with mean 0 and standard deviation ``scale``."""

    scale: float = 1.0

    def __call__(self, rng: RandomSource, nin: int) -> float:
        return rng.gauss(0.0, self.scale)


INITIALIZERS: dict[str, Initializer] = {
    "uniform": Uniform(),
    "scaled_uniform": ScaledUniform(),
    "normal": Normal(),
}


def resolve_init(init: Union[str, Initializer]) -> Initializer:
    """The initialiser named ``init`` (or ``init`` itself if it is callable).

    Raises:
        ValueError: for an unknown name (the message lists the valid ones).
        TypeError: for something that is neither a name nor a callable.
    """
    if isinstance(init, str):
        if init not in INITIALIZERS:
            raise ValueError(f"unknown init {init!r}; valid names: {', '.join(map(repr, INITIALIZERS))}")
        return INITIALIZERS[init]
    if not callable(init):
        raise TypeError(f"init must be a name or a callable (rng, nin) -> float, got {type(init).__name__}")
    return init
