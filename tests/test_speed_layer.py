"""Speed is only speed: the speed layer (``autograd.speed``) and anomaly mode change no bit.

Random programs over every op of the table -- scalar and batched, nodes reused, constants
mixed in -- run backward on the plain core (speed layer switched off), with the speed layer on,
and under ``detect_anomaly()``. Every node's data and gradient must be the same bits (NaN,
infinities and the sign of zero included), or every run must raise the same exception.
"""

from __future__ import annotations

import operator
import struct
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    OPS,
    AnomalyError,
    Value,
    apply_op,
    detect_anomaly,
    dot,
    gather,
    gradients,
    logsumexp,
    speed,
    sum_values,
)
from autograd.op_rules import gate as gate_rule
from autograd.rule_expressions import MAX_WRITTEN_ARGS

UNARY = ("neg", "exp", "log", "sqrt", "softplus", "tanh", "sigmoid", "sin", "cos", "relu", "abs", "identity")
BINARY = ("add", "sub", "mul", "div", "pow", "gate")
NARY = ("sum", "dot", "logsumexp", "gather")
EVERY_OP = (*UNARY, *BINARY, *NARY, "batch_sum")
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -2.5]

OPERATORS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": pow,
    # relu's derivative (a node of derivative graphs): g where a > 0, else 0
    "gate": lambda g, a: gate_rule(g, a, OPS["gate"]),
}
METHODS = {"neg": operator.neg, "abs": abs}
numbers = st.one_of(st.sampled_from(SPECIAL), st.floats(-3.0, 3.0, allow_nan=False))
step = st.tuples(
    st.sampled_from(EVERY_OP),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=5),  # which earlier nodes to use
    st.one_of(st.none(), numbers),  # a constant operand for a binary op, sometimes
)
programs = st.lists(step, min_size=1, max_size=25)


def test_the_programs_reach_every_op_of_the_table():
    assert set(EVERY_OP) == set(OPS), "a new op needs a place in this test's programs"


