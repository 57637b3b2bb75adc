"""An op's rule as a Python expression, found by running the rule on symbols.

The rules in :mod:`autograd.ops` are written with plain arithmetic, so that the same line
serves floats, arrays and ``Value`` nodes. Run one on :class:`Symbol` s -- objects whose
arithmetic writes down what was asked of it -- and it returns the expression it computes:
``mul``'s vjp, run on the symbols ``g, out, a, b``, returns ``(g * b), (g * a)``. This is how
``jax.make_jaxpr`` looks inside a function, in miniature.

A straight-line tape (:mod:`autograd.straight_line`) writes these expressions in place of calls
to the rule, so a node costs a few float operations instead of a function call. An expression
makes the same float operations in the same order as the rule (with the parentheses Python
needs for that order), so it computes the same bits. A rule that does anything but arithmetic
on its inputs -- compares them (``relu``, ``div``'s zero check), calls ``math`` (``exp``,
``tanh``) or asks for their type or value -- stops the tracing, and the tape calls that rule
as a function instead.

Example:
    >>> from autograd.ops import OPS
    >>> expression(OPS["mul"].vjp, 4)              # g, out, a, b
    ['{0} * {3}', '{0} * {2}']
    >>> expression(OPS["sigmoid"].vjp, 3)
    ['{0} * {1} * (1 - {1})']
    >>> expression(OPS["dot"].forward, 5)          # w0, w1, x0, x1, bias
    '0.0 + {0} * {2} + {1} * {3} + {4}'
    >>> expression(OPS["exp"].forward, 1) is None    # math.exp needs a real number
    True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

__all__ = ["Symbol", "NotTraceable", "expression", "define", "MAX_WRITTEN_ARGS"]

# Rules of up to this many arguments are written out as expressions when they can be; a wider
# one (a neuron of hundreds of inputs) is called: its expression, a sum of hundreds of terms,
# would reach the compiler's recursion limit, and a call costs little beside so much work.
MAX_WRITTEN_ARGS = 64


class NotTraceable(Exception):
    """A rule did something with a symbol that arithmetic alone cannot write down."""


# Python's precedence levels for what a symbol can hold: the loosest binding first.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = range(5)


def _operand(x: Any) -> tuple[str, int]:
    """``x`` as source text and its precedence level."""
    if type(x) is Symbol:
        return x.text, x.level
    if type(x) in (int, float) and math.isfinite(x):
        literal = repr(x)
        return literal, (_UNARY if literal.startswith("-") else _ATOM)
    raise NotTraceable(f"cannot write {type(x).__name__} {x!r} into an expression")


def _binary(left: Any, operator: str, right: Any, level: int) -> Symbol:
    """``left operator right`` with only the parentheses Python needs to keep the order of
    operations: ``a - b + c`` is ``(a - b) + c``, so a chain of sums needs none (a long one
    would otherwise pass the parser's limit of 200 nested parentheses)."""
    (left_text, left_level), (right_text, right_level) = _operand(left), _operand(right)
    if operator == "**":  # right-associative, and binds tighter than a unary minus on its left
        left_needs, right_needs = left_level <= _POWER, right_level < _ATOM
    else:  # left-associative: a right operand of the same level keeps its parentheses
        left_needs, right_needs = left_level < level, right_level <= level
    left_text = f"({left_text})" if left_needs else left_text
    right_text = f"({right_text})" if right_needs else right_text
    return Symbol(f"{left_text} {operator} {right_text}", level)


def _unary(operator: str, operand: Any) -> Symbol:
    text, level = _operand(operand)
    return Symbol(f"{operator}({text})" if level < _UNARY else f"{operator}{text}", _UNARY)


class Symbol:
    """A number known only by name: arithmetic on it returns the expression, as a new symbol.

    Comparisons, truth tests and conversions raise :class:`NotTraceable`: a rule that needs
    them depends on the value, so no single expression stands for it.

    Example:
        >>> a, b = Symbol("a"), Symbol("b")
        >>> (1 - a * b).text, (a - (b - 1)).text
        ('1 - a * b', 'a - (b - 1)')
    """

    __slots__ = ("text", "level")

    def __init__(self, text: str, level: int = _ATOM) -> None:
        self.text = text
        self.level = level

    def __add__(self, other: Any) -> Symbol:
        return _binary(self, "+", other, _SUM)

    def __radd__(self, other: Any) -> Symbol:
        return _binary(other, "+", self, _SUM)

    def __sub__(self, other: Any) -> Symbol:
        return _binary(self, "-", other, _SUM)

    def __rsub__(self, other: Any) -> Symbol:
        return _binary(other, "-", self, _SUM)

    def __mul__(self, other: Any) -> Symbol:
        return _binary(self, "*", other, _PRODUCT)

    def __rmul__(self, other: Any) -> Symbol:
        return _binary(other, "*", self, _PRODUCT)

    def __truediv__(self, other: Any) -> Symbol:
        return _binary(self, "/", other, _PRODUCT)

    def __rtruediv__(self, other: Any) -> Symbol:
        return _binary(other, "/", self, _PRODUCT)

    def __pow__(self, other: Any) -> Symbol:
        return _binary(self, "**", other, _POWER)

    def __rpow__(self, other: Any) -> Symbol:
        return _binary(other, "**", self, _POWER)

    def __neg__(self) -> Symbol:
        return _unary("-", self)

    def __pos__(self) -> Symbol:
        return _unary("+", self)

    def _depends_on_the_value(self, *args: Any) -> Any:
        raise NotTraceable(f"the rule looks at the value of {self.text}")

    __bool__ = __float__ = __int__ = __index__ = __abs__ = _depends_on_the_value
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _depends_on_the_value
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Symbol({self.text!r})"


def expression(rule: Callable[..., Any], n_args: int) -> str | list[str] | None:
    """What ``rule`` computes from ``n_args`` arguments, as a template with ``{0}``, ``{1}`` ...
    in place of the arguments; a list of templates if the rule returns a tuple. ``None`` if the
    rule cannot be written as arithmetic (it then has to be called).

    Each ``(rule, n_args)`` is traced once and remembered (the speed layer and every
    straight-line tape ask again and again); the list returned is a new one each time."""
    template = _traced(rule, n_args)
    return list(template) if isinstance(template, tuple) else template


@functools.lru_cache(maxsize=4096)
def _traced(rule: Callable[..., Any], n_args: int) -> str | tuple[str, ...] | None:
    try:
        result = rule(*[Symbol(f"{{{i}}}") for i in range(n_args)])
        if isinstance(result, tuple):
            return tuple(_operand(part)[0] for part in result)
        return _operand(result)[0]
    except Exception:  # whatever a rule raises on a symbol means "not arithmetic alone"
        return None


def define(lines: list[str], name: str, what: str, namespace: dict[str, Any] | None = None) -> Any:
    """Compile the generated source ``lines`` and return the object they define as ``name``.

    ``what`` names the code in tracebacks (``<autograd push for mul>``); ``namespace`` holds
    the globals the code refers to.

    Example:
        >>> twice = define(["def twice(x):", "    return 2 * x"], "twice", "example")
        >>> twice(21)
        42
    """
    scope = dict(namespace or {})
    exec(compile("\n".join(lines) + "\n", f"<autograd {what}>", "exec"), scope)
    return scope[name]
