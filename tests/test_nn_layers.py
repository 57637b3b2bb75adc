"""Neuron, Layer, MLP: shapes, one dot node per neuron, initialisers, micrograd parity, batches."""

import math
import random

import micrograd.nn
import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Neuron, Normal, ScaledUniform, Uniform


def test_neuron_is_one_dot_node_then_its_activation():
    n = Neuron.from_weights([0.5, -2.0, 1.0], bias=0.1, activation="tanh")
    x = [Value(1.0), Value(2.0), Value(3.0)]
    out = n(x)
    assert out.op == "tanh"
    (total,) = out.parents
    assert total.op == "dot" and total.parents == (*n.w, *x, n.b)
    assert math.isclose(out.data, math.tanh(0.5 - 4.0 + 3.0 + 0.1), rel_tol=1e-15)


@pytest.mark.parametrize(
    ("activation", "f"),
    [
        ("relu", lambda z: max(z, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("linear", lambda z: z),
    ],
)
def test_activations(activation, f):
    n = Neuron.from_weights([1.5, -0.5], bias=0.25, activation=activation)
    for x in ([1.0, 1.0], [-2.0, 1.0]):
        z = 1.5 * x[0] - 0.5 * x[1] + 0.25
        assert math.isclose(n(x).data, f(z), rel_tol=1e-15, abs_tol=1e-300)


def test_neuron_without_bias():
    n = Neuron.from_weights([2.0, 3.0], activation="linear")
    assert n.b is None and n([1.0, 1.0]).data == 5.0
    assert len(Neuron(4, bias=False, seed=0).parameters()) == 4


def test_layer_always_returns_a_list():
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), list)
    out = Layer(2, 3, seed=0)([1.0, 2.0])
    assert len(out) == 3 and all(isinstance(v, Value) for v in out)


def test_mlp_with_a_one_neuron_hidden_layer_works():
    model = MLP(2, [16, 1, 1], seed=0)
    out = model([0.5, -0.25])
    assert isinstance(out, Value)
    assert model.num_parameters() == 16 * 3 + 17 + 2


def test_sizes_may_be_a_tuple_or_an_array():
    assert MLP(2, (3, 1), seed=0).sizes == MLP(2, np.array([3, 1]), seed=0).sizes == [3, 1]


def test_mlp_output_is_a_value_or_a_list():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 4], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 4


def test_mlp_activations_hidden_and_output():
    model = MLP(2, [3, 3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "sigmoid"]
    assert all(0 < v.data < 1 for v in model([1.0, -1.0]))
    assert model.config() == {
        "nin": 2,
        "sizes": [3, 3, 2],
        "activation": "tanh",
        "output_activation": "sigmoid",
        "bias": True,
    }
    rebuilt = MLP(**model.config(), seed=5)
    rebuilt.load_state_dict(model.state_dict())
    assert [v.data for v in rebuilt([0.3, 0.1])] == [v.data for v in model([0.3, 0.1])]


def test_same_seed_same_network_and_different_seed_different_network():
    a, b, c = MLP(3, [4, 2], seed=7), MLP(3, [4, 2], seed=7), MLP(3, [4, 2], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    rng1, rng2 = random.Random(3), random.Random(3)
    assert Layer(2, 5, rng=rng1).state_dict() == Layer(2, 5, rng=rng2).state_dict()


def test_a_shared_rng_continues_between_modules():
    rng = random.Random(0)
    first, second = Neuron(2, rng=rng), Neuron(2, rng=rng)
    assert first.state_dict() != second.state_dict()
    assert Layer(2, 2, seed=0).state_dict() == {
        **{f"neurons.0.{k}": v for k, v in first.state_dict().items()},
        **{f"neurons.1.{k}": v for k, v in second.state_dict().items()},
    }


def test_seed_and_rng_together_are_refused():
    with pytest.raises(ValueError, match="either seed or rng"):
        MLP(2, [1], seed=1, rng=random.Random(1))


@pytest.mark.parametrize(
    ("init", "low", "high"),
    [("uniform", -1.0, 1.0), (Uniform(-0.1, 0.3), -0.1, 0.3), ("scaled_uniform", -0.125, 0.125)],
)
def test_uniform_initialisers_stay_in_range_and_biases_start_at_zero(init, low, high):
    layer = Layer(64, 50, init=init, seed=0)
    weights = np.array([w.data for n in layer.neurons for w in n.w])
    assert low <= weights.min() < low + 0.05 * (high - low)  # 3,200 draws fill the range
    assert high - 0.05 * (high - low) < weights.max() <= high
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_scaled_uniform_is_scaled_by_the_fan_in():
    assert ScaledUniform()(random.Random(0), 4) == random.Random(0).uniform(-0.5, 0.5)


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.01])
def test_normal_initialiser_has_the_requested_spread(scale):
    weights = np.array([w.data for n in Layer(100, 100, init=Normal(scale), seed=1).neurons for w in n.w])
    # 10,000 draws: the sample std is within ~1.5% of scale (5 standard errors)
    assert abs(weights.std() / scale - 1) < 0.05 and abs(weights.mean()) < 5 * scale / 100
    assert Normal(scale)(random.Random(2), 3) == random.Random(2).gauss(0.0, scale)


