"""The backward pass written out as chain-rule steps, in the order ``backward()`` runs them.

Backward visits the op nodes from the output back to the inputs (the topological order,
reversed). At each node it knows ``g``, the gradient of the output with respect to that node,
and for each input it forms one product:

    contribution = g * local derivative  (d output / d node  *  d node / d input)

and adds it to the input's gradient. An input used by several ops collects several
contributions; its gradient is their sum. :func:`explain` replays exactly that walk with the
op table's own rules and records every number, so the text it prints *is* the engine's
arithmetic: each contribution is the op's rule applied to ``g`` (what ``backward()`` adds,
to the last bit), and each local derivative is the same rule applied to ``g = 1``. (Rounding
can make ``g * local`` differ from the contribution in the last bit; the contribution shown is
always the engine's.)

Nothing is changed: no ``.grad`` is read or written.

Example:
    >>> from autograd import Value
    >>> from autograd.explain import explain
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> z = x * y + x
    >>> z.label = "z"
    >>> print(explain(z))
    Backward pass of z: 2 steps, in the order backward() runs them.
    Each input of an op gets  g * local derivative = contribution,  where g = dz/d(op's output).
    <BLANKLINE>
    step 1  z = n2 + x   g = 1
        n2  1 * 1 = 1
        x   1 * 1 = 1
    step 2  n2 = x * y   g = 1
        x   1 * 3 = 3   (x.grad: 1 + 3 = 4)
        y   1 * 2 = 2
    <BLANKLINE>
    Gradients of the leaves (each the sum of its contributions):
        x  = 1 + 3 = 4
        y  = 2
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.ops import OPS
from autograd.value import Value, topological_order

__all__ = ["explain", "Explanation", "Step", "Product", "node_names"]

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


@dataclass(frozen=True)
class Product:
    """One edge of one step: what the step's node passes back to one of its inputs.

    Attributes:
        parent: the input (``node.parents[argument]``).
        name: the input's name in the text (its label, a constant's value, or ``n<i>``).
        argument: its position among the node's inputs.
        upstream: ``g``, the gradient of the output with respect to the step's node.
        local: the local derivative d node / d input, the op's rule at ``g = 1``.
        contribution: what backward adds to the input's gradient: the op's rule at ``g``.
        before: the input's gradient before this contribution (0 for the first).
        total: the input's gradient after it, ``before + contribution`` (the running sum).
        count: how many contributions the input has received so far (this one included).
    """

    parent: Value
    name: str
    argument: int
    upstream: float
    local: float
    contribution: float
    before: float
    total: float
    count: int


@dataclass(frozen=True)
class Step:
    """One op node processed by the backward pass.

    Attributes:
        number: 1 for the first node backward processes (the output), and so on.
        node: the op node.
        name: its name in the text.
        formula: how it was computed, in names (``"z = x * y"``).
        upstream: ``g``, its gradient (complete: every node that uses it came earlier).
        products: one :class:`Product` per input, in input order.
    """

    number: int
    node: Value
    name: str
    formula: str
    upstream: float
    products: tuple[Product, ...]


class Explanation:
    """The chain-rule steps of one backward pass; ``print`` it, or show it in Jupyter.

    Attributes:
        root: the output differentiated.
        steps: the :class:`Step` records, in the order backward runs them.
        names: the name used for each node.
        gradients: d root / d node for every node of the graph (the sum of its contributions).
        contributions: for each node, every contribution it received, in order.
        precision: significant digits in the text and table.
    """

    def __init__(
        self,
        root: Value,
        steps: list[Step],
        names: dict[Value, str],
        gradients: dict[Value, float],
        contributions: dict[Value, list[float]],
        precision: int,
    ) -> None:
        self.root = root
        self.steps = steps
        self.names = names
        self.gradients = gradients
        self.contributions = contributions
        self.precision = precision

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __getitem__(self, number: int) -> Step:
        """The step with this number (1-based, as printed)."""
        if not 1 <= number <= len(self.steps):
            raise IndexError(f"steps are numbered 1 to {len(self.steps)}, got {number}")
        return self.steps[number - 1]

    def fmt(self, x: float) -> str:
        """A number at the chosen precision."""
        return f"{x:.{self.precision}g}"

    def leaves(self) -> list[Value]:
        """The graph's leaves that are not constants, in topological order."""
        return [n for n in self.names if n.is_leaf and n.op != "const"]

    def sum_text(self, node: Value) -> str:
        """``"1 + 3 = 4"`` for a node with several contributions, ``"4"`` for one."""
        parts = self.contributions.get(node, [])
        total = self.fmt(self.gradients.get(node, 0.0))
        if len(parts) < 2:
            return total
        return " + ".join(self.fmt(c) for c in parts) + f" = {total}"

    def __str__(self) -> str:
        f = self.fmt
        root_name = self.names[self.root]
        lines = [
            f"Backward pass of {root_name}: {len(self.steps)} step{'s' if len(self.steps) != 1 else ''}, "
            "in the order backward() runs them.",
            "Each input of an op gets  g * local derivative = contribution,  "
            f"where g = d{root_name}/d(op's output).",
            "",
        ]
        for step in self.steps:
            lines.append(f"step {step.number}  {step.formula}   g = {f(step.upstream)}")
            width = max(len(p.name) for p in step.products)
            for p in step.products:
                line = f"    {p.name:<{width}}  {f(p.upstream)} * {f(p.local)} = {f(p.contribution)}"
                if p.parent.op == "const":
                    line += "   (a constant: goes nowhere)"
                elif p.count > 1:
                    line += f"   ({p.name}.grad: {f(p.before)} + {f(p.contribution)} = {f(p.total)})"
                lines.append(line)
        leaves = self.leaves()
        if leaves:
            lines += ["", "Gradients of the leaves (each the sum of its contributions):"]
            width = max(len(self.names[leaf]) for leaf in leaves)
            lines += [f"    {self.names[leaf]:<{width}}  = {self.sum_text(leaf)}" for leaf in leaves]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Explanation of {self.names[self.root]}: {len(self.steps)} steps>"

    def _repr_html_(self) -> str:
        f, e = self.fmt, html.escape
        head = "".join(
            f"<th>{h}</th>"
            for h in (
                "step",
                "node = op(inputs)",
                "g",
                "input",
                "local derivative",
                "g × local",
                "input's grad",
            )
        )
        rows = []
        for step in self.steps:
            for i, p in enumerate(step.products):
                cells = []
                if i == 0:
                    span = f' rowspan="{len(step.products)}"'
                    cells += [
                        f"<td{span}>{step.number}</td>",
                        f"<td{span}><code>{e(step.formula)}</code></td>",
                        f"<td{span}>{f(step.upstream)}</td>",
                    ]
                running = (
                    f(p.total) if p.count == 1 else f"{f(p.before)} + {f(p.contribution)} = {f(p.total)}"
                )
                cells += [
                    f"<td><code>{e(p.name)}</code></td>",
                    f"<td>{f(p.local)}</td>",
                    f"<td>{f(p.contribution)}</td>",
                    f"<td>{running}</td>",
                ]
                rows.append("<tr>" + "".join(cells) + "</tr>")
        leaves = "".join(
            f"<tr><td><code>{e(self.names[leaf])}</code></td><td>{e(self.sum_text(leaf))}</td></tr>"
            for leaf in self.leaves()
        )
        return (
            f"<div><p>Backward pass of <code>{e(self.names[self.root])}</code>: {len(self.steps)} steps, "
            "in the order <code>backward()</code> runs them; g is the gradient of the output with "
            "respect to the step's node.</p>"
            f'<table class="chainrule-explain"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<p>Gradients of the leaves (each the sum of its contributions):</p>"
            f"<table><thead><tr><th>leaf</th><th>grad</th></tr></thead><tbody>{leaves}</tbody></table></div>"
        )