def build(program: list[Any], leaves: list[Value]) -> tuple[list[Value], Value]:
    nodes = list(leaves)
    for name, picks, constant in program:
        args = [nodes[i % len(nodes)] for i in picks]
        if name == "identity":
            node = apply_op(OPS[name], (args[0],))
        elif name in UNARY:  # the methods users call: -x, abs(x), x.exp() ...
            node = METHODS[name](args[0]) if name in METHODS else getattr(args[0], name)()
        elif name in BINARY:
            a, b = args[0], (args[1] if len(args) > 1 else args[0])
            if constant is not None:  # Value <op> number, or number <op> Value (the reflected method)
                a, b = (a, constant) if picks[0] % 2 else (constant, a)
            node = OPERATORS[name](a, b)
        elif name == "sum":
            node = sum_values(args)
        elif name == "logsumexp":
            node = logsumexp(args)
        elif name == "gather":
            node = gather(args, gather_index(picks[0], len(args), args, constant is not None))
        elif name == "dot":
            half = max(1, len(args) // 2)
            node = dot(args[:half], (args[half:] + args)[:half], constant)
        else:
            node = args[0].sum()  # batch_sum on a batched node, the node itself on a scalar
        nodes.append(node)
    root = nodes[-1]
    return nodes, root.sum()


def gather_index(pick: int, n: int, args: list[Value], per_sample: bool) -> Any:
    """An index into ``n`` values: a number, or (sometimes) a ``Value`` leaf holding one, per
    sample when a value is batched."""
    sizes = [len(a.data) for a in args if isinstance(a.data, np.ndarray)]
    if not per_sample:
        return pick % n
    return Value(np.array([(pick + s) % n for s in range(sizes[0])]) if sizes else pick % n)


def bits(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return (x.shape, x.tobytes())
    if isinstance(x, float):
        return struct.pack("<d", x)
    return x


def run(program: list[Any], data: list[Any], anomaly: bool = False) -> Any:
    leaves = [Value(d, label=f"x{i}") for i, d in enumerate(data)]
    try:
        with np.errstate(all="ignore"):
            if anomaly:
                with detect_anomaly():
                    nodes, root = build(program, leaves)
                    root.backward()
            else:
                nodes, root = build(program, leaves)
                root.backward()
    except Exception as error:  # the same error in every run is agreement too
        return type(error)
    return [(bits(n.data), bits(n.grad)) for n in [*nodes, root]]


leaf_data = st.one_of(
    st.lists(numbers, min_size=1, max_size=3),  # scalar leaves
    st.integers(1, 3).flatmap(  # batched leaves (one value per sample), some scalar ones beside
        lambda n: st.lists(
            st.one_of(numbers, st.lists(numbers, min_size=n, max_size=n).map(np.array)),
            min_size=1,
            max_size=3,
        )
    ),
)


@given(program=programs, data=leaf_data)
def test_the_speed_layer_changes_no_bit(program, data):
    with speed.disabled():
        plain = run(program, data)
    assert speed.is_enabled()
    assert run(program, data) == plain


def _third_derivatives(data: Any) -> list[Any]:
    x = Value(data)
    y = (x.relu().sqrt() + (x * x).relu() * abs(x) + (2.0**x).relu()).sum()
    (g,) = gradients(y, [x], create_graph=True)
    (h,) = gradients(g.sum(), [x], create_graph=True)
    (t,) = gradients(h.sum(), [x])
    return [bits(np.asarray(d.data if isinstance(d, Value) else d, dtype=float)) for d in (g, h, t)]


def test_derivative_graphs_through_kinks_are_the_same_bits():
    # relu's derivative is a gate node there (and pow's has no term for the number 2.0)
    for data in ([-1.0, -0.0, 0.0, 2.0, float("nan"), float("inf")], -1.0, 0.0, 3.0):
        with np.errstate(all="ignore"):
            fast = _third_derivatives(np.array(data) if isinstance(data, list) else data)
            with speed.disabled():
                assert _third_derivatives(np.array(data) if isinstance(data, list) else data) == fast


@given(program=programs, data=leaf_data)
def test_anomaly_mode_changes_no_number_where_nothing_is_anomalous(program, data):
    checked = run(program, data, anomaly=True)
    if checked is AnomalyError:
        return  # a NaN or infinity appeared: that is what the mode is for
    assert checked == run(program, data)


def test_switching_the_layer_off_empties_every_slot_and_on_fills_them():
    with speed.disabled():
        assert all(op.fast_step is None and op.fast_forward is None for op in OPS.values())
    assert all(OPS[name].fast_step is not None for name in EVERY_OP)
    assert OPS["dot"].fast_forward is not None and OPS["sum"].fast_forward is not None


def test_the_written_methods_pickle_by_name_like_the_plain_ones():
    # A model that stores ``Value.relu`` as its activation is pickled and deep-copied with it;
    # pickle finds a function by its module and qualified name.
    import pickle

    import torch  # noqa: F401  (its lazy class namespaces broke pickle's module search once)

    for name in ("relu", "tanh", "__mul__", "__rtruediv__", "__neg__"):
        method = getattr(Value, name)
        assert pickle.loads(pickle.dumps(method)) is method


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(MAX_WRITTEN_ARGS - 2, MAX_WRITTEN_ARGS + 70),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_wide_sums_and_dots_change_no_bit(width, bias, seed):
    """Past MAX_WRITTEN_ARGS inputs the steps are loops: the same bits as the core's step, with
    values that appear as weight and input both (rmsnorm's dot(x, x)) and more than once."""
    rng = np.random.default_rng(seed)

    def once() -> list[Any]:
        pool = [Value(float(v)) for v in rng.normal(size=5)]
        picks = rng.integers(0, len(pool), size=2 * width)
        ws, xs = [pool[k] * 1.5 for k in picks[:width]], [pool[k] for k in picks[width:]]
        y = dot(ws, xs, pool[0] if bias else None).tanh() + sum_values(ws + xs)
        y.backward()
        return [bits(p.grad) for p in pool] + [bits(w.grad) for w in ws]

    state = rng.bit_generator.state
    with speed.disabled():
        plain = once()
    rng.bit_generator.state = state
    assert once() == plain
