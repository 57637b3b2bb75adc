"""Drawing an nn model: one box per neuron by default, every op on request; gradients never stale."""

import math
import re

import numpy as np
import pytest

from autograd import Value, gradients
from autograd.viz import KIND_STYLES, GraphTooLargeError
from nn import MLP, SGD, Neuron, fit, hinge_loss, moons
from nn.draw import NEURON_VIEW_SIZE, draw_model, parameter_labels, short_name


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
    model = _hand_model()
    source = draw_model(model, [0.35, 0.7], level="ops").source
    out = model([0.35, 0.7])
    fresh = dict(zip(model.parameters(), gradients(out, model.parameters())))
    for name, data in [
        ("L0.N0.w0", "0.2"),
        ("L0.N0.w1", "0.2"),
        ("L0.N1.w0", "0.3"),
        ("L0.N1.w1", "0.3"),
        ("L1.N0.w0", "0.3"),
        ("L1.N0.w1", "0.9"),
    ]:
        line = _record(source, name)
        weight = {short_name(n): p for n, p in model.named_parameters()}[name]
        assert f"data {data} | grad {fresh[weight]:.4g} }}" in line
        assert KIND_STYLES["parameter"]["fillcolor"] in line
    for name, data in [("x0", "0.35"), ("x1", "0.7")]:
        assert KIND_STYLES["input"]["fillcolor"] in _record(source, name)
        assert f"data {data} |" in _record(source, name)
    assert source.count("label=dot") == 3
    assert source.count("label=sigmoid") == 3
    assert "{ data 0.6651 | grad 1 }" in source  # the output, y5 = 0.6651 (not 0.67)


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
    source = draw_model(model, [1.0, 2.0], level="ops", labels={model.b: "the bias"}).source
    assert "{ weight_a | data 0.5" in source
    assert "{ w1 | data -1" in source
    assert "{ the bias | data 0.25" in source


def test_model_with_several_outputs_draws_each_as_an_output():
    model = MLP(2, [3, 2], seed=0)
    source = draw_model(model, [0.1, -0.2], level="ops", legend=True).source
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
    source = draw_model(_hand_model(), [0.35, 0.7], level="ops", show_grad=False, rankdir="TB").source
    assert "grad" not in source and "rankdir=TB" in source


# --- the neuron view ---------------------------------------------------------------------------


def _boxes(source):
    """The node statements of a DOT text (edges and graph attributes excluded)."""
    return re.findall(r"^\s*(\w+) \[label=", source, flags=re.MULTILINE)


def _moons_model():
    return MLP(2, [16, 16, 1], seed=1337)


def test_moons_network_on_a_batch_is_at_most_80_boxes():
    X, _ = moons(100, seed=0)
    source = draw_model(_moons_model(), X).source
    boxes = _boxes(source)
    assert len(boxes) == 2 + 16 + 16 + 1 <= 80
    assert source.count(" -> ") == 2 * 16 + 16 * 16 + 16  # one edge per weight
    assert source.count("subgraph cluster_") == 4  # the inputs and three layers
    assert "mean over 100 samples" in source


def test_op_level_of_a_big_graph_is_refused_and_points_to_the_neuron_view():
    X, _ = moons(100, seed=0)
    with pytest.raises(GraphTooLargeError, match="nn.draw_model"):
        draw_model(_moons_model(), X[0], level="ops")
    source = draw_model(_moons_model(), X[0], level="ops", max_nodes=30).source
    assert len(re.findall(r"^\s*v\d+ \[", source, flags=re.MULTILINE)) == 30
    assert "more nodes not drawn" in source


def test_layout_is_set_for_screen_width():
    source = draw_model(_moons_model(), moons(10, seed=0)[0]).source
    graph_line = source.splitlines()[1]
    for attribute in (f'size="{NEURON_VIEW_SIZE}"', "rankdir=LR", "ranksep=1.2", "nodesep=0.08"):
        assert attribute in graph_line
    assert "rankdir=TB" in draw_model(_hand_model(), [0.35, 0.7], rankdir="TB").source
    assert not re.search(r"\bsize=", draw_model(_hand_model(), [0.35, 0.7], size=None).source)


