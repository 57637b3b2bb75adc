"""``Neuron``, ``Layer`` and ``MLP``: fully connected networks built from engine values.

A neuron computes ``activation(w . x + b)``; its weighted sum is one n-ary ``dot`` node of the
graph. Parameters are ordered neuron by neuron, weights then bias (micrograd's order), so a
network made from the same random draws has the same parameter list as micrograd's.

Every model accepts one sample (a list of numbers or ``Value`` s, or a 1-D array of length
``nin``) or a batch: a 2-D numpy array of shape ``(B, nin)``. A batch runs through the same
code with batched values (``Value.data`` of shape ``(B,)``), one graph for the whole batch.

Example:
    >>> import numpy as np
    >>> from nn import MLP
    >>> model = MLP(2, [4, 1], activation="tanh", seed=1)
    >>> y = model([0.5, -1.0])                    # one sample -> one Value
    >>> ys = model(np.array([[0.5, -1.0], [1.0, 2.0]]))   # a batch -> one batched Value
    >>> ys.data.shape, bool(np.isclose(ys.data[0], y.data))
    ((2,), True)
"""

from __future__ import annotations

import operator
import random
from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from autograd import OPS, Value, apply_op
from nn.init import Initializer, RandomSource, resolve_init
from nn.inputs import Inputs, as_input_values, finite_array, finite_number
from nn.module import Module

_DOT = OPS["dot"]

__all__ = ["Neuron", "Layer", "MLP", "ACTIVATIONS"]

# name -> function applied to the weighted sum ("linear": none)
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}

InitArg = Union[str, Initializer]