def node_names(order: list[Value], precision: int = 4) -> dict[Value, str]:
    """A name for every node: its label; a constant's value; else ``n<i>``, ``i`` its place in
    ``order`` (the numbering of :func:`autograd.viz.draw_graph`'s ``v<i>``)."""
    names = {}
    for i, node in enumerate(order):
        if node.label:
            names[node] = node.label
        elif node.op == "const":
            names[node] = f"{float(node.data):.{precision}g}"
        else:
            names[node] = f"n{i}"
    return names


def _formula(node: Value, names: dict[Value, str]) -> str:
    args = [names[p] for p in node.parents]
    op = str(node.op)
    if op in _INFIX and len(args) == 2:
        right = _INFIX[op].join(f" {a} " for a in args).strip()
        return f"{names[node]} = {right}"
    if op == "sum":
        return f"{names[node]} = {' + '.join(args)}"
    if op == "neg":
        return f"{names[node]} = -{args[0]}"
    if op == "dot":
        n = len(args) // 2
        terms = [f"{args[i]}*{args[n + i]}" for i in range(n)]
        if len(args) % 2:
            terms.append(args[-1])
        return f"{names[node]} = {' + '.join(terms)}"
    return f"{names[node]} = {op}({', '.join(args)})"


def _check(precision: Any, order: list[Value]) -> None:
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 1:
        raise ValueError(f"precision must be a positive integer (significant digits), got {precision!r}")
    for node in order:
        if isinstance(node.data, np.ndarray):
            raise ValueError(
                f"explain works on scalar graphs, but this graph holds batched values "
                f"({node.data.size} samples); explain one sample instead, e.g. model(X[0])"
            )


