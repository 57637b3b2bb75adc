"""A recorded scalar graph written out as straight-line Python: one line per op, no loop.

This is the oldest picture of reverse-mode differentiation (Wengert, 1964): a computation is a
list of assignments ``v5 = v3 * v4``, and its backward pass is the same list read from the
bottom up, each line handing its gradient to its inputs. A :class:`~autograd.Tape` of scalar
values turns its recorded graph into these two programs once, so a replay runs plain Python
assignments instead of walking node objects.

The lines come from the op table in :mod:`autograd.ops`, so every derivative is still declared
only there: a rule that is arithmetic alone (``mul``, ``dot``, ``sigmoid``'s vjp ...) is
written out as its expression, found by running it on symbols
(:mod:`autograd.rule_expressions`); any other rule (one that compares, or calls ``math``) is
called as a function. Either way the program makes the same float operations in the same
order as the node walk.

Both programs keep the usual meaning: ``forward`` writes each node's ``.data``; ``backward``
writes each op node's ``.grad`` and adds to each leaf's ``.grad``, in the same order of float
additions as :func:`~autograd.backward`, so the numbers are the same to the last bit.

Example:
    >>> from autograd import Tape, Value
    >>> x = Value(3.0, label="x")
    >>> print(Tape(x * x + x).source)
    def forward():
        v0 = n0.data  # x
        # every leaf must still hold a float, or the tape walks the nodes instead
        if type(v0) is not float:
            return NOT_SCALAR
        v1 = v0 * v0  # mul
        n1.data = v1
        v2 = v1 + v0  # add
        n2.data = v2
        return v2
    <BLANKLINE>
    def backward(seed):
        a0 = n0.grad
        g2 = seed
        n2.grad = g2  # add
        g1 = g2
        a0 += g2
        n1.grad = g1  # mul
        v0 = n0.data
        a0 += g1 * v0
        a0 += g1 * v0
        n0.grad = a0  # x
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from typing import Any

from autograd.rule_expressions import MAX_WRITTEN_ARGS, define, expression
from autograd.value import CONSTANT, Value

__all__ = ["NOT_SCALAR", "StraightLine", "compile_scalar_graph"]

# What the generated ``forward`` returns when a leaf no longer holds a float (an array, an int,
# a ``Value``): the caller then replays through the general loop instead.
NOT_SCALAR = object()

_GENERATED_NAME = re.compile(r"[vgatn]\d+")
_RESERVED = {"seed", "type", "float", "forward", "backward", "NOT_SCALAR", "make", "nodes", "functions"}


class StraightLine:
    """The two generated functions of one graph, and their source text."""

    __slots__ = ("forward", "backward", "source")

    def __init__(self, forward: Callable[[], Any], backward: Callable[[float], None], source: str) -> None:
        self.forward = forward
        self.backward = backward
        self.source = source


def compile_scalar_graph(order: list[Value], root: Value) -> StraightLine:
    """Straight-line ``forward``/``backward`` for a graph in topological ``order``.

    The graph must be one of floats (the caller checks; the generated ``forward`` returns
    ``NOT_SCALAR`` if a leaf stops holding one), and ``root`` must have been made by an op.
    :class:`~autograd.Tape` is the usual way in.

    Example:
        >>> from autograd import Value, topological_order
        >>> x = Value(3.0)
        >>> y = x * x
        >>> program = compile_scalar_graph(topological_order(y), y)
        >>> x.data = 4.0
        >>> program.forward(), y.data
        (16.0, 16.0)
        >>> program.backward(1.0)
        >>> x.grad
        8.0
    """
    if not root._prev:
        raise ValueError("compile_scalar_graph: the root is a leaf; there is no op to write out")
    index = {node: i for i, node in enumerate(order)}
    leaves = [node for node in order if not node._prev]
    ops = [node for node in order if node._prev]
    rules = _Rules()

    forward = ["def forward():"]
    for leaf in leaves:
        forward.append(f"    v{index[leaf]} = n{index[leaf]}.data{_comment(leaf)}")
    forward.append("    # every leaf must still hold a float, or the tape walks the nodes instead")
    tests = [f"type(v{index[leaf]}) is not float" for leaf in leaves]
    if len(tests) <= 3:
        forward.append(f"    if {' or '.join(tests)}:")
    else:
        forward.append("    if (")
        for start in range(0, len(tests), 3):
            forward.append(
                ("        " if start == 0 else "        or ") + " or ".join(tests[start : start + 3])
            )
        forward.append("    ):")
    forward.append("        return NOT_SCALAR")
    for node in ops:
        i = index[node]
        inputs = [f"v{index[p]}" for p in node._prev]
        forward += [
            f"    v{i} = {rules.forward(node, inputs)}{_comment(node, op=True)}",
            f"    n{i}.data = v{i}",
        ]
    forward.append(f"    return v{index[root]}")

    # Leaves accumulate (a*), interior nodes start from their first contribution (g*); a
    # node's data is read (v*) just before its first use.
    backward = ["def backward(seed):"]
    backward += [f"    a{index[leaf]} = n{index[leaf]}.grad" for leaf in leaves]
    started = {root}
    loaded: set[int] = set()

    def value(j: int) -> str:
        if j not in loaded:
            loaded.add(j)
            backward.append(f"    v{j} = n{j}.data")
        return f"v{j}"

    backward.append(f"    g{index[root]} = seed")
    for node in reversed(ops):
        i = index[node]
        backward.append(f"    n{i}.grad = g{i}{_comment(node, op=True)}")
        data = [i, *[index[p] for p in node._prev]]  # the nodes whose data the rule may read
        template = rules.vjp_template(node)
        used = data if template is None else [j for k, j in enumerate(data, 1) if f"{{{k}}}" in template]
        for j in used:
            value(j)
        arguments = [f"g{i}", *[f"v{j}" for j in data]]
        pushed = None if template is None else template.format(*arguments).split("\n")
        if pushed is None:  # the rule is called: its gradients arrive as t0, t1, ...
            pushed = [f"t{k}" for k in range(len(node._prev))]
            targets = f"({pushed[0]},)" if len(pushed) == 1 else ", ".join(pushed)
            backward.append(f"    {targets} = {rules.name(node, 'vjp')}({', '.join(arguments)})")
        for parent, gradient in zip(node._prev, pushed):
            j = index[parent]
            if not parent._prev:
                backward.append(f"    a{j} += {gradient}")
            elif parent in started:
                backward.append(f"    g{j} += {gradient}")
            else:
                started.add(parent)
                backward.append(f"    g{j} = {gradient}")
    backward += [f"    n{index[leaf]}.grad = a{index[leaf]}{_comment(leaf)}" for leaf in leaves]

    source = "\n".join([*forward, "", *backward])
    return _build(source, order, rules.functions)


class _Rules:
    """Each node's rule as an expression where it is arithmetic alone
    (:mod:`autograd.rule_expressions`), else as a call to the op's function."""

    def __init__(self) -> None:
        self.functions: dict[str, Callable[..., Any]] = {}  # name in the code -> rule
        self._names: dict[int, str] = {}  # id(op) -> its name in the code
        self._taken: set[str] = set()
        self._templates: dict[tuple[int, str, int], Any] = {}

    def forward(self, node: Value, inputs: list[str]) -> str:
        template = self._template(node, "forward", len(inputs))
        if isinstance(template, str):
            return template.format(*inputs)
        return f"{self.name(node, 'forward')}({', '.join(inputs)})"

    def vjp_template(self, node: Value) -> str | None:
        """The vjp's gradients as templates (one per input, ``{0}`` the node's gradient, ``{1}``
        its data, ``{2}``... its inputs' data), joined by newlines; ``None`` if it must be called."""
        template = self._template(node, "vjp", len(node._prev) + 2)
        if isinstance(template, list) and len(template) == len(node._prev):
            return "\n".join(template)
        return None

    def name(self, node: Value, kind: str) -> str:
        """The name the code calls ``node``'s rule by: the op's name (``sigmoid``,
        ``sigmoid_vjp``), made unique and a valid identifier."""
        op = node.op
        assert op is not None  # an interior node of a recorded graph
        if id(op) not in self._names:
            root = op.name if _usable(op.name) else "op"
            base, count = root, 1
            while base in self._taken or f"{base}_vjp" in self._taken:  # two ops share a name
                count += 1
                base = f"{root}_{count}"
            self._taken |= {base, f"{base}_vjp"}
            self._names[id(op)] = base
        name = self._names[id(op)] + ("" if kind == "forward" else "_vjp")
        self.functions[name] = op.forward if kind == "forward" else op.vjp
        return name

    def _template(self, node: Value, kind: str, n_args: int) -> Any:
        op = node.op
        assert op is not None
        key = (id(op), kind, n_args)
        if key not in self._templates:
            rule = op.forward if kind == "forward" else op.vjp
            self._templates[key] = expression(rule, n_args) if n_args <= MAX_WRITTEN_ARGS else None
        return self._templates[key]


