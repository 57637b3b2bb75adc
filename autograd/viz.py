"""Pictures of computation graphs: every ``Value`` with its data and gradient, every op between.

:func:`draw_graph` (alias :func:`draw_dot`, micrograd's name) returns a ``graphviz.Digraph``.
Building it needs only the Python ``graphviz`` package, so ``.source`` (the DOT text) always
works; turning it into a picture (Jupyter's inline SVG, ``.render(path)``, :func:`render_svg`,
:func:`save`) also needs Graphviz's ``dot`` program, and says how to install it when missing.

How a picture reads:

* one box per ``Value``: its label (if any), its data, its gradient (``show_grad=True``);
* a small oval per op (``+``, ``*``, ``tanh``, ``dot`` ...) between its inputs and its result;
  when an op has several inputs each edge carries the argument's index in ``node.parents``
  (``0``, ``1``; ``w0``, ``x0``, ``bias`` for ``dot``), so ``a + a`` shows two edges;
* fill colour and shape tell the kinds apart: parameters (rounded, orange), inputs (blue),
  constants (grey, dashed), intermediates (white), the output (green, bold); ``legend=True``
  adds a key;
* node names come from the graph's topological order, never from ``id()``: the same graph
  always gives the same DOT text;
* a graph with more than ``max_nodes`` values keeps those nearest the output and shows a note
  "... N more nodes not drawn" where the rest would be.

Example:
    >>> from autograd import Value
    >>> from autograd.viz import draw_graph
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> c.label = "c"
    >>> c.backward()
    >>> dot = draw_graph(c)
    >>> for line in dot.source.splitlines()[4:]:
    ...     print(line.strip())
    v0 [label="{ a | data 2 | grad -3 }" fillcolor="#fdd9b5" shape=Mrecord style=filled]
    v1 [label="{ b | data -3 | grad 2 }" fillcolor="#fdd9b5" shape=Mrecord style=filled]
    v2 [label="{ c | data -6 | grad 1 }" fillcolor="#c7e9c0" penwidth=2 shape=record style="filled,bold"]
    v2_op [label="*" fontsize=10 shape=ellipse]
    v0 -> v2_op [label=0]
    v1 -> v2_op [label=1]
    v2_op -> v2
    }
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import graphviz
import numpy as np

from autograd.value import CONSTANT, Value, topological_order

__all__ = [
    "draw_graph",
    "draw_dot",
    "render_svg",
    "save",
    "GraphPicture",
    "DotNotFoundError",
    "KIND_STYLES",
]

INSTALL_HINT = (
    "Graphviz's 'dot' program is needed to render graph pictures but was not found on PATH. "
    "Install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
    "conda install graphviz (conda), or see https://graphviz.org/download/. "
    "The DOT text is still available as graph.source."
)

# How each kind of node looks. Shape differs as well as colour, so the kinds stay apart in
# grey-scale prints and for colour-blind readers.
KIND_STYLES: dict[str, dict[str, str]] = {
    "parameter": {"shape": "Mrecord", "style": "filled", "fillcolor": "#fdd9b5"},
    "input": {"shape": "record", "style": "filled", "fillcolor": "#c6dbef"},
    "constant": {"shape": "record", "style": "filled,dashed", "fillcolor": "#eeeeee"},
    "intermediate": {"shape": "record", "style": "filled", "fillcolor": "#ffffff"},
    "output": {"shape": "record", "style": "filled,bold", "fillcolor": "#c7e9c0", "penwidth": "2"},
}
_LEGEND_TEXT = {
    "parameter": "parameter",
    "input": "input",
    "constant": "constant",
    "intermediate": "intermediate",
    "output": "output",
}
_OP_SYMBOLS = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "neg": "neg",
    "pow": "**",
    "identity": "id",
    "batch_sum": "sum over batch",
}
_OP_STYLE = {"shape": "ellipse", "fontsize": "10"}
_NOTE_STYLE = {"shape": "note", "style": "dashed", "fontcolor": "#555555"}
_RANKDIRS = ("LR", "RL", "TB", "BT")


class DotNotFoundError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is missing; the message says how to install it."""

    def __init__(self, message: str = INSTALL_HINT) -> None:
        RuntimeError.__init__(self, message)


