"""Every documented error: its type and its message, and no state left corrupted behind it."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from autograd import (
    Value,
    dot,
    grad,
    gradcheck,
    hessian,
    is_grad_enabled,
    no_grad,
    register_op,
    sum_values,
    value_and_grad,
)

# --- Value(...) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, type_name",
    [
        ("a", "str"),
        (None, "NoneType"),
        (True, "bool"),
        ([1], "list"),
        (np.bool_(False), "bool"),
        (1j, "complex"),
    ],
)
def test_value_rejects_non_numbers_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=rf"Value expects a real number .* got {type_name}: "):
        Value(data)


@pytest.mark.parametrize(
    "array, shape",
    [(np.zeros((2, 2)), r"\(2, 2\)"), (np.array(["a", "b"]), r"\(2,\)")],
)
def test_value_rejects_arrays_that_are_not_1d_numbers(array, shape):
    with pytest.raises(TypeError, match=rf"1-D array of real numbers .* shape {shape}"):
        Value(array)


@pytest.mark.parametrize("data", [3, 2.5, np.float32(0.5), np.int64(7), np.array(1.5)])
def test_value_accepts_numbers_and_stores_float(data):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == float(data)


# --- domain errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_a_non_positive_number(x):
    with pytest.raises(
        ValueError, match=rf"^log: defined only for positive inputs, got {re.escape(repr(x))}$"
    ):
        Value(x).log()


def test_sqrt_of_a_negative_number():
    with pytest.raises(ValueError, match=r"^sqrt: defined only for non-negative inputs, got -1.0$"):
        Value(-1.0).sqrt()


def test_domain_errors_in_a_batch_name_the_op():
    with pytest.raises(ValueError, match=r"^log: defined only for positive inputs"):
        Value(np.array([1.0, 0.0])).log()
    with pytest.raises(ValueError, match=r"^sqrt: defined only for non-negative inputs"):
        Value(np.array([4.0, -1.0])).sqrt()


@pytest.mark.parametrize(
    "divide",
    [
        lambda: Value(1.0) / 0,
        lambda: Value(1.0) / Value(0.0),
        lambda: 1 / Value(0.0),
        lambda: Value(1.0) / 0.0,
    ],
)
def test_division_by_zero(divide):
    with pytest.raises(ZeroDivisionError, match=r"^div: division by zero \(1\.0 / 0\.0\)$"):
        divide()


def test_division_by_zero_in_a_batch():
    with pytest.raises(ZeroDivisionError, match=r"^div: division by zero"):
        Value(np.array([1.0, 2.0])) / Value(np.array([1.0, 0.0]))


def test_zero_to_a_negative_power():
    with pytest.raises(
        ZeroDivisionError, match=r"^pow: zero raised to a negative power \(0\.0 \*\* -1\.0\)$"
    ):
        Value(0.0) ** -1


def test_negative_base_with_a_fractional_exponent():
    with pytest.raises(
        ValueError, match=r"^pow: negative base with a non-integer exponent \(-8\.0 \*\* 0\.5\)$"
    ):
        Value(-8.0) ** 0.5


def test_exp_overflow():
    with pytest.raises(OverflowError, match=r"^exp: result too large for a float \(exp\(1000\.0\)\)$"):
        Value(1000.0).exp()


def test_pow_overflow():
    with pytest.raises(OverflowError, match=r"^pow: result too large for a float \(10\.0 \*\* 400\.0\)$"):
        Value(10.0) ** 400


def test_other_arithmetic_overflows_to_inf_as_ieee_floats_do():
    """Documented in the README: only exp and ** raise; * and + follow IEEE floats."""
    assert (Value(1e308) * 10).data == math.inf
    assert (Value(1e308) + 1e308).data == math.inf


def test_a_failed_op_leaves_its_inputs_untouched():
    x = Value(-1.0, label="x")
    y = x * 2
    with pytest.raises(ValueError):
        y.log()
    assert (x.data, x.grad, y.data, y.grad) == (-1.0, 0.0, -2.0, 0.0)
    y.backward()  # the graph before the failure still works
    assert x.grad == 2.0


# --- operands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation, symbol",
    [
        (lambda v: v + "a", r"\+"),
        (lambda v: v - "a", "-"),
        (lambda v: v * None, r"\*"),
        (lambda v: v / None, "/"),
        (lambda v: v ** "2", r"\*\* or pow\(\)"),
        (lambda v: None - v, "-"),
        (lambda v: {} * v, r"\*"),
    ],
)
def test_unsupported_operand_types(operation, symbol):
    with pytest.raises(TypeError, match=rf"unsupported operand type\(s\) for {symbol}: "):
        operation(Value(1.0))


def test_a_string_plus_a_value_is_a_type_error():
    with pytest.raises(TypeError, match=r"Value"):
        "a" + Value(1.0)  # noqa: B018


def test_bool_is_not_lifted_to_a_number():
    with pytest.raises(TypeError):
        Value(1.0) + True


# --- n-ary ops ----------------------------------------------------------------------------------


def test_dot_length_mismatch():
    with pytest.raises(ValueError, match=r"^dot needs as many weights as inputs, got 1 and 2$"):
        dot([Value(1.0)], [1.0, 2.0])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dot([Value(1.0), "w"], [1.0, 2.0]), r"^weights\[1\] must be a Value or a number, got str$"),
        (lambda: dot([1.0], [None]), r"^inputs\[0\] must be a Value or a number, got NoneType$"),
        (lambda: dot([1.0], [2.0], bias=[3.0]), r"^bias\[0\] must be a Value or a number, got list$"),
        (lambda: sum_values([Value(1.0), "x"]), r"^values\[1\] must be a Value or a number, got str$"),
    ],
)
def test_nary_ops_name_the_bad_item(call, message):
    with pytest.raises(TypeError, match=message):
        call()


# --- functional API -----------------------------------------------------------------------------


@pytest.mark.parametrize("argnums", [1, -2, (0, 3)])
def test_grad_argnums_out_of_range(argnums):
    with pytest.raises(
        ValueError, match=r"^argnums .* out of range for a function called with 1 argument\(s\)$"
    ):
        grad(lambda x: x * x, argnums=argnums)(1.0)


def test_grad_argnums_empty():
    with pytest.raises(ValueError, match=r"^argnums must name at least one argument$"):
        value_and_grad(lambda x: x, argnums=())(1.0)


def test_grad_of_a_function_returning_a_non_number():
    with pytest.raises(TypeError, match=r"^the function must return a Value or a number, got str$"):
        grad(lambda x: "x")(1.0)


def test_grad_of_a_batched_result_asks_for_a_reduction():
    with pytest.raises(TypeError, match=r"must return a scalar Value; reduce a batched one with \.sum\(\)"):
        grad(lambda w: w * Value(np.array([1.0, 2.0])))(1.0)


def test_grad_of_a_constant_function_is_zero():
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert hessian(lambda x, y: 1.0)(1.0, 2.0) == [[0.0, 0.0], [0.0, 0.0]]


def test_item_of_a_batched_value():
    with pytest.raises(TypeError, match=r"^item\(\) needs a scalar Value, this one holds 3 samples$"):
        Value(np.array([1.0, 2.0, 3.0])).item()


# --- gradcheck ----------------------------------------------------------------------------------


def _detached(x: Value) -> Value:
    """``x``'s number as a fresh leaf: the analytic gradient no longer sees through it."""
    return Value(x.data)


