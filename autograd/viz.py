"""Pictures of computation graphs: every ``Value`` with its data and gradient, every op between.

:func:`draw_graph` (alias :func:`draw_dot`, micrograd's name) returns a ``graphviz.Digraph``.
Building it needs only the Python ``graphviz`` package, imported on first use (``import
autograd`` works without it; drawing then says ``pip install graphviz``), so ``.source`` (the
DOT text) always works; turning it into a picture (Jupyter's inline SVG, ``.render(path)``,
:func:`render_svg`, :func:`save`) also needs Graphviz's ``dot`` program, and says how to
install it when missing.

How a picture reads:

* one box per ``Value``: its label (if any), its data, its gradient (``show_grad=True``);
* a small oval per op (``+``, ``*``, ``tanh``, ``dot`` ...) between its inputs and its result;
  when an op has several inputs each edge carries the argument's index in ``node.parents``
  (``0``, ``1``; ``w0``, ``x0``, ``bias`` for ``dot``), so ``a + a`` shows two edges;
  ``local_grads=True`` adds each edge's local derivative (``×0.35``);
* fill colour and shape tell the kinds apart: parameters (rounded, orange), inputs (blue),
  constants (grey, dashed), intermediates (white), the output (green, bold); ``legend=True``
  adds a key;
* node names come from the graph's topological order, never from ``id()``: the same graph
  always gives the same DOT text;
* a graph of more than :data:`READABLE_NODES` values is refused with a message pointing to
  ``nn.draw_model`` (one box per neuron); ``max_nodes=N`` draws the N values nearest the
  output and a note "... M more nodes not drawn" where the rest would be.

The backward pass step by step (:mod:`autograd.explain`): ``draw_graph(root, step=k)`` draws
step ``k``; :class:`BackpropSteps` shows every step behind previous/next buttons that need no
kernel; :func:`step_through` gives an ipywidgets slider.

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

import html
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from autograd.ops import OPS
from autograd.value import Value, topological_order

if TYPE_CHECKING:  # the classes are made on first use, when graphviz is imported
    import graphviz

    from autograd.explain import Explanation

    class DotNotFoundError(graphviz.ExecutableNotFound): ...

    class GraphPicture(graphviz.Digraph): ...


__all__ = [
    "draw_graph",
    "draw_dot",
    "render_svg",
    "save",
    "GraphPicture",
    "DotNotFoundError",
    "GraphTooLargeError",
    "BackpropSteps",
    "step_through",
    "KIND_STYLES",
    "READABLE_NODES",
]

INSTALL_HINT = (
    "Graphviz's 'dot' program is needed to render graph pictures but was not found on PATH. "
    "Install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
    "conda install graphviz (conda), or see https://graphviz.org/download/. "
    "The DOT text is still available as graph.source."
)
PACKAGE_HINT = (
    "Drawing graphs needs the graphviz Python package: pip install graphviz "
    "(and Graphviz's dot program to render the pictures: https://graphviz.org/download/)"
)

# A graph with more values than this is too big to read as one picture (the moons network on
# 100 points has 7,000+): draw_graph refuses it unless max_nodes says how many to draw.
READABLE_NODES = 150

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
# The step being shown: its node, its op and the products it forms.
_STEP_COLOUR = "#d62728"


class GraphTooLargeError(ValueError):
    """The graph has too many values to read as one picture; the message offers the ways out."""


def _graphviz() -> Any:
    """The graphviz package, imported on first use so that ``import autograd`` never needs it."""
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(PACKAGE_HINT) from error
    return graphviz


def _picture_classes() -> tuple[type, type]:
    """Make :class:`DotNotFoundError` and :class:`GraphPicture` (they subclass graphviz's)."""
    graphviz = _graphviz()

    class DotNotFoundError(graphviz.ExecutableNotFound):  # type: ignore[name-defined]
        """Graphviz's ``dot`` program is missing; the message says how to install it."""

        def __init__(self, message: str = INSTALL_HINT) -> None:
            RuntimeError.__init__(self, message)

    class GraphPicture(graphviz.Digraph):  # type: ignore[name-defined]
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

    for cls in (DotNotFoundError, GraphPicture):
        cls.__module__ = __name__
    globals().update(DotNotFoundError=DotNotFoundError, GraphPicture=GraphPicture)
    return DotNotFoundError, GraphPicture


def __getattr__(name: str) -> Any:
    # ``from autograd.viz import GraphPicture`` imports graphviz then, not at ``import autograd``.
    if name in ("GraphPicture", "DotNotFoundError"):
        dot_not_found, picture = _picture_classes()
        return picture if name == "GraphPicture" else dot_not_found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _classes() -> tuple[Any, Any]:
    found = globals().get("DotNotFoundError"), globals().get("GraphPicture")
    return found if found[0] is not None else _picture_classes()


def render_svg(graph: Any) -> str:
    """The graph drawn as SVG text (what Jupyter shows inline).

    Raises:
        DotNotFoundError: when Graphviz's ``dot`` program is not installed.
    """
    dot_not_found, _ = _classes()
    try:
        return str(graph.pipe(format="svg", encoding="utf-8"))
    except dot_not_found:
        raise
    except _graphviz().ExecutableNotFound as error:
        raise dot_not_found() from error


def save(graph: Any, path: str | os.PathLike[str], format: str | None = None) -> str:
    """Write the picture to ``path`` (format from its extension, e.g. ``.svg``, ``.png``, ``.pdf``).

    Returns the path written. Raises ``DotNotFoundError`` when ``dot`` is not installed.
    """
    dot_not_found, _ = _classes()
    path = os.fspath(path)
    extension = os.path.splitext(path)[1]
    format = format or extension.lstrip(".") or "svg"
    if not extension:
        path = f"{path}.{format}"
    try:
        graph.render(outfile=path, format=format, cleanup=True)
    except dot_not_found:
        raise
    except _graphviz().ExecutableNotFound as error:
        raise dot_not_found() from error
    return path


def draw_graph(
    root: Value | Sequence[Value],
    rankdir: str = "LR",
    max_nodes: int | None = None,
    show_grad: bool = True,
    *,
    legend: bool = False,
    digits: int = 4,
    parameters: Iterable[Value] | None = None,
    inputs: Iterable[Value] | None = None,
    labels: Mapping[Value, str] | None = None,
    title: str | None = None,
    local_grads: bool = False,
    step: int | None = None,
    size: str | None = None,
    grads: Mapping[Value, Any] | None = None,
) -> GraphPicture:
    """Draw the computation graph that produced ``root``.

    Args:
        root: the output value, or a list of outputs (a model with several); everything they
            depend on is drawn.
        rankdir: layout direction, ``"LR"`` (inputs left, output right), ``"TB"``, ``"RL"``, ``"BT"``.
        max_nodes: draw at most this many values (those nearest the output); the rest are
            summarised by one note node. By default a graph of more than
            :data:`READABLE_NODES` values is refused (:class:`GraphTooLargeError`).
        show_grad: show each value's ``.grad`` beside its data.
        legend: add a key naming the node kinds present.
        digits: significant digits shown for data and gradients.
        parameters: the learnable leaves. When given, other user leaves count as inputs;
            otherwise every leaf created with ``Value(...)`` counts as a parameter.
        inputs: leaves to show as inputs.
        labels: names to show instead of (or where there is no) ``Value.label``.
        title: a caption under the picture.
        local_grads: label every edge with its local derivative, d(op's output)/d(input),
            as ``×0.35``: what the gradient is multiplied by on its way back along the edge.
        step: show the backward pass after this step of :func:`autograd.explain.explain`
            (1 = the output's op): the step's node and op are highlighted, its edges show
            ``g × local = contribution``, the other edges their local derivatives, and every
            gradient is what backward has summed so far (``?``: nothing has reached it yet).
        size: graphviz's ``size`` in inches, ``"width,height"``: a bigger drawing is scaled
            down to fit (``"8,5"`` fits a notebook at screen width).
        grads: gradients to show instead of ``.grad`` (a node missing from it shows none);
            e.g. from :func:`autograd.gradients`, which leaves ``.grad`` alone.

    Returns:
        A :class:`GraphPicture` (a ``graphviz.Digraph``): show it in Jupyter, ``.render(path)``
        it, or read ``.source``.

    Raises:
        TypeError: if ``root`` is not a ``Value`` or a non-empty list of them.
        ValueError: for an unknown ``rankdir``, a ``max_nodes``/``digits`` below 1, or a
            ``step`` out of range.
        GraphTooLargeError: for a graph of more than :data:`READABLE_NODES` values when
            ``max_nodes`` is not given.

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
        >>> 'v0 -> v1_op [label="0 ×1"' in draw_graph(y, local_grads=True).source
        True
    """
    roots = _check_arguments(root, rankdir, max_nodes, digits)
    order = _joint_order(roots)
    _refuse_unreadable(order, max_nodes)
    limit = len(order) if max_nodes is None else max_nodes
    kept = _nearest_to_roots(roots, limit) if len(order) > limit else set(order)
    scene = _Scene(
        number={node: i for i, node in enumerate(order)},
        kept=kept,
        digits=digits,
        shown=_StepState(roots, step, digits) if step is not None else None,
    )
    root_set, labels = set(roots), labels or {}
    param_set = set(parameters) if parameters is not None else None
    input_set = set(inputs) if inputs is not None else set()
    kinds = {node: _kind(node, root_set, param_set, input_set) for node in order if node in kept}

    graph = _empty_picture(rankdir, size, title)
    for node, kind in kinds.items():
        grad = _grad_text(node, scene, grads) if show_grad else None
        _draw_value(graph, node, kind, labels.get(node, node.label), grad, scene, rankdir)
    _draw_cut_note(graph, len(order) - len(kept))
    with_locals = local_grads or scene.shown is not None
    for node in order:
        if node in kept and not node.is_leaf:
            _draw_op(graph, node, scene, with_locals)
    if legend:
        _add_legend(graph, [k for k in KIND_STYLES if k in kinds.values()])
    return graph


@dataclass(frozen=True)
class _Scene:
    """What every part of one picture needs: node numbers, the values drawn, the step shown."""

    number: dict[Value, int]
    kept: set[Value]
    digits: int
    shown: _StepState | None

    def name(self, node: Value) -> str:
        """The DOT name of a value's box (its place in the topological order)."""
        return f"v{self.number[node]}"

    def is_current(self, node: Value) -> bool:
        """Whether ``node`` is the one the shown backward step computes the products of."""
        return self.shown is not None and self.shown.node is node


def _refuse_unreadable(order: list[Value], max_nodes: int | None) -> None:
    """Raise :class:`GraphTooLargeError` for too big a graph when ``max_nodes`` is not given."""
    if max_nodes is None and len(order) > READABLE_NODES:
        raise GraphTooLargeError(
            f"this graph has {len(order):,} values, too many to read in one picture (the limit is "
            f"{READABLE_NODES}). For a network, nn.draw_model(model, x) draws one box per neuron; "
            f"or pass max_nodes=N to draw the N values nearest the output."
        )


def _empty_picture(rankdir: str, size: str | None, title: str | None) -> GraphPicture:
    """A picture with the graph-wide attributes set and nothing drawn yet."""
    _, picture = _classes()
    graph_attr = {"rankdir": rankdir}
    if size is not None:
        graph_attr["size"] = size
    graph = picture(
        graph_attr=graph_attr,
        node_attr={"fontsize": "11"},
        edge_attr={"fontsize": "9", "fontcolor": "#555555"},
    )
    if title:
        graph.attr(label=title, labelloc="b")
    return cast("GraphPicture", graph)


def _grad_text(node: Value, scene: _Scene, grads: Mapping[Value, Any] | None) -> str | None:
    """The gradient a box shows: summed so far at the step shown, from ``grads``, or ``.grad``."""
    if scene.shown is not None:
        return scene.shown.grad_text(node)
    if grads is not None:
        return _format(grads[node], scene.digits) if node in grads else None
    return _format(node.grad, scene.digits)


def _draw_value(
    graph: Any, node: Value, kind: str, label: str, grad: str | None, scene: _Scene, rankdir: str
) -> None:
    """One value's box, styled by its kind (and highlighted when its step is shown)."""
    text = _record(label, node, grad, scene.digits, rankdir in ("LR", "RL"))
    style = dict(KIND_STYLES[kind])
    if scene.is_current(node):
        style.update(color=_STEP_COLOUR, penwidth="3")
    graph.node(scene.name(node), text, **style)


def _draw_cut_note(graph: Any, cut: int) -> None:
    """The note standing for the ``cut`` values not drawn (none when every value is drawn)."""
    if cut:
        plural = "s" if cut != 1 else ""
        graph.node("more", f"... {cut} more node{plural} not drawn", **_NOTE_STYLE)


def _draw_op(graph: Any, node: Value, scene: _Scene, with_locals: bool) -> None:
    """The oval of the op that made ``node``, an edge from each drawn input, one to ``node``."""
    op_id = f"{scene.name(node)}_op"
    current = scene.is_current(node)
    op_style = {**_OP_STYLE, **({"color": _STEP_COLOUR, "penwidth": "3"} if current else {})}
    graph.node(op_id, _op_text(node), **op_style)
    names = _argument_names(node)
    local = _local_derivatives(node) if with_locals else None
    missing_inputs = False
    for i, (parent, name) in enumerate(zip(node.parents, names, strict=True)):
        if parent not in scene.kept:
            missing_inputs = True
            continue
        attributes = _input_edge_attributes(name, i, scene, current, local)
        graph.edge(scene.name(parent), op_id, **attributes)
    if missing_inputs:
        graph.edge("more", op_id, style="dashed", color="#888888")
    graph.edge(op_id, scene.name(node), **({"color": _STEP_COLOUR, "penwidth": "2"} if current else {}))


def _input_edge_attributes(
    name: str, argument: int, scene: _Scene, current: bool, local: tuple[Any, ...] | None
) -> dict[str, str]:
    """An input edge's label and style: the step's product on the ``current`` op's edges, else
    the argument's name and, with ``local``, its local derivative."""
    if current and scene.shown is not None:
        product = scene.shown.product_text(argument)
        return {
            "label": f"{name}: {product}" if name else product,
            "color": _STEP_COLOUR,
            "fontcolor": _STEP_COLOUR,
            "penwidth": "2",
            "dir": "back",  # the gradient flows back along this edge
        }
    attributes: dict[str, str] = {"label": name} if name else {}
    if local is not None:
        attributes["label"] = " ".join(
            part for part in (name, f"×{_format(local[argument], scene.digits)}") if part
        )
    return attributes


draw_dot = draw_graph


class _StepState:
    """What the picture of step ``k`` shows: the gradients summed so far, the step's products."""

    def __init__(self, roots: tuple[Value, ...], step: int, digits: int) -> None:
        from autograd.explain import explain

        if len(roots) != 1:
            raise ValueError("step= needs one output to backpropagate from, got a list of outputs")
        if isinstance(step, bool) or not isinstance(step, int):
            raise TypeError(f"step must be an integer, got {step!r}")
        self.explanation = explain(roots[0], precision=digits)
        count = len(self.explanation.steps)
        if not 1 <= step <= count:
            raise ValueError(
                f"step must be between 1 and {count} (the steps of this backward pass), got {step}"
            )
        self.current = self.explanation[step]
        self.node = self.current.node
        self.grads: dict[Value, float] = {roots[0]: 1.0}
        for done in self.explanation.steps[:step]:
            for product in done.products:
                self.grads[product.parent] = product.total

    def grad_text(self, node: Value) -> str:
        return self.explanation.fmt(self.grads[node]) if node in self.grads else "?"

    def product_text(self, argument: int) -> str:
        p, f = self.current.products[argument], self.explanation.fmt
        return f"{f(p.upstream)} × {f(p.local)} = {f(p.contribution)}"


def _local_derivatives(node: Value) -> tuple[Any, ...]:
    """d node / d input for each input: the op's rule with an upstream gradient of 1."""
    return tuple(OPS[str(node.op)].vjp(1.0, node.data, *[p.data for p in node.parents]))


def _check_arguments(root: Any, rankdir: str, max_nodes: int | None, digits: int) -> tuple[Value, ...]:
    roots = tuple(root) if isinstance(root, (list, tuple)) else (root,)
    if not roots or not all(isinstance(r, Value) for r in roots):
        raise TypeError(
            f"draw_graph needs a Value (the graph's output) or a non-empty list of Values, got {root!r:.80}"
        )
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive integer, got {max_nodes!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got {digits!r}")
    return roots


def _joint_order(roots: tuple[Value, ...]) -> list[Value]:
    """One topological order of everything the outputs depend on (each output's order, merged)."""
    if len(roots) == 1:
        return topological_order(roots[0])
    order: list[Value] = []
    seen: set[Value] = set()
    for root in roots:
        for node in topological_order(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _nearest_to_roots(roots: tuple[Value, ...], max_nodes: int) -> set[Value]:
    """The first ``max_nodes`` values met walking back from the outputs breadth-first."""
    kept = set(roots[:max_nodes])
    queue = list(roots[:max_nodes])
    position = 0
    while position < len(queue) and len(kept) < max_nodes:
        for parent in queue[position].parents:
            if parent not in kept:
                kept.add(parent)
                queue.append(parent)
                if len(kept) == max_nodes:
                    break
        position += 1
    return kept


def _kind(node: Value, roots: set[Value], parameters: set[Value] | None, inputs: set[Value]) -> str:
    if node in roots:
        return "output"
    if not node.is_leaf:
        return "intermediate"
    if node.op == "const":
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


def _record(label: str, node: Value, grad: str | None, digits: int, horizontal: bool) -> str:
    fields = [_escape(label)] if label else []
    fields.append(f"data {_escape(_format(node.data, digits))}")
    if grad is not None:
        fields.append(f"grad {_escape(grad)}")
    body = " | ".join(fields)
    # In a left-to-right layout a record stacks its fields vertically unless wrapped in braces.
    return f"{{ {body} }}" if horizontal else body


def _op_text(node: Value) -> str:
    name = str(node.op)
    return _OP_SYMBOLS.get(name, name)


def _argument_names(node: Value) -> list[str]:
    """Edge labels: none for a one-input op, else the argument's index in ``node.parents``
    (``dot``: ``w0, w1, ..., x0, x1, ..., bias``)."""
    count = len(node.parents)
    if count == 1:
        return [""]
    if node.op == "dot":
        n = count // 2
        names = [f"w{i}" for i in range(n)] + [f"x{i}" for i in range(n)]
        return names + (["bias"] if count % 2 else [])
    return [str(i) for i in range(count)]


def _add_legend(graph: Any, kinds: list[str]) -> None:
    with graph.subgraph(name="cluster_legend") as key:
        key.attr(label="legend", fontsize="10", style="dashed", color="#aaaaaa")
        for kind in kinds:
            key.node(f"legend_{kind}", _LEGEND_TEXT[kind], **KIND_STYLES[kind])
        # Invisible edges keep the key in one column or row, in a fixed order.
        for first, second in zip(kinds, kinds[1:], strict=False):
            key.edge(f"legend_{first}", f"legend_{second}", style="invis")


# --- stepping through the backward pass ------------------------------------------------------


class BackpropSteps:
    """Every step of a backward pass as a picture, with previous/next controls.

    In Jupyter it shows as HTML: one inline SVG per step (:func:`draw_graph` with ``step=k``)
    under the step's line of :func:`~autograd.explain.explain`, and buttons that need no kernel
    and no JavaScript (CSS radio buttons), so the stepping survives a static render
    (nbviewer, a docs site). Where styles are stripped, every step shows, one under another.

    Args:
        root: the scalar output to backpropagate from.
        **options: passed to :func:`draw_graph` (``rankdir``, ``size``, ``labels`` ...).

    Example:
        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> steps = BackpropSteps((x * x).tanh())
        >>> len(steps), steps.graph(2).source.count("dir=back")   # step 2: x * x, two products
        (2, 2)
    """

    def __init__(self, root: Value, **options: Any) -> None:
        from autograd.explain import explain

        self.root = root
        self.options = options
        self.explanation: Explanation = explain(root, precision=options.get("digits", 4))

    def __len__(self) -> int:
        return len(self.explanation.steps)

    def graph(self, step: int) -> GraphPicture:
        """The picture of one step (1-based)."""
        return draw_graph(self.root, step=step, **self.options)

    def caption(self, step: int) -> str:
        """One line saying what happens at this step."""
        s, f = self.explanation[step], self.explanation.fmt
        products = "; ".join(
            f"{p.name} gets {f(p.upstream)} × {f(p.local)} = {f(p.contribution)}" for p in s.products
        )
        return f"Step {step} of {len(self)}: {s.formula}, g = {f(s.upstream)}. {products}"

    def _repr_html_(self) -> str:
        # A unique id per call keeps two displays of the same steps apart on one page.
        box = f"chainrule-steps-{id(self):x}-{next(_DISPLAYS)}"
        n = len(self)
        if n == 0:
            return (
                f"<div id='{box}'><p>{html.escape(repr(self.root))} is a leaf: no backward steps.</p></div>"
            )
        radios, frames, rules = [], [], []
        for k in range(1, n + 1):
            checked = " checked" if k == 1 else ""
            radios.append(f'<input type="radio" name="{box}" id="{box}-{k}" class="cr-pick"{checked}>')
            previous = (
                f'<label for="{box}-{k - 1}" class="cr-button">&#9664; previous</label>' if k > 1 else ""
            )
            following = f'<label for="{box}-{k + 1}" class="cr-button">next &#9654;</label>' if k < n else ""
            svg = render_svg(self.graph(k))
            svg = svg[svg.index("<svg") :]  # drop the XML prologue: inline in HTML
            frames.append(
                f'<div class="cr-frame cr-frame-{k}">'
                f'<div class="cr-controls">{previous} <b>step {k} / {n}</b> {following}</div>'
                f'<p class="cr-caption">{html.escape(self.caption(k))}</p>{svg}</div>'
            )
            rules.append(f"#{box} #{box}-{k}:checked ~ .cr-frames .cr-frame-{k} {{display: block;}}")
        style = (
            f"#{box} .cr-pick {{display: none;}} #{box} .cr-frame {{display: none;}} "
            f"#{box} .cr-frame svg {{max-width: 100%; height: auto;}} "
            f"#{box} .cr-button {{cursor: pointer; border: 1px solid #999; border-radius: 4px; "
            f"padding: 1px 8px; margin: 0 4px; background: #f3f3f3;}} " + " ".join(rules)
        )
        return (
            f'<div id="{box}" class="chainrule-steps"><style>{style}</style>{"".join(radios)}'
            f'<div class="cr-frames">{"".join(frames)}</div></div>'
        )


_DISPLAYS = iter(range(1, 1 << 62))


def step_through(root: Value, **options: Any) -> Any:
    """Step through the backward pass from ``root`` with a slider (ipywidgets), one picture per step.

    Where ipywidgets is not installed this returns the static :class:`BackpropSteps` instead
    (previous/next buttons that work in any HTML page). Options go to :func:`draw_graph`.
    """
    steps = BackpropSteps(root, **options)
    try:
        import ipywidgets
    except ImportError:
        return steps
    if len(steps) == 0:
        return steps
    picture = ipywidgets.HTML()
    caption = ipywidgets.Label()
    slider = ipywidgets.IntSlider(value=1, min=1, max=len(steps), description="step")

    def show(change: Any = None) -> None:
        k = slider.value
        caption.value = steps.caption(k)
        svg = render_svg(steps.graph(k))
        picture.value = svg[svg.index("<svg") :]

    slider.observe(show, names="value")
    show()
    return ipywidgets.VBox([slider, caption, picture])
