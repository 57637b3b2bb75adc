# %% [markdown]
# [Open this notebook in Colab](https://colab.research.google.com/github/chainrule/chainrule/blob/main/notebooks/02_xor.ipynb),
# or run it on your machine: `make lab` in a clone of chainrule.

# %%
# In Colab, install chainrule first (on your machine, `make lab` has installed it).
import sys

if "google.colab" in sys.modules:
    %pip install -q "chainrule[plot,progress] @ git+https://github.com/chainrule/chainrule"

# %% [markdown]
# # 02 · XOR, as two tutorials train it
#
# XOR is the classic problem a single neuron cannot solve: the four points (0,0), (1,1) → 0
# and (0,1), (1,0) → 1 are not separable by one line. Two popular numpy tutorials train the
# same **2-4-1 sigmoid network** on it (biases start at 0, full-batch gradient descent,
# learning rate 0.1) and both print a happy ending. They differ in three places:
#
# | | tutorial 1 | tutorial 2 |
# |---|---|---|
# | initial weights | standard normal | 0.01 × standard normal |
# | epochs | 10,000 | 1,000 |
# | what the update is the gradient of | ½ · sum of squared errors | mean binary cross-entropy |
#
# We train both with chainrule, draw their loss curves and decision boundaries, and then
# look at many random seeds, because one lucky run proves little.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from nn import MLP, SGD, binary_cross_entropy, fit, mse_loss, xor
from nn.plots import plot_decision_boundary, plot_history
from nn.tutorials.xor import TUTORIAL_1, TUTORIAL_2, initial_weights, xor_study

X, y = xor()
print(X.tolist(), "->", y.tolist())
for setup in (TUTORIAL_1, TUTORIAL_2):
    print(setup.description)

# %% [markdown]
# ## 1. One run of each
#
# `initial_weights(scale, seed)` draws the weights exactly as the tutorials' code does after
# `np.random.seed(seed)`, so these runs can be checked against the tutorials' own programs.
# `fit` does the training loop; besides each tutorial's own loss we record the *mean squared
# error* of the predictions (what both tutorials print) and the accuracy.

# %%
OBJECTIVES = {
    "half_sse": lambda predictions, targets: 0.5 * mse_loss(predictions, targets, reduction="sum"),
    "mean_bce": lambda predictions, targets: binary_cross_entropy(predictions, targets),
}


def mse(predictions, targets):
    return float(np.mean((predictions - targets) ** 2))


def train(setup, seed=0):
    w_in, w_out = initial_weights(setup.init_scale, seed)
    model = MLP.from_weights(
        [w_in.T, w_out.T],
        biases=[np.zeros(4), np.zeros(1)],
        activation="sigmoid",
        output_activation="sigmoid",
    )
    start = time.perf_counter()
    history = fit(
        model,
        X,
        y,
        loss=OBJECTIVES[setup.objective],
        optimizer=SGD(model.parameters(), lr=setup.lr),
        epochs=setup.epochs,
        metrics=["accuracy", mse],
        progress=False,
    )
    print(f"{setup.name}: {setup.epochs} epochs in {time.perf_counter() - start:.1f} s; {history}")
    return model, history


model_1, history_1 = train(TUTORIAL_1)
model_2, history_2 = train(TUTORIAL_2)

# %% [markdown]
# The tutorials print the mean squared error every few epochs (of the predictions made before
# that epoch's update, which is also what `fit` records). Their runs were not seeded, so our
# seed-0 numbers need not match theirs digit for digit, but they should look alike:

# %%
for setup, history in ((TUTORIAL_1, history_1), (TUTORIAL_2, history_2)):
    print(setup.description)
    for epoch, printed in setup.printed_losses.items():
        print(f"  epoch {epoch:5d}: printed {printed:.4f}   ours (seed 0) {history['mse'][epoch]:.4f}")

# %% [markdown]
# Tutorial 1 behaves as printed. Tutorial 2 does not: its printed losses fall from 0.25 to
# 0.006, but ours stays at **0.25**: every prediction is 0.5. With weights of size 0.01 all
# four hidden units start out almost identical and almost linear, the gradient that would
# tell them apart is tiny, and 1,000 steps of size 0.1 are not enough to escape.

# %%
with np.printoptions(precision=4):
    print("tutorial 1 predictions:", model_1(X).data)
    print("tutorial 2 predictions:", model_2(X).data)
    print("tutorial 2 printed    :", np.array(TUTORIAL_2.printed_predictions))

