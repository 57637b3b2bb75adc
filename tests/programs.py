"""Random straight-line programs over every op of ``autograd.OPS``, run by chainrule and by PyTorch.

A program is a few leaves (scalars, or batches of one value per sample) and a list of
instructions over a growing list of values, like a tiny stack machine:
``Instruction("log", (("v", 0),))`` appends ``log`` of the newest value,
``Instruction("div", (("c", 2.0), ("v", 3)))`` appends ``2.0 / <the value four back>``. A value
operand counts back from the newest value (modulo how many there are), so every drawn program
is valid and hypothesis shrinks towards short chains; the same value may be used many times,
so programs are DAGs, not trees.

Each op has a *twin*: how to apply it with chainrule's public API and how to apply it with
PyTorch. ``TWINS`` is keyed by op name and must cover ``autograd.OPS`` exactly, so a new op is
not fuzzed (and the fuzzer fails) until someone writes its PyTorch twin.

Example:
    >>> program = Program(leaves=(Leaf(2.0),), instructions=(Instruction("mul", (("v", 0), ("c", 3.0))),))
    >>> leaves, values = run_ours(program, program.leaf_data())
    >>> values[-1].data
    6.0
    >>> tensors, their_values = run_theirs(program, program.leaf_data())
    >>> float(their_values[-1])
    6.0
"""

from __future__ import annotations

import math
import operator
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from autograd import (
    OPS,
    Value,
    detect_anomaly,
    dot,
    enable_grad,
    gather,
    logsumexp,
    no_grad,
    sum_values,
    value_and_grad,
)
from autograd.op_rules import gate as gate_rule

__all__ = [
    "EPS",
    "Instruction",
    "Leaf",
    "Program",
    "Stopped",
    "TWINS",
    "Twin",
    "cone",
    "programs",
    "run_ours",
    "run_theirs",
]

EPS = float(np.finfo(np.float64).eps)
DOCUMENTED = (ValueError, ZeroDivisionError, OverflowError)

# --- the twins ------------------------------------------------------------------------------


def _identity_node(a: Any) -> Any:
    """The ``identity`` op through the public API: the node a transform wraps a traced Value in.

    ``value_and_grad`` called on a ``Value`` is nested: it returns ``f``'s output as a graph,
    here the identity node itself. Transforms take scalar outputs only, so a batched operand
    passes through unchanged (on both sides).
    """
    if isinstance(a.data, np.ndarray):
        return a
    return value_and_grad(lambda u: u)(a)[0]


def _torch_sum(*terms: Any) -> Any:
    total: Any = 0.0  # chainrule's rule is sum(args, 0.0): the same additions in the same order
    for t in terms:
        total = total + t
    return total


def _torch_dot(*args: Any) -> Any:
    n = len(args) // 2
    total: Any = 0.0
    for i in range(n):
        total = total + args[i] * args[n + i]
    return total + args[-1] if len(args) % 2 else total


def _our_dot(*args: Any) -> Any:
    n = len(args) // 2
    return dot(list(args[:n]), list(args[n : 2 * n]), args[-1] if len(args) % 2 else None)


