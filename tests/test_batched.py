"""Batched values: ``Value.data`` holding one number per sample.

The oracle everywhere is the scalar engine itself: the same computation run sample by sample.
A batched result must equal the per-sample results, and a scalar parameter's gradient must
equal the sum of its per-sample gradients (to 1e-9; the two differ only by rounding, since a
batched ``dot`` sums in a different order).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, Value, dot, gradients, sum_values

TOL = 1e-9


def close(a, b, tol=TOL):
    return np.allclose(a, b, rtol=tol, atol=tol)


def per_sample_grads(f, params, xs):
    """Sum over samples of d f(params, x) / d params, and the list of f's values, sample by sample."""
    total = [0.0] * len(params)
    outs = []
    for x in xs:
        leaves = [Value(p.data) for p in params]
        out = f(leaves, x)
        out.backward()
        outs.append(out.data)
        total = [t + p.grad for t, p in zip(total, leaves)]
    return total, outs


def batched_grads(f, params, column):
    out = f(params, column)
    for p in params:
        p.grad = 0.0
    out.sum().backward()
    return [p.grad for p in params], out.data


# --- every elementwise op, batched against sample by sample ---------------------------------

UNARY = {
    "exp": lambda v: v.exp(),
    "log": lambda v: v.log(),
    "sqrt": lambda v: v.sqrt(),
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "softplus": lambda v: v.softplus(),
    "sin": lambda v: v.sin(),
    "cos": lambda v: v.cos(),
    "relu": lambda v: v.relu(),
    "abs": lambda v: abs(v),
    "neg": lambda v: -v,
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}

# Positive samples away from relu/abs kinks, so every op is defined and smooth there.
SAMPLES = np.array([0.3, 1.7, 0.9, 2.4, 0.55])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_batched_matches_sample_by_sample(name):
    op = UNARY[name]

    def f(params, x):  # a scalar parameter mixed with the samples, then the op
        (w,) = params
        return op(w * x + 0.25)

    expected_grads, expected_outs = per_sample_grads(f, [Value(0.8)], SAMPLES.tolist())
    grads, outs = batched_grads(f, [Value(0.8)], Value(SAMPLES))
    assert close(outs, expected_outs)
    assert close(grads, expected_grads)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("batched_side", ["left", "right"])
def test_binary_op_batched_matches_sample_by_sample(name, batched_side):
    op = BINARY[name]

    def f(params, x):
        (w,) = params
        return op(x, w) if batched_side == "left" else op(w, x)

    expected_grads, expected_outs = per_sample_grads(f, [Value(1.3)], SAMPLES.tolist())
    grads, outs = batched_grads(f, [Value(1.3)], Value(SAMPLES))
    assert close(outs, expected_outs)
    assert close(grads, expected_grads)


def test_input_gradients_are_per_sample():
    x = Value(SAMPLES.copy())
    w = Value(2.0)
    (w * x * x).sum().backward()  # d/dx_i = 2 w x_i
    assert isinstance(x.grad, np.ndarray)
    assert close(x.grad, 4.0 * SAMPLES)
    assert close(w.grad, float(np.sum(SAMPLES**2)))


# --- a small network: dot (as one matrix product), relu, hinge loss ------------------------


def make_neuron(rng, nin):
    return [Value(rng.uniform(-1, 1)) for _ in range(nin)], Value(rng.uniform(-0.5, 0.5))


def make_mlp(rng, sizes):
    return [[make_neuron(rng, nin) for _ in range(nout)] for nin, nout in zip(sizes, sizes[1:])]


def mlp_forward(layers, x):
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        x = [dot(w, x, b) if last else dot(w, x, b).relu() for w, b in layer]
    return x[0]


def mlp_params(layers):
    return [p for layer in layers for w, b in layer for p in [*w, b]]


