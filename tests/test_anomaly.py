"""``detect_anomaly()``: the first NaN/inf in a forward value or a gradient raises, naming its origin."""

import copy
import gc
import inspect
import math
import pickle
import weakref

import numpy as np
import pytest

from autograd import AnomalyError, Value, detect_anomaly, grad, gradients, no_grad
from autograd.anomaly import creation_site, is_anomaly_enabled


def _next_line() -> str:
    """``file:line`` of the line after the caller's (where the node under test is made)."""
    frame = inspect.currentframe().f_back  # type: ignore[union-attr]
    return f"{__file__}:{frame.f_lineno + 1}"  # type: ignore[union-attr]


def test_it_is_a_floating_point_error():
    assert issubclass(AnomalyError, FloatingPointError)


def test_forward_overflow_names_op_inputs_and_line():
    big = Value(1e308)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        site = _next_line()
        big * 10
    message = str(info.value)
    assert message.startswith("forward: mul gave inf from inputs (1e+308, 10.0)")
    assert site in message
    assert "test_forward_overflow_names_op_inputs_and_line" in message


def test_forward_nan_from_inf_minus_inf():
    a = Value(1e308) * 10  # made outside the mode: inf passes silently
    assert a.data == math.inf
    expected = r"forward: sub gave nan from inputs \(inf, inf\)"
    with detect_anomaly(), pytest.raises(AnomalyError, match=expected):
        a - a


def test_forward_check_also_runs_under_no_grad():
    with detect_anomaly(), no_grad(), pytest.raises(AnomalyError, match="forward: mul"):
        Value(1e200) * Value(1e200)


def test_backward_names_the_node_and_where_it_was_made_not_where_backward_ran():
    x = Value(0.0)
    with detect_anomaly():
        site = _next_line()
        y = x.sqrt() + x
        with pytest.raises(AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert message.startswith(f"backward: the sqrt node created at {site} in ")
    assert "gave its input 0 the gradient inf" in message
    assert "its inputs were (0.0,)" in message
    assert "the upstream gradient 1.0" in message


def test_backward_reports_the_first_bad_node_from_the_root():
    x = Value(5e-324)  # the smallest subnormal: log'(x) = 1/x overflows
    with detect_anomaly():
        y = (x.log() * 2.0).sin()
        with pytest.raises(AnomalyError, match="the log node .* gradient inf"):
            y.backward()


def test_nan_exponent_gradient_into_a_constant_is_ignored():
    x = Value(-2.0)
    with detect_anomaly():
        (x**2).backward()
    assert x.grad == -4.0


def test_nan_exponent_gradient_into_a_value_is_reported():
    base, exponent = Value(-2.0), Value(2.0)
    with detect_anomaly():
        y = base**exponent
        with pytest.raises(AnomalyError, match="the pow node .* gave its input 1 the gradient nan"):
            y.backward()


def test_functional_grad_and_gradients_are_checked():
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="the sqrt node .* in <lambda>"):
            grad(lambda x: x.sqrt())(0.0)
        x = Value(0.0)
        y = x.sqrt()
        with pytest.raises(AnomalyError, match="the sqrt node"):
            gradients(y, [x])


def test_second_order_nan_is_reported_as_a_gradient_not_as_a_forward_value():
    # d/dx (x * sqrt(x)) builds x * inf = nan inside the derivative graph at x = 0.
    with detect_anomaly(), pytest.raises(AnomalyError, match="^backward: the sqrt node"):
        grad(grad(lambda x: x * x.sqrt()))(0.0)


def test_batched_values_are_checked_sample_by_sample():
    x = Value(np.array([1.0, 0.0, 4.0]))
    with detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(AnomalyError, match=r"the sqrt node .* gradient \[0.5 +inf +0.25\]"):
            y.backward()
    # (a batched exp past the float range raises OverflowError, as the scalar one does; a
    # product overflows to inf the IEEE way, which is what anomaly mode is for)
    with detect_anomaly(), pytest.raises(AnomalyError, match="forward: mul"):
        Value(np.array([0.0, 1e308])) * 10.0


