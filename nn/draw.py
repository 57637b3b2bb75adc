"""Pictures of a model: one box per neuron (readable for real networks), or every op.

:func:`draw_model` runs the model on ``x`` itself and differentiates that graph with
:func:`autograd.gradients`, which reads and writes no ``.grad``: the gradients drawn always
belong to the picture's own forward pass, never to an earlier ``backward()`` (after training,
the parameters' ``.grad`` hold the last batch's gradients, which say nothing about ``x``).

* ``level="neurons"`` (the default for an MLP, a Layer or a Neuron): inputs on the left, one
  cluster per layer, one box per neuron with its output and its bias gradient (``grad b``;
  ``grad z``, the gradient of the weighted sum, for a neuron without bias: the two are the
  same number). Each edge is a weight: its width grows with ``|d root / d w|`` and its colour
  gives the sign (blue positive, red negative). For a batch the boxes show the mean over the
  samples (or one sample: ``sample=k``); gradients are summed over the batch, as ``backward``
  sums them. micrograd's ``MLP(2, [16, 16, 1])`` is 35 boxes, whatever the batch size.
* ``level="ops"``: every value and op (:func:`autograd.viz.draw_graph`), parameters named after
  their place in the model (``L0.N1.w2``, see :func:`short_name`).

Example:
    >>> from nn import MLP
    >>> from nn.draw import draw_model
    >>> model = MLP.from_weights([[[0.2, 0.2], [0.3, 0.3]], [[0.3, 0.9]]],
    ...                          activation="sigmoid", output_activation="sigmoid")
    >>> picture = draw_model(model, [0.35, 0.7])
    >>> print(picture.source.count("[label=") - picture.source.count("->"))   # boxes: 2 + 2 + 1
    5
    >>> ops = draw_model(model, [0.35, 0.7], level="ops")
    >>> "{ L0.N1.w0 | data 0.3 | grad 0.01711 }" in ops.source   # layer 0, neuron 1, weight 0
    True
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from autograd import Value, gradients, sum_values, topological_order
from autograd.viz import KIND_STYLES, draw_graph
from nn.inputs import as_input_values
from nn.layers import MLP, Layer, Neuron
from nn.module import Module

if TYPE_CHECKING:
    from autograd.viz import GraphPicture

__all__ = ["draw_model", "parameter_labels", "short_name", "NEURON_VIEW_SIZE"]

# The drawing is scaled down to fit this many inches ("width,height"): about a notebook's
# width on a laptop screen, and no limit that matters on the height (a page scrolls down).
# Pass size= to change it.
NEURON_VIEW_SIZE = "10,40"
_POSITIVE, _NEGATIVE, _NO_GRADIENT = "#2b6cb0", "#c53030", "#999999"
# Edges are labelled with their weight and gradient only when there are few enough to read.
_LABELLED_EDGES = 12


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
    x: Any = None,
    *,
    root: Value | Sequence[Value] | None = None,
    level: str | None = None,
    loss: Callable[[Any], Value] | None = None,
    sample: int | None = None,
    show_grad: bool = True,
    rankdir: str = "LR",
    size: str | None = NEURON_VIEW_SIZE,
    **options: Any,
) -> GraphPicture:
    """Draw ``model`` run on ``x`` (one sample or a ``(B, nin)`` batch), or an existing graph.

    Args:
        model: an :class:`~nn.MLP`, :class:`~nn.Layer` or :class:`~nn.Neuron` (any
            :class:`~nn.Module` at ``level="ops"``).
        x: the input: one sample (a sequence of numbers) or a batch (a 2-D array).
        root: an existing graph built with the model (e.g. a loss, before and after its
            ``backward()``) to draw at op level, with the ``.grad`` it holds.
        level: ``"neurons"`` (default with ``x``) or ``"ops"`` (the default with ``root``, or
            when an option only the op view has is given: ``max_nodes``, ``legend`` ...).
        loss: what the gradients are of: a function of the model's output (the value, or the
            list of values for several outputs), e.g. ``lambda out: hinge_loss(out, y)``.
            Default: the sum of the outputs (over the batch, too).
        sample: with a batch, show this sample's values instead of the mean over the batch.
        show_grad: draw gradients (the edges then show weights: width ``|w|``, colour its sign).
        rankdir: ``"LR"`` (inputs left) or ``"TB"`` (inputs on top).
        size: graphviz ``size`` in inches; the picture is scaled down to fit (``None``: no limit).
        **options: passed to :func:`autograd.viz.draw_graph` at op level (``legend``,
            ``max_nodes``, ``labels``, ``digits`` ...); ``digits`` also at neuron level.

    Raises:
        ValueError: unless exactly one of ``x`` and ``root`` is given; for an unknown level.
        TypeError: for a model the neuron view cannot read (use ``level="ops"``).
    """
    if (x is None) == (root is None):
        raise ValueError(
            "draw_model needs exactly one of x (an input sample or batch) or root (a graph to draw)"
        )
    if level is None:  # options only the op view has (max_nodes, legend ...) ask for it
        level = "ops" if root is not None or set(options) - {"digits"} else "neurons"
    if level not in ("neurons", "ops"):
        raise ValueError(f"level must be 'neurons' or 'ops', got {level!r}")
    if x is not None and isinstance(x, (str, bytes)) or (x is not None and not hasattr(x, "__iter__")):
        raise TypeError(f"x must be one sample (a sequence of numbers) or a batch, got {type(x).__name__}")
    if root is not None:
        if level != "ops":
            raise ValueError("draw_model(root=...) draws ops; the neuron view needs x")
        return _draw_ops(model, cast(Value, root), None, rankdir, size, options)
    if level == "ops":
        labels = parameter_labels(model)
        inputs = _input_values(model, x)
        for i, value in enumerate(inputs):
            labels.setdefault(value, value.label or f"x{i}")
        out = model(inputs)  # type: ignore[operator]  # every model defines __call__
        grads = None
        if show_grad:
            target = _differentiated(out, loss)
            order = topological_order(target)
            grads = dict(zip(order, gradients(target, order)))
        options["labels"] = {**labels, **(options.get("labels") or {})}
        return _draw_ops(model, out, grads, rankdir, size, {**options, "show_grad": show_grad})
    return _draw_neurons(model, x, loss, sample, show_grad, rankdir, size, options.pop("digits", 3), options)


def _input_values(model: Module, x: Any) -> list[Value]:
    """``x`` as the model's input values: one per input, each a number or a batch."""
    try:
        nin = _layers(model)[0].nin
    except TypeError:  # another kind of module: take x as one sample
        return [v if isinstance(v, Value) else Value(v) for v in cast(Sequence[Any], x)]
    return as_input_values(x, nin, "draw_model")


