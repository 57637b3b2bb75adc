"""Optimizers: ``SGD`` (with momentum) and ``Adam``, with PyTorch's update rules.

An optimizer holds a list of parameters (``Value`` leaves). ``step()`` reads each
parameter's ``grad`` and writes a new ``data`` (under ``no_grad``: no graph is recorded);
``zero_grad()`` resets the gradients. The learning rate is a number or a schedule: a callable
of the step number (0 for the first ``step()``).

While every parameter holds a float, a step is a few numpy expressions over all of them at once
(read and written in bulk through :mod:`autograd.bulk`): the same float64 operations as the
loop over parameters, so the same bits, at a fraction of the cost for thousands of parameters.
A parameter holding a batch sends the step back to the loop.

Example:
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=lambda k: 0.1 / (k + 1))
    >>> (w * w).backward()          # d/dw w^2 = 2
    >>> opt.step()
    >>> w.data                      # 1 - 0.1 * 2
    0.8
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any, Union

import numpy as np

from autograd import Value, no_grad
from autograd.bulk import floats_of, grads_of, write_floats

__all__ = ["Optimizer", "SGD", "Adam", "LearningRate"]

LearningRate = Union[float, Callable[[int], float]]


class Optimizer:
    """Base class: parameter checks, ``zero_grad``, the learning-rate schedule, the step count.

    Subclasses implement ``_update(lr)``, which changes the parameters' ``data``.

    Raises:
        ValueError: if there are no parameters, one appears twice, or ``lr`` is negative.
        TypeError: if a parameter is not a ``Value``.
    """

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        if hasattr(params, "parameters") and callable(params.parameters):
            params = params.parameters()  # a Module passed directly
        name = type(self).__name__
        try:
            self.params: list[Value] = list(params)
        except TypeError:
            raise TypeError(
                f"{name} expects the parameters to optimize (e.g. model.parameters()), "
                f"got {type(params).__name__}"
            ) from None
        if not self.params:
            raise ValueError(f"{name} got no parameters to optimize")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Value")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{name}: a parameter appears more than once in the list")
        if not callable(lr):
            _check_rate(lr, "lr")
        self.lr = lr
        self.steps = 0

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` will use."""
        lr = self.lr(self.steps) if callable(self.lr) else self.lr
        if type(lr) is float and 0.0 <= lr < math.inf:  # the common case, checked cheaply
            return lr
        return _check_rate(lr, f"lr schedule at step {self.steps}" if callable(self.lr) else "lr")

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``grad``, then count the step."""
        lr = self.current_lr()
        with no_grad():
            self._update(lr)
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        lr = "schedule" if callable(self.lr) else repr(self.lr)
        return f"{type(self).__name__}({len(self.params)} parameters, lr={lr})"


# Plain SGD over fewer parameters than this runs as a Python loop: measured on a 2-core EPYC,
# 17 parameters take 6 us a step as a loop and 10 us as arrays; they break even near 40.
_PLAIN_LOOP_UP_TO = 40


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's rule (no dampening, no Nesterov):

    ``g = grad + weight_decay * p``; with momentum ``buf = momentum * buf + g`` (``buf = g``
    at the first step) and ``g = buf``; then ``p -= lr * g``.

    Example:
        >>> from autograd import Value
        >>> w = Value(2.0)
        >>> opt = SGD([w], lr=0.5, weight_decay=0.1)
        >>> w.grad = 1.0
        >>> opt.step()
        >>> w.data                      # 2 - 0.5 * (1 + 0.1 * 2)
        1.4
    """

    def __init__(
        self, params: Iterable[Value], lr: LearningRate, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_rate(momentum, "momentum")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        self._velocity: Any = [None] * len(self.params)  # a list, or an array while all are floats

    def _update(self, lr: float) -> None:
        decay, momentum = self.weight_decay, self.momentum
        first = self._velocity[0] is None  # buf = g at the first step
        few = not decay and not momentum and len(self.params) < _PLAIN_LOOP_UP_TO  # the loop is cheaper
        arrays = (
            None if few else _floats_of(self.params, *([self._velocity] if momentum and not first else []))
        )
        if arrays is not None:  # every parameter a float: numpy expressions, the same bits
            data, g, *buf = arrays
            if decay:
                g = g + decay * data
            if momentum:
                g = self._velocity = g if first else momentum * buf[0] + g
            write_floats(self.params, data - lr * g)
            return
        velocity = self._velocity = _as_list(self._velocity)
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data if decay else p.grad
            if momentum:
                buf = velocity[i]
                g = velocity[i] = g if buf is None else momentum * buf + g
            p.data = p.data - lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, PyTorch's rule (``weight_decay`` is L2,
    added to the gradient, not AdamW's decoupled decay).

    Example:
        >>> from autograd import Value
        >>> w = Value(1.0)
        >>> opt = Adam([w], lr=0.1)
        >>> w.grad = 3.0
        >>> opt.step()                  # the first step moves by lr, whatever the gradient size
        >>> round(w.data, 9)
        0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if (
            not isinstance(betas, (tuple, list))
            or len(betas) != 2
            or not all(0.0 <= _check_rate(b, "betas") < 1.0 for b in betas)
        ):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _check_rate(eps, "eps")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        self._m: Any = [0.0] * len(self.params)  # a list, or an array while every parameter is a float
        self._v: Any = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        beta1, beta2 = self.betas
        t = self.steps + 1
        step_size = lr / (1 - beta1**t)
        correction2_sqrt = math.sqrt(1 - beta2**t)
        arrays = _floats_of(self.params, self._m, self._v)
        if arrays is not None:  # every parameter a float: numpy expressions, the same bits
            data, g, m, v = arrays
            if self.weight_decay:
                g = g + self.weight_decay * data
            m = self._m = beta1 * m + (1 - beta1) * g
            v = self._v = beta2 * v + (1 - beta2) * g * g
            write_floats(self.params, data - step_size * m / (np.sqrt(v) / correction2_sqrt + self.eps))
            return
        self._loop(step_size, correction2_sqrt)

    def _loop(self, step_size: float, correction2_sqrt: float) -> None:
        """The update one parameter at a time (some parameters hold batches)."""
        beta1, beta2 = self.betas
        one_minus_beta1, one_minus_beta2 = 1 - beta1, 1 - beta2
        decay, eps, sqrt = self.weight_decay, self.eps, math.sqrt
        first = self._m = _as_list(self._m)
        second = self._v = _as_list(self._v)
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data if decay else p.grad
            m = first[i] = beta1 * first[i] + one_minus_beta1 * g
            v = second[i] = beta2 * second[i] + one_minus_beta2 * g * g
            root = sqrt(v) if type(v) is float else v**0.5  # batched values: element-wise
            p.data = p.data - step_size * m / (root / correction2_sqrt + eps)


def _floats_of(params: list[Value], *states: Any) -> list[np.ndarray] | None:
    """The parameters' data, their gradients and the optimizer's ``states`` (one number per
    parameter each) as arrays, if all of them are plain numbers, else None. The update is then a
    few numpy expressions instead of a Python loop, with the same float64 arithmetic."""
    data, grads = floats_of(params), grads_of(params)
    if data is None or grads is None:
        return None
    if not all(type(s) is np.ndarray or set(map(type, s)) <= {float} for s in states):
        return None
    return [data, grads, *(np.asarray(s, dtype=np.float64) for s in states)]


def _as_list(state: Any) -> list[Any]:
    return state.tolist() if type(state) is np.ndarray else list(state)


def _check_rate(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    if x < 0:
        raise ValueError(f"{what} must be >= 0, got {x!r}")
    return float(x)
