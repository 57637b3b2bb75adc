"""A recorded scalar graph written out as straight-line Python: one line per op, no loop.

This is the oldest picture of reverse-mode differentiation (Wengert, 1964): a computation is a
list of assignments ``v5 = mul(v3, v4)``, and its backward pass is the same list read from the
bottom up, each line handing its gradient to its inputs through the op's ``vjp``. A
:class:`~autograd.Tape` of scalar values turns its recorded graph into these two programs
once, so a replay runs plain Python assignments instead of walking node objects: no list of
inputs, no ``getattr(node, "_op")``, no loop bookkeeping per node. The ops are still the ones
in :mod:`autograd.ops` (each line calls the table's ``forward`` or ``vjp``), so every
derivative is still declared only there.

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
        v1 = mul(v0, v0)
        n1.data = v1
        v2 = add(v1, v0)
        n2.data = v2
        return v2
    <BLANKLINE>
    def backward(seed):
        a0 = n0.grad
        g2 = seed
        n2.grad = g2
        t0, t1 = add_vjp(g2, n2.data, n1.data, n0.data)
        g1 = t0
        a0 += t1
        n1.grad = g1
        t0, t1 = mul_vjp(g1, n1.data, n0.data, n0.data)
        a0 += t0
        a0 += t1
        n0.grad = a0  # x
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from typing import Any

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
    """
    if not root._prev:
        raise ValueError("compile_scalar_graph: the root is a leaf; there is no op to write out")
    index = {node: i for i, node in enumerate(order)}
    leaves = [node for node in order if not node._prev]
    ops = [node for node in order if node._prev]
    functions: dict[str, Callable[..., Any]] = {}
    names: dict[tuple[str, int], str] = {}

    def function_name(node: Value, kind: str) -> str:
        op = node._op
        assert op is not None  # an interior node of a recorded graph
        key = (kind, id(op))
        if key not in names:
            base = op.name if _usable(op.name) else "op"
            name = base if kind == "forward" else f"{base}_vjp"
            while name in functions:  # two ops sharing a name (or an unusable one)
                name = f"{name}_"
            names[key] = name
            functions[name] = op.forward if kind == "forward" else op.vjp
        return names[key]

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
            forward.append(("        " if start == 0 else "        or ") + " or ".join(tests[start : start + 3]))
        forward.append("    ):")
    forward.append("        return NOT_SCALAR")
    for node in ops:
        i = index[node]
        inputs = ", ".join(f"v{index[p]}" for p in node._prev)
        forward += [
            f"    v{i} = {function_name(node, 'forward')}({inputs}){_comment(node)}",
            f"    n{i}.data = v{i}",
        ]
    forward.append(f"    return v{index[root]}")

    # Leaves accumulate (a*), interior nodes start from their first contribution (g*).
    backward = ["def backward(seed):"]
    backward += [f"    a{index[leaf]} = n{index[leaf]}.grad" for leaf in leaves]
    started = {root}
    backward.append(f"    g{index[root]} = seed")
    for node in reversed(ops):
        i = index[node]
        backward.append(f"    n{i}.grad = g{i}{_comment(node)}")
        temporaries = [f"t{k}" for k in range(len(node._prev))]
        targets = f"({temporaries[0]},)" if len(temporaries) == 1 else ", ".join(temporaries)
        inputs = ", ".join(f"n{index[p]}.data" for p in node._prev)
        backward.append(f"    {targets} = {function_name(node, 'vjp')}(g{i}, n{i}.data, {inputs})")
        for parent, t in zip(node._prev, temporaries):
            j = index[parent]
            if not parent._prev:
                backward.append(f"    a{j} += {t}")
            elif parent in started:
                backward.append(f"    g{j} += {t}")
            else:
                started.add(parent)
                backward.append(f"    g{j} = {t}")
    backward += [f"    n{index[leaf]}.grad = a{index[leaf]}{_comment(leaf)}" for leaf in leaves]

    source = "\n".join([*forward, "", *backward])
    return _build(source, order, functions)


def _build(source: str, order: list[Value], functions: dict[str, Callable[..., Any]]) -> StraightLine:
    # The nodes and op functions become closure variables of the two functions: the fastest
    # names Python has after locals.
    unpack_nodes = ", ".join(f"n{i}" for i in range(len(order)))
    unpack_functions = ", ".join(functions)
    indented = "".join(f"    {line}\n" if line else "\n" for line in source.splitlines())
    maker = (
        "def make(nodes, functions):\n"
        f"    {unpack_nodes}, = nodes\n"
        f"    {unpack_functions}, = functions\n"
        f"{indented}"
        f"    return forward, backward\n"
    )
    namespace: dict[str, Any] = {"NOT_SCALAR": NOT_SCALAR}
    exec(compile(maker, "<autograd straight-line tape>", "exec"), namespace)
    forward, backward = namespace["make"](order, list(functions.values()))
    return StraightLine(forward, backward, source)


def _usable(name: str) -> bool:
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and name not in _RESERVED
        and not _GENERATED_NAME.fullmatch(name)
    )


def _comment(node: Value) -> str:
    """A node's label as an end-of-line comment (labels make the program readable)."""
    if node.label:  # any character that could end the comment (a newline, a NUL) becomes a space
        return "  # " + "".join(c if c.isprintable() else " " for c in node.label)
    return "  # constant" if node._op is CONSTANT else ""
