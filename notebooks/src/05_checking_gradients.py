# %% [markdown]
# [Open this notebook in Colab](https://colab.research.google.com/github/chainrule/chainrule/blob/main/notebooks/05_checking_gradients.ipynb),
# or run it on your machine: `make lab` in a clone of chainrule.

# %%
# In Colab, install chainrule first (on your machine, `make lab` has installed it).
import sys

if "google.colab" in sys.modules:
    %pip install -q "chainrule[plot,progress] @ git+https://github.com/chainrule/chainrule" hypothesis

# %% [markdown]
# # 05 · Checking gradients
#
# A wrong derivative rule does not crash anything: training just goes slower, or nowhere.
# So every rule in chainrule's op table is checked, three ways, and this notebook shows how:
#
# 1. **finite differences by hand**, and how to choose the step;
# 2. **`gradcheck`**, the library's checker, and how to read a failure;
# 3. **a property test** with Hypothesis, which tries many inputs for you;
# 4. the same for **second derivatives** (`grad(grad(f))`, `hessian`).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from autograd import Value, grad, gradcheck, hessian, numeric_grad

# %% [markdown]
# ## 1. Finite differences by hand
#
# Take $f(x) = x \sin x + e^{x/4}$. By hand, $f'(x) = \sin x + x\cos x + \tfrac14 e^{x/4}$.
# Backpropagation should agree to the last digit or two.


# %%
def f(x):
    return x * x.sin() + (x / 4).exp()


def f_float(x):
    return x * math.sin(x) + math.exp(x / 4)


def f_prime_exact(x):
    return math.sin(x) + x * math.cos(x) + math.exp(x / 4) / 4


x = Value(2.0, label="x")
y = f(x)
y.backward()
print(f"f(2)        = {y.data:.15f}")
print(f"backward    = {x.grad:.15f}")
print(f"by hand     = {f_prime_exact(2.0):.15f}")
print(f"difference  = {abs(x.grad - f_prime_exact(2.0)):.1e}")

# %% [markdown]
# A finite difference approximates the derivative with two evaluations of $f$. The
# *forward* difference $(f(x+h) - f(x))/h$ has an error of order $h$; the *central*
# difference $(f(x+h) - f(x-h))/2h$ an error of order $h^2$. But $h$ cannot be made tiny:
# $f(x+h) - f(x)$ loses digits to rounding, an error of order $10^{-16}/h$. The total error
# is smallest in between, which is why `gradcheck` uses $h = 10^{-6}$.

# %%
steps = 10.0 ** -np.arange(1, 14)
exact = f_prime_exact(2.0)
forward_error = [abs((f_float(2 + h) - f_float(2)) / h - exact) for h in steps]
central_error = [abs((f_float(2 + h) - f_float(2 - h)) / (2 * h) - exact) for h in steps]

print(f"{'h':>8}  {'forward error':>14}  {'central error':>14}")
for h, fe, ce in zip(steps, forward_error, central_error):
    print(f"{h:8.0e}  {fe:14.2e}  {ce:14.2e}")

best = steps[int(np.argmin(central_error))]
print(f"\nbest central step here: h = {best:.0e}")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(steps, forward_error, "o-", label="forward difference, error ~ h")
ax.loglog(steps, central_error, "s-", label="central difference, error ~ h²")
ax.set_xlabel("step h")
ax.set_ylabel("|numeric − exact|")
ax.set_title("Truncation error falls with h, rounding error grows")
ax.legend()
ax.invert_xaxis()
plt.show()

# %% [markdown]
# ## 2. `gradcheck`
#
# `gradcheck(f, *xs)` differentiates `f` at `xs` with backpropagation and with central
# differences, and compares them argument by argument with a tolerance
# `|analytic − numeric| ≤ atol + rtol·|numeric|`. It returns `True` or raises an
# `AssertionError` naming each argument that disagrees. `numeric_grad` gives the
# finite differences alone.


# %%
def g(a, b):
    return (a * b).tanh() + (a / b).log() * b.sqrt()


print(gradcheck(g, 0.7, 1.9))
print("numeric:", numeric_grad(g, 0.7, 1.9))

# %% [markdown]
# What does a failure look like? Finite differences straddle a kink. At $x = 0$, `relu`
# has no derivative; chainrule (like PyTorch and micrograd) uses $\mathrm{relu}'(0) = 0$,
# while the central difference sees half a slope on each side:

# %%
try:
    gradcheck(lambda x: x.relu(), 0.0)
except AssertionError as error:
    print("AssertionError:", error)

