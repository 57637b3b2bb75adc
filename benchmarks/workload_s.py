"""Workload S: the tutorials' XOR network, trained for 10,000 epochs in every peer.

A 2-4-1 network with sigmoid on both layers, the 4 XOR samples, mean squared error, plain
gradient descent with learning rate 0.1, 10,000 epochs, from the same starting weights
(normal draws for the weights, zero biases, as in the tutorials).

Peers:

* ``chainrule``: scalar values, one graph per sample per epoch, summed with one n-ary node;
* ``chainrule-tape``: that graph recorded once and replayed every epoch (:class:`autograd.Tape`;
  a scalar graph this small replays as generated straight-line code);
* ``chainrule-tape-walk``: the same tape told to walk its nodes instead (``straight_line=False``);
* ``chainrule-batched`` / ``chainrule-batched-tape``: the 4 samples as one batched graph;
* ``chainrule-tape-user``: the tape loop as a user writes it (and as the XOR tutorial does):
  ``tape.forward()``, ``model.zero_grad()``, ``tape.backward()``, ``optimizer.step()`` with
  ``nn.SGD``, instead of the hand-written loops over the parameters above;
* ``torch``: the same network in PyTorch (float64 tensors, one thread);
* ``numpy``: a hand-written numpy loop with the backward pass derived by hand (our own, in the
  tutorials' style).

Run: ``python -m benchmarks.workload_s``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.harness import (
    Section,
    Target,
    best,
    child_main,
    fmt_ratio,
    fmt_time,
    interleaved,
    median,
    paired_ratio,
    table,
)

EPOCHS = 10_000
LR = 0.1
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([0.0, 1.0, 1.0, 0.0])
CHAINRULE = [
    "chainrule",
    "chainrule-tape",
    "chainrule-tape-walk",
    "chainrule-batched",
    "chainrule-batched-tape",
    "chainrule-tape-user",
]
PEERS = [*CHAINRULE, "torch", "numpy"]


def initial_weights(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """W1 (4, 2), b1 (4,), W2 (1, 4), b2 (1,): row j holds neuron j's weights."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((4, 2)), np.zeros(4), rng.standard_normal((1, 4)), np.zeros(1)


# --- the peers (each trains and returns the final loss) -------------------------------------


def chainrule(epochs: int, batched: bool, replay: bool, straight_line: bool | None = None) -> float:
    from autograd import Tape, sum_values
    from nn import MLP

    W1, b1, W2, b2 = initial_weights()
    model = MLP.from_weights([W1, W2], [b1, b2], activation="sigmoid", output_activation="sigmoid")
    params = model.parameters()

    def graph() -> Any:
        if batched:
            error = model(X) - Y  # one batched value: 4 samples
            return (error * error).mean()
        errors = [model(x) - y for x, y in zip(X.tolist(), Y.tolist())]
        return sum_values([e * e for e in errors]) * (1.0 / len(errors))

    tape = Tape(graph(), straight_line=straight_line) if replay else None
    loss = 0.0
    for _ in range(epochs):
        if tape is None:
            root = graph()
            loss = root.data
        else:
            root = tape.root
            loss = tape.forward()
        for p in params:
            p.grad = 0.0
        root.backward() if tape is None else tape.backward()
        for p in params:
            p.data -= LR * p.grad
    return float(loss)


def chainrule_as_users_write_it(epochs: int) -> float:
    """The XOR loop with a tape, written with the library's own pieces: ``model.zero_grad()``
    and an ``nn.SGD`` optimizer."""
    from autograd import Tape, sum_values
    from nn import MLP, SGD

    W1, b1, W2, b2 = initial_weights()
    model = MLP.from_weights([W1, W2], [b1, b2], activation="sigmoid", output_activation="sigmoid")
    errors = [model(x) - y for x, y in zip(X.tolist(), Y.tolist())]
    tape = Tape(sum_values([e * e for e in errors]) * (1.0 / len(errors)))
    optimizer = SGD(model.parameters(), lr=LR)
    loss = 0.0
    for _ in range(epochs):
        loss = tape.forward()
        model.zero_grad()
        tape.backward()
        optimizer.step()
    return float(loss)


def torch_loop(epochs: int) -> float:
    import torch

    W1, b1, W2, b2 = (torch.tensor(a, requires_grad=True) for a in initial_weights())
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    loss = torch.zeros(())
    for _ in range(epochs):
        out = torch.sigmoid(torch.sigmoid(Xt @ W1.T + b1) @ W2.T + b2).squeeze(1)
        loss = ((out - Yt) ** 2).mean()
        for p in (W1, b1, W2, b2):
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in (W1, b1, W2, b2):
                p -= LR * p.grad
    return loss.item()


