"""Module: parameter discovery and names, zero_grad, state_dict round trip, validated loading."""

import math

import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Module, Neuron


def test_named_parameters_are_dotted_and_in_micrograd_order():
    model = MLP(2, [2, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
        "layers.0.neurons.1.w.1",
        "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0",
        "layers.1.neurons.0.w.1",
        "layers.1.neurons.0.b",
    ]
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert model.num_parameters() == 9


def test_parameters_without_bias_and_custom_module():
    class Affine(Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.shifts = [Value(1.0), Value(-1.0)]
            self._cache = Value(9.0)  # private: not a parameter
            self.inner = Neuron(1, bias=False, seed=0)

    names = [name for name, _ in Affine().named_parameters()]
    assert names == ["scale", "shifts.0", "shifts.1", "inner.w.0"]
    assert repr(Affine()) == "Affine(4 parameters)"


def test_zero_grad_resets_every_parameter():
    model = MLP(3, [4, 2], seed=1)
    out = model([1.0, -2.0, 0.5])
    (out[0] * out[1] + out[0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_into_a_differently_seeded_model():
    source, target = MLP(3, [5, 2], seed=1), MLP(3, [5, 2], seed=2)
    x = [0.3, -1.2, 2.0]
    assert [v.data for v in source(x)] != [v.data for v in target(x)]
    state = source.state_dict()
    assert list(state) == [name for name, _ in source.named_parameters()]
    assert all(type(v) is float for v in state.values())
    target.load_state_dict(state)
    assert target.state_dict() == state
    assert [v.data for v in target(x)] == [v.data for v in source(x)]


def test_state_dict_is_a_copy():
    model = Neuron(2, seed=0)
    state = model.state_dict()
    state["w.0"] = 123.0
    assert model.w[0].data != 123.0


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), ValueError, "missing: layers.1.neurons.0.b"),
        (lambda s: s.update({"layers.9.w.0": 1.0}), ValueError, "unexpected: layers.9.w.0"),
        (
            lambda s: s.update({"layers.0.neurons.0.w.1": "0.5"}),
            TypeError,
            "layers.0.neurons.0.w.1 must be a real",
        ),
        (lambda s: s.update({"layers.0.neurons.0.w.1": True}), TypeError, "must be a real number"),
        (lambda s: s.update({"layers.1.neurons.0.w.0": math.nan}), ValueError, "must be finite"),
        (lambda s: s.update({"layers.1.neurons.0.w.1": -math.inf}), ValueError, "must be finite"),
        (lambda s: s.update({"layers.1.neurons.0.w.1": [1.0]}), TypeError, "must be a real number"),
    ],
)
def test_invalid_state_raises_and_leaves_the_model_untouched(change, error, message):
    model = MLP(2, [2, 1], seed=3)
    before = model.state_dict()
    state = {name: value + 1.0 for name, value in before.items()}  # valid new values first...
    change(state)  # ...then one bad entry, placed after some good ones
    with pytest.raises(error, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_rejects_a_non_mapping_and_accepts_numpy_numbers():
    model = Neuron(2, seed=0)
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([("w.0", 1.0)])  # type: ignore[arg-type]
    model.load_state_dict({"w.0": np.float64(0.25), "w.1": np.int64(2), "b": np.array(-1.0)})
    assert model.state_dict() == {"w.0": 0.25, "w.1": 2.0, "b": -1.0}


def test_load_state_dict_keeps_gradients():
    model = Neuron(1, activation="linear", seed=0)
    model([2.0]).backward()
    model.load_state_dict({"w.0": 5.0, "b": 1.0})
    assert model.w[0].grad == 2.0 and model([2.0]).data == 11.0


def test_reprs_show_the_architecture():
    assert repr(Neuron(3, activation="tanh", seed=0)) == "Neuron(3, tanh)"
    assert repr(Neuron(3, bias=False, seed=0)) == "Neuron(3, relu, bias=False)"
    assert repr(Layer(3, 4, activation="sigmoid", seed=0)) == "Layer(3 -> 4, sigmoid)"
    assert repr(MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=0)) == (
        "MLP(2 -> 3 -> 1, 13 parameters)\n  (0): Layer(2 -> 3, tanh)\n  (1): Layer(3 -> 1, sigmoid)"
    )
