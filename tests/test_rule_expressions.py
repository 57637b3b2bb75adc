"""Rules written out as expressions (``autograd.rule_expressions``) compute the same bits as the
rules themselves: the parentheses keep Python's order of operations, and a rule that is more
than arithmetic is left to be called."""

from __future__ import annotations

import inspect
import math
import operator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS
from autograd.rule_expressions import MAX_WRITTEN_ARGS, NotTraceable, Symbol, expression

BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
N_ARGS = 3

numbers = st.floats(-4, 4, allow_nan=False).filter(lambda x: x == 0 or abs(x) > 1e-3)
literals = st.sampled_from([0.0, 1, 2, -1, -0.5, 0.25, 3.0, -2.0])


@st.composite
def programs(draw: Any, depth: int = 0) -> Any:
    """A random arithmetic function of ``N_ARGS`` arguments, as nested tuples."""
    if depth >= 4 or draw(st.integers(0, 2)) == 0:
        return ("arg", draw(st.integers(0, N_ARGS - 1))) if draw(st.booleans()) else ("lit", draw(literals))
    kind = draw(st.sampled_from(["binary", "binary", "binary", "neg", "pos"]))
    if kind == "binary":
        return (draw(st.sampled_from(sorted(BINARY))), draw(programs(depth + 1)), draw(programs(depth + 1)))
    return (kind, draw(programs(depth + 1)))


def run(program: Any, args: list[Any]) -> Any:
    kind = program[0]
    if kind == "arg":
        return args[program[1]]
    if kind == "lit":
        return program[1]
    if kind == "neg":
        return -run(program[1], args)
    if kind == "pos":
        return +run(program[1], args)
    left, right = run(program[1], args), run(program[2], args)
    return BINARY[kind](left, right)


def outcome(compute: Any) -> Any:
    try:
        result = compute()
    except (ZeroDivisionError, OverflowError, ValueError, TypeError) as error:
        return type(error)
    if isinstance(result, complex):  # a negative number to a fractional power
        return complex
    return "nan" if math.isnan(result) else result


@given(program=programs(), xs=st.lists(numbers, min_size=N_ARGS, max_size=N_ARGS))
def test_a_written_expression_computes_what_the_arithmetic_computes(program, xs):
    template = expression(lambda *args: run(program, list(args)), N_ARGS)
    expected = outcome(lambda: run(program, xs))
    if template is None:  # only where the literals alone fail (0.0 / 0.0), whatever the inputs
        assert expected in (ZeroDivisionError, complex)
        return
    names = {f"x{i}": x for i, x in enumerate(xs)}
    source = template.format(*names)
    got = outcome(lambda: eval(source, {}, names))  # noqa: S307 -- our own generated arithmetic
    assert got == expected, f"{source}: {got!r} != {expected!r}"
    if isinstance(expected, float):
        assert math.copysign(1.0, got) == math.copysign(1.0, expected), source  # even a zero's sign


def test_only_the_needed_parentheses_are_written():
    a, b, c = Symbol("a"), Symbol("b"), Symbol("c")
    assert (a - b + c).text == "a - b + c"
    assert (a - (b + c)).text == "a - (b + c)"
    assert (a * b + c * a).text == "a * b + c * a"
    assert ((a + b) * c).text == "(a + b) * c"
    assert (a / (b * c)).text == "a / (b * c)"
    assert (-(a * b)).text == "-(a * b)"
    assert (-a * b).text == "-a * b"
    assert ((-a) ** b).text == "(-a) ** b"
    assert (-(a**b)).text == "-a ** b"
    assert ((a**b) ** c).text == "(a ** b) ** c"
    assert (a ** (b**c)).text == "a ** (b ** c)"
    assert (a * -0.5).text == "a * -0.5"
    assert ((-0.5) ** a).text == "(-0.5) ** a"