def _differentiated(out: Any, loss: Callable[[Any], Value] | None) -> Value:
    """The scalar whose gradients are drawn: ``loss(out)``, or the sum of the outputs."""
    if loss is not None:
        target = loss(out)
        if not isinstance(target, Value):
            raise TypeError(f"loss must return a Value, got {type(target).__name__}")
    else:
        target = sum_values(out) if isinstance(out, list) else out
    return target.sum() if isinstance(target.data, np.ndarray) else target


def _draw_ops(
    model: Module,
    root: Value,
    grads: dict[Value, Any] | None,
    rankdir: str,
    size: str | None,
    options: dict[str, Any],
) -> GraphPicture:
    labels = parameter_labels(model)
    labels.update(options.pop("labels", None) or {})
    return draw_graph(
        root, parameters=model.parameters(), labels=labels, rankdir=rankdir, size=size, grads=grads, **options
    )


def _box(style: dict[str, str]) -> dict[str, str]:
    """A kind's colours on a plain box (one line of text: no record fields)."""
    return {**style, "shape": "box"}


def _layers(model: Module) -> list[Layer]:
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, Layer):
        return [model]
    if isinstance(model, Neuron):
        layer = Layer.__new__(Layer)
        layer.neurons, layer._nin = [model], model.nin
        return [layer]
    raise TypeError(
        f"the neuron view draws an MLP, a Layer or a Neuron, got {type(model).__name__}; "
        "use draw_model(model, x, level='ops')"
    )


