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

Both programs keep the usual meaning: ``forward`` writes each node's data (and stamps it as
written, as ``Value.data``'s setter does); ``backward`` writes each op node's ``.grad`` and
adds to each leaf's ``.grad``, in the same order of float additions as
:func:`~autograd.backward`, so the numbers are the same to the last bit.

A big graph is written in parts. CPython compiles a function in time that grows faster than
its length (as one function, a sum of 60,000 leaves took 24 s and a million edges ran ten
minutes at 16 GB), so the code comes as pairs of functions of about ``PART_LINES`` lines each,
``forward_0``, ``forward_1`` ... and ``backward_0`` ..., run in turn. Inside a part a value
lives in a local; from one part to a later one it passes through its node (``.data`` in the
forward, ``.grad`` while its gradient is being summed), which keeps every float operation and
its order. Writing the code then costs time and memory in proportion to the graph; measured
by ``python -m benchmarks.scaling`` (a sum of ``tanh(x * w + b)`` terms, small ops: the most
code per edge; CPU time on a shared, loaded 2-core machine, so a quiet one does better):

=========  ==============  =================  =================
edges      time per edge   peak memory/edge   kept memory/edge
=========  ==============  =================  =================
10^3       85 us           10.6 kB            0.49 kB
10^4       99 us           2.9 kB             0.59 kB
10^5       86 us           0.87 kB            0.58 kB
3 * 10^5   87 us           0.83 kB            0.62 kB
=========  ==============  =================  =================

The peak is one part's compilation (about 10 MB) on top of what is kept: the compiled code
and its source. A graph of wide nodes costs less per edge (workload A, ``dot`` nodes of 33
inputs: about 30 us). Before the parts, the same graphs cost 9-19 kB and 85-240 us per edge,
growing with the size.

Example:
    >>> from autograd import Tape, Value
    >>> x = Value(3.0, label="x")
    >>> print(Tape(x * x + x).source)
    def forward():
        v0 = n0._data  # x
        # every leaf must still hold a float, or the tape walks the nodes instead
        if type(v0) is not float:
            return NOT_SCALAR
        stamp = writes.count
        v1 = v0 * v0  # mul
        n1._data = v1; n1._stamp = stamp
        v2 = v1 + v0  # add
        n2._data = v2; n2._stamp = stamp
        return v2
    <BLANKLINE>
    def backward(seed):
        a0 = n0.grad
        g2 = seed
        n2.grad = g2  # add
        g1 = g2
        a0 += g2
        n1.grad = g1  # mul
        v0 = n0._data
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
from autograd.value import CONSTANT, Value, _Writes

__all__ = ["NOT_SCALAR", "PART_LINES", "StraightLine", "compile_scalar_graph"]

# What the generated ``forward`` returns when a leaf no longer holds a float (an array, an int,
# a ``Value``): the caller then replays through the general loop instead.
NOT_SCALAR = object()

# Lines per generated function. CPython compiles a function in time that grows faster than its
# length, so a big graph is written as a series of functions of about this many lines each
# (the last op of a part may take it past). Measured in benchmarks/scaling.py.
PART_LINES = 8_000

_GENERATED_NAME = re.compile(r"[vgatn]\d+|(forward|backward)_\d+")
_RESERVED = {"seed", "type", "float", "forward", "backward", "NOT_SCALAR", "make", "nodes", "functions"}
_RESERVED |= {"stamp", "writes"}  # the forward's names for the write count


class StraightLine:
    """The generated ``forward`` and ``backward`` of one graph, and their source text."""

    __slots__ = ("forward", "backward", "source")

    def __init__(self, forward: Callable[[], Any], backward: Callable[[float], None], source: str) -> None:
        self.forward = forward
        self.backward = backward
        self.source = source


