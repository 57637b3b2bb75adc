"""A scalar :class:`~autograd.Tape` replays through generated straight-line code
(``autograd.straight_line``): it must give the node walk's numbers to the last bit, fall back
to the walk whenever the leaves stop being floats, and show readable source."""

from __future__ import annotations

import math
import re
from typing import Any
from unittest import mock

import numpy as np
import pytest
from expression_trees import VALUE_BACKEND, OutOfDomain, evaluate, trees
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from autograd import OPS, AnomalyError, Tape, Value, detect_anomaly, dot, gradients, sum_values
from autograd import straight_line as straight_line_module
from autograd import tape as tape_module
from autograd.ops import Op
from autograd.rule_expressions import expression

N_VARS = 3
variables = st.floats(-2, 2, allow_nan=False)


def same(a: Any, b: Any) -> bool:
    """Equal as floats, with nan equal to nan (the two replays must agree even on nan)."""
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def replay(tape: Tape, leaves: list[Value], xs: list[float]) -> tuple[str, Any]:
    """Set the leaves, replay forward and backward; the outcome (numbers, or the error's type)."""
    for leaf, x in zip(leaves, xs):
        leaf.data = x
        leaf.grad = 0.0
    try:
        out = tape.forward()
        tape.backward()
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return ("raised", type(error))
    return ("ok", (out, [node.grad for node in tape.order], [node.data for node in tape.order]))


def two_tapes(tree: tuple, xs: list[float]) -> tuple[Tape, Tape, list[Value], list[Value]]:
    """The same expression recorded twice: one tape replays straight-line, one walks."""
    built = []
    for _ in range(2):
        leaves = [Value(x) for x in xs]
        root = evaluate(tree, leaves, VALUE_BACKEND)
        assume(isinstance(root, Value) and root.parents)
        # A tree shares only its leaves; reusing the root makes an interior node with three
        # children, whose gradient is a sum.
        built.append((root * root + root, leaves))
    (root_a, leaves_a), (root_b, leaves_b) = built
    return Tape(root_a, straight_line=True), Tape(root_b, straight_line=False), leaves_a, leaves_b


@given(
    tree=trees(N_VARS),
    xs=st.lists(variables, min_size=N_VARS, max_size=N_VARS),
    new_xs=st.lists(st.floats(-3, 3, allow_nan=False), min_size=N_VARS, max_size=N_VARS),
)
def test_straight_line_replay_equals_the_node_walk_bit_for_bit(tree, xs, new_xs):
    try:
        fast, walk, fast_leaves, walk_leaves = two_tapes(tree, xs)
    except OutOfDomain:
        reject()
    assert fast.source is not None and walk.source is None
    for values in (xs, new_xs):
        kind_fast, fast_result = replay(fast, fast_leaves, values)
        kind_walk, walk_result = replay(walk, walk_leaves, values)
        assert kind_fast == kind_walk
        if kind_fast == "raised":
            assert fast_result is walk_result
            continue
        (out_f, grads_f, data_f), (out_w, grads_w, data_w) = fast_result, walk_result
        assert same(out_f, out_w)
        assert all(map(same, data_f, data_w))
        assert all(map(same, grads_f, grads_w)), f"{grads_f} != {grads_w}\n{fast.source}"


def small_network() -> tuple[Value, list[Value]]:
    params = [Value(v, label=f"p{i}") for i, v in enumerate([0.5, -0.3, 0.8, 0.1, -0.7])]
    w, b, v, c = params[0:2], params[2], params[3], params[4]
    errors = []
    for x, y in [([1.0, 2.0], 1.0), ([-1.0, 0.5], 0.0)]:
        hidden = dot(w, x, b).sigmoid()
        errors.append((hidden * v + c).tanh() - y)
    return sum_values([e * e for e in errors]), params


def test_a_small_scalar_graph_replays_straight_line_by_default():
    root, params = small_network()
    tape = Tape(root)
    source = tape.source
    assert source is not None
    assert "def forward():" in source and "def backward(seed):" in source
    # dot's rules are arithmetic, so they are written out; sigmoid's forward compares (a call)
    assert "0.0 + v0 * v2 + v1 * v3 + v4" in source and "dot(" not in source and "dot_vjp(" not in source
    assert "sigmoid(" in source and "sigmoid_vjp(" not in source
    assert "# p0" in source  # leaves are named by their labels