def test_neuron_boxes_show_outputs_and_bias_gradients_from_backward():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    x = [0.4, -0.9]
    source = draw_model(model, x).source
    out = model(x)
    for p in model.parameters():
        p.grad = 0.0
    out.backward()  # d out / d b of each neuron, the independent witness
    for k, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            (line,) = [line for line in source.splitlines() if line.strip().startswith(f"L{k}N{j} [")]
            value = neuron(x if k == 0 else [n(x) for n in model.layers[0].neurons]).data
            assert f"L{k}.N{j}  out {value:.3g}  grad b {neuron.b.grad:.3g}" in line
    weight = model.layers[1].neurons[0].w[2]
    assert f'L0N2 -> L1N0 [label="w {weight.data:.3g}, grad {weight.grad:.3g}"' in source


def test_after_training_the_picture_shows_gradients_of_its_own_input_never_stale_ones():
    X, y = moons(40, seed=1, signed=True)
    model = _moons_model()
    fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.05), epochs=3, progress=False)
    stale = {p: p.grad for p in model.parameters()}
    assert any(g != 0.0 for g in stale.values())  # fit left the last batch's gradients behind
    x = X[:5]
    source = draw_model(model, x).source
    assert {p: p.grad for p in model.parameters()} == stale  # draw_model touched no .grad
    # the witness: a fresh backward of the same output, from zero
    for p in model.parameters():
        p.grad = 0.0
    model(x).sum().backward()
    for j, neuron in enumerate(model.layers[1].neurons):
        assert f"L1.N{j}  " in source and f'grad b {neuron.b.grad:.3g}"' in source
    fresh_output_grad = model.layers[2].neurons[0].b.grad
    assert fresh_output_grad == 5.0  # d sum(out) / d b of the linear output unit: one per sample
    assert "L2.N0  out" in source and 'grad b 5"' in source


def test_gradients_of_a_given_loss_and_no_gradients_on_request():
    X, y = moons(20, seed=2, signed=True)
    model = _moons_model()
    source = draw_model(model, X, loss=lambda out: hinge_loss(out, y)).source
    for p in model.parameters():
        p.grad = 0.0
    hinge_loss(model(X), y).backward()
    assert f'grad b {model.layers[2].neurons[0].b.grad:.3g}"' in source
    assert "gradients of the loss" in source
    plain = draw_model(model, X, show_grad=False).source
    assert "grad" not in plain.replace("gradients", "") and "width |w|" in plain


def test_one_sample_of_a_batch_and_a_single_sample():
    X, _ = moons(8, seed=3)
    model = _moons_model()
    third = draw_model(model, X, sample=2).source
    assert f"x0  {X[2, 0]:.3g}" in third and "sample 2 of 8" in third
    assert f"x0  {np.mean(X[:, 0]):.3g}" in draw_model(model, X).source
    with pytest.raises(ValueError, match="sample=8"):
        draw_model(model, X, sample=8)
    assert "mean over" not in draw_model(model, X[0]).source


def test_neuron_view_of_a_layer_and_a_neuron_and_bad_models():
    from nn import Layer

    assert len(_boxes(draw_model(Layer(3, 4, seed=0), [0.1, 0.2, 0.3]).source)) == 3 + 4
    assert len(_boxes(draw_model(Neuron(2, seed=0), [0.1, 0.2]).source)) == 2 + 1
    with pytest.raises(ValueError, match="level must be"):
        draw_model(_hand_model(), [0.35, 0.7], level="layers")
    with pytest.raises(TypeError, match="op level only"):
        draw_model(_hand_model(), [0.35, 0.7], level="neurons", legend=True)
    # an option of the op view alone asks for it
    assert "v0 [label=" in draw_model(_hand_model(), [0.35, 0.7], max_nodes=30).source