def test_mlp_hinge_loss_batched_equals_sum_of_per_sample_gradients():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 3))
    y = rng.choice([-1.0, 1.0], size=40)
    layers = make_mlp(rng, [3, 8, 8, 1])
    params = mlp_params(layers)

    # scalar: one graph per sample, summed with one n-ary node
    scores = [mlp_forward(layers, [Value(v) for v in row]) for row in X]
    scalar_loss = sum_values([(1 - yi * s).relu() for yi, s in zip(y.tolist(), scores)]) * (1 / len(y))
    scalar_loss.backward()
    expected = [p.grad for p in params]

    for p in params:
        p.grad = 0.0
    columns = [Value(c) for c in X.T]
    score = mlp_forward(layers, columns)
    batched_loss = (1 - y * score).relu().mean()  # numpy array on the left of a Value
    batched_loss.backward()

    assert isinstance(score.data, np.ndarray) and score.data.shape == (40,)
    assert close(batched_loss.data, scalar_loss.data)
    assert close([p.grad for p in params], expected)
    assert all(isinstance(p.grad, float) for p in params)  # scalar parameters, summed gradients


@given(
    st.lists(st.floats(-3, 3), min_size=6, max_size=6),
    st.lists(st.floats(-3, 3), min_size=4, max_size=4),
)
def test_dot_with_batched_inputs_matches_sample_by_sample(weights, samples):
    rng = np.random.default_rng(len(samples))
    X = np.array([samples, rng.uniform(-2, 2, 4), rng.uniform(-2, 2, 4)])  # 3 inputs x 4 samples

    def f(params, x):
        return dot(params[:3], x, params[3]).tanh() * params[4] + params[5]

    params = [Value(w) for w in weights]
    expected_grads, expected_outs = per_sample_grads(f, params, X.T.tolist())
    out = f(params, [Value(row) for row in X])
    out.sum().backward()
    assert close(out.data, expected_outs)
    assert close([p.grad for p in params], expected_grads)


def test_dot_mixing_batched_and_scalar_inputs_and_batched_weights():
    # Not the matrix-product case: a number among the inputs, a batch among the weights.
    a, b = np.array([1.0, -2.0, 0.5]), np.array([0.25, 3.0, -1.0])
    w = [Value(0.5), Value(a.copy()), Value(-1.5)]
    x = [Value(b.copy()), Value(2.0), Value(a.copy())]
    out = dot(w, x, Value(0.1))
    assert close(out.data, 0.5 * b + a * 2.0 - 1.5 * a + 0.1)
    out.sum().backward()
    assert close(w[0].grad, b.sum())  # scalar weight: summed over the batch
    assert close(w[1].grad, np.full(3, 2.0))  # batched weight: per sample
    assert close(x[1].grad, a.sum())
    assert close(x[2].grad, np.full(3, -1.5))


def test_dot_rule_returns_summed_gradients_for_scalar_weights():
    x1, x2 = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.5, 4.0])
    g = np.array([0.5, -1.0, 2.0])
    out = OPS["dot"].forward(2.0, -3.0, x1, x2, 0.5)
    assert close(out, 2.0 * x1 - 3.0 * x2 + 0.5)
    gw1, gw2, gx1, gx2, gb = OPS["dot"].vjp(g, out, 2.0, -3.0, x1, x2, 0.5)
    assert (gw1, gw2) == pytest.approx((float(g @ x1), float(g @ x2)))
    assert close(gx1, 2.0 * g) and close(gx2, -3.0 * g)
    assert close(gb, g)


# --- numpy arrays on either side of an operator ---------------------------------------------


@pytest.mark.parametrize("name", sorted(BINARY))
def test_numpy_array_on_either_side_of_an_operator(name):
    op = BINARY[name]
    y = np.array([0.5, 2.0, 1.5])
    s = Value(1.25)
    left, right = op(y, s), op(s, y)
    assert isinstance(left, Value) and isinstance(right, Value)
    assert close(left.data, [op(v, 1.25) for v in y.tolist()])
    assert close(right.data, [op(1.25, v) for v in y.tolist()])


def test_hinge_term_with_an_array_of_labels():
    y = np.array([1.0, -1.0, 1.0])
    s = Value(np.array([0.2, 0.4, 2.0]))
    loss = (1 - y * s).relu()
    assert close(loss.data, [0.8, 1.4, 0.0])
    loss.mean().backward()
    assert close(s.grad, [-1 / 3, 1 / 3, 0.0])