def test_gradcheck_failure_names_argument_analytic_and_numeric():
    # f(x, y) = x * y + y * detached(y): analytic d/dy misses the detached term's y
    def f(x: Value, y: Value) -> Value:
        return x * y + y * _detached(y)

    with pytest.raises(AssertionError) as failure:
        gradcheck(f, 2.0, 3.0)
    message = str(failure.value)
    assert "argument 0" not in message  # d/dx = y is right
    match = re.match(r"gradient mismatch for argument 1: analytic (\S+), numeric (\S+) \(eps=", message)
    assert match, message
    analytic, numeric = float(match[1].rstrip(",")), float(match[2])
    assert analytic == 2.0 + 3.0  # x + detached(y)
    assert numeric == pytest.approx(2.0 + 2 * 3.0, rel=1e-8)  # x + 2y


def test_gradcheck_names_every_failing_argument():
    with pytest.raises(AssertionError, match=r"argument 0: .*; gradient mismatch for argument 1: "):
        gradcheck(lambda x, y: x * _detached(x) + y * _detached(y), 1.0, 2.0)


def test_gradcheck_passes_and_needs_arguments():
    assert gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2) is True
    with pytest.raises(ValueError, match=r"^gradcheck needs at least one argument to differentiate$"):
        gradcheck(lambda: Value(1.0))


def test_gradcheck_leaves_grad_mode_enabled_when_f_raises():
    with pytest.raises(ValueError, match=r"^log: "):
        gradcheck(lambda x: (x - 5).log(), 1.0)
    assert is_grad_enabled()


# --- extending the table ------------------------------------------------------------------------


def test_registering_an_op_name_twice():
    with pytest.raises(ValueError, match=r"^an op named 'exp' is already registered$"):
        register_op("exp", math.exp, lambda g, out, a: (g * out,))


def test_no_grad_survives_errors_inside():
    with no_grad():
        with pytest.raises(ValueError):
            Value(-1.0).log()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_batched_exp_and_pow_overflow_raise_like_scalars():
    import numpy as np

    x = Value(np.array([1.0, 800.0, 2.0]))
    with pytest.raises(OverflowError, match=r"exp: result too large for a float \(sample 1 of the batch\)"):
        x.exp()
    with pytest.raises(OverflowError, match=r"pow: result too large for a float \(sample 1 of the batch\)"):
        x**200
    # an infinite input is not an overflow: exp(inf) = inf, as math.exp(inf) gives
    assert np.isinf(Value(np.array([np.inf, 0.0])).exp().data[0])