class Neuron(Module):
    """One neuron: ``activation(sum_i w_i * x_i + b)``.

    Args:
        nin: number of inputs.
        activation: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"``.
        bias: whether the neuron has a bias (starts at 0).
        init: weight initialiser: ``"uniform"`` (U(-1, 1), micrograd), ``"scaled_uniform"``,
            ``"normal"``, or a callable ``(rng, nin) -> float`` (see :mod:`nn.init`).
        seed: seed of a fresh ``random.Random`` for the weights.
        rng: a random source to draw from instead (shared by the neurons of a layer or MLP).
            With neither ``seed`` nor ``rng``, Python's global ``random`` is used, as in
            micrograd.

    Example:
        >>> n = Neuron.from_weights([2.0, -1.0], bias=0.5, activation="linear")
        >>> n([1.0, 3.0]).data                  # 2*1 - 1*3 + 0.5
        -0.5
        >>> n
        Neuron(2, linear)
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        bias: bool = True,
        init: InitArg = "uniform",
        seed: int | None = None,
        rng: RandomSource | None = None,
    ) -> None:
        nin = _size(nin, "nin")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        self._activate = _resolve_activation(activation)
        self.activation = activation
        draw, source = resolve_init(init), _random_source(seed, rng)
        self.w = [Value(float(draw(source, nin))) for _ in range(nin)]
        self.b = Value(0.0) if bias else None

    @classmethod
    def from_weights(
        cls, weights: Sequence[float], bias: float | None = None, activation: str = "relu"
    ) -> Neuron:
        """A neuron with the given weights and bias (``bias=None``: no bias)."""
        row = finite_array(weights, "weights", ndim=1)
        b = None if bias is None else finite_number(bias, "bias")
        neuron = cls(len(row), activation, bias=b is not None, init=_Given(row))
        if neuron.b is not None:
            neuron.b.data = b
        return neuron

    @property
    def nin(self) -> int:
        return len(self.w)

    def __call__(self, x: Inputs) -> Value:
        return self._forward(as_input_values(x, self.nin, "Neuron"))

    def _forward(self, inputs: list[Value]) -> Value:
        # The dot node itself (``apply_op``): ``dot``'s argument checks are the caller's here.
        w, b = self.w, self.b
        total = apply_op(_DOT, (*w, *inputs) if b is None else (*w, *inputs, b))
        return total if self._activate is None else self._activate(total)

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, {self.activation}{'' if self.b is not None else ', bias=False'})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it always returns a list.

    Takes the same keyword arguments as :class:`Neuron`; the neurons draw their weights one
    after another from one random source.

    Example:
        >>> layer = Layer(3, 2, activation="tanh", seed=0)
        >>> out = layer([1.0, 2.0, 3.0])
        >>> len(out), layer
        (2, Layer(3 -> 2, tanh))
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        bias: bool = True,
        init: InitArg = "uniform",
        seed: int | None = None,
        rng: RandomSource | None = None,
    ) -> None:
        nin, nout = _size(nin, "nin"), _size(nout, "nout")
        source = _random_source(seed, rng)
        self.neurons = [Neuron(nin, activation, bias, init, rng=source) for _ in range(nout)]
        self._nin = nin

    @classmethod
    def from_weights(
        cls, weights: Any, biases: Sequence[float] | None = None, activation: str = "relu"
    ) -> Layer:
        """A layer from a weight matrix of shape ``(nout, nin)``: row ``j`` is neuron ``j`` 's weights.

        This is PyTorch's ``nn.Linear.weight`` layout; a numpy tutorial's ``W`` of shape
        ``(nin, nout)`` is ``W.T`` here. ``biases`` (length ``nout``) or ``None`` for no biases.
        """
        matrix = finite_array(weights, "weights", ndim=2)
        vector = None if biases is None else _bias_vector(biases, len(matrix))
        nout, nin = matrix.shape
        layer = cls(nin, nout, activation, bias=vector is not None, init=_Given(matrix))
        layer._set_biases(vector)
        return layer

    def _set_biases(self, vector: np.ndarray | None) -> None:
        if vector is not None:
            for neuron, b in zip(self.neurons, vector.tolist()):
                neuron.b.data = b  # type: ignore[union-attr]

    @property
    def nin(self) -> int:
        return self._nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    @property
    def activation(self) -> str:
        return self.neurons[0].activation

    @property
    def bias(self) -> bool:
        return self.neurons[0].b is not None

    def __call__(self, x: Inputs) -> list[Value]:
        return self._forward(as_input_values(x, self.nin, "Layer"))

    def _forward(self, inputs: list[Value]) -> list[Value]:
        return [neuron._forward(inputs) for neuron in self.neurons]

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {self.activation}{'' if self.bias else ', bias=False'})"


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``sizes`` on ``nin`` inputs.

    Args:
        nin: number of inputs.
        sizes: neurons per layer, e.g. ``[16, 16, 1]``.
        activation: activation of every layer but the last.
        output_activation: activation of the last layer (``"linear"`` by default, as micrograd).
        bias, init, seed, rng: as for :class:`Neuron`; one random source feeds all layers.

    Calling the MLP returns a single ``Value`` when the last layer has one neuron, else a list
    (batched values for a ``(B, nin)`` array input).

    Raises:
        ValueError: on a wrong number of inputs ("MLP expects 2 inputs, got 3"), an unknown
            activation (the message lists the valid ones), or sizes that are not positive.

    Example:
        >>> model = MLP(2, [16, 16, 1], seed=1337)
        >>> model.num_parameters()
        337
        >>> model
        MLP(2 -> 16 -> 16 -> 1, 337 parameters)
          (0): Layer(2 -> 16, relu)
          (1): Layer(16 -> 16, relu)
          (2): Layer(16 -> 1, linear)
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        bias: bool = True,
        init: InitArg = "uniform",
        seed: int | None = None,
        rng: RandomSource | None = None,
    ) -> None:
        nin = _size(nin, "nin")
        if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
            sizes = sizes.tolist()
        if isinstance(sizes, (int, np.integer)) or not isinstance(sizes, Sequence) or len(sizes) == 0:
            raise ValueError(f"sizes must be a non-empty list of layer sizes such as [16, 1], got {sizes!r}")
        sizes = [_size(size, "every layer size") for size in sizes]
        _resolve_activation(activation)
        _resolve_activation(output_activation)
        source = _random_source(seed, rng)
        widths = [nin, *sizes]
        self.layers = [
            Layer(
                widths[i],
                widths[i + 1],
                activation if i < len(sizes) - 1 else output_activation,
                bias,
                init,
                rng=source,
            )
            for i in range(len(sizes))
        ]
        self._activation, self._output_activation = activation, output_activation

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Any],
        biases: Sequence[Any] | None = None,
        activation: str = "relu",
        output_activation: str = "linear",
    ) -> MLP:
        """An MLP from one weight matrix per layer, each of shape ``(nout, nin)`` (see
        :meth:`Layer.from_weights`); ``biases``: one vector per layer, or ``None`` for none.

        Example:
            >>> net = MLP.from_weights([[[0.2, 0.2], [0.3, 0.3]], [[0.3, 0.9]]],
            ...                        activation="sigmoid", output_activation="sigmoid")
            >>> round(net([0.35, 0.7]).data, 6)
            0.665074
        """
        if len(weights) == 0:
            raise ValueError("from_weights needs at least one weight matrix")
        if biases is not None and len(biases) != len(weights):
            raise ValueError(f"got {len(weights)} weight matrices but {len(biases)} bias vectors")
        matrices = [finite_array(matrix, "weights", ndim=2) for matrix in weights]
        for i in range(1, len(matrices)):
            (nout, nin), before = matrices[i].shape, len(matrices[i - 1])
            if nin != before:
                raise ValueError(
                    f"weight matrix {i} has shape ({nout}, {nin}) but layer {i - 1} has "
                    f"{before} outputs: it needs shape ({nout}, {before})"
                )
        vectors = None if biases is None else [_bias_vector(b, len(m)) for b, m in zip(biases, matrices)]
        mlp = cls(
            matrices[0].shape[1],
            [len(matrix) for matrix in matrices],
            activation,
            output_activation,
            bias=vectors is not None,
            init=_Given(np.concatenate([matrix.ravel() for matrix in matrices])),
        )
        for i, layer in enumerate(mlp.layers):
            layer._set_biases(None if vectors is None else vectors[i])
        return mlp

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def sizes(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture: ``MLP(**model.config())``."""
        return {
            "nin": self.nin,
            "sizes": self.sizes,
            "activation": self._activation,
            "output_activation": self._output_activation,
            "bias": self.layers[0].bias,
        }

    def __call__(self, x: Inputs) -> Union[Value, list[Value]]:
        values = as_input_values(x, self.nin, "MLP")
        for layer in self.layers:
            values = layer._forward(values)
        return values[0] if len(values) == 1 else values

    def __repr__(self) -> str:
        arrows = " -> ".join(str(n) for n in [self.nin, *self.sizes])
        lines = [f"MLP({arrows}, {self.num_parameters()} parameters)"]
        lines += [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "\n".join(lines)


# --- helpers -------------------------------------------------------------------------------


def _resolve_activation(name: str) -> Callable[[Value], Value] | None:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid names: {', '.join(map(repr, ACTIVATIONS))}")
    return ACTIVATIONS[name]


def _size(n: Any, what: str) -> int:
    """``n`` as a plain ``int`` (numpy integers included); ``ValueError`` unless it is one >= 1."""
    if not isinstance(n, (bool, np.bool_)):
        try:
            size = operator.index(n)
        except TypeError:
            size = 0
        if size >= 1:
            return size
    raise ValueError(f"{what} must be a positive integer, got {n!r}")


def _bias_vector(biases: Any, nout: int) -> np.ndarray:
    vector = finite_array(biases, "biases", ndim=1)
    if len(vector) != nout:
        raise ValueError(f"{nout} neurons need {nout} biases, got {len(vector)}")
    return vector


class _Given:
    """An initialiser that hands out given weights in order (``from_weights`` builds through
    ``__init__`` with it); it draws nothing, so no random generator is touched."""

    def __init__(self, weights: np.ndarray) -> None:
        self._weights = iter(weights.ravel().tolist())

    def __call__(self, rng: RandomSource, nin: int) -> float:
        return next(self._weights)


def _random_source(seed: int | None, rng: RandomSource | None) -> RandomSource:
    if seed is not None and rng is not None:
        raise ValueError("give either seed or rng, not both")
    if rng is not None:
        return rng
    if seed is not None:
        return random.Random(seed)
    return random  # the module's global generator, as in micrograd