def _draw_neurons(
    model: Module,
    x: Any,
    loss: Callable[[Any], Value] | None,
    sample: int | None,
    show_grad: bool,
    rankdir: str,
    size: str | None,
    digits: int,
    options: dict[str, Any],
) -> GraphPicture:
    if options:
        raise TypeError(f"options {sorted(options)} apply at op level only: pass level='ops'")
    layers = _layers(model)
    inputs = as_input_values(x, layers[0].nin, "draw_model")
    batch = len(inputs[0].data) if isinstance(inputs[0].data, np.ndarray) else None
    if sample is not None and (batch is None or not 0 <= sample < batch):
        raise ValueError(f"sample={sample!r} needs a batch x with more than {sample} samples")
    units = _forward_units(layers, inputs)
    grad_of = _unit_gradients(model, units, loss) if show_grad else {}
    view = _NeuronView(sample, digits, show_grad, grad_of)
    graph = _neuron_picture(rankdir, size, _neuron_caption(batch, sample, loss, show_grad))
    _draw_input_boxes(graph, inputs, view)

    weights = [w for row in units for neuron, _, _ in row for w in neuron.w]
    labelled = len(weights) <= _LABELLED_EDGES
    scale = max(abs(view.amount(w)) for w in weights) or 1.0
    previous = [f"x{i}" for i in range(len(inputs))]
    for k, row in enumerate(units):
        _draw_layer_boxes(graph, k, row, k == len(units) - 1, view)
        _draw_weight_edges(graph, k, row, previous, view, scale, labelled)
        previous = [f"L{k}N{j}" for j in range(len(row))]
    return graph


# One neuron in the forward pass: the neuron, its weighted sum z and its output.
_Unit = tuple[Neuron, Value, Value]


@dataclass(frozen=True)
class _NeuronView:
    """How the neuron view reads numbers: which sample, how many digits, which gradients."""

    sample: int | None
    digits: int
    show_grad: bool
    grad_of: dict[Value, float]

    def shown(self, value: Value) -> float:
        """The number a box shows: the value, one sample of a batch, or the batch's mean."""
        data = value.data
        if not isinstance(data, np.ndarray):
            return float(data)
        return float(data[self.sample]) if self.sample is not None else float(np.mean(data))

    def fmt(self, v: float) -> str:
        return f"{v:.{self.digits}g}"

    def amount(self, w: Value) -> float:
        """What a weight's edge stands for: its gradient, or the weight without gradients."""
        return self.grad_of[w] if self.show_grad else float(w.data)


def _forward_units(layers: list[Layer], inputs: list[Value]) -> list[list[_Unit]]:
    """The forward pass, keeping each neuron's weighted sum and output, one row per layer."""
    units: list[list[_Unit]] = []
    signal = inputs
    for layer in layers:
        row = []
        for neuron in layer.neurons:
            out = neuron(signal)
            z = out if neuron.activation == "linear" else out.parents[0]
            row.append((neuron, z, out))
        units.append(row)
        signal = [out for _, _, out in row]
    return units


def _unit_gradients(
    model: Module, units: list[list[_Unit]], loss: Callable[[Any], Value] | None
) -> dict[Value, float]:
    """Gradients of every weighted sum and parameter, each summed over the batch."""
    outputs = [out for _, _, out in units[-1]]
    result = outputs[0] if isinstance(model, Neuron) or len(outputs) == 1 else outputs
    target = _differentiated(result, loss)
    wanted = [z for row in units for _, z, _ in row] + [p for p in model.parameters()]
    return {v: float(np.sum(g)) for v, g in zip(wanted, gradients(target, wanted))}