def test_leaves_accumulate_and_interiors_are_recomputed():
    a = Value(3.0)
    b = a * a
    tape = Tape(b * a, straight_line=True)
    tape.backward()
    tape.backward()
    assert a.grad == 54.0
    assert b.grad == 3.0
    tape.backward(2.0)
    assert a.grad == 108.0 and b.grad == 6.0


def test_training_with_either_replay_gives_identical_parameters():
    finals = []
    for straight_line in (True, False):
        root, params = small_network()
        tape = Tape(root, straight_line=straight_line)
        for _ in range(25):
            tape.forward()
            for p in params:
                p.grad = 0.0
            tape.backward()
            for p in params:
                p.data -= 0.1 * p.grad
        finals.append([p.data for p in params])
    assert finals[0] == finals[1]


def test_an_array_leaf_falls_back_to_the_node_walk():
    w, x = Value(0.5), Value(2.0)
    tape = Tape((w * x).sigmoid(), straight_line=True)
    assert tape.source is not None
    x.data = np.array([1.0, 2.0, 3.0])
    out = tape.forward()
    tape.backward(np.ones(3))  # the root is batched now: it needs a seed
    expected = 1 / (1 + np.exp(-0.5 * np.array([1.0, 2.0, 3.0])))
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    assert w.grad == pytest.approx(float(np.sum(expected * (1 - expected) * x.data)), rel=1e-14)
    x.data = 2.0  # floats again: back on the straight line
    assert tape.forward() == pytest.approx(1 / (1 + math.exp(-1.0)), rel=1e-15)


def test_an_int_leaf_falls_back_and_still_computes():
    w = Value(2.0)
    tape = Tape(w * w + 1.0)
    w.data = 3  # type: ignore[assignment]
    assert tape.forward() == 10
    tape.backward()
    assert w.grad == 6


def test_anomaly_mode_replays_through_the_checked_walk():
    w = Value(1.0)
    tape = Tape(w * 1e300 * 10.0)
    assert tape.source is not None
    w.data = 1e10
    with detect_anomaly(), pytest.raises(AnomalyError, match="mul"):
        tape.forward()


def test_a_non_number_seed_takes_the_walk():
    w = Value(2.0)
    tape = Tape(w * w)
    tape.backward(np.float64(3.0))
    assert w.grad == 12.0
    with pytest.raises(TypeError, match="not a Value"):
        tape.backward(Value(0.5))  # refused, as the walk does (it would make .grad a graph)


def test_size_policy(monkeypatch):
    root, _ = small_network()
    edges = sum(len(node.parents) for node in Tape(root).order)
    monkeypatch.setattr(tape_module, "STRAIGHT_LINE_EDGES", edges - 1)
    assert Tape(root).source is None  # too big for the default
    assert Tape(root, straight_line=True).source is not None
    monkeypatch.setattr(tape_module, "STRAIGHT_LINE_EDGES", edges)
    assert Tape(root).source is not None


def test_a_forced_straight_line_refuses_a_graph_above_the_hard_cap(monkeypatch):
    root, _ = small_network()
    edges = sum(len(node.parents) for node in Tape(root).order)
    monkeypatch.setattr(tape_module, "STRAIGHT_LINE_MAX_EDGES", edges - 1)
    with pytest.raises(ValueError, match=rf"{edges} edges, more than autograd.tape.STRAIGHT_LINE_MAX_EDGES"):
        Tape(root, straight_line=True)
    assert Tape(root, straight_line=False).source is None  # walking is always allowed
    monkeypatch.setattr(tape_module, "STRAIGHT_LINE_MAX_EDGES", edges)  # the user raises the cap
    assert Tape(root, straight_line=True).source is not None


def test_batched_graphs_walk_and_refuse_a_forced_straight_line():
    w = Value(0.5)
    root = (w * np.array([1.0, 2.0])).sum()
    assert Tape(root).source is None
    with pytest.raises(ValueError, match=r"straight_line=True.*ndarray"):
        Tape(root, straight_line=True)


def test_straight_line_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match="straight_line must be True, False or None"):
        Tape(Value(1.0) * 2.0, straight_line="yes")  # type: ignore[arg-type]


def test_a_leaf_root_has_nothing_to_write_out():
    leaf = Value(4.0)
    tape = Tape(leaf)
    assert tape.source is None
    assert tape.forward() == 4.0
    tape.backward()
    assert leaf.grad == 1.0