def _build(source: str, order: list[Value], functions: dict[str, Callable[..., Any]]) -> StraightLine:
    # The nodes and op functions become closure variables of the two functions: the fastest
    # names Python has after locals.
    lines = ["def make(nodes, functions):", f"    {', '.join(f'n{i}' for i in range(len(order)))}, = nodes"]
    if functions:  # none when every rule was written out as an expression
        lines.append(f"    {', '.join(functions)}, = functions")
    lines += [f"    {line}" if line else "" for line in source.splitlines()]
    lines.append("    return forward, backward")
    make = define(lines, "make", "straight-line tape", {"NOT_SCALAR": NOT_SCALAR})
    forward, backward = make(order, list(functions.values()))
    return StraightLine(forward, backward, source)


def _usable(name: str) -> bool:
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and name not in _RESERVED
        and not _GENERATED_NAME.fullmatch(name)
    )


def _comment(node: Value, op: bool = False) -> str:
    """An end-of-line comment: the node's label, and its op's name for a node an op made."""
    label = node.label
    if op and node.op is not None:
        label = f"{label} ({node.op.name})" if label else node.op.name
    elif not label and node.op is CONSTANT:
        label = "constant"
    # Any character that could end the comment early (a newline, a NUL) becomes a space.
    label = "".join(c if c.isprintable() else " " for c in label)
    return f"  # {label}" if label else ""
