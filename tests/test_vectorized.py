"""``Tape(vectorized=True)`` (``autograd.vectorized``): a replay with numpy, a group of like nodes
at a time. It must give the node walk's data, its gradients to rounding, the walk's errors, and
hand anything it cannot do (batches, anomaly mode, non-finite numbers) to the walk."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from expression_trees import VALUE_BACKEND, OutOfDomain, evaluate, trees
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from autograd import Tape, Value, detect_anomaly, dot, sum_values, trace
from autograd import vectorized as vectorized_module
from autograd.vectorized import plan_levels

N_VARS = 3
COPIES = 3  # the tree at three points, added: its nodes come in groups of three
variables = st.floats(-2, 2, allow_nan=False)
# The vectorized backward adds each node's gradients in another order than the walk, and numpy's
# exp, log, tanh ... may differ from math's in the last bit: a few ulps of the largest gradient
# term, which the random trees (magnitudes within expression_trees.LIMIT) keep far below this.
RTOL = 1e-9


def record(tree: tuple, xs: list[float], vectorized: bool) -> tuple[Tape, list[Value]]:
    leaves = [Value(x) for x in xs]
    copies = [evaluate(tree, [leaf + 0.25 * k for leaf in leaves], VALUE_BACKEND) for k in range(COPIES)]
    assume(all(isinstance(c, Value) for c in copies))
    total = sum_values(copies)
    return Tape(total * total + total, straight_line=False, vectorized=vectorized), leaves


def replay(tape: Tape, leaves: list[Value], xs: list[float]) -> tuple[str, Any]:
    for leaf, x in zip(leaves, xs):
        leaf.data = x
        leaf.grad = 0.5  # leaves accumulate
    try:
        out = tape.forward()
        tape.backward()
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return ("raised", (type(error), str(error)))
    return ("ok", (out, [node.data for node in tape.order], [node.grad for node in tape.order]))


def close(a: list[float], b: list[float]) -> bool:
    a_, b_ = np.array(a), np.array(b)
    finite = np.isfinite(b_)
    scale = np.abs(b_[finite]).max(initial=1.0)
    return bool(
        np.array_equal(np.isfinite(a_), finite)
        and np.array_equal(a_[~finite], b_[~finite], equal_nan=True)
        and np.all(np.abs(a_[finite] - b_[finite]) <= RTOL * scale)
    )


@given(
    tree=trees(N_VARS),
    xs=st.lists(variables, min_size=N_VARS, max_size=N_VARS),
    new_xs=st.lists(st.floats(-3, 3, allow_nan=False), min_size=N_VARS, max_size=N_VARS),
)
def test_a_vectorized_replay_equals_the_walk_to_rounding(tree, xs, new_xs):
    try:
        fast, fast_leaves = record(tree, xs, vectorized=True)
        walk, walk_leaves = record(tree, xs, vectorized=False)
    except OutOfDomain:
        reject()
    for values in (new_xs, xs):
        kind_fast, fast_result = replay(fast, fast_leaves, values)
        kind_walk, walk_result = replay(walk, walk_leaves, values)
        assert kind_fast == kind_walk, (fast_result, walk_result)
        if kind_fast == "raised":
            assert fast_result == walk_result
            continue
        (out_f, data_f, grads_f), (out_w, data_w, grads_w) = fast_result, walk_result
        assert close([out_f], [out_w]) and close(data_f, data_w)
        assert close(grads_f, grads_w), f"{grads_f} != {grads_w}"


def layer_graph() -> tuple[Value, list[Value], list[Value]]:
    """Two dot layers at four positions: groups of 4-8 nodes, weights shared across positions."""
    rng = np.random.default_rng(0)
    w1 = [[Value(x) for x in row] for row in rng.normal(size=(8, 3)).tolist()]
    w2 = [Value(x) for x in rng.normal(size=8).tolist()]
    xs = [Value(x) for x in rng.normal(size=12).tolist()]
    outs = []
    for p in range(4):
        x = xs[3 * p : 3 * p + 3]
        h = [dot(row, x).tanh() for row in w1]
        outs.append(dot(w2, h).exp())
    return sum_values(outs).log(), [p for row in w1 for p in row] + w2, xs


def test_a_layered_graph_falls_into_few_groups_and_matches_the_walk():
    root, params, xs = layer_graph()
    walk = Tape(root)
    walk.forward()
    walk.backward()
    expected = [p.grad for p in params + xs]
    for p in params + xs:
        p.grad = 0.0
    tape = Tape(root, vectorized=True)
    assert close([tape.forward()], [walk.forward()])  # numpy's tanh, exp, log: maybe not math's bits
    tape.backward()
    assert close([p.grad for p in params + xs], expected)
    plan = tape._levels()
    assert plan is not None
    assert len(plan.groups) == 6  # dot, tanh, dot, exp, sum, log: one group each
    tape.backward()  # leaves accumulate
    assert close([p.grad for p in params + xs], [2 * g for g in expected])


@pytest.mark.parametrize("copies", [1, 3])
def test_sums_add_in_turn_as_the_walk_does(copies):
    """A lone node's column would be summed pairwise by numpy: the forward is the walk's, bit for bit."""
    rng = np.random.default_rng(1)
    scale = 10.0 ** rng.integers(-8, 8, size=40)
    leaves = [Value(x) for x in (rng.normal(size=40) * scale).tolist()]
    outs = [dot(leaves[:20], leaves[20:]) - sum_values(leaves[k:]) for k in range(copies)]
    root = sum_values(outs) * 1.0
    walk, fast = Tape(root, straight_line=False), Tape(root, vectorized=True)
    expected = walk.forward()
    assert fast.forward() == expected
    assert [node.data for node in fast.order] == [node.data for node in walk.order]


def test_interior_gradients_are_reset_and_data_restamped():
    w, x = Value(2.0), Value(3.0)
    y = w * x
    tape = Tape(y * y, vectorized=True)
    tape.forward()
    tape.backward()
    tape.forward()
    tape.backward()
    assert y.grad == 2 * 6.0 and w.grad == 2 * (12.0 * 3.0)
    x.data = 1.0  # a write after the replay: backward refuses, as the walk does
    with pytest.raises(RuntimeError, match="changed after"):
        tape.backward()
    assert tape.forward() == 4.0 and y.data == 2.0


def test_an_infinite_gradient_is_left_to_the_walk():
    x = Value(4.0)
    tape = Tape(x.sqrt() * 2.0, vectorized=True)
    x.data = 0.0
    tape.forward()
    tape.backward()
    assert x.grad == math.inf  # sqrt'(0), from the walk's scalar rule


def test_a_rule_that_raises_raises_as_in_the_walk():
    x = Value(2.0)
    tape = Tape((x * x - 1.0).log(), vectorized=True)
    x.data = 0.5
    with pytest.raises(ValueError, match=r"log: defined only for positive inputs, got -0\.75"):
        tape.forward()
    x.data = 3.0
    assert tape.forward() == math.log(8.0)


def test_batched_leaves_and_anomaly_mode_take_the_walk():
    x = Value(np.array([1.0, 2.0]))
    tape = Tape((x * x).sum(), vectorized=True)
    assert tape.forward() == 5.0
    tape.backward()
    assert x.grad.tolist() == [2.0, 4.0]
    y = Value(1.0)
    tape = Tape(y.exp() * y, vectorized=True)
    with detect_anomaly():
        tape.forward()
        tape.backward()
    assert y.grad == pytest.approx(2 * math.e)


def test_a_backward_after_a_forward_by_the_walk_is_the_walks():
    """Once the walk recomputed the nodes (a batch in a leaf, anomaly mode), the plan's numbers
    from its own last forward are stale: the backward must not use them."""
    x = Value(2.0)
    tape = Tape((x * x).exp(), vectorized=True)
    tape.forward()
    x.data = 1.0
    with detect_anomaly():
        tape.forward()
    x.grad = 0.0
    tape.backward()
    assert x.grad == pytest.approx(2 * math.e)  # 2x e^(x^2) at x = 1, not at x = 2
    x.data = np.array([1.0, 0.5])
    tape.forward()
    x.grad = 0.0
    tape.backward(np.array([1.0, 1.0]))
    assert x.grad.tolist() == pytest.approx([2 * math.e, math.exp(0.25)])


def test_an_op_outside_the_table_is_not_planned(monkeypatch):
    x = Value(2.0)
    y = x * x
    assert plan_levels([x, y]) is not None
    monkeypatch.setattr(vectorized_module, "_PER_ELEMENT", {"add"})
    assert plan_levels([x, y]) is None
    tape = Tape(y, vectorized=True)
    x.data = 3.0
    assert tape.forward() == 9.0


def test_vectorized_is_a_bool_and_excludes_straight_line():
    x = Value(1.0)
    with pytest.raises(TypeError, match="vectorized must be True or False"):
        Tape(x * x, vectorized="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        Tape(x * x, straight_line=True, vectorized=True)
    assert Tape(x * x, vectorized=True).source is None


def test_trace_passes_vectorized_to_its_tapes():
    w = Value(0.5)
    f = trace(lambda xs: sum_values([w * x for x in xs]).tanh(), vectorized=True)
    f([1.0, 2.0])
    assert f.tape.vectorized
    y = f([3.0, -1.0])
    f.backward()
    assert y.data == math.tanh(1.0) and w.grad == pytest.approx((1 - math.tanh(1.0) ** 2) * 2.0)