def compile_scalar_graph(order: list[Value], root: Value) -> StraightLine:
    """Straight-line ``forward``/``backward`` for a graph in topological ``order``.

    The graph must be one of floats (the caller checks; the generated ``forward`` returns
    ``NOT_SCALAR`` if a leaf stops holding one), and ``root`` must have been made by an op.
    :class:`~autograd.Tape` is the usual way in. A graph whose code is longer than
    ``PART_LINES`` lines is written as several pairs of functions, ``forward_0`` ... and
    ``backward_0`` ..., run in turn.

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
    if root.is_leaf:
        raise ValueError("compile_scalar_graph: the root is a leaf; there is no op to write out")
    chunks = _split([node for node in order if not node.is_leaf], PART_LINES)
    single = len(chunks) == 1
    writer = _Writer(order, root)
    forwards = [
        writer.forward(chunk, "forward" if single else f"forward_{k}") for k, chunk in enumerate(chunks)
    ]
    # The backward parts are written last part first: gradients flow down from the root.
    backwards = [
        writer.backward(chunks[k], "backward" if single else f"backward_{k}")
        for k in reversed(range(len(chunks)))
    ][::-1]
    parts = [_build_part(forwards[k], backwards[k], chunk, writer.index, k) for k, chunk in enumerate(chunks)]
    texts = [text for pair in zip(forwards, backwards) for text in (pair[0].text, pair[1].text)]
    if not single:
        last = len(chunks) - 1
        texts.append(
            f"# forward() runs forward_0() ... forward_{last}() in turn; backward(seed) runs"
            f" backward_{last}(seed), then the others down to backward_0()"
        )
    return StraightLine(*_in_turn(parts), "\n\n".join(texts))


def _split(ops: list[Value], lines: int) -> list[list[Value]]:
    """``ops`` cut into runs that write about ``lines`` lines of code each (at least one op a
    run): an op writes a line per input and a few more, a node made outside its run a few
    more (read in the forward, read and written back in the backward)."""
    chunks: list[list[Value]] = [[]]
    size, seen = 0, set[Value]()
    for node in ops:
        if size >= lines:
            chunks.append([])
            size, seen = 0, set[Value]()
        chunks[-1].append(node)
        seen.add(node)
        size += len(node.parents) + 3
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                size += 3
    return chunks


class _Part:
    """One generated function's source text and the op rules it calls by name."""

    __slots__ = ("name", "text", "functions")

    def __init__(self, name: str, lines: list[str], functions: dict[str, Callable[..., Any]]) -> None:
        self.name = name
        self.text = "\n".join(lines)
        self.functions = functions


class _Writer:
    """Writes a graph's ``forward`` and ``backward`` one run of ops at a time.

    Inside a function a value lives in a local (``v5``, ``g5``, ``a5``); between functions it
    passes through its node: ``.data`` after the forward wrote it, ``.grad`` while it is being
    summed (the same float additions in the same order as one long function makes)."""

    def __init__(self, order: list[Value], root: Value) -> None:
        self.order = order
        self.root = root
        self.index = {node: i for i, node in enumerate(order)}
        self.rules = _Rules()
        self.started = {root}  # nodes whose gradient has its first term (backward, root down)

    def forward(self, ops: list[Value], name: str) -> _Part:
        index, self.rules.used = self.index, {}
        inside = {index[node] for node in ops}
        outside = sorted({index[p] for node in ops for p in node.parents} - inside)
        lines = [f"def {name}():"]
        lines += [f"    v{j} = n{j}._data{_comment(self.order[j])}" for j in outside]
        lines += _leaf_check([j for j in outside if self.order[j].is_leaf])
        # Each node written is stamped as written now (``Value.data``'s setter does the same).
        lines.append("    stamp = writes.count")
        for node in ops:
            i = index[node]
            inputs = [f"v{index[p]}" for p in node.parents]
            lines.append(f"    v{i} = {self.rules.forward(node, inputs)}{_comment(node, op=True)}")
            lines.append(f"    n{i}._data = v{i}; n{i}._stamp = stamp")
        if ops[-1] is self.root:
            lines.append(f"    return v{index[self.root]}")
        return _Part(name, lines, self.rules.used)

    def backward(self, ops: list[Value], name: str) -> _Part:
        """Leaves accumulate (``a*``), interior nodes start from their first term (``g*``);
        a node's data is read (``v*``) just before its first use."""
        index, order, self.rules.used = self.index, self.order, {}
        inside = {index[node] for node in ops}
        parents = {index[p] for node in ops for p in node.parents}
        leaves = sorted(j for j in parents if order[j].is_leaf)
        handed_on = sorted(j for j in parents - inside if not order[j].is_leaf)  # made by earlier parts
        carried = sorted(
            j for j in parents | inside if order[j] in self.started and order[j] is not self.root
        )
        lines = [f"def {name}(seed):" if ops[-1] is self.root else f"def {name}():"]
        lines += [f"    a{j} = n{j}.grad" for j in leaves]
        lines += [f"    g{j} = n{j}.grad" for j in carried]  # begun by a later part
        if ops[-1] is self.root:
            lines.append(f"    g{index[self.root]} = seed")
        loaded: set[int] = set()
        for node in reversed(ops):
            lines += self._push(node, loaded)
        lines += [f"    n{j}.grad = g{j}" for j in handed_on]
        lines += [f"    n{j}.grad = a{j}{_comment(order[j])}" for j in leaves]
        return _Part(name, lines, self.rules.used)

    def _push(self, node: Value, loaded: set[int]) -> list[str]:
        """The lines that hand ``node``'s gradient to its inputs."""
        i = self.index[node]
        lines = [f"    n{i}.grad = g{i}{_comment(node, op=True)}"]
        data = [i, *[self.index[p] for p in node.parents]]  # the nodes whose data the rule may read
        template = self.rules.vjp_template(node)
        used = data if template is None else [j for k, j in enumerate(data, 1) if f"{{{k}}}" in template]
        for j in used:
            if j not in loaded:
                loaded.add(j)
                lines.append(f"    v{j} = n{j}._data")
        arguments = [f"g{i}", *[f"v{j}" for j in data]]
        pushed = None if template is None else template.format(*arguments).split("\n")
        if pushed is None:  # the rule is called: its gradients arrive as t0, t1, ...
            pushed = [f"t{k}" for k in range(len(node.parents))]
            targets = f"({pushed[0]},)" if len(pushed) == 1 else ", ".join(pushed)
            lines.append(f"    {targets} = {self.rules.name(node, 'vjp')}({', '.join(arguments)})")
        for parent, gradient in zip(node.parents, pushed):
            j = self.index[parent]
            if parent.is_leaf:
                lines.append(f"    a{j} += {gradient}")
            elif parent in self.started:
                lines.append(f"    g{j} += {gradient}")
            else:
                self.started.add(parent)
                lines.append(f"    g{j} = {gradient}")
        return lines