class GraphPicture(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering errors say how to install Graphviz.

    Everything else (``.source``, ``.render``, ``.pipe``, Jupyter's inline SVG) is graphviz's own.
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as error:
            if isinstance(error, DotNotFoundError):
                raise
            raise DotNotFoundError() from error

    def render(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as error:
            if isinstance(error, DotNotFoundError):
                raise
            raise DotNotFoundError() from error


def render_svg(graph: graphviz.Digraph) -> str:
    """The graph drawn as SVG text (what Jupyter shows inline).

    Raises:
        DotNotFoundError: when Graphviz's ``dot`` program is not installed.
    """
    try:
        return graph.pipe(format="svg", encoding="utf-8")
    except DotNotFoundError:
        raise
    except graphviz.ExecutableNotFound as error:
        raise DotNotFoundError() from error


def save(graph: graphviz.Digraph, path: str | os.PathLike[str], format: str | None = None) -> str:
    """Write the picture to ``path`` (format from its extension, e.g. ``.svg``, ``.png``, ``.pdf``).

    Returns the path written. Raises ``DotNotFoundError`` when ``dot`` is not installed.
    """
    path = os.fspath(path)
    extension = os.path.splitext(path)[1]
    format = format or extension.lstrip(".") or "svg"
    if not extension:
        path = f"{path}.{format}"
    try:
        graph.render(outfile=path, format=format, cleanup=True)
    except DotNotFoundError:
        raise
    except graphviz.ExecutableNotFound as error:
        raise DotNotFoundError() from error
    return path


def draw_graph(
    root: Value | Sequence[Value],
    rankdir: str = "LR",
    max_nodes: int = 250,
    show_grad: bool = True,
    *,
    legend: bool = False,
    digits: int = 4,
    parameters: Iterable[Value] | None = None,
    inputs: Iterable[Value] | None = None,
    labels: Mapping[Value, str] | None = None,
    title: str | None = None,
) -> GraphPicture:
    """Draw the computation graph that produced ``root``.

    Args:
        root: the output value, or a list of outputs (a model with several); everything they
            depend on is drawn.
        rankdir: layout direction, ``"LR"`` (inputs left, output right), ``"TB"``, ``"RL"``, ``"BT"``.
        max_nodes: draw at most this many values (those nearest the output); the rest are
            summarised by one note node.
        show_grad: show each value's ``.grad`` beside its data.
        legend: add a key naming the node kinds present.
        digits: significant digits shown for data and gradients.
        parameters: the learnable leaves. When given, other user leaves count as inputs;
            otherwise every leaf created with ``Value(...)`` counts as a parameter.
        inputs: leaves to show as inputs.
        labels: names to show instead of (or where there is no) ``Value.label``.
        title: a caption under the picture.

    Returns:
        A :class:`GraphPicture` (a ``graphviz.Digraph``): show it in Jupyter, ``.render(path)``
        it, or read ``.source``.

    Raises:
        TypeError: if ``root`` is not a ``Value`` or a non-empty list of them.
        ValueError: for an unknown ``rankdir`` or a ``max_nodes``/``digits`` below 1.

    Example:
        >>> from autograd import Value
        >>> x = Value(0.5, label="x")
        >>> y = (x + x).tanh()
        >>> y.backward()
        >>> dot = draw_graph(y)
        >>> dot.source.count(" -> v1_op")          # the two edges of x + x
        2
        >>> 'label="{ x | data 0.5 | grad 0.8399 }"' in dot.source
        True
    """
    roots = _check_arguments(root, rankdir, max_nodes, digits)
    param_set = set(parameters) if parameters is not None else None
    input_set = set(inputs) if inputs is not None else set()
    labels = labels or {}

    order = topological_order(roots[0]) if len(roots) == 1 else _joint_order(roots)
    number = {node: i for i, node in enumerate(order)}
    kept = _nearest_to_roots(roots, max_nodes) if len(order) > max_nodes else set(order)
    root_set = set(roots)
    horizontal = rankdir in ("LR", "RL")

    graph = GraphPicture(
        graph_attr={"rankdir": rankdir},
        node_attr={"fontsize": "11"},
        edge_attr={"fontsize": "9", "fontcolor": "#555555"},
    )
    if title:
        graph.attr(label=title, labelloc="b")
    kinds_present: list[str] = []
    for node in order:
        if node not in kept:
            continue
        kind = _kind(node, root_set, param_set, input_set)
        if kind not in kinds_present:
            kinds_present.append(kind)
        label = labels.get(node, node.label)
        text = _record(label, node, show_grad, digits, horizontal)
        graph.node(f"v{number[node]}", text, **KIND_STYLES[kind])

    cut = len(order) - len(kept)
    if cut:
        plural = "s" if cut != 1 else ""
        graph.node("more", f"... {cut} more node{plural} not drawn", **_NOTE_STYLE)

    for node in order:
        if node not in kept or not node._prev:
            continue
        op_id = f"v{number[node]}_op"
        graph.node(op_id, _op_text(node), **_OP_STYLE)
        names = _argument_names(node)
        missing_inputs = False
        for parent, name in zip(node._prev, names, strict=True):
            if parent in kept:
                graph.edge(f"v{number[parent]}", op_id, **({"label": name} if name else {}))
            else:
                missing_inputs = True
        if missing_inputs:
            graph.edge("more", op_id, style="dashed", color="#888888")
        graph.edge(op_id, f"v{number[node]}")

    if legend:
        _add_legend(graph, [k for k in KIND_STYLES if k in kinds_present])
    return graph


draw_dot = draw_graph


def _check_arguments(root: Any, rankdir: str, max_nodes: int, digits: int) -> tuple[Value, ...]:
    roots = tuple(root) if isinstance(root, (list, tuple)) else (root,)
    if not roots or not all(isinstance(r, Value) for r in roots):
        raise TypeError(
            f"draw_graph needs a Value (the graph's output) or a non-empty list of Values, got {root!r:.80}"
        )
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive integer, got {max_nodes!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got {digits!r}")
    return roots


class _Outputs:
    """A stand-in node whose parents are several outputs: one walk orders them all."""

    __slots__ = ("_prev",)

    def __init__(self, roots: tuple[Value, ...]) -> None:
        self._prev = roots


def _joint_order(roots: tuple[Value, ...]) -> list[Value]:
    return topological_order(cast(Value, _Outputs(roots)))[:-1]


def _nearest_to_roots(roots: tuple[Value, ...], max_nodes: int) -> set[Value]:
    """The first ``max_nodes`` values met walking back from the outputs breadth-first."""
    kept = set(roots[:max_nodes])
    queue = deque(roots[:max_nodes])
    while queue and len(kept) < max_nodes:
        for parent in queue.popleft()._prev:
            if parent not in kept:
                kept.add(parent)
                queue.append(parent)
                if len(kept) == max_nodes:
                    break
    return kept


def _kind(node: Value, roots: set[Value], parameters: set[Value] | None, inputs: set[Value]) -> str:
    if node in roots:
        return "output"
    if node._prev:
        return "intermediate"
    if node.op is CONSTANT:
        return "constant"
    if node in inputs:
        return "input"
    if parameters is None or node in parameters:
        return "parameter"
    return "input"


def _format_number(x: float, digits: int) -> str:
    return f"{x:.{digits}g}"


def _format(x: Any, digits: int) -> str:
    """A number, or a short summary of a batch (one value per sample)."""
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, np.ndarray):
        if x.size <= 3:
            return "[" + ", ".join(_format_number(float(v), digits) for v in x) + "]"
        mean, low, high = (_format_number(float(f(x)), digits) for f in (np.mean, np.min, np.max))
        return f"{x.size} samples, mean {mean}, range [{low}, {high}]"
    return _format_number(float(x), digits)


def _escape(text: str) -> str:
    """Escape the characters that have a meaning inside a record label."""
    for char in '\\{}|<>"':
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def _record(label: str, node: Value, show_grad: bool, digits: int, horizontal: bool) -> str:
    fields = [_escape(label)] if label else []
    fields.append(f"data {_escape(_format(node.data, digits))}")
    if show_grad:
        fields.append(f"grad {_escape(_format(node.grad, digits))}")
    body = " | ".join(fields)
    # In a left-to-right layout a record stacks its fields vertically unless wrapped in braces.
    return f"{{ {body} }}" if horizontal else body


def _op_text(node: Value) -> str:
    name = str(node.op)
    return _OP_SYMBOLS.get(name, name)


def _argument_names(node: Value) -> list[str]:
    """Edge labels: none for a one-input op, else the argument's index in ``node.parents``
    (``dot``: ``w0, w1, ..., x0, x1, ..., bias``)."""
    count = len(node._prev)
    if count == 1:
        return [""]
    if node.op == "dot":
        n = count // 2
        names = [f"w{i}" for i in range(n)] + [f"x{i}" for i in range(n)]
        return names + (["bias"] if count % 2 else [])
    return [str(i) for i in range(count)]


def _add_legend(graph: graphviz.Digraph, kinds: list[str]) -> None:
    with graph.subgraph(name="cluster_legend") as key:
        key.attr(label="legend", fontsize="10", style="dashed", color="#aaaaaa")
        for kind in kinds:
            key.node(f"legend_{kind}", _LEGEND_TEXT[kind], **KIND_STYLES[kind])
        # Invisible edges keep the key in one column or row, in a fixed order.
        for first, second in zip(kinds, kinds[1:], strict=False):
            key.edge(f"legend_{first}", f"legend_{second}", style="invis")
