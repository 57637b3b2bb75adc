"""A tiny character-level transformer that learns to spell first names, in one file.

Written the way today's single-file scalar-autograd trainers are written (workload M of
``make bench``): its own minimal ``Value`` class that stores each op's local derivatives when
the op runs, weighted sums as Python ``sum`` over generators, a softmax shifted by a plain-float
max, the loss ``-log p(target)`` averaged over the positions of one name, and Adam as plain
loops over the parameter list. One training step = one name: forward, backward, update.

The model: 27 tokens (``a``-``z`` and ``.``, which starts and ends a name), 16-dim embeddings,
one pre-norm block (4-head causal attention, relu MLP of width 64), rmsnorm, block size 16:
4,192 parameters.

The benchmark runs this text unchanged and with its ``Value`` class replaced by
``from autograd import Value`` (see :mod:`benchmarks.workload_m`). On its own:
``python -m benchmarks.names_gpt [STEPS]`` trains and prints the loss every 10 steps.
"""

import math
import random
import sys
from pathlib import Path


class Value:
    """A scalar that remembers its inputs and d(self)/d(input) for each of them."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return Value(self.data**k, (self,), (k * self.data ** (k - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._children:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1
        for v in reversed(order):
            for child, local in zip(v._children, v._local_grads):
                child.grad += local * v.grad


# --- data -------------------------------------------------------------------------------------

random.seed(42)
names = Path(__file__).resolve().parent.joinpath("data", "names.txt").read_text().split()
random.shuffle(names)
chars = sorted(set("".join(names)))
END = len(chars)  # the token that starts and ends every name
vocab_size = len(chars) + 1
encode = {c: i for i, c in enumerate(chars)}

# --- the model --------------------------------------------------------------------------------

n_embd, n_head, block_size, n_hidden = 16, 4, 16, 64
head_dim = n_embd // n_head


def matrix(rows, cols, std=0.08):
    return [[Value(random.gauss(0, std)) for _ in range(cols)] for _ in range(rows)]


weights = {
    "tokens": matrix(vocab_size, n_embd),
    "positions": matrix(block_size, n_embd),
    "query": matrix(n_embd, n_embd),
    "key": matrix(n_embd, n_embd),
    "value": matrix(n_embd, n_embd),
    "out": matrix(n_embd, n_embd),
    "up": matrix(n_hidden, n_embd),
    "down": matrix(n_embd, n_hidden),
    "head": matrix(vocab_size, n_embd),
}
params = [p for m in weights.values() for row in m for p in row]


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def softmax(logits):
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def attend(q, keys, values):
    """Each head's query against the keys so far; returns the heads' outputs side by side."""
    out = []
    for h in range(n_head):
        lo, hi = h * head_dim, (h + 1) * head_dim
        scores = [sum(qi * ki for qi, ki in zip(q[lo:hi], k[lo:hi])) / head_dim**0.5 for k in keys]
        att = softmax(scores)
        out += [sum(a * v[j] for a, v in zip(att, values)) for j in range(lo, hi)]
    return out


def next_token_logits(token, pos, keys, values):
    """The logits after ``token`` at ``pos``; appends this position's key and value."""
    x = [t + p for t, p in zip(weights["tokens"][token], weights["positions"][pos])]
    h = rmsnorm(x)
    keys.append(linear(h, weights["key"]))
    values.append(linear(h, weights["value"]))
    mixed = attend(linear(h, weights["query"]), keys, values)
    x = [a + b for a, b in zip(x, linear(mixed, weights["out"]))]
    h = [u.relu() for u in linear(rmsnorm(x), weights["up"])]
    x = [a + b for a, b in zip(x, linear(h, weights["down"]))]
    return linear(rmsnorm(x), weights["head"])


def loss_of(name):
    """Mean cross-entropy of predicting each next character of ``name`` (and its end)."""
    tokens = [END] + [encode[c] for c in name] + [END]
    n = min(block_size, len(tokens) - 1)
    keys, values, losses = [], [], []
    for pos in range(n):
        probs = softmax(next_token_logits(tokens[pos], pos, keys, values))
        losses.append(-probs[tokens[pos + 1]].log())
    return sum(losses) / n


# --- training ---------------------------------------------------------------------------------

learning_rate, beta1, beta2, eps, total_steps = 0.01, 0.9, 0.95, 1e-8, 1000
m = [0.0] * len(params)
v = [0.0] * len(params)


def train_step(step):
    """One step of Adam on the ``step``-th name; returns the loss before the update."""
    loss = loss_of(names[step % len(names)])
    loss.backward()
    lr = learning_rate * (1 - step / total_steps)
    for i, p in enumerate(params):
        m[i] = beta1 * m[i] + (1 - beta1) * p.grad
        v[i] = beta2 * v[i] + (1 - beta2) * p.grad**2
        m_hat = m[i] / (1 - beta1 ** (step + 1))
        v_hat = v[i] / (1 - beta2 ** (step + 1))
        p.data -= lr * m_hat / (v_hat**0.5 + eps)
        p.grad = 0
    return loss.data


if __name__ == "__main__":
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print(f"{len(names)} names, {len(params)} parameters")
    for step in range(steps):
        loss = train_step(step)
        if step % 10 == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss:.4f}")