def test_finite_programs_pass_and_give_the_usual_gradients():
    def f(a: Value, b: Value) -> Value:
        return (a * b).tanh() + (a.exp() / b) ** 2 + b.softplus()

    a, b = Value(0.3), Value(-1.2)
    with detect_anomaly():
        f(a, b).backward()
    plain_a, plain_b = Value(0.3), Value(-1.2)
    f(plain_a, plain_b).backward()
    assert (a.grad, b.grad) == (plain_a.grad, plain_b.grad)


def test_outside_the_mode_nothing_is_checked_or_recorded():
    assert not is_anomaly_enabled()
    x = Value(0.0)
    y = x.sqrt()
    y.backward()
    assert x.grad == math.inf
    assert creation_site(y).startswith("unknown")
    assert (Value(1e308) * 10).data == math.inf


def test_the_mode_is_restored_after_an_error_and_nests():
    with pytest.raises(AnomalyError), detect_anomaly():
        with detect_anomaly():
            assert is_anomaly_enabled()
        assert is_anomaly_enabled()
        Value(1e308) * 10
    assert not is_anomaly_enabled()


def test_it_works_as_a_decorator():
    @detect_anomaly()
    def f() -> Value:
        return Value(1e308) + Value(1e308)

    with pytest.raises(AnomalyError, match="forward: add"):
        f()


def test_recorded_sites_do_not_keep_nodes_alive():
    with detect_anomaly():
        x = Value(1.0)
        y = x.exp() * 2
        site = creation_site(y)
        ref = weakref.ref(y)
    assert site.startswith(__file__)
    del y
    gc.collect()
    assert ref() is None


def test_tape_replays_are_checked_too():
    from autograd import Tape

    w = Value(np.array([1.0, 1.0]))
    with detect_anomaly():
        site = _next_line()
        tape = Tape(w * 1e308)
        w.data = np.array([1.0, 3.0])  # 3e308 is inf in the replay
        with pytest.raises(AnomalyError, match=rf"tape replay\): mul gave .*inf.* created at {site}"):
            tape.forward()


def test_a_node_made_inside_nn_points_at_the_users_line_and_the_nn_line():
    from nn import MLP

    model = MLP.from_weights([[[1e308, 1e308]]], activation="linear", output_activation="linear")
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        site = _next_line()
        model([10.0, 1.0])
    message = str(info.value)
    assert message.startswith("forward: dot gave inf from inputs (1e+308, 1e+308, 10.0, 1.0), at")
    assert f"at {site} in test_a_node_made_inside_nn" in message
    assert "(via " in message and "nn/layers.py" in message


def test_a_gradient_into_a_value_made_under_no_grad_is_no_anomaly():
    # PyTorch sends no gradient to a tensor made under no_grad; here it is a number the graph
    # cannot see, like a constant, so its infinite gradient (sqrt'(0)) goes nowhere.
    x = Value(0.0)
    with detect_anomaly():
        with no_grad():
            y = abs(x)
        z = y.sqrt() + x
        z.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_value_made_under_no_grad_stays_one_in_a_copy_of_the_graph(how):
    # The mark lives outside the node; a copy that lost it raised a false alarm on the copy.
    x = Value(0.0)
    with detect_anomaly():
        with no_grad():
            y = abs(x)
        z = y.sqrt() + x
        copied = copy.deepcopy(z) if how == "deepcopy" else pickle.loads(pickle.dumps(z))
        copied.backward()
        twin = copied.parents[1]
        assert twin.grad == 1.0 and twin is not x
        assert copied.parents[0].parents[0].grad == math.inf  # the copy of y, which goes nowhere
        user_leaf = copy.deepcopy(Value(0.0))  # a leaf the user made is not marked by a copy
        with pytest.raises(AnomalyError, match="inf"):
            user_leaf.sqrt().backward()


def test_an_infinity_that_reaches_a_leaf_names_the_node_that_made_it():
    x = Value(0.0, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        ((x * 1.0).sqrt()).backward()
    message = str(caught.value)
    assert "the mul node" in message and "gradient inf" in message
    assert "came down from the sqrt node created at" in message and "test_anomaly.py" in message
