"""``python -m autograd``: a short tour of the engine.

Example:
    >>> main([])                                    # doctest: +ELLIPSIS
    loss = tanh((a * b + c) * f)
    ...
    0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import autograd._install_check  # noqa: F401  (if another 'autograd' replaced ours, say so first)
from autograd import Value, grad, hessian

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="python -m autograd",
        description="A short tour of chainrule's autograd engine: backpropagate through "
        "tanh((a * b + c) * f) and print every gradient, then the first three derivatives of "
        "sin(x) * exp(x) at x = 1 (grad of grad) and a Hessian. Takes no other arguments.",
    )


def main(argv: Sequence[str] | None = None) -> int:
    _parser().parse_args(argv)
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(6.9, label="c")
    e = a * b
    d = e + c
    f = Value(-0.2, label="f")
    loss = (d * f).tanh()
    loss.backward()
    print("loss = tanh((a * b + c) * f)")
    print(f"  loss = {loss.data:.6f}")
    for v in (a, b, c, f):
        print(f"  d loss / d {v.label} = {v.grad:+.6f}")

    def g(x: Value) -> Value:
        return x.sin() * x.exp()

    print("g(x) = sin(x) * exp(x) at x = 1")
    print(f"  g'(1)   = {grad(g)(1.0):.6f}")
    print(f"  g''(1)  = {grad(grad(g))(1.0):.6f}")
    print(f"  g'''(1) = {grad(grad(grad(g)))(1.0):.6f}")
    print("hessian of x * x * y at (1, 2):", hessian(lambda x, y: x * x * y)(1.0, 2.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
