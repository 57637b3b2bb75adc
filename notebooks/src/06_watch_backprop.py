# %% [markdown]
# [Open this notebook in Colab](https://colab.research.google.com/github/chainrule/chainrule/blob/main/notebooks/06_watch_backprop.ipynb),
# or run it on your machine: `make lab` in a clone of chainrule.

# %%
# In Colab, install chainrule first (on your machine, `make lab` has installed it).
import sys

if "google.colab" in sys.modules:
    %pip install -q "chainrule[plot,progress] @ git+https://github.com/chainrule/chainrule"

# %% [markdown]
# # 06 · Watch backprop, step by step
#
# `backward()` fills in every gradient at once. Here we slow it down. The backward pass visits
# the op nodes from the output back to the inputs, and at each one it does the same small
# thing: it takes `g`, the gradient of the output with respect to the node, and sends each
# input the product
#
#     contribution = g × local derivative
#
# where the *local derivative* is how much the node changes when that one input changes. An
# input used by several ops collects several contributions and adds them up. That is the whole
# chain rule.
#
# `autograd.explain.explain(root)` writes those steps out in the order `backward()` runs them,
# with the engine's own numbers; `draw_graph(root, step=k)` draws step `k`; `BackpropSteps`
# puts all the pictures behind previous/next buttons. We watch a small expression first, then
# the hand-computed example of notebook 01, then look at real networks.

# %%
import matplotlib.pyplot as plt

from autograd import Value
from autograd.explain import explain
from autograd.viz import BackpropSteps, draw_graph, step_through
from nn import MLP, SGD, draw_model, fit, moons
from nn.plots import plot_gradient_flow
from nn.tutorials.hand_explain import hand_derivation, hand_graph

# %% [markdown]
# ## 1. A small expression
#
# `y = tanh(w·x + b)` and `L = y² + x`. The input `x` is used twice (in `z` and in `L`), so
# its gradient is a sum of two contributions.

# %%
x, w, b = Value(1.5, label="x"), Value(-0.5, label="w"), Value(0.25, label="b")
wx = w * x
wx.label = "wx"
z = wx + b
z.label = "z"
y = z.tanh()
y.label = "y"
y2 = y * y
y2.label = "y2"
L = y2 + x
L.label = "L"

# %% [markdown]
# The graph, each edge labelled with its local derivative (`×…`): the factor a gradient is
# multiplied by on its way back along that edge. Nothing has been differentiated yet: every
# gradient is still 0. A chain of ops this long is laid out top to bottom (`rankdir="TB"`): left
# to right it would be 2,500 pixels wide. `size` (in inches) caps the picture.

# %%
draw_graph(L, local_grads=True, inputs=[x], rankdir="TB", size="7,11")

# %% [markdown]
# Now the steps. Each line is one product `g × local = contribution`; where an input has
# already received something, the running sum is shown.

# %%
steps = explain(L)
print(steps)

# %% [markdown]
# The same steps as a table (what Jupyter shows for an `explain(...)` object):

# %%
steps

# %% [markdown]
# The numbers are the engine's own: after `L.backward()` every `.grad` equals the sum that
# `explain` shows, to the last bit.

# %%
L.backward()
for node in (x, w, b, z, y):
    print(f"{node.label}: backward {node.grad!r:<22} explain {steps.gradients[node]!r}")
    assert node.grad == steps.gradients[node]

# %% [markdown]
# ### One step as a picture
#
# Step 3 processes the `tanh` node. It is drawn in red; the red edge shows the product it
# sends back, `g × local = contribution`. Each box's `grad` is what backward has summed into it
# *so far*: `?` means nothing has reached it yet (here `w`, `b` and `wx`).

# %%
draw_graph(L, step=3, inputs=[x], rankdir="TB", size="7,11")

# %% [markdown]
# ### All the steps
#
# Use the buttons to step through. They are plain HTML and CSS: they work on a static page
# too (nbviewer, a docs site), without a running kernel.

# %%
BackpropSteps(L, inputs=[x], rankdir="TB", size="7,11")

# %% [markdown]
# With a running kernel and `ipywidgets` installed, `step_through` gives a slider instead (it
# returns the buttons above where `ipywidgets` is missing).

# %%
step_through(L, inputs=[x], rankdir="TB", size="7,11")

# %% [markdown]
# ## 2. The hand-computed example
#
# The 2-2-1 sigmoid network of notebook 01, loss `0.5 · (target − y5)²`. `hand_graph()` builds
# it with the walkthrough's names on every node. Its graph is taller than it is wide, so we lay
# it out top to bottom (`rankdir="TB"`).

# %%
nodes = hand_graph()
loss = nodes["loss"]
hand_steps = BackpropSteps(loss, rankdir="TB", inputs=[nodes["x1"], nodes["x2"]], size="10,11")
hand_steps

# %% [markdown]
# Read in the walkthrough's own terms: the delta of a unit is `−d loss / d a` (the negated
# gradient on its weighted sum), and each weight moves by `−lr · d loss / d w`. This is what
# `python -m nn hand --explain` prints; every number comes from the steps above, and a note
# marks where the walkthrough prints something else.

# %%
print(hand_derivation())

# %% [markdown]
# ## 3. Real networks: one box per neuron
#
# micrograd's moons network, `MLP(2, [16, 16, 1])`, has 337 parameters. On a batch of 100
# points its graph has thousands of values: `draw_graph` refuses to draw that (it would be tens
# of thousands of pixels wide) and points to `draw_model`, which draws one box per neuron:
# its output (the mean over the batch) and its bias gradient; each edge is a weight, its width
# the size of the weight's gradient, blue for positive and red for negative.

# %%
X, labels = moons(100, seed=0, signed=True)
model = MLP(2, [16, 16, 1], seed=1337)
draw_model(model, X)

# %% [markdown]
# `draw_model` runs its own forward pass on the input it is given and differentiates that, so
# after training it shows the gradients of *that* input, never those left over in `.grad` by
# the last training step. Here: train a little, then draw the loss's gradients on the batch.

# %%
from nn import hinge_loss  # noqa: E402

fit(model, X, labels, loss="hinge", optimizer=SGD(model.parameters(), lr=0.05), epochs=20, progress=False)
draw_model(model, X, loss=lambda out: hinge_loss(out, labels))

# %% [markdown]
# ## 4. Gradients through depth
#
# Each sigmoid multiplies the gradient by at most 0.25 on its way back. Through six layers
# that is a factor of 4,000 or more: the first layers barely learn. `fit(..., track_grads=True)`
# records each layer's gradient norm per epoch and `plot_gradient_flow` draws it: with sigmoid
# the lines fan out over orders of magnitude, with relu they stay together.

# %%
X01, y01 = moons(100, seed=0)
runs = {}
for activation in ("sigmoid", "relu"):
    deep = MLP(2, [8] * 6 + [1], activation=activation, output_activation="sigmoid", seed=0)
    runs[activation] = fit(
        deep, X01, y01, loss="bce", optimizer=SGD(deep.parameters(), lr=0.1), epochs=40,
        progress=False, track_grads=True,
    )
plot_gradient_flow(runs, title="gradient norm per layer, MLP(2, [8] * 6 + [1])")
plt.show()