# %% [markdown]
# That is a disagreement about a convention, not a bug: the tests check kinks explicitly and
# draw random points away from them. Away from the kink the check passes:

# %%
print(gradcheck(lambda x: x.relu() * x, 0.3), gradcheck(lambda x: x.relu() * x, -0.3))

# %% [markdown]
# ## 3. A property test
#
# Hand-picked points miss cases. [Hypothesis](https://hypothesis.readthedocs.io) draws the
# inputs, and when a property fails it shrinks the input to a simple failing example. Here
# the property is "backpropagation matches finite differences" for a composite of several ops,
# over a whole box of inputs (kept away from `log`'s pole at 0).

# %%
from hypothesis import given, settings
from hypothesis import strategies as st


def composite(a, b):
    return (a * b).sin() * (b.log() + a.tanh()) + a.sigmoid() / b


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(st.floats(-3, 3), st.floats(0.1, 3))
def backprop_matches_finite_differences(a, b):
    assert gradcheck(composite, a, b)


backprop_matches_finite_differences()
print("60 random points: backpropagation and finite differences agree")

# %% [markdown]
# Point the same property at `relu` with inputs that include 0, and Hypothesis finds the kink
# and reports the simplest input that breaks it:


# %%
@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(st.floats(-2, 2))
def relu_matches_finite_differences(a):
    assert gradcheck(lambda x: (x.relu() + 1).log(), a)


try:
    relu_matches_finite_differences()
    print("no counterexample found")
except AssertionError as error:
    notes = getattr(error, "__notes__", [])  # Hypothesis attaches the shrunk input here
    print(notes[0] if notes else "")
    print(str(error).split(" (eps")[0])

# %% [markdown]
# ## 4. Second derivatives
#
# `grad` returns a function, so it can be differentiated again: `grad(grad(f))` is $f''$.
# By hand, $f''(x) = 2\cos x - x \sin x + \tfrac1{16} e^{x/4}$. We check it against the
# formula and against a central difference *of the first derivative*.


# %%
def f_second_exact(x):
    return 2 * math.cos(x) - x * math.sin(x) + math.exp(x / 4) / 16


d1, d2, d3 = grad(f), grad(grad(f)), grad(grad(grad(f)))
h = 1e-5
for point in (0.5, 2.0, -1.3):
    numeric = (d1(point + h) - d1(point - h)) / (2 * h)
    print(
        f"x = {point:5.2f}:  grad(grad(f)) = {d2(point):+.10f}   by hand = {f_second_exact(point):+.10f}"
        f"   finite difference of grad(f) = {numeric:+.10f}"
    )

numeric_third = (d2(2.0 + h) - d2(2.0 - h)) / (2 * h)
print(f"\nthird derivative at 2: {d3(2.0):+.8f} (finite difference of the second: {numeric_third:+.8f})")

# %% [markdown]
# `hessian(f)` collects all second derivatives of a function of several variables. It must
# be symmetric, and each row must be the finite difference of the gradient:


# %%
def h_fn(x, y):
    return (x * y).sin() + x**3 * y.exp()


x0, y0 = 0.5, 1.5
H = np.array(hessian(h_fn)(x0, y0))


def gradient_at(x, y):
    return np.array(grad(h_fn, argnums=(0, 1))(x, y))


numeric_H = np.array(
    [
        (gradient_at(x0 + h, y0) - gradient_at(x0 - h, y0)) / (2 * h),  # d(gradient)/dx
        (gradient_at(x0, y0 + h) - gradient_at(x0, y0 - h)) / (2 * h),  # d(gradient)/dy
    ]
)
print("hessian:\n", H)
print("finite differences of the gradient:\n", numeric_H)
print("symmetric:", np.allclose(H, H.T), "| max difference:", f"{np.abs(H - numeric_H).max():.1e}")

# %% [markdown]
# Nested derivatives have one classic trap, *perturbation confusion*: in
# $\frac{d}{dx}\left[x \cdot \frac{d}{dy}(x + y)\right]$ the inner derivative is 1 whatever $x$
# is, so the answer is 1. An engine that mixes up the inner and outer variable returns 2.

# %%
print(grad(lambda x: x * grad(lambda y: x + y)(1.0))(2.0))

# %% [markdown]
# **Summary.** Backpropagation and finite differences agree to about 1e-9 or better wherever the function
# is smooth; finite differences need a step around 1e-5 to 1e-6; kinks (`relu`, `abs` at 0)
# follow a convention that finite differences cannot see; and derivatives of derivatives are
# checked the same way, one order at a time.