def test_numpy_scalars_and_integer_arrays_mix_in():
    s = Value(np.array([1.0, 2.0]))
    assert close((np.float64(2.0) * s).data, [2.0, 4.0])
    assert close((s + np.array([1, 2])).data, [2.0, 4.0])
    assert (s * np.float64(3.0)).data.dtype == np.float64


# --- reductions -----------------------------------------------------------------------------


def test_sum_and_mean_reduce_a_batch_to_a_scalar():
    x = Value(np.array([1.0, 2.0, 3.0, 6.0]))
    total, mean = x.sum(), x.mean()
    assert total.data == 12.0 and isinstance(total.data, float)
    assert mean.data == 3.0
    (total + mean).backward()
    assert close(x.grad, np.full(4, 1.25))


def test_sum_and_mean_of_a_scalar_value_are_the_value():
    x = Value(2.5)
    assert x.sum() is x and x.mean() is x


def test_backward_from_a_batched_value_needs_a_seed_and_seeds_every_sample_with_it():
    w = Value(3.0)
    x = Value(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="needs a seed"):
        (w * x).backward()  # PyTorch and JAX refuse too: a forgotten .sum() or .mean()
    (w * x).backward(1.0)  # a number seeds every sample: the gradient of the sum over samples
    assert w.grad == 3.0


# --- the functional API and higher order ----------------------------------------------------


def test_gradients_on_a_batched_graph_match_backward():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(10, 2))
    layers = make_mlp(rng, [2, 4, 1])
    params = mlp_params(layers)
    loss = (mlp_forward(layers, [Value(c) for c in X.T]) ** 2).mean()
    got = gradients(loss, params)
    loss.backward()
    assert close(got, [p.grad for p in params])


def test_second_derivative_through_a_batch_is_the_sum_of_per_sample_ones():
    xs = np.array([0.2, -0.7, 1.1])
    w = Value(0.9)
    (dw,) = gradients((w * Value(xs)).tanh().sum(), [w], create_graph=True)
    (d2w,) = gradients(dw, [w])
    # d2/dw2 tanh(w x) = -2 x^2 tanh(w x) (1 - tanh(w x)^2)
    t = np.tanh(0.9 * xs)
    assert math.isclose(d2w, float(np.sum(-2 * xs**2 * t * (1 - t**2))), rel_tol=TOL)


# --- batches of different sizes -------------------------------------------------------------

ONE, THREE = np.array([5.0]), np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value(THREE) * Value(ONE),
        lambda: Value(ONE) + Value(THREE),
        lambda: Value(THREE) - ONE,  # a 1-sample numpy array on the right of an operator
        lambda: ONE * Value(THREE),
        lambda: Value(THREE) ** Value(ONE),
        lambda: sum_values([Value(THREE), Value(ONE)]),
        lambda: dot([1.0, 2.0], [Value(THREE), Value(ONE)]),
        lambda: dot([Value(THREE), 1.0], [Value(ONE), 2.0]),
    ],
    ids=["mul", "add", "sub-array", "rmul-array", "pow", "sum", "dot", "dot-batched-weight"],
)
def test_a_one_sample_batch_does_not_stretch_over_a_bigger_one(make):
    # numpy would broadcast, and the 1-sample value's gradient would come back with 3 entries.
    with pytest.raises(ValueError, match=r"batched values of different sizes meet \(1 and 3 samples\)"):
        make()


def test_batches_of_different_sizes_are_refused_with_their_sizes():
    with pytest.raises(ValueError, match=r"mul: batched values of different sizes meet \(3 and 4 samples\)"):
        Value(THREE) * Value(np.ones(4))  # the op and both sizes, not numpy's broadcast message


def test_batches_of_the_same_size_still_mix_with_scalars():
    w = Value(2.0)
    out = (w * Value(THREE) + ONE[0]).sum()
    out.backward()
    assert out.data == 27.0 and w.grad == 6.0