def _our_gather(*xs: Any) -> Any:
    # The index is the operands' middle: a number (data-dependent indices: tests/test_selection.py).
    return gather(list(xs), len(xs) // 2)


class _TorchGather(torch.autograd.Function):
    """gather as PyTorch's indexing of a stack computes it: the chosen value passes, every other
    value is in the graph and gets a 0 gradient (so 0 * inf = NaN through an unselected sqrt at
    0, in both engines), without the stack's broadcasting of a scalar against a batch."""

    @staticmethod
    def forward(ctx: Any, k: int, *xs: Any) -> Any:
        ctx.k, ctx.shapes = k, [x.shape for x in xs]
        return xs[k].clone()

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        zeros = [torch.zeros(shape, dtype=g.dtype) for shape in ctx.shapes]
        return (None, *[g if i == ctx.k else zero for i, zero in enumerate(zeros)])


def _torch_gather(*xs: Any) -> Any:
    return _TorchGather.apply(len(xs) // 2, *[_tensor_of(x) for x in xs])


def _torch_logsumexp(*xs: Any) -> Any:
    return torch.logsumexp(torch.stack(torch.broadcast_tensors(*[_tensor_of(x) for x in xs])), 0)


def _torch_softplus(t: Any) -> Any:
    # Above its threshold F.softplus returns x itself; at the default 20 that slope 1 is off by
    # e**-20 ~ 2e-9, at 40 the exact slope already rounds to 1. (logaddexp(x, 0), the other
    # candidate, has a second derivative of NaN at x = -inf and below -709: exp(-x) overflows.)
    return torch.nn.functional.softplus(t, threshold=40.0)


def _gate(g: Any, a: Any) -> Any:
    return gate_rule(g, a, OPS["gate"])


def _torch_gate(g: Any, a: Any) -> Any:
    return torch.ops.aten.threshold_backward(_tensor_of(g), _tensor_of(a), 0.0)


def _tensor_of(x: Any) -> Any:
    # ``2.0 / t`` is ``t.reciprocal() * 2.0`` in PyTorch: 0.0 / 5e-324 gives 0 * inf = NaN there.
    # The twin of chainrule's division is a true division.
    return x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64)


def _batch_sum(a: Any) -> Any:
    """``Value.sum()``: a batched value's sum over its samples; a scalar is returned unchanged."""
    return a.sum() if np.ndim(numbers_of(a)) == 1 else a


@dataclass(frozen=True)
class Twin:
    """One op, as chainrule and PyTorch apply it.

    ``kind`` fixes the operands: ``unary`` (one value), ``binary`` (two, at least one a
    value), ``nary`` (a list), ``dot`` (weights, as many inputs, an optional bias).
    ``forward`` says how close the two forward results must be on the same inputs:
    ``exact`` (IEEE-exact arithmetic in both: the same bits), ``ulps`` (a libm function in
    each engine: a few ulp), ``reduction`` (a sum whose order differs, numpy or BLAS against
    ATen: ``n * eps * sum |terms|``).
    """

    kind: str
    ours: Callable[..., Any]
    theirs: Callable[..., Any]
    forward: str


TWINS: dict[str, Twin] = {
    "add": Twin("binary", operator.add, operator.add, "exact"),
    "sub": Twin("binary", operator.sub, operator.sub, "exact"),
    "mul": Twin("binary", operator.mul, operator.mul, "exact"),
    "div": Twin("binary", operator.truediv, lambda a, b: torch.div(_tensor_of(a), b), "exact"),
    "pow": Twin("binary", operator.pow, operator.pow, "ulps"),
    "neg": Twin("unary", operator.neg, operator.neg, "exact"),
    "identity": Twin("unary", _identity_node, lambda t: t.clone() if t.ndim == 0 else t, "exact"),
    "sum": Twin("nary", lambda *xs: sum_values(xs), _torch_sum, "exact"),
    "dot": Twin("dot", _our_dot, _torch_dot, "reduction"),
    "gather": Twin("nary", _our_gather, _torch_gather, "exact"),
    "logsumexp": Twin("nary", lambda *xs: logsumexp(xs), _torch_logsumexp, "reduction"),
    "exp": Twin("unary", Value.exp, torch.exp, "ulps"),
    "log": Twin("unary", Value.log, torch.log, "ulps"),
    # numpy's vectorised sqrt is not always correctly rounded (sqrt(pi): 1 ulp low): not exact.
    "sqrt": Twin("unary", Value.sqrt, torch.sqrt, "ulps"),
    "softplus": Twin("unary", Value.softplus, _torch_softplus, "ulps"),
    "tanh": Twin("unary", Value.tanh, torch.tanh, "ulps"),
    "sigmoid": Twin("unary", Value.sigmoid, torch.sigmoid, "ulps"),
    "sin": Twin("unary", Value.sin, torch.sin, "ulps"),
    "cos": Twin("unary", Value.cos, torch.cos, "ulps"),
    "relu": Twin("unary", Value.relu, torch.relu, "exact"),
    "abs": Twin("unary", abs, torch.abs, "exact"),
    # relu's derivative, g where a > 0 (or NaN), else 0: a node of derivative graphs
    "gate": Twin("binary", _gate, _torch_gate, "exact"),
    "batch_sum": Twin("unary", _batch_sum, _batch_sum, "reduction"),
}

# --- programs -------------------------------------------------------------------------------

Operand = tuple[str, Any]  # ("v", k): the value k back from the newest; ("c", x): the number x

# How an instruction is run with respect to grad mode (PyTorch's semantics are the reference):
#   no_grad           inside ``no_grad()``: the result is a constant for everything after it
#   enable_in_no_grad inside ``enable_grad()`` inside ``no_grad()``: recorded as usual
#   thread_no_grad    while another thread sits inside ``no_grad()``: recorded as usual
#   thread_anomaly    while another thread sits inside ``detect_anomaly()``: no checks here
MODES = ("", "no_grad", "enable_in_no_grad", "thread_no_grad", "thread_anomaly")


@dataclass(frozen=True)
class Instruction:
    op: str
    operands: tuple[Operand, ...]
    mode: str = ""


@dataclass(frozen=True)
class Leaf:
    data: float | tuple[float, ...]  # a tuple: one value per sample

    @property
    def batched(self) -> bool:
        return isinstance(self.data, tuple)

    def array(self) -> float | np.ndarray:
        return np.array(self.data, dtype=np.float64) if isinstance(self.data, tuple) else self.data


@dataclass(frozen=True)
class Program:
    leaves: tuple[Leaf, ...]
    instructions: tuple[Instruction, ...]

    @property
    def batched(self) -> bool:
        return any(leaf.batched for leaf in self.leaves)

    @property
    def batch_size(self) -> int | None:
        sizes = {len(leaf.data) for leaf in self.leaves if isinstance(leaf.data, tuple)}
        return sizes.pop() if sizes else None

    def leaf_data(self) -> list[float | np.ndarray]:
        return [leaf.array() for leaf in self.leaves]

    def __repr__(self) -> str:  # what hypothesis prints for a failing example: paste-able
        lines = ["Program(leaves=("]
        lines += [f"    Leaf({leaf.data!r})," for leaf in self.leaves]
        lines.append("), instructions=(")
        lines += [f"    {ins!r}," for ins in self.instructions]
        lines.append("))")
        return "\n".join(lines)


# Special points: zeros (both signs), +-1, kinks and domain edges, pi, huge and tiny numbers,
# subnormals, overflow edges of exp, infinities and NaN.
SPECIAL = (
    0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, math.pi, math.pi / 2, 1e-8, -1e-8, 1e-300,
    5e-324, 1e8, 700.0, 710.0, -745.0, 1e300, -1e300, math.inf, -math.inf, math.nan,
)  # fmt: skip
CONSTANTS = (0.0, 1.0, -1.0, 2.0, -2.0, 3.0, 0.5, -0.5, 1.5, 1e-300, 1e300, math.e)

special_numbers = st.sampled_from(SPECIAL)
ordinary_numbers = st.floats(-4.0, 4.0, allow_nan=False, allow_infinity=False)
numbers = st.one_of(ordinary_numbers, ordinary_numbers, special_numbers)
constants = st.one_of(st.sampled_from(CONSTANTS), st.floats(-3.0, 3.0, allow_nan=False))
back = st.integers(0, 15)
value_operand = back.map(lambda k: ("v", k))
any_operand = st.one_of(value_operand, value_operand, constants.map(lambda c: ("c", c)))


def instructions(modes: Sequence[str]) -> st.SearchStrategy[Instruction]:
    """Instructions over every op in ``TWINS``; ``modes`` are the grad modes to draw from."""

    @st.composite
    def instruction(draw: st.DrawFn) -> Instruction:
        op = draw(st.sampled_from(sorted(TWINS)), label="op")
        kind = TWINS[op].kind
        if kind == "unary":
            operands: tuple[Operand, ...] = (draw(value_operand),)
        elif kind == "binary":
            first, second = draw(any_operand), draw(any_operand)
            if first[0] == "c" and second[0] == "c":  # two numbers make a float, not a node
                first = draw(value_operand)
            operands = (first, second)
        elif kind == "nary":
            operands = (draw(value_operand), *draw(st.lists(any_operand, max_size=3)))
        else:  # dot: n weights, n inputs, an optional bias
            n = draw(st.integers(1, 3))
            operands = tuple(draw(st.lists(any_operand, min_size=2 * n, max_size=2 * n + 1)))
            if all(o[0] == "c" for o in operands):
                operands = (draw(value_operand), *operands[1:])
        mode = draw(st.sampled_from(modes)) if draw(st.integers(0, 7)) == 0 else ""
        return Instruction(op, operands, mode)

    return instruction()


def leaves(batch: int | None) -> st.SearchStrategy[Leaf]:
    scalar = numbers.map(Leaf)
    if batch is None:
        return scalar
    batched = st.lists(numbers, min_size=batch, max_size=batch).map(lambda xs: Leaf(tuple(xs)))
    return st.one_of(batched, batched, scalar)  # scalar leaves next to batched ones: parameters


@st.composite
def programs(draw: st.DrawFn, modes: Sequence[str] = ("",), max_instructions: int = 7) -> Program:
    """A program over 1-3 leaves, scalar or batched (1-3 samples), of 1-``max_instructions`` ops."""
    batch = draw(st.sampled_from([None, None, 1, 2, 3]), label="batch size")
    drawn = draw(st.lists(leaves(batch), min_size=1, max_size=3), label="leaves")
    if batch is not None and not any(leaf.batched for leaf in drawn):
        drawn[0] = Leaf(tuple(draw(st.lists(numbers, min_size=batch, max_size=batch))))
    body = draw(st.lists(instructions(modes), min_size=1, max_size=max_instructions), label="instructions")
    return Program(tuple(drawn), tuple(body))


# --- running a program ----------------------------------------------------------------------


class Stopped(Exception):
    """chainrule raised ``error`` at instruction ``index`` (the operands' data are kept)."""

    def __init__(self, index: int, error: BaseException, operands: list[Any], values: list[Any]) -> None:
        super().__init__(f"instruction {index}: {type(error).__name__}: {error}")
        self.index = index
        self.error = error
        self.operands = operands
        self.values = values  # the leaves and every value made before the error


def _operand(values: list[Any], operand: Operand) -> Any:
    kind, x = operand
    return values[-1 - x % len(values)] if kind == "v" else x


@contextmanager
def _in_other_thread(mode: Callable[[], Any]) -> Iterator[None]:
    """Hold ``mode`` (a context manager factory) open in a second thread while the body runs."""

    def hold(wait: Callable[[], None]) -> None:
        with mode():
            wait()

    with in_a_second_thread(hold):
        yield


@contextmanager
def in_a_second_thread(run: Callable[[Callable[[], None]], Any]) -> Iterator[None]:
    """Run ``run(wait)`` in a second thread; the body runs while that thread sits in ``wait()``."""
    entered, release = threading.Event(), threading.Event()

    def wait() -> None:
        entered.set()
        release.wait(10)

    thread = threading.Thread(target=lambda: run(wait), daemon=True)
    thread.start()
    entered.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)


