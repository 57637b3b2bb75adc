"""Drawing an nn model's graph: parameter and input names, kinds, before and after backward."""

import math
import re

import pytest

from autograd import Value
from autograd.viz import KIND_STYLES
from nn import MLP, Neuron
from nn.draw import draw_model, parameter_labels, short_name


def _hand_model():
    return MLP.from_weights(
        [[[0.2, 0.2], [0.3, 0.3]], [[0.3, 0.9]]], activation="sigmoid", output_activation="sigmoid"
    )


def _record(source, label):
    """The record line of the value labelled ``label``."""
    (line,) = [line for line in source.splitlines() if f'label="{{ {label} |' in line]
    return line


def test_short_names_follow_python_indexes():
    assert short_name("layers.0.neurons.1.w.2") == "L0.N1.w2"
    assert short_name("layers.12.neurons.0.b") == "L12.N0.b"
    assert short_name("w.3") == "w3"
    assert short_name("b") == "b"


def test_hand_example_names_every_parameter_and_input():
    source = draw_model(_hand_model(), [0.35, 0.7]).source
    for name, data in [
        ("L0.N0.w0", "0.2"),
        ("L0.N0.w1", "0.2"),
        ("L0.N1.w0", "0.3"),
        ("L0.N1.w1", "0.3"),
        ("L1.N0.w0", "0.3"),
        ("L1.N0.w1", "0.9"),
    ]:
        line = _record(source, name)
        assert f"data {data} | grad 0 }}" in line
        assert KIND_STYLES["parameter"]["fillcolor"] in line
    for name, data in [("x0", "0.35"), ("x1", "0.7")]:
        assert KIND_STYLES["input"]["fillcolor"] in _record(source, name)
        assert f"data {data} |" in _record(source, name)
    assert source.count("label=dot") == 3
    assert source.count("label=sigmoid") == 3
    assert "{ data 0.6651 | grad 0 }" in source  # the output, y5 = 0.6651 (not 0.67)


def test_hand_example_before_and_after_backward():
    model = _hand_model()
    out = model([Value(0.35, label="x0"), Value(0.7, label="x1")])
    loss = 0.5 * (out - 0.5) ** 2
    before = draw_model(model, root=loss).source
    loss.backward()
    after = draw_model(model, root=loss).source
    assert before != after
    for name, p in model.named_parameters():
        label = short_name(name)
        assert "grad 0 }" in _record(before, label)
        assert p.grad != 0.0
        assert f"grad {p.grad:.4g} }}" in _record(after, label)
    # dloss/dw for the hidden-to-output weight 0: (y - t) * y (1 - y) * h0
    y, h0 = out.data, 1 / (1 + math.exp(-0.21))  # h0 = sigmoid(0.2 * 0.35 + 0.2 * 0.7)
    expected = (y - 0.5) * y * (1 - y) * h0
    assert model.layers[1].neurons[0].w[0].grad == pytest.approx(expected, rel=1e-9)


def test_own_labels_win_and_labels_option_overrides():
    model = Neuron.from_weights([0.5, -1.0], bias=0.25, activation="tanh")
    model.w[0].label = "weight_a"
    assert set(parameter_labels(model).values()) == {"w1", "b"}
    source = draw_model(model, [1.0, 2.0], labels={model.b: "the bias"}).source
    assert "{ weight_a | data 0.5" in source
    assert "{ w1 | data -1" in source
    assert "{ the bias | data 0.25" in source


def test_model_with_several_outputs_draws_each_as_an_output():
    model = MLP(2, [3, 2], seed=0)
    source = draw_model(model, [0.1, -0.2], legend=True).source
    assert source.count(KIND_STYLES["output"]["fillcolor"]) == 3  # two outputs + the legend
    assert len(re.findall(r"label=\"\{ L\d\.N\d\.(w\d|b) \|", source)) == model.num_parameters()


def test_draw_model_needs_exactly_one_of_x_and_root():
    model = _hand_model()
    with pytest.raises(ValueError, match="exactly one of x"):
        draw_model(model)
    with pytest.raises(ValueError, match="exactly one of x"):
        draw_model(model, [0.35, 0.7], root=Value(1.0))
    with pytest.raises(TypeError, match="one sample"):
        draw_model(model, 0.35)  # type: ignore[arg-type]


def test_options_reach_draw_graph():
    source = draw_model(_hand_model(), [0.35, 0.7], show_grad=False, rankdir="TB").source
    assert "grad" not in source and "rankdir=TB" in source