def explain(root: Value, precision: int = 4) -> Explanation:
    """The backward pass from ``root`` as chain-rule steps (see the module docstring).

    Args:
        root: a scalar ``Value``: the output to differentiate (its gradient is seeded with 1).
        precision: significant digits of the numbers in the text and the table.

    Returns:
        An :class:`Explanation`: ``print`` it for plain text, show it in Jupyter for a table,
        or read ``.steps`` (one :class:`Step` per op node) and ``.gradients``.

    Raises:
        TypeError: if ``root`` is not a ``Value``.
        ValueError: for a graph with batched values, or a ``precision`` below 1.

    Example:
        >>> from autograd import Value
        >>> a = Value(3.0, label="a")
        >>> steps = explain((a * a).tanh()).steps
        >>> [s.formula for s in steps]
        ['n2 = tanh(n1)', 'n1 = a * a']
        >>> [p.contribution for p in steps[1].products] == [3.0 * steps[1].upstream] * 2
        True
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain needs a Value (the output of a graph), got {type(root).__name__}")
    order = topological_order(root)
    _check(precision, order)
    names = node_names(order, precision)
    gradients: dict[Value, float] = {root: 1.0}
    contributions: dict[Value, list[float]] = {}
    steps: list[Step] = []
    for node in reversed(order):
        if node.is_leaf:
            continue
        g = gradients.get(node, 0.0)
        inputs = [p.data for p in node.parents]
        rule = OPS[str(node.op)].vjp
        locals_ = rule(1.0, node.data, *inputs)
        pushed = rule(g, node.data, *inputs)
        products = []
        for i, (parent, local, contribution) in enumerate(zip(node.parents, locals_, pushed)):
            # the same sum, in the same order, as backward(): starting from 0.0
            before = gradients.get(parent, 0.0)
            gradients[parent] = before + contribution
            received = contributions.setdefault(parent, [])
            received.append(contribution)
            products.append(
                Product(
                    parent, names[parent], i, g, local, contribution, before, gradients[parent], len(received)
                )
            )
        steps.append(Step(len(steps) + 1, node, names[node], _formula(node, names), g, tuple(products)))
    return Explanation(root, steps, names, gradients, contributions, precision)