def _leaf_check(leaves: list[int]) -> list[str]:
    """The lines that make ``forward`` give up (``NOT_SCALAR``) if a leaf holds no float."""
    if not leaves:
        return []
    lines = ["    # every leaf must still hold a float, or the tape walks the nodes instead"]
    tests = [f"type(v{j}) is not float" for j in leaves]
    if len(tests) <= 3:
        lines.append(f"    if {' or '.join(tests)}:")
    else:
        lines.append("    if (")
        for start in range(0, len(tests), 3):
            lines.append(
                ("        " if start == 0 else "        or ") + " or ".join(tests[start : start + 3])
            )
        lines.append("    ):")
    lines.append("        return NOT_SCALAR")
    return lines


class _Rules:
    """Each node's rule as an expression where it is arithmetic alone
    (:mod:`autograd.rule_expressions`), else as a call to the op's function."""

    def __init__(self) -> None:
        self.used: dict[str, Callable[..., Any]] = {}  # the rules the current part calls, by name
        self._names: dict[int, str] = {}  # id(op) -> its name in the code
        self._taken: set[str] = set()

    def forward(self, node: Value, inputs: list[str]) -> str:
        template = _template(node, "forward", len(inputs))
        if isinstance(template, str):
            return template.format(*inputs)
        return f"{self.name(node, 'forward')}({', '.join(inputs)})"

    def vjp_template(self, node: Value) -> str | None:
        """The vjp's gradients as templates (one per input, ``{0}`` the node's gradient, ``{1}``
        its data, ``{2}``... its inputs' data), joined by newlines; ``None`` if it must be called."""
        template = _template(node, "vjp", len(node.parents) + 2)
        if isinstance(template, list) and len(template) == len(node.parents):
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
        self.used[name] = op.forward if kind == "forward" else op.vjp
        return name


def _template(node: Value, kind: str, n_args: int) -> Any:
    """``node``'s forward or vjp as an expression (:func:`expression` remembers each), or
    ``None`` for a rule that is called."""
    op = node.op
    assert op is not None
    if n_args > MAX_WRITTEN_ARGS:
        return None
    return expression(op.forward if kind == "forward" else op.vjp, n_args)


def _build_part(
    forward: _Part, backward: _Part, ops: list[Value], index: dict[Value, int], k: int
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Compile one part's two functions. The nodes they touch and the rules they call become
    their closure variables: the fastest names Python has after locals."""
    nodes = {node: index[node] for node in ops}
    nodes.update((p, index[p]) for node in ops for p in node.parents)
    ordered = sorted(nodes, key=nodes.__getitem__)
    functions = {**forward.functions, **backward.functions}
    lines = [
        "def make(nodes, functions):",
        f"    {', '.join(f'n{index[node]}' for node in ordered)}, = nodes",
    ]
    if functions:  # none when every rule was written out as an expression
        lines.append(f"    {', '.join(functions)}, = functions")
    lines += [
        f"    {line}" if line else ""
        for text in (forward.text, "", backward.text)
        for line in text.split("\n")
    ]
    lines.append(f"    return {forward.name}, {backward.name}")
    namespace = {"NOT_SCALAR": NOT_SCALAR, "writes": _Writes}
    make = define(lines, "make", f"straight-line tape, part {k}", namespace)
    pair: tuple[Callable[..., Any], Callable[..., Any]] = make(ordered, list(functions.values()))
    return pair


def _in_turn(
    parts: list[tuple[Callable[..., Any], Callable[..., Any]]],
) -> tuple[Callable[[], Any], Callable[[float], None]]:
    """One ``forward`` and one ``backward`` that run the parts in turn (the parts themselves
    when there is only one)."""
    if len(parts) == 1:
        return parts[0]
    *head, last = [forward for forward, _ in parts]
    root_part, *rest = [backward for _, backward in reversed(parts)]

    def forward() -> Any:
        for part in head:
            if part() is NOT_SCALAR:
                return NOT_SCALAR
        return last()

    def backward(seed: float) -> None:
        root_part(seed)
        for part in rest:
            part()

    return forward, backward


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