def test_custom_initialiser_callable():
    layer = Layer(3, 2, init=lambda rng, nin: 1.0 / nin, seed=0)
    assert all(w.data == 1 / 3 for n in layer.neurons for w in n.w)


def test_unknown_init_and_activation_list_the_valid_names():
    with pytest.raises(ValueError, match="'uniform', 'scaled_uniform', 'normal'"):
        Neuron(2, init="xavier")
    with pytest.raises(
        ValueError, match="unknown activation 'gelu'; valid names: 'relu', 'tanh', 'sigmoid', 'linear'"
    ):
        MLP(2, [3, 1], activation="gelu")
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        MLP(2, [3, 1], output_activation="softmax")


@pytest.mark.parametrize("sizes", [[], [0], [3, -1], 3, [2.5]])
def test_bad_sizes_are_refused(sizes):
    with pytest.raises(ValueError, match="size"):
        MLP(2, sizes)


def test_wrong_number_of_inputs():
    with pytest.raises(ValueError, match="^MLP expects 2 inputs, got 3$"):
        MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="^Layer expects 3 inputs, got 1$"):
        Layer(3, 2, seed=0)([1.0])
    with pytest.raises(ValueError, match="^Neuron expects 2 inputs, got 4$"):
        Neuron(2, seed=0)(np.zeros(4))
    with pytest.raises(
        ValueError, match=r"MLP expects 2 inputs, got 3 \(a batch must have shape \(batch, 2\)"
    ):
        MLP(2, [1], seed=0)(np.zeros((5, 3)))


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        ("ab", TypeError, "expects a list of 2 numbers"),
        ([1.0, "b"], TypeError, "MLP input 1 must be a real number"),
        ([1.0, math.nan], ValueError, "MLP input 1 must be finite"),
        (np.array([[1.0, np.inf]]), ValueError, "finite"),
        (np.zeros((0, 2)), ValueError, "empty batch"),
        (np.zeros((2, 2, 2)), ValueError, "got shape"),
        ([[1.0, 2.0], [3.0]], TypeError, "numeric array"),
    ],
)
def test_bad_inputs_are_named(x, error, message):
    with pytest.raises(error, match=message):
        MLP(2, [1], seed=0)(x)


def test_inputs_may_be_values_numbers_or_a_1d_array():
    model = MLP(2, [3, 1], seed=0)
    expected = model([0.5, 2]).data
    assert model((Value(0.5), 2.0)).data == expected
    assert model(np.array([0.5, 2.0])).data == expected
    assert MLP(1, [2, 1], seed=0)(Value(3.0)).data == MLP(1, [2, 1], seed=0)([3.0]).data