def test_odd_op_names_and_labels_still_give_valid_code():
    # ``float(...)`` stops the tracing: these rules are called by name in the generated code.
    double = Op("2x-op\nimport os", lambda a: 2.0 * float(a), lambda g, out, a: (2.0 * float(g),))
    clash = Op("v1", lambda a: float(a) + 1.0, lambda g, out, a: (float(g),))
    typed = Op("type", lambda a: -float(a), lambda g, out, a: (-float(g),))
    x = Value(1.5, label="x\nwith a newline\x00and a NUL")
    root = x._unary(double)._unary(clash)._unary(typed)
    tape = Tape(root, straight_line=True)
    source = tape.source
    assert source is not None
    x.data = 2.0
    assert tape.forward() == -5.0
    tape.backward()
    assert x.grad == -2.0
    assert "# x with a newline and a NUL" in source
    assert "# 2x-op import os" in source  # the op's name, on one comment line
    # unusable names become op, op_2, op_3; each vjp is called by its forward's name + _vjp
    for call in ("= op(v0)", "= op_2(v1)", "= op_3(v2)", "= op_3_vjp(g3,", "= op_2_vjp(g2,", "= op_vjp(g1,"):
        assert call in source, call


# --- backward() runs steps written out by the speed layer (autograd.speed) ---------------------


@given(tree=trees(N_VARS), xs=st.lists(variables, min_size=N_VARS, max_size=N_VARS))
def test_backward_with_written_rules_equals_calling_each_rule(tree, xs):
    """``backward`` runs a generated function per node where the rule is arithmetic;
    ``gradients`` calls every rule and adds in a dict: the numbers must agree to the last bit."""
    leaves = [Value(x) for x in xs]
    try:
        root = evaluate(tree, leaves, VALUE_BACKEND)
    except OutOfDomain:
        reject()
    assume(isinstance(root, Value) and root.parents)
    root = root * root + root  # an interior node with three children
    try:
        expected = gradients(root, leaves)
        root.backward()
    except (ValueError, ZeroDivisionError, OverflowError):
        reject()
    assert all(map(same, [leaf.grad for leaf in leaves], expected))


def test_backward_uses_the_plain_rule_where_it_is_not_arithmetic():
    # relu's rule compares: its written step calls the rule; mul's has the expression inline.
    x = Value(-1.0)
    y = Value(2.0)
    out = (x * y).relu() + (x + y).relu() * y
    out.backward()
    assert (x.grad, y.grad) == (2.0, 3.0)
    assert expression(OPS["relu"].vjp, 3) is None
    assert expression(OPS["mul"].vjp, 4) == ["{0} * {3}", "{0} * {2}"]


# --- dot and sum nodes are built with their forward written out (autograd.speed) -------


@given(
    ws=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40),
    bias=st.one_of(st.none(), st.floats(-1e3, 1e3)),
    data=st.data(),
)
def test_written_dot_and_sum_forwards_equal_the_rules_to_the_last_bit(ws, bias, data):
    xs = data.draw(st.lists(st.floats(-1e3, 1e3), min_size=len(ws), max_size=len(ws)))
    node = dot([Value(w) for w in ws], [Value(x) for x in xs], None if bias is None else Value(bias))
    expected = OPS["dot"].forward(*ws, *xs, *([] if bias is None else [bias]))
    assert same(node.data, expected)
    assert same(sum_values([Value(x) for x in xs]).data, OPS["sum"].forward(*xs))


@pytest.mark.parametrize("width", [1, 31, 32, 33, 100])  # 2 * width + 1 inputs: some past the limit
def test_dot_and_sum_of_every_width_still_compute(width):
    ws, xs = [0.5 + k for k in range(width)], [1.0 / (k + 1) for k in range(width)]
    node = dot([Value(w) for w in ws], [Value(x) for x in xs], Value(0.25))
    assert node.data == OPS["dot"].forward(*ws, *xs, 0.25)
    assert sum_values([Value(w) for w in ws]).data == OPS["sum"].forward(*ws)


def test_a_batched_dot_still_takes_the_matrix_product():
    w = [Value(0.5), Value(-1.5)]
    x = [Value(np.array([1.0, 2.0, 3.0])), Value(np.array([0.1, 0.2, 0.3]))]
    node = dot(w, x)
    np.testing.assert_array_equal(node.data, np.array([0.5, -1.5]) @ np.array([x[0].data, x[1].data]))


# --- a big graph is written as several parts (straight_line.PART_LINES lines each) -------------