def _neuron_caption(
    batch: int | None, sample: int | None, loss: Callable[[Any], Value] | None, show_grad: bool
) -> str:
    """The caption under the neuron view: what the boxes, gradients and edges show."""
    what = (
        ""
        if batch is None
        else (f"sample {sample} of {batch}" if sample is not None else f"mean over {batch} samples")
    )
    of = "the loss" if loss is not None else "the sum of the outputs" + (" over the batch" if batch else "")
    caption = ["one box per neuron: its output" + (f" ({what})" if what else "")]
    if show_grad:
        caption.append(f"gradients of {of}; edge width |grad w|, blue > 0, red < 0")
    else:
        caption.append("edges: weights, width |w|, blue > 0, red < 0")
    return "; ".join(caption)


def _neuron_picture(rankdir: str, size: str | None, caption: str) -> GraphPicture:
    """An empty picture laid out for the neuron view."""
    from autograd.viz import GraphPicture  # graphviz is imported here, not with nn

    return GraphPicture(
        graph_attr={
            "rankdir": rankdir,
            "ranksep": "1.2",
            "nodesep": "0.08",
            "ordering": "out",
            "mclimit": "0.01",  # little crossing reduction: neurons stay in order, N0 on top
            "label": caption,
            "labelloc": "b",
            "fontsize": "11",
            **({"size": size} if size else {}),
        },
        node_attr={"fontsize": "10", "height": "0.3", "shape": "box"},
        edge_attr={"arrowsize": "0.4", "fontsize": "8"},
    )


def _box_text(*fields: str) -> str:
    return "  ".join(fields)


def _draw_input_boxes(graph: Any, inputs: list[Value], view: _NeuronView) -> None:
    """One box per input, in a dashed cluster."""
    with graph.subgraph(name="cluster_inputs") as box:
        box.attr(label="inputs", style="dashed", color="#aaaaaa")
        for i, value in enumerate(inputs):
            text = _box_text(value.label or f"x{i}", view.fmt(view.shown(value)))
            box.node(f"x{i}", text, **_box(KIND_STYLES["input"]))


def _draw_layer_boxes(graph: Any, k: int, row: list[_Unit], is_last: bool, view: _NeuronView) -> None:
    """Layer ``k`` as a cluster of one box per neuron: its output and its bias (or z) gradient."""
    activation = row[0][0].activation
    with graph.subgraph(name=f"cluster_L{k}") as box:
        box.attr(label=f"layer {k}: {len(row)} {activation}", style="rounded", color="#bbbbbb")
        for j, (neuron, z, out) in enumerate(row):
            fields = [f"L{k}.N{j}", f"out {view.fmt(view.shown(out))}"]
            if view.show_grad:
                fields.append(f"grad {'b' if neuron.b is not None else 'z'} {view.fmt(view.grad_of[z])}")
            style = KIND_STYLES["output" if is_last else "intermediate"]
            box.node(f"L{k}N{j}", _box_text(*fields), **_box(style))


def _draw_weight_edges(
    graph: Any,
    k: int,
    row: list[_Unit],
    previous: list[str],
    view: _NeuronView,
    scale: float,
    labelled: bool,
) -> None:
    """One edge per weight into layer ``k``: width by size, colour by sign (of its gradient)."""
    fmt = view.fmt
    for j, (neuron, _, _) in enumerate(row):
        for source, w in zip(previous, neuron.w):
            amount = view.amount(w)
            attributes = {
                "color": _POSITIVE if amount > 0 else _NEGATIVE if amount < 0 else _NO_GRADIENT,
                "penwidth": f"{0.3 + 3.2 * math.sqrt(abs(amount) / scale):.2f}",
                "tooltip": f"w {fmt(float(w.data))}"
                + (f", grad {fmt(view.grad_of[w])}" if view.show_grad else ""),
            }
            if labelled:
                attributes["label"] = attributes["tooltip"]
            graph.edge(source, f"L{k}N{j}", **attributes)
