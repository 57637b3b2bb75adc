"""The design choices the engine's speed rests on, checked for correctness (never for time).

* small nodes: ``__slots__``, one shared ``Op`` per operation, parents in a tuple;
* the iterative topological order (leaves placed without being pushed on the stack);
* :class:`~autograd.Tape`: a recorded graph replayed with new leaf data must give exactly what
  rebuilding the graph gives.
"""

import random

import numpy as np
import pytest

from autograd import Tape, Value, backward, dot, no_grad, sum_values, topological_order


def reference_order(root):
    """The textbook recursive post-order DFS, for small graphs only."""
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order


def random_graph(seed, n_leaves=5, n_ops=40):
    """A random DAG of binary and unary ops (with reuse), returning (root, leaves)."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(0.5, 2.0), label=f"x{i}") for i in range(n_leaves)]
    nodes = list(leaves)
    for _ in range(n_ops):
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = rng.randrange(6)
        if kind == 0:
            node = a + b
        elif kind == 1:
            node = a * b
        elif kind == 2:
            node = (a - b).tanh()
        elif kind == 3:
            node = dot([a, b], [b, rng.choice(nodes)], a)
        elif kind == 4:
            node = sum_values([a, b, a])
        else:
            node = a.sigmoid() * 0.5
        nodes.append(node)
    return sum_values(nodes[n_leaves:]), leaves


# --- small nodes ----------------------------------------------------------------------------


def test_nodes_have_slots_and_no_instance_dict():
    v = Value(1.0) * 2.0
    assert not hasattr(v, "__dict__")
    with pytest.raises(AttributeError):
        v.something_else = 1  # type: ignore[attr-defined]


def test_nodes_share_one_op_object_and_hold_a_tuple_of_parents():
    a, b = Value(1.0), Value(2.0)
    p, q = a * b, b * a
    assert p.op is q.op  # the op table's entry, not a per-node closure
    assert type(p.parents) is tuple and p.parents == (a, b)
    assert (a + a).parents == (a, a)  # reuse keeps both edges, in order


# --- topological order ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_topological_order_is_the_recursive_post_order(seed):
    root, _ = random_graph(seed)
    order = topological_order(root)
    assert order == reference_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[-1] is root
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)


@pytest.mark.parametrize("seed", range(8))
def test_topological_order_without_leaves_is_the_same_order_of_op_nodes(seed):
    root, leaves = random_graph(seed)
    order = topological_order(root, leaves=False)
    assert order == [node for node in reference_order(root) if not node.is_leaf]
    assert not set(order) & set(leaves)


def test_topological_order_of_a_leaf_is_the_leaf():
    x = Value(3.0)
    assert topological_order(x) == [x]


def test_topological_order_handles_a_deep_chain_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    order = topological_order(y)
    assert len(order) == 200_001  # each op node plus its wrapped constant, and x
    y.backward()
    assert x.grad == 1.0


# --- Tape: record once, replay --------------------------------------------------------------


def build_mlp_loss(params, X, y):
    """A 2-3-1 tanh network's mean squared error over scalar samples, from a flat parameter list."""
    w1, b1, w2, b2 = params[0:6], params[6:9], params[9:12], params[12]
    errors = []
    for row, target in zip(X, y):
        hidden = [dot(w1[2 * j : 2 * j + 2], row, b1[j]).tanh() for j in range(3)]
        errors.append(dot(w2, hidden, b2) - target)
    return dot(errors, errors) * (1.0 / len(errors))


def test_tape_replay_equals_rebuilding_the_graph_after_an_update():
    rng = random.Random(3)
    X = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(5)]
    y = [rng.uniform(-1, 1) for _ in range(5)]
    params = [Value(rng.uniform(-1, 1)) for _ in range(13)]
    tape = Tape(build_mlp_loss(params, X, y))

    for step in range(3):
        with no_grad():
            for p in params:
                p.data -= 0.1 * (step + 1) * p.data  # any change of the leaves
        replayed = tape.forward()
        for p in params:
            p.grad = 0.0
        tape.backward()
        replayed_grads = [p.grad for p in params]

        rebuilt_params = [Value(p.data) for p in params]
        rebuilt = build_mlp_loss(rebuilt_params, X, y)
        rebuilt.backward()
        assert replayed == pytest.approx(rebuilt.data, rel=1e-12, abs=1e-15)
        assert replayed_grads == pytest.approx([p.grad for p in rebuilt_params], rel=1e-12, abs=1e-15)


def test_tape_replays_new_inputs_too():
    x, w = Value(2.0), Value(3.0)
    tape = Tape((w * x).exp())
    x.data = 0.5
    assert tape.forward() == pytest.approx(np.exp(1.5))
    tape.backward()
    assert w.grad == pytest.approx(0.5 * np.exp(1.5))


def test_tape_backward_accumulates_leaves_and_recomputes_interiors():
    a = Value(3.0)
    b = a * a
    tape = Tape(b * a)
    tape.backward()
    tape.backward()
    assert a.grad == 54.0  # 27 twice: leaves accumulate
    assert b.grad == 3.0  # interior recomputed, never doubled


def test_tape_on_a_batched_graph():
    w = Value(0.5)
    x = Value(np.array([1.0, 2.0, 3.0]))
    tape = Tape(((w * x).sigmoid() - np.array([0.0, 1.0, 1.0])).relu().mean())
    w.data = -0.25
    replayed = tape.forward()
    tape.backward()
    rebuilt_w = Value(-0.25)
    rebuilt = ((rebuilt_w * Value(x.data)).sigmoid() - np.array([0.0, 1.0, 1.0])).relu().mean()
    rebuilt.backward()
    assert replayed == pytest.approx(rebuilt.data)
    assert w.grad == pytest.approx(rebuilt_w.grad)


def test_tape_keeps_the_order_it_recorded():
    root, leaves = random_graph(11)
    tape = Tape(root)
    assert tape.order == topological_order(root)
    assert len(tape) == len(tape.order)
    before = root.data
    assert tape.forward() == pytest.approx(before)  # unchanged leaves: the same numbers
    assert "nodes" in repr(tape)


def test_tape_backward_equals_plain_backward():
    root, leaves = random_graph(5)
    backward(root)
    expected = [x.grad for x in leaves]
    for x in leaves:
        x.grad = 0.0
    Tape(root).backward()
    assert [x.grad for x in leaves] == pytest.approx(expected, rel=1e-12)


def test_tape_rejects_a_plain_number():
    with pytest.raises(TypeError, match="Tape records the graph of a Value"):
        Tape(1.5)  # type: ignore[arg-type]
