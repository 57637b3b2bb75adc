# %% [markdown]
# [Open this notebook in Colab](https://colab.research.google.com/github/chainrule/chainrule/blob/main/notebooks/04_moons.ipynb),
# or run it on your machine: `make lab` in a clone of chainrule.

# %%
# In Colab, install chainrule first (on your machine, `make lab` has installed it).
import sys

if "google.colab" in sys.modules:
    %pip install -q "chainrule[plot,progress] @ git+https://github.com/chainrule/chainrule"

# %% [markdown]
# # 04 · micrograd's moons demo
#
# micrograd's demo trains a small network on 100 points of scikit-learn's "two moons": an
# `MLP(2, [16, 16, 1])` with relu hidden layers (337 parameters), the max-margin loss
# `mean(relu(1 − y · score))` plus `1e-4 ×` the sum of squared parameters, and 100 steps of
# gradient descent with the learning rate falling from 1.0 to 0.1. It reaches 100% training
# accuracy. Here is the same demo in chainrule, its decision boundary, and a note on speed.

# %%
import random
import time

import matplotlib.pyplot as plt

from autograd import sum_values, topological_order
from nn import MLP, SGD, draw_model, fit, hinge_loss, moons
from nn.plots import plot_decision_boundary, plot_history

X, y = moons(100, noise=0.1, seed=0, signed=True)  # labels -1 / +1, as in the demo
fig, ax = plt.subplots(figsize=(4.5, 3.5))
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
ax.set_title("100 moons points")
plt.show()

# %% [markdown]
# ## 1. The demo
#
# `MLP(2, [16, 16, 1])` draws its weights from Python's global `random` exactly as
# micrograd's does, so after `random.seed(1337)` both libraries start from the same network.
# The L2 term goes into the loss function given to `fit`; the learning-rate schedule is a
# function of the step.

# %%
random.seed(1337)
model = MLP(2, [16, 16, 1])
print(model)


def demo_loss(scores, targets):
    return hinge_loss(scores, targets) + 1e-4 * sum_values([p * p for p in model.parameters()])


def schedule(step):
    return 1.0 - 0.9 * step / 100


start = time.perf_counter()
history = fit(
    model,
    X,
    y,
    loss=demo_loss,
    optimizer=SGD(model, lr=schedule),
    epochs=100,
    metrics=["accuracy"],
    progress=False,
)
seconds = time.perf_counter() - start
print(f"100 steps in {seconds:.2f} s ({1000 * seconds / 100:.1f} ms a step); {history}")

# %%
fig = plot_history(history)

# %% [markdown]
# ## 2. The decision boundary
#
# Orange where the score is positive (class +1), blue where it is negative; the black line is
# score = 0. The relu network's boundary is made of straight pieces.

# %%
fig = plot_decision_boundary(model, X, y, resolution=200, title="MLP(2, [16, 16, 1]) after 100 steps")

# %% [markdown]
# Is 100% a lucky draw? `nn.tutorials.moons.moons_study` repeats the demo with other seeds
# (each seed: new points and new initial weights). `crossed` counts the points that the noise
# pushed nearer to the other moon, which no smooth boundary should get right. With noise 0.1
# there are hardly any, so 100% training accuracy is what to expect: the demo's task is easy.

# %%
from nn.tutorials.moons import moons_study

study = list(moons_study(seeds=range(20)))
for result in study:
    print(
        f"seed {result.seed}: final training accuracy {result.final_accuracy:.2f}, "
        f"{result.crossed} crossed points"
    )
perfect = sum(result.final_accuracy == 1.0 for result in study)
print(f"100% training accuracy on {perfect} of {len(study)} seeds")

# %% [markdown]
# ## 3. Same numbers as micrograd
#
# If micrograd is installed (`pip install micrograd==0.1.0`), we run its first steps from the
# same start and compare the losses with ours: they agree to rounding error.

# %%
try:
    import micrograd.engine
    import micrograd.nn
except ImportError:
    micrograd = None
    print("micrograd is not installed: pip install micrograd==0.1.0 to compare")

if micrograd is not None:
    random.seed(1337)
    reference = micrograd.nn.MLP(2, [16, 16, 1])
    micrograd_seconds = []
    for step in range(2):
        start = time.perf_counter()
        inputs = [[micrograd.engine.Value(float(v)) for v in row] for row in X]
        scores = [reference(x) for x in inputs]
        margins = [(1 + -float(target) * score).relu() for target, score in zip(y, scores)]
        total = sum(margins) * (1.0 / len(margins)) + 1e-4 * sum(p * p for p in reference.parameters())
        reference.zero_grad()
        total.backward()
        for p in reference.parameters():
            p.data -= schedule(step) * p.grad
        micrograd_seconds.append(time.perf_counter() - start)
        print(f"step {step}: micrograd loss {total.data:.12f}   chainrule loss {history.loss[step]:.12f}")

# %% [markdown]
# ## 4. A note on speed
#
# micrograd builds one graph per sample, two nodes (a multiply and an add) per weight, and
# orders it with a recursive search. chainrule can do the same (`fit(..., vectorize=False)`:
# one scalar graph per sample, but one `dot` node per neuron). By default `fit` sends the
# whole batch through **one** graph whose values hold one number per sample, so the graph is
# ten times smaller and numpy does the per-sample arithmetic. We time a few steps of each.


# %%
def seconds_per_step(vectorize, steps):
    random.seed(1337)
    fresh = MLP(2, [16, 16, 1])

    def loss(scores, targets):
        return hinge_loss(scores, targets) + 1e-4 * sum_values([p * p for p in fresh.parameters()])

    start = time.perf_counter()
    fit(
        fresh,
        X,
        y,
        loss=loss,
        optimizer=SGD(fresh, lr=schedule),
        epochs=steps,
        progress=False,
        vectorize=vectorize,
    )
    return (time.perf_counter() - start) / steps


timings = {
    "chainrule, one batched graph": seconds_per_step(vectorize=True, steps=20),
    "chainrule, a graph per sample": seconds_per_step(vectorize=False, steps=3),
}
if micrograd is not None:
    timings["micrograd 0.1.0"] = min(micrograd_seconds)
for name, t in timings.items():
    print(f"{name:32s} {1000 * t:8.1f} ms a step")

batched_loss = demo_loss(model(X), y)
per_sample_loss = demo_loss([model(x) for x in X], y)
print(
    f"\ngraph size: batched {len(topological_order(batched_loss)):,} nodes, "
    f"per sample {len(topological_order(per_sample_loss)):,} nodes"
)

# %% [markdown]
# Timings vary with the machine and its load, but the order does not: the batched graph is
# the fastest by far, the per-sample graphs are next, and micrograd (which also pays for
# Python recursion and a `set` of parents per node) is slowest.
#
# ## 5. Looking at one sample's graph
#
# The network's graph for a single input has hundreds of nodes, too many to read. `draw_model`
# draws the ones nearest the output and says how many it left out.

# %%
draw_model(model, X[0], max_nodes=30, legend=True)