def walk_and_straight_line(build: Any, lines: int, new_xs: list[float]) -> tuple[str, list, list]:
    """``build(leaves)`` recorded twice, replayed at ``new_xs`` straight-line (in parts of
    about ``lines`` lines) and by the node walk: the source and both outcomes."""
    outcomes, source = [], ""
    for straight_line in (True, False):
        leaves = [Value(0.5 + 0.1 * k, label=f"x{k}") for k in range(len(new_xs))]
        with mock.patch.object(straight_line_module, "PART_LINES", lines):
            tape = Tape(build(leaves), straight_line=straight_line)
            source = tape.source or source
        outcomes.append(replay(tape, leaves, new_xs))
    return source, outcomes[0], outcomes[1]


def assert_same_outcome(fast: tuple[str, Any], walk: tuple[str, Any]) -> None:
    assert fast[0] == walk[0] == "ok"
    (out_f, grads_f, data_f), (out_w, grads_w, data_w) = fast[1], walk[1]
    assert same(out_f, out_w)
    assert all(map(same, data_f, data_w)) and all(map(same, grads_f, grads_w))


def parts(source: str) -> int:
    """How many pairs of functions the program is written as."""
    return max(1, len(re.findall(r"^def forward_\d+\(", source, re.MULTILINE)))


@given(
    tree=trees(N_VARS),
    lines=st.integers(1, 60),
    xs=st.lists(variables, min_size=N_VARS, max_size=N_VARS),
    new_xs=st.lists(st.floats(-3, 3, allow_nan=False), min_size=N_VARS, max_size=N_VARS),
)
def test_a_program_in_parts_equals_the_node_walk_bit_for_bit(tree, lines, xs, new_xs):
    with mock.patch.object(straight_line_module, "PART_LINES", lines):
        try:
            fast, walk, fast_leaves, walk_leaves = two_tapes(tree, xs)
        except OutOfDomain:
            reject()
        assert fast.source is not None
    for values in (xs, new_xs):
        kind_fast, fast_result = replay(fast, fast_leaves, values)
        kind_walk, walk_result = replay(walk, walk_leaves, values)
        if kind_fast == "raised" or kind_walk == "raised":
            assert (kind_fast, fast_result) == (kind_walk, walk_result)
            continue
        assert_same_outcome((kind_fast, fast_result), (kind_walk, walk_result))


def chain(leaves: list[Value], length: int) -> Value:
    """``length`` ops of mixed kinds, each on the previous value and a leaf."""
    y = leaves[0]
    for k in range(length):
        x = leaves[k % len(leaves)]
        y = (y * x).tanh() if k % 3 == 0 else (y + x * 0.5 if k % 3 == 1 else y - x.sigmoid())
    return y


def test_graphs_just_below_and_above_a_part_are_the_same_numbers():
    counts = set()
    for length in range(1, 13):
        build = lambda leaves, n=length: chain(leaves, n)  # noqa: E731
        source, fast, walk = walk_and_straight_line(build, 40, [0.3, -1.2])
        counts.add(parts(source))
        assert_same_outcome(fast, walk)
    assert {1, 2, 3} <= counts  # the sizes crossed the first and second part boundaries


def test_a_value_made_in_the_first_part_and_used_many_parts_later():
    def build(leaves: list[Value]) -> Value:
        early = (leaves[0] * leaves[1]).exp()  # made in forward_0, used by the last two ops only
        early.label = "early"
        return early * chain(leaves, 60) + early

    source, fast, walk = walk_and_straight_line(build, 30, [0.4, -0.7])
    assert parts(source) >= 5
    first, last = source[: source.index("def backward_0")], source[source.rindex("def forward_") :]
    assert "exp" in first and "._data  # early" in last  # it passes to the last part through its node
    assert_same_outcome(fast, walk)


def test_a_leaf_used_in_every_part_accumulates_in_order():
    def build(leaves: list[Value]) -> Value:
        w, y = leaves
        for k in range(60):  # every op reads w
            y = y * w if k % 2 else y + w
        return y

    source, fast, walk = walk_and_straight_line(build, 20, [0.9, 1.1])
    pieces = source.split("\ndef ")
    assert parts(source) >= 5
    # w (labelled x0) is read in every forward part; every backward part adds to its gradient
    assert all("._data  # x0" in piece for piece in pieces if piece.startswith("forward_"))
    assert all(
        re.search(r"n\d+\.grad = a\d+  # x0", piece) for piece in pieces if piece.startswith("backward_")
    )
    assert_same_outcome(fast, walk)