@contextmanager
def our_mode(mode: str) -> Iterator[None]:
    if mode == "no_grad":
        with no_grad():
            yield
    elif mode == "enable_in_no_grad":
        with no_grad(), enable_grad():
            yield
    elif mode == "thread_no_grad":
        with _in_other_thread(no_grad):
            yield
    elif mode == "thread_anomaly":
        with _in_other_thread(detect_anomaly):
            yield
    else:
        yield


@contextmanager
def _their_mode(mode: str) -> Iterator[None]:
    if mode == "no_grad":
        with torch.no_grad():
            yield
    elif mode == "enable_in_no_grad":
        with torch.no_grad(), torch.enable_grad():
            yield
    else:  # torch's grad mode is thread-local: other threads change nothing here
        yield


def cone(program: Program) -> set[int]:
    """The instructions the last one depends on (itself included)."""
    n = len(program.leaves)
    needed = {n + len(program.instructions) - 1}
    for index in range(len(program.instructions) - 1, -1, -1):
        if n + index in needed:
            size = n + index  # how many values exist when the instruction runs
            for kind, x in program.instructions[index].operands:
                if kind == "v":
                    needed.add(size - 1 - x % size)
    return {i - n for i in needed if i >= n}


def run_ours(
    program: Program,
    data: Sequence[Any],
    leaves: Sequence[Value] | None = None,
    only: set[int] | None = None,
) -> tuple[list[Value], list[Any]]:
    """Run ``program`` with chainrule on leaves holding ``data`` (or on the given ``leaves``);
    with ``only``, just those instructions (the others leave ``None``, which nothing in
    ``cone(program)`` reads).

    Raises :class:`Stopped` when an instruction raises.
    """
    nodes = list(leaves) if leaves is not None else [Value(x) for x in data]
    values: list[Any] = list(nodes)
    for index, ins in enumerate(program.instructions):
        if only is not None and index not in only:
            values.append(None)
            continue
        operands = [_operand(values, o) for o in ins.operands]
        try:
            with our_mode(ins.mode):
                values.append(TWINS[ins.op].ours(*operands))
        except Exception as error:
            raise Stopped(index, error, operands, values) from error
    return nodes, values