# %% [markdown]
# ## 2. Loss curves
#
# The left panel shows each tutorial's own objective (so the two curves are on different
# scales); the middle one the mean squared error both tutorials print; the right one the
# accuracy on the four points.

# %%
fig = plot_history(
    {"tutorial 1": history_1, "tutorial 2": history_2}, metrics=["mse", "accuracy"], log_loss=True
)

# %% [markdown]
# ## 3. Decision boundaries
#
# Where does each trained network answer 1? Orange: output above 0.5; blue: below. Tutorial 1
# carves out the band between the two classes. Tutorial 2's network outputs 0.5 everywhere up
# to tiny differences; where those differences change sign is a straight line, and a straight
# line can get only two of the four XOR points right.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
plot_decision_boundary(model_1, X, y, ax=axes[0], title="tutorial 1 (solved)")
plot_decision_boundary(model_2, X, y, ax=axes[1], title="tutorial 2 (stuck at 0.5)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 4. Many seeds
#
# Is seed 0 unlucky? `xor_study` trains a setup from several seeds (each seed as the
# tutorial's `np.random.seed`) and counts the runs that classify all four points correctly.
# It replays a recorded graph (section 5 shows how), so twenty seeds of 10,000 epochs take a
# few seconds. Tutorial 2 as written fails from every seed. Two small changes fix it: a larger
# initial scale (weights ~ N(0, 1)) with a larger step (lr 0.5).

# %%
seeds = range(20)
fixed_setup = TUTORIAL_2.changed("init 1, lr 0.5", init_scale=1.0, lr=0.5)
for setup in (TUTORIAL_1, TUTORIAL_2, fixed_setup):
    study = xor_study(setup, seeds)
    print(f"{study.setup.description}:")
    print(
        f"  solved {study.solved_count} of {len(study.runs)} seeds; median final MSE {study.median_final_loss:.4f}"
    )

# %% [markdown]
# Tutorial 1 (standard-normal weights, 10,000 epochs) is the robust one.
#
# **What to take away:** the method in both tutorials is right, and chainrule's gradients
# reproduce their updates exactly. But tutorial 2's printed run cannot be reproduced with its
# own settings: a tiny initialisation puts the network at a symmetric saddle point, where
# gradient descent with a small step stays for far more than 1,000 epochs.

# %% [markdown]
# ## 5. Record once, replay
#
# Every epoch above builds a new graph: the same ops on new numbers. A `Tape` records the
# graph once and replays it; for scalar values it writes the graph out as straight-line Python
# (`tape.source`), so an epoch costs a few microseconds. Here is tutorial 1 again, one scalar
# graph per sample, trained by replaying the tape: the final weights agree with the `fit` run
# of section 1 to rounding (`fit` sums the four samples in one batched graph, in another order).

# %%
from autograd import Tape, sum_values  # noqa: E402

w_in, w_out = initial_weights(TUTORIAL_1.init_scale, 0)
replayed = MLP.from_weights(
    [w_in.T, w_out.T], biases=[np.zeros(4), np.zeros(1)], activation="sigmoid", output_activation="sigmoid"
)
for name, p in replayed.named_parameters():
    p.label = name.replace("layers.", "L").replace(".neurons.", ".N").replace(".w.", ".w")  # L0.N1.w0
errors = [replayed(sample) - target for sample, target in zip(X.tolist(), y.tolist())]
tape = Tape(0.5 * sum_values([e * e for e in errors]))  # tutorial 1's loss: half the squared error
params = replayed.parameters()
start = time.perf_counter()
for epoch in range(TUTORIAL_1.epochs):
    tape.forward()
    for p in params:
        p.grad = 0.0
    tape.backward()
    for p in params:
        p.data -= TUTORIAL_1.lr * p.grad
elapsed = time.perf_counter() - start
gap = max(abs(a.data - b.data) for a, b in zip(params, model_1.parameters()))
print(f"{TUTORIAL_1.epochs} epochs in {elapsed:.2f} s ({elapsed / TUTORIAL_1.epochs * 1e6:.0f} us an epoch)")
print(f"largest difference from the weights fit() found: {gap:.1e}")
assert gap < 1e-9

# %% [markdown]
# The start of the program the tape runs: the first sample through the network (the leaf
# loads and the check that every leaf still holds a float come before it).

# %%
lines = tape.source.splitlines()
first_op = next(i for i, line in enumerate(lines) if "return NOT_SCALAR" in line) + 1
print("\n".join(lines[first_op : first_op + 24]))

