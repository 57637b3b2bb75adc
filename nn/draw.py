"""Pictures of a model's computation graph for one input, with its parameters named.

Example:
    >>> from nn import MLP
    >>> from nn.draw import draw_model
    >>> model = MLP.from_weights([[[0.2, 0.2], [0.3, 0.3]], [[0.3, 0.9]]],
    ...                          activation="sigmoid", output_activation="sigmoid")
    >>> picture = draw_model(model, [0.35, 0.7])
    >>> "{ L0.N1.w0 | data 0.3 | grad 0 }" in picture.source      # layer 0, neuron 1, weight 0
    True
    >>> "{ x0 | data 0.35 | grad 0 }" in picture.source
    True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from autograd import Value
from autograd.viz import draw_graph
from nn.module import Module

if TYPE_CHECKING:
    from autograd.viz import GraphPicture

__all__ = ["draw_model", "parameter_labels", "short_name"]


def short_name(name: str) -> str:
    """A parameter's dotted name, shortened for a picture.

    Every index is Python's: ``L0.N1.w2`` is ``model.layers[0].neurons[1].w[2]``, the weight
    of the neuron's input 2 (``x2`` in the first layer, ``L0.N2``'s output in the next).

    Example:
        >>> short_name("layers.1.neurons.0.w.2"), short_name("layers.0.neurons.3.b"), short_name("w.0")
        ('L1.N0.w2', 'L0.N3.b', 'w0')
    """
    name = re.sub(r"(^|\.)layers\.(\d+)", r"\1L\2", name)
    name = re.sub(r"(^|\.)neurons\.(\d+)", r"\1N\2", name)
    return re.sub(r"(^|\.)w\.(\d+)$", r"\1w\2", name)


def parameter_labels(model: Module) -> dict[Value, str]:
    """``{parameter: short name}`` for every parameter of ``model`` that has no label of its own."""
    return {p: short_name(name) for name, p in model.named_parameters() if not p.label}


def draw_model(
    model: Module,
    x: Sequence[Any] | None = None,
    *,
    root: Value | Sequence[Value] | None = None,
    **options: Any,
) -> GraphPicture:
    """Draw ``model``'s graph for one input ``x``, or an existing graph ``root`` built with it.

    Parameters are named after their place in the model (``L0.N1.w2``: layer 0, neuron 1, the
    weight of input 2; see :func:`short_name`) and coloured as parameters; the inputs are
    labelled ``x0, x1, ...`` when ``x`` is given. Pass ``root=loss`` to draw a loss built on the
    model's output, for example before and after ``loss.backward()``.

    Args:
        model: any :class:`~nn.Module` whose ``__call__`` takes one sample.
        x: one sample (a sequence of numbers).
        root: the output(s) to draw instead of calling the model.
        **options: passed to :func:`autograd.viz.draw_graph` (``rankdir``, ``show_grad``,
            ``legend``, ``max_nodes``, ``labels`` ...).

    Raises:
        ValueError: unless exactly one of ``x`` and ``root`` is given.
    """
    if (x is None) == (root is None):
        raise ValueError("draw_model needs exactly one of x (an input sample) or root (a graph to draw)")
    labels = parameter_labels(model)
    if x is not None:
        if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
            raise TypeError(f"x must be one sample (a sequence of numbers), got {type(x).__name__}")
        inputs = [v if isinstance(v, Value) else Value(v) for v in x]
        for i, value in enumerate(inputs):
            labels.setdefault(value, value.label or f"x{i}")
        root = model(inputs)  # type: ignore[operator]  # every model defines __call__
    labels.update(options.pop("labels", None) or {})
    return draw_graph(cast(Value, root), parameters=model.parameters(), labels=labels, **options)
