# %% [markdown]
# [Open this notebook in Colab](https://colab.research.google.com/github/chainrule/chainrule/blob/main/notebooks/01_hand_computed_example.ipynb),
# or run it on your machine: `make lab` in a clone of chainrule.

# %%
# In Colab, install chainrule first (on your machine, `make lab` has installed it).
import sys

if "google.colab" in sys.modules:
    %pip install -q "chainrule[plot,progress] @ git+https://github.com/chainrule/chainrule"

# %% [markdown]
# # 01 · The hand-computed example, step by step
#
# A popular backpropagation walkthrough works one training step of a tiny network by hand:
# two inputs, two sigmoid hidden units, one sigmoid output, no biases. It is a good example:
# small enough to check on paper. But several of its printed numbers are wrong.
#
# Here we replay it with chainrule: build the network, **draw its computation graph**, run
# the forward pass, call `backward()` and **draw it again** with every gradient filled in,
# **watch the backward pass step by step** (the chain rule, one product at a time), compare
# the walkthrough's delta rule with the engine's gradients, take the update step, and finish
# with an **errata table**: each printed number beside the true one.
#
# The walkthrough's names: inputs `x1 = 0.35`, `x2 = 0.7`; target `0.5`; learning rate `1`;
# `w_ij` is the weight from unit `i` into unit `j` (`w11, w21` feed hidden unit 1, `w12, w22`
# hidden unit 2, `w13, w23` the output); `a1, a2, a3` are weighted sums and `y3, y4, y5`
# their sigmoids.

# %%
import math

from IPython.display import Markdown, display

from autograd import Tape, Value
from autograd.explain import explain
from autograd.viz import BackpropSteps
from nn import MLP, SGD, draw_model
from nn.tutorials.hand import INPUTS, LEARNING_RATE, START_WEIGHTS, TARGET, hand_example, walkthrough_errata

print("inputs", INPUTS, "| target", TARGET, "| learning rate", LEARNING_RATE)
print("start weights", START_WEIGHTS)

# %% [markdown]
# ## 1. The network
#
# `MLP.from_weights` takes one matrix per layer, one row per unit. We give each weight the
# walkthrough's name, so the picture uses it.

# %%
w = START_WEIGHTS
net = MLP.from_weights(
    [[[w["w11"], w["w21"]], [w["w12"], w["w22"]]], [[w["w13"], w["w23"]]]],
    activation="sigmoid",
    output_activation="sigmoid",
)
(h1, h2), (out_unit,) = (layer.neurons for layer in net.layers)
names = {
    "w11": h1.w[0],
    "w21": h1.w[1],
    "w12": h2.w[0],
    "w22": h2.w[1],
    "w13": out_unit.w[0],
    "w23": out_unit.w[1],
}
for name, weight in names.items():
    weight.label = name
net

# %% [markdown]
# ## 2. The forward pass
#
# Each neuron is one `dot` node (its weighted sum) followed by one `sigmoid` node. We label
# the nodes as the walkthrough does, then check each number against the formula.

# %%
x1, x2 = Value(INPUTS[0], label="x1"), Value(INPUTS[1], label="x2")
y3, y4 = net.layers[0]([x1, x2])
(y5,) = net.layers[1]([y3, y4])
a1, a2, a3 = y3.parents[0], y4.parents[0], y5.parents[0]  # a sigmoid's input is the weighted sum
for node, name in [(y3, "y3"), (y4, "y4"), (y5, "y5"), (a1, "a1"), (a2, "a2"), (a3, "a3")]:
    node.label = name
error = TARGET - y5
error.label = "error"
loss = 0.5 * error * error
loss.label = "loss"


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


by_formula = {
    "a1": w["w11"] * 0.35 + w["w21"] * 0.7,
    "a2": w["w12"] * 0.35 + w["w22"] * 0.7,
}
by_formula["y3"], by_formula["y4"] = sigmoid(by_formula["a1"]), sigmoid(by_formula["a2"])
by_formula["a3"] = w["w13"] * by_formula["y3"] + w["w23"] * by_formula["y4"]
by_formula["y5"] = sigmoid(by_formula["a3"])
for name, node in [("a1", a1), ("y3", y3), ("a2", a2), ("y4", y4), ("a3", a3), ("y5", y5)]:
    print(f"{name} = {node.data:.6f}   (formula: {by_formula[name]:.6f})")
print(f"error = target - y5 = {error.data:.6f};  loss = error² / 2 = {loss.data:.6f}")

# %% [markdown]
# ### The graph before `backward()`
#
# Orange rounded boxes are the parameters, blue the inputs, grey dashed the constants (the
# target and the `0.5` of the loss), white the intermediate values and green the output. Every box shows its `data` and its `grad`; before the backward pass every
# gradient is 0. Edges into a `dot` say which argument they are (`w0, w1` the weights,
# `x0, x1` the inputs); edges into a two-input op give the argument's position. The graph is
# a long chain of ops, so it is laid out top to bottom (`rankdir="TB"`) with a `size` in
# inches that keeps it within a screen's width.

# %%
draw_model(net, root=loss, legend=True, rankdir="TB", size="10,12")

# %% [markdown]
# ## 3. The backward pass
#
# `loss.backward()` fills `grad` on every node: `d loss / d node`. Read the picture from the
# right: the loss has gradient 1; `error` gets `error` (the derivative of `error²/2`); `y5`
# gets `-error` (because `error = target - y5`); through the sigmoid `a3` gets
# `-error · y5 (1 - y5)`, and so on back to the weights.

# %%
loss.backward()
draw_model(net, root=loss, legend=True, rankdir="TB", size="10,12")

