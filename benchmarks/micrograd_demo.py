"""micrograd's demo notebook (``demo.ipynb`` of micrograd 0.1.0, MIT licence), as a script.

The notebook's cells in order -- its imports (numpy, matplotlib, scikit-learn's
``make_moons``), the seeded moons, the scatter plot, ``MLP(2, [16, 16, 1])``, its ``loss()``
with ``Value``-wrapped inputs, Python ``sum`` and the L2 term over every parameter -- and the
body of its training loop as ``train_step(k)``. Only two changes: the loop's body is a
function, so that a benchmark can time one step; and where scikit-learn is not installed the
same two half-moons are drawn with numpy (scikit-learn's recipe), so that the process still
imports numpy and matplotlib as the notebook's does.

Workload "micrograd's demo as written" (:mod:`benchmarks.demo_as_written`) runs this text
as is and with its two micrograd imports switched to chainrule's.
"""

import random

import matplotlib.pyplot as plt
import numpy as np
from micrograd.engine import Value
from micrograd.nn import MLP

np.random.seed(1337)
random.seed(1337)

try:
    from sklearn.datasets import make_moons
except ImportError:

    def make_moons(n_samples=100, noise=None):
        n_out = n_samples // 2
        n_in = n_samples - n_out
        outer = np.linspace(0, np.pi, n_out)
        inner = np.linspace(0, np.pi, n_in)
        X = np.vstack(
            [
                np.append(np.cos(outer), 1 - np.cos(inner)),
                np.append(np.sin(outer), 1 - np.sin(inner) - 0.5),
            ]
        ).T
        y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
        order = np.random.permutation(n_samples)
        X, y = X[order], y[order]
        if noise is not None:
            X += np.random.normal(scale=noise, size=X.shape)
        return X, y


X, y = make_moons(n_samples=100, noise=0.1)
y = y * 2 - 1  # make y be -1 or 1

plt.figure(figsize=(5, 5))
plt.scatter(X[:, 0], X[:, 1], c=y, s=20, cmap="jet")

model = MLP(2, [16, 16, 1])  # 2-layer neural network


def loss(batch_size=None):
    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def train_step(k):
    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    return float(total_loss.data)


if __name__ == "__main__":
    for k in range(100):
        print(f"step {k} loss {train_step(k)}")