def numpy_loop(epochs: int) -> float:
    W1, b1, W2, b2 = initial_weights()
    y = Y[:, None]
    loss = 0.0
    for _ in range(epochs):
        hidden = 1.0 / (1.0 + np.exp(-(X @ W1.T + b1)))  # (4, 4)
        out = 1.0 / (1.0 + np.exp(-(hidden @ W2.T + b2)))  # (4, 1)
        error = out - y
        loss = float(np.mean(error**2))
        d_z2 = (2.0 / len(X)) * error * out * (1.0 - out)  # d loss / d (pre-sigmoid output)
        d_z1 = (d_z2 @ W2) * hidden * (1.0 - hidden)
        W2 -= LR * (d_z2.T @ hidden)
        b2 -= LR * d_z2.sum(axis=0)
        W1 -= LR * (d_z1.T @ X)
        b1 -= LR * d_z1.sum(axis=0)
    return loss


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    epochs = params["epochs"]
    run_peer = {
        "chainrule": lambda: chainrule(epochs, batched=False, replay=False),
        "chainrule-tape": lambda: chainrule(epochs, batched=False, replay=True),
        "chainrule-tape-walk": lambda: chainrule(epochs, batched=False, replay=True, straight_line=False),
        "chainrule-batched": lambda: chainrule(epochs, batched=True, replay=False),
        "chainrule-batched-tape": lambda: chainrule(epochs, batched=True, replay=True),
        "chainrule-tape-user": lambda: chainrule_as_users_write_it(epochs),
        "torch": lambda: torch_loop(epochs),
        "numpy": lambda: numpy_loop(epochs),
    }[peer]
    run_peer()  # warm-up run: imports, caches
    start = time.perf_counter()
    loss = run_peer()
    return {"per_epoch": (time.perf_counter() - start) / epochs, "loss": loss}


# --- the report -----------------------------------------------------------------------------


def run(rounds: int = 3) -> Section:
    results = interleaved("workload_s", PEERS, rounds, lambda peer, r: {"epochs": EPOCHS})
    times = {peer: [r["per_epoch"] for r in rs] for peer, rs in results.items()}
    losses = {peer: rs[0]["loss"] for peer, rs in results.items()}
    vs_torch = {peer: paired_ratio(times["torch"], times[peer]) for peer in PEERS}
    vs_numpy = {peer: paired_ratio(times[peer], times["numpy"]) for peer in PEERS}
    rows = [
        [
            peer,
            fmt_time(median(times[peer])),
            fmt_time(best(times[peer])),
            fmt_ratio(vs_torch[peer]),
            f"{vs_numpy[peer]:.1f}x",
            f"{losses[peer]:.10f}",
        ]
        for peer in PEERS
    ]
    spread = max(losses.values()) - min(losses.values())
    # The headline targets compare chainrule's fastest way of writing the loop; the user's way
    # has its own target below.
    fastest = min(CHAINRULE, key=lambda peer: median(times[peer]))
    text = [
        "The tutorials' XOR: 2-4-1, sigmoid on both layers, 4 samples, mean squared error, learning",
        f"rate 0.1, {EPOCHS:,} epochs, from the same weights. A round runs each peer in a fresh process:",
        "one warm-up run, then one timed run. Time per epoch: median (and best) over",
        f"{rounds} rounds; ratios: median over rounds of the ratio within a round. All peers end at",
        f"the same loss (spread {spread:.1e}).",
        "",
        *table(
            ["peer", "time / epoch", "best round", "speed-up vs torch", "time vs numpy", "final loss"],
            rows,
        ),
        "",
        f"Fastest chainrule variant: `{fastest}`. As a user writes the tape loop (`model.zero_grad()`,",
        f"`nn.SGD`): {vs_numpy['chainrule-tape-user']:.2f}x the numpy loop's time.",
    ]
    torch_ratio, numpy_ratio = vs_torch[fastest], vs_numpy[fastest]
    targets = [
        Target(
            "S vs PyTorch", ">= 2x faster than PyTorch (1 thread)", fmt_ratio(torch_ratio), torch_ratio >= 2
        ),
        Target(
            "S vs numpy", "within 2x of the numpy loop", f"{numpy_ratio:.1f}x numpy's time", numpy_ratio <= 2
        ),
        Target(
            "S stretch", "faster than the numpy loop", f"{numpy_ratio:.1f}x numpy's time", numpy_ratio < 1
        ),
        Target(
            "S as users write it",
            "the tape loop with model.zero_grad() and nn.SGD faster than the numpy loop",
            f"{vs_numpy['chainrule-tape-user']:.2f}x numpy's time",
            vs_numpy["chainrule-tape-user"] < 1,
        ),
    ]
    return Section("Workload S: the tutorials' XOR, 10,000 epochs", text, targets)


if __name__ == "__main__":
    child_main(measure, run)