def test_from_weights_uses_pytorch_layout_and_validates():
    net = MLP.from_weights(
        [[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[1.0, -1.0, 0.5]]], biases=[[0, 0, 1], [2]]
    )
    assert net.sizes == [3, 1] and net.nin == 2
    # hidden: relu([1+2, 3+4, 5+6+1]) = [3, 7, 12]; out: 3 - 7 + 6 + 2
    assert net([1.0, 1.0]).data == 4.0
    no_bias = MLP.from_weights([np.eye(2)], activation="tanh", output_activation="linear")
    assert no_bias.num_parameters() == 4 and no_bias.config()["bias"] is False
    with pytest.raises(ValueError, match=r"weight matrix 1 has shape \(1, 2\) but layer 0 has 3 outputs"):
        MLP.from_weights([np.ones((3, 2)), np.ones((1, 2))])
    with pytest.raises(ValueError, match="2 weight matrices but 1 bias"):
        MLP.from_weights([np.ones((3, 2)), np.ones((1, 3))], biases=[np.zeros(3)])
    with pytest.raises(ValueError, match="3 neurons need 3 biases, got 2"):
        Layer.from_weights(np.ones((3, 2)), biases=[0.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        Neuron.from_weights([1.0, math.inf])
    with pytest.raises(ValueError, match="2-D"):
        Layer.from_weights([1.0, 2.0])


def test_parameters_match_micrograd_draw_for_draw():
    """Same global seed -> micrograd's MLP and ours hold the same numbers in the same order."""
    random.seed(1337)
    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert len(ours.parameters()) == len(theirs.parameters()) == 337
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]

    x = [0.7, -1.3]
    out_theirs, out_ours = theirs(x), ours(x)
    out_theirs.backward()
    out_ours.backward()
    assert math.isclose(out_ours.data, out_theirs.data, rel_tol=1e-12, abs_tol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert math.isclose(p.grad, q.grad, rel_tol=1e-12, abs_tol=1e-12)


def _per_sample_and_batched(model, X):
    per_sample = [model(x) for x in X]
    for out in per_sample:
        for v in out if isinstance(out, list) else [out]:
            v.backward()
    scalar_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    batched = model(X)
    outputs = batched if isinstance(batched, list) else [batched]
    for v in outputs:
        v.sum().backward()  # the batched twin of one backward per sample
    return per_sample, outputs, scalar_grads, [p.grad for p in model.parameters()]


@pytest.mark.parametrize(
    ("activation", "output_activation", "sizes"),
    [("relu", "linear", [16, 16, 1]), ("tanh", "sigmoid", [5, 3]), ("sigmoid", "tanh", [4, 1, 2])],
)
def test_batched_call_equals_per_sample_calls(activation, output_activation, sizes):
    X = np.random.default_rng(0).normal(size=(9, 3))
    model = MLP(3, sizes, activation=activation, output_activation=output_activation, seed=4)
    per_sample, outputs, scalar_grads, batched_grads = _per_sample_and_batched(model, X)
    assert all(v.data.shape == (9,) for v in outputs)
    for j, v in enumerate(outputs):
        expected = [out[j].data if isinstance(out, list) else out.data for out in per_sample]
        np.testing.assert_allclose(v.data, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(batched_grads, scalar_grads, rtol=1e-12, atol=1e-12)


def test_batched_layer_and_neuron_and_list_of_rows():
    X = np.array([[1.0, -1.0], [0.5, 2.0]])
    layer = Layer(2, 3, activation="tanh", seed=0)
    out = layer(X)
    assert len(out) == 3 and all(v.data.shape == (2,) for v in out)
    neuron = layer.neurons[1]
    np.testing.assert_allclose(neuron(X).data, out[1].data, rtol=0, atol=0)
    np.testing.assert_allclose(layer(X.tolist())[1].data, out[1].data, rtol=0, atol=0)
    np.testing.assert_allclose(neuron(X).data[1], neuron(X[1]).data, rtol=0, atol=1e-15)


@pytest.mark.parametrize("cls", [Neuron, Layer, MLP])
def test_from_weights_builds_through_init(cls):
    """Issue 11: ``from_weights`` runs the class's ``__init__`` (a subclass's set-up included)
    instead of ``cls.__new__``, and draws nothing from the global random generator."""

    class Built(cls):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._built_by_init = True

    weights = {Neuron: [0.5, -1.5], Layer: [[0.5, -1.5], [2.0, 0.25]], MLP: [[[0.5, -1.5]], [[3.0]]]}[cls]
    biases = {Neuron: 0.75, Layer: [0.75, -2.0], MLP: [[0.75], [-2.0]]}[cls]
    state = random.getstate()
    model = Built.from_weights(weights, biases)
    assert random.getstate() == state
    assert type(model) is Built and model._built_by_init
    assert model.state_dict() == cls.from_weights(weights, biases).state_dict()
    flat = np.ravel(np.concatenate([np.ravel(w) for w in weights]) if cls is MLP else weights)
    assert [p.data for name, p in model.named_parameters() if not name.endswith("b")] == flat.tolist()
    assert [p.data for name, p in model.named_parameters() if name.endswith("b")] == np.ravel(
        np.concatenate([np.ravel(b) for b in biases]) if cls is MLP else biases
    ).tolist()
