"""explain(): the chain-rule steps of a backward pass, checked against backward() itself."""

import math

import numpy as np
import pytest

from autograd import OPS, Value, dot, numeric_grad, sum_values, topological_order
from autograd.explain import Explanation, explain
from nn import MLP


def _hand_loss():
    net = MLP.from_weights(
        [[[0.2, 0.2], [0.3, 0.3]], [[0.3, 0.9]]],
        biases=None,
        activation="sigmoid",
        output_activation="sigmoid",
    )
    x1, x2 = Value(0.35, label="x1"), Value(0.7, label="x2")
    y5 = net([x1, x2])
    y5.label = "y5"
    loss = 0.5 * (0.5 - y5) ** 2
    loss.label = "loss"
    return loss


def _reuse():
    a, b = Value(0.7, label="a"), Value(-1.3, label="b")
    c = a * b + a / b - (a**3.0).exp() * 0.25
    d = (c.tanh() + c.sigmoid() * a).relu() + (b * b).log() + (a + 2.0).sqrt()
    e = sum_values([d, a, d.sin(), b.cos(), abs(b)])
    return dot([a, b], [e, d], bias=c) * 0.5 - e.softplus()


def _neuron_chain():
    xs = [Value(v) for v in (0.3, -0.2, 0.9)]
    h = [dot([Value(0.1 * k), Value(-0.2), Value(0.4 + k)], xs, bias=Value(0.05)).tanh() for k in range(3)]
    return (dot([Value(0.5), Value(-0.7), Value(1.1)], h).sigmoid() - 1.0) ** 2


GRAPHS = {"hand": _hand_loss, "reuse": _reuse, "neurons": _neuron_chain}


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS.keys())
def test_every_gradient_is_backwards_own_number_to_the_last_bit(build):
    root = build()
    explanation = explain(root)
    root.backward()  # every .grad starts at 0 here, so backward sums from 0 as explain does
    order = topological_order(root)
    # Exact equality on purpose: explain replays backward's own float operations in its order,
    # so any difference at all would mean it explains something other than what ran.
    for node in order:
        assert explanation.gradients[node] == node.grad or (math.isnan(node.grad) and node.op == "const")
    for step in explanation.steps:
        assert step.upstream == step.node.grad
    # every node's gradient is the sum of the contributions listed for it, in order
    for node in order:
        if node is root:
            continue
        total = 0.0
        for c in explanation.contributions[node]:
            total += c
        assert total == explanation.gradients[node] or math.isnan(total)


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS.keys())
def test_contribution_is_upstream_times_local_up_to_rounding(build):
    for step in explain(build()).steps:
        for p in step.products:
            if p.parent.op == "const" and math.isnan(p.local):
                continue  # d(a**2)/d2 for a < 0: the engine's nan, sent to a constant
            # The rule multiplies g in at its own place (g * out * (1 - out) for sigmoid), so the
            # product of the rounded local derivative and g may differ in the last bits.
            assert p.contribution == pytest.approx(p.upstream * p.local, rel=4e-16, abs=1e-300)


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS.keys())
def test_local_derivatives_match_finite_differences(build):
    checked = 0
    for step in explain(build()).steps:
        inputs = [p.data for p in step.node.parents]
        forward = OPS[step.node.op].forward
        for p in step.products:
            if p.parent.op == "const":
                continue

            def f(x, i=p.argument, forward=forward, inputs=inputs):
                return forward(*inputs[:i], x, *inputs[i + 1 :])

            (numeric,) = numeric_grad(f, inputs[p.argument])
            assert p.local == pytest.approx(numeric, rel=1e-6, abs=1e-8)
            checked += 1
    assert checked > 10


def test_steps_follow_backwards_order_over_op_nodes_only():
    root = _reuse()
    steps = explain(root).steps
    assert [s.node for s in steps] == [n for n in reversed(topological_order(root)) if not n.is_leaf]
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    for step in steps:
        assert [p.parent for p in step.products] == list(step.node.parents)
        assert [p.argument for p in step.products] == list(range(len(step.node.parents)))


def test_a_reused_input_shows_the_sum_of_its_contributions():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    explanation = explain(y)
    (step,) = explanation.steps
    assert [(p.local, p.contribution, p.before, p.total, p.count) for p in step.products] == [
        (3.0, 3.0, 0.0, 3.0, 1),
        (3.0, 3.0, 3.0, 6.0, 2),
    ]
    text = str(explanation)
    assert "(x.grad: 3 + 3 = 6)" in text
    assert "x  = 3 + 3 = 6" in text


def test_explain_leaves_grads_alone_and_works_after_backward():
    root = _hand_loss()
    order = topological_order(root)
    first = explain(root)
    assert all(node.grad == 0.0 for node in order)
    root.backward()
    root.backward()  # leaves now hold twice the gradient: explain still shows one pass
    again = explain(root)
    assert list(again.gradients) == list(first.gradients)
    assert np.array_equal(list(again.gradients.values()), list(first.gradients.values()), equal_nan=True)


def test_labels_constants_and_stable_names():
    a = Value(2.0, label="a")
    b = Value(5.0)
    out = (a * b + 0.5).log()
    names = explain(out).names
    order = topological_order(out)
    assert names[a] == "a"
    assert names[b] == f"n{order.index(b)}"
    assert "0.5" in names.values()
    assert [s.formula for s in explain(out).steps] == ["n5 = log(n4)", "n4 = n2 + 0.5", "n2 = a * n1"]
    assert str(explain(out)) == str(explain(out))


def test_precision_sets_significant_digits():
    x = Value(1.0 / 3.0, label="x")
    y = x.exp()
    assert "1 * 1.396 = 1.396" in str(explain(y))
    assert "1 * 1.395612425 = 1.395612425" in str(explain(y, precision=10))
    with pytest.raises(ValueError, match="precision must be a positive integer"):
        explain(y, precision=0)


def test_html_table_has_one_row_per_product_and_the_leaf_sums():
    explanation = explain(_hand_loss())
    page = explanation._repr_html_()
    products = sum(len(s.products) for s in explanation.steps)
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == products
    assert page.count("rowspan=") == 3 * len(explanation.steps)  # step, formula and g span its rows
    assert "<code>x1</code>" in page and "0.002421 + 0.0005455 = 0.002967" in page


def test_batched_graphs_are_refused_with_a_clear_message():
    model = MLP(2, [3, 1], seed=0)
    out = model(np.array([[0.1, 0.2], [0.3, 0.4]])).sum()
    with pytest.raises(ValueError, match="explain works on scalar graphs.*2 samples.*model\\(X\\[0\\]\\)"):
        explain(out)


def test_bad_root_and_a_lone_leaf():
    with pytest.raises(TypeError, match="explain needs a Value"):
        explain(1.0)  # type: ignore[arg-type]
    leaf = explain(Value(2.0, label="w"))
    assert isinstance(leaf, Explanation) and len(leaf) == 0
    assert "0 steps" in str(leaf)


def test_steps_are_numbered_from_one():
    explanation = explain(_hand_loss())
    assert explanation[1] is explanation.steps[0]
    with pytest.raises(IndexError, match="numbered 1 to 9"):
        explanation[0]