def as_tensor(x: Any, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=requires_grad)


def numbers_of(x: Any) -> Any:
    """The plain number(s) of a chainrule value, a tensor or a number, as float or float64 array."""
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, torch.Tensor):
        x = x.detach().numpy()
        return float(x) if x.ndim == 0 else np.array(x, dtype=np.float64)
    return np.array(x, dtype=np.float64) if isinstance(x, np.ndarray) else float(x)


def run_theirs(
    program: Program,
    data: Sequence[Any],
    sync: Callable[[int, Any], Any] | None = None,
    stop: int | None = None,
) -> tuple[list[torch.Tensor], list[Any]]:
    """Run ``program`` with PyTorch float64; instruction ``stop`` and later are not run.

    ``sync(index, tensor)`` sees each instruction's result and returns what later ones use.
    """
    tensors = [as_tensor(x, requires_grad=True) for x in data]
    values: list[Any] = list(tensors)
    for index, ins in enumerate(program.instructions):
        if stop is not None and index >= stop:
            break
        operands = [_operand(values, o) for o in ins.operands]
        with _their_mode(ins.mode):
            out = TWINS[ins.op].theirs(*operands)
        values.append(sync(index, out) if sync is not None else out)
    return tensors, values


def their_operands(program: Program, values: list[Any], index: int) -> list[Any]:
    """The operands instruction ``index`` would see, given the values before it."""
    return [_operand(values, o) for o in program.instructions[index].operands]