def test_a_long_sum_compiles():
    # 64 arguments: the widest rule written out; nested parentheses would break Python's parser.
    template = expression(OPS["dot"].forward, MAX_WRITTEN_ARGS)
    assert isinstance(template, str) and "(" not in template
    values = [float(i % 7) - 3.0 for i in range(MAX_WRITTEN_ARGS)]
    names = {f"x{i}": v for i, v in enumerate(values)}
    assert eval(template.format(*names), {}, names) == OPS["dot"].forward(*values)  # noqa: S307


def n_inputs(name: str) -> int:
    """How many inputs to trace an op with: its vjp's own, or a few for an n-ary op."""
    parameters = inspect.signature(OPS[name].vjp).parameters.values()
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return 5  # dot: two weights, two inputs and a bias; sum: five terms
    return len(parameters) - 2  # after g and out


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("kind", ["forward", "vjp"])
def test_every_written_rule_equals_the_rule_to_the_last_bit(name, kind):
    op = OPS[name]
    k = n_inputs(name)
    rule = op.forward if kind == "forward" else op.vjp
    template = expression(rule, k + 2 if kind == "vjp" else k)
    if template is None:
        return  # a rule the tape calls as a function: nothing written to compare
    parts = template if isinstance(template, list) else [template]
    for trial in range(25):
        inputs = [0.3 + 0.37 * ((trial * 7 + 3 * i) % 11) - 1.5 for i in range(k)]
        if name in ("log", "sqrt", "pow"):  # their domains
            inputs = [abs(x) + 0.1 for x in inputs]
        args = [0.7 - 0.1 * trial, op.forward(*inputs), *inputs] if kind == "vjp" else inputs
        names = {f"x{i}": v for i, v in enumerate(args)}
        got = [eval(part.format(*names), {}, names) for part in parts]  # noqa: S307
        expected = rule(*args)
        assert got == (list(expected) if isinstance(expected, tuple) else [expected]), f"{name}: {template}"


def test_the_arithmetic_rules_are_written_out_and_the_others_called():
    written = {name for name, op in OPS.items() if expression(op.vjp, n_inputs(name) + 2) is not None}
    # Derivatives that are arithmetic on g, out and the inputs are written out; relu, abs, pow,
    # sqrt, sin, cos and softplus need a comparison or a function, and batch_sum needs numpy.
    assert {
        "add",
        "sub",
        "mul",
        "div",
        "neg",
        "identity",
        "sum",
        "dot",
        "exp",
        "log",
        "tanh",
        "sigmoid",
    } <= written
    assert not written & {"relu", "gate", "abs", "pow", "sqrt", "sin", "cos", "softplus", "batch_sum"}


def test_what_stops_a_trace():
    assert expression(lambda a: a if a > 0 else 0.0, 1) is None  # a comparison
    assert expression(lambda a: math.exp(a), 1) is None  # a real number needed
    assert expression(lambda a: a * math.inf, 1) is None  # inf has no literal
    assert expression(lambda a: a * True, 1) is None  # a bool is not written as a number
    assert expression(lambda a: {a}, 1) is None  # hashing
    with pytest.raises(NotTraceable, match="looks at the value of x"):
        bool(Symbol("x"))


def test_each_rule_is_traced_once_per_number_of_arguments():
    calls = []

    def rule(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
        calls.append(len(calls))
        return g * b, g * a

    first = expression(rule, 4)
    second = expression(rule, 4)
    assert first == second == ["{0} * {3}", "{0} * {2}"]
    assert len(calls) == 1  # remembered: the straight-line tape and the speed layer ask often
    assert first is not second  # each caller gets its own list
    first.append("changed")
    assert expression(rule, 4) == ["{0} * {3}", "{0} * {2}"]

    widths = []

    def total(*args: Any) -> Any:
        widths.append(len(args))
        return sum(args)

    assert [expression(total, n) for n in (2, 3, 2, 3)] == ["0 + {0} + {1}", "0 + {0} + {1} + {2}"] * 2
    assert widths == [2, 3]  # each width traced once