# %% [markdown]
# ### Step by step
#
# `backward()` visits the op nodes from the loss back to the weights. At each node it takes
# `g`, the gradient of the loss with respect to that node, and sends each input the product
# `g × local derivative`; an input used twice (here `error`, in `error · error`, and `x1`, `x2`,
# read by both hidden units) adds up what it receives. `explain(loss)` lists those products in
# the order backward forms them, with the engine's own numbers:

# %%
steps = explain(loss)
print(steps)
assert all(steps.gradients[weight] == weight.grad for weight in names.values())  # the same bits

# %% [markdown]
# The same steps as pictures: the node being processed is red, its red edges carry the products
# it sends back, the other edges their local derivatives (`×…`), and each box shows the
# gradient summed into it so far (`?`: nothing yet). The buttons work without a kernel.

# %%
BackpropSteps(loss, rankdir="TB", inputs=[x1, x2], size="10,12")

# %% [markdown]
# ## 4. The delta rule is backpropagation
#
# (`python -m nn hand --explain` prints this derivation in the walkthrough's notation, each
# number read off the steps above.)
#
# The walkthrough updates weights with the *delta rule*: `delta5 = y5 (1 - y5)(target - y5)`,
# `delta3 = y3 (1 - y3) w13 delta5`, `delta4 = y4 (1 - y4) w23 delta5`, and each weight moves
# by `lr · delta_j · (its input)`. Each delta is exactly `-d loss / d a_j`, the negated
# gradient on a weighted-sum node in the picture above, and each change is `-lr · d loss / d w`.
# `hand_example()` computes both ways:

# %%
ex = hand_example()
rows = ["| delta | delta rule | −grad of the weighted sum (backward) |", "|---|---|---|"]
for d, a in [("delta5", a3), ("delta3", a1), ("delta4", a2)]:
    rows.append(f"| {d} | {ex.deltas[d]:.6f} | {-a.grad:.6f} |")
display(Markdown("\n".join(rows)))

rows = ["| weight | delta-rule change | −lr · grad (backward) |", "|---|---|---|"]
for name, weight in names.items():
    rows.append(f"| {name} | {ex.changes[name]:+.6f} | {-LEARNING_RATE * weight.grad:+.6f} |")
display(Markdown("\n".join(rows)))
print(f"largest gap, changes: {ex.rule_vs_gradient_gap:.1e};  deltas: {ex.delta_vs_gradient_gap:.1e}")

# %% [markdown]
# ### The same step as a program
#
# Reverse mode has a picture older than the graph: a list of assignments, one per op (a
# *Wengert list*), with the backward pass as the same list read from the bottom up. A `Tape`
# records the graph and writes exactly that program, which it runs to replay the step with
# new weights. `v` are values, `g` the gradients of interior nodes and `a` those that
# accumulate into the leaves. Each line comes from the op table: where a rule is plain
# arithmetic it is written out (a weighted sum is `0.0 + w·x + w·x`, the `0.0` being where
# `dot` starts its running sum, kept so that the bits match; `sigmoid`'s local derivative is
# `g * y * (1 - y)`), and where it is not (the `sigmoid` itself, which checks the sign of
# its input to stay stable) the op's function is called. The comments are the labels given
# above. Read the backward half from the top: it is the delta rule of section 4, line by line.

# %%
print(Tape(loss).source)

# %% [markdown]
# ## 5. The update and the second forward pass
#
# One step of `SGD(lr=1)` is exactly the delta-rule update. All six weights *decrease*
# (every gradient is positive: the output is too high), and the output moves toward the
# target.

# %%
SGD(net.parameters(), lr=LEARNING_RATE).step()
for name, weight in names.items():
    print(f"{name}: {START_WEIGHTS[name]:.4f} -> {weight.data:.6f}")
new_y5 = net([0.35, 0.7])
print(f"\ny5: {y5.data:.6f} -> {new_y5.data:.6f}   (target {TARGET})")
print(f"loss: {loss.data:.6f} -> {0.5 * (TARGET - new_y5.data) ** 2:.6f}")

# %% [markdown]
# ## 6. Errata
#
# Every number the walkthrough prints, beside the true value. The verdict says whether the
# printed number is **right** (the true value rounds to it), **carried** (wrong, but it
# follows from the walkthrough's own earlier wrong numbers), or a **slip** (wrong even given
# its own earlier numbers). The "from its own numbers" column recomputes each step from the
# walkthrough's earlier printed values.

# %%
errata = walkthrough_errata(ex)
rows = ["| quantity | printed | true | from its own numbers | verdict |", "|---|---|---|---|---|"]
for e in errata:
    verdict = {"right": "right", "carried": "carried", "slip": "**slip**"}[e.verdict]
    rows.append(f"| {e.quantity} | {e.printed} | {e.true:.6f} | {e.from_printed:.6f} | {verdict} |")
display(Markdown("\n".join(rows)))
counts = {v: sum(e.verdict == v for e in errata) for v in ("right", "carried", "slip")}
print(counts)

# %% [markdown]
# What went wrong, in short:
#
# * **`y3 = 0.56`**: `sigmoid(0.21)` is 0.5523; then `0.57` and `0.59` are plugged into `a3`
#   for `y3` and `y4` (they are 0.5523 and 0.5781), so `a3`, `y5` and `delta5` inherit the error.
# * **`delta4 = -0.0819`**: ten times too large; the true value is -0.00807.
# * **The update step**: the change of `w11` has the wrong sign, and most "new" weights do not
#   follow from any delta: `w13` is printed as 0.0866 (it is 0.2797), `w21` as 0.2694 (it is
#   0.1981). The true update lowers all six weights a little.
# * **The second forward pass**: `y5` is 0.6596, not 0.61: one step of learning rate 1 moves
#   the output only a little, from 0.6651.
#
# The method is right; the arithmetic is not. The engine does the arithmetic, and the
# pictures let you check any single number by eye.
