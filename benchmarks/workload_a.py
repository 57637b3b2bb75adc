"""Workload A: one training step of micrograd's demo, in every peer, from the same weights.

``MLP(2, [16, 16, 1])`` with relu (337 parameters), 100 moons points, max-margin loss
``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)``, then backward and an SGD update with
micrograd's learning rate ``1.0 - 0.9 * k / 100`` (and the accuracy the demo prints).

Peers:

* ``chainrule``: scalar values, one graph per step, as in micrograd's notebook (each neuron's
  weighted sum is one ``dot`` node; the L2 term is ``dot(params, params)``);
* ``chainrule-tape``: the same scalar graph recorded once and replayed (:class:`autograd.Tape`;
  at 68k edges it is past the size a tape writes out as straight-line code by default, so it
  walks its nodes);
* ``chainrule-straight-line``: that tape with ``straight_line=True`` (its one-time cost of
  writing and compiling the code is timed apart and reported, not counted in the step);
* ``chainrule-batched``: one graph for the whole batch, ``Value.data`` an array of 100 samples;
* ``chainrule-batched-as-written``: that batched graph with the rest of the step written as
  micrograd's notebook writes it: the L2 term as ``sum(p * p for p in model.parameters())``,
  ``model.zero_grad()``, and SGD as a Python loop over ``model.parameters()``;
* ``micrograd`` 0.1.0, the demo's code; ``torch``: the same network as ``nn.Linear`` layers,
  float64, one thread.

Every peer starts from the same weights; the losses of the first 20 steps are compared with
micrograd's.

Run: ``python -m benchmarks.workload_a``.
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
    timed,
)

SIZES = [2, 16, 16, 1]
SAMPLES = 100
ALPHA = 1e-4
COMPARED_STEPS = 20
PEERS = ["chainrule", "chainrule-tape", "chainrule-straight-line", "chainrule-batched"]
PEERS += ["chainrule-batched-as-written", "micrograd", "torch"]


def data(samples: int = SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    from nn.datasets import moons

    return moons(samples, noise=0.1, seed=0, signed=True)


def initial_weights(sizes: list[int] = SIZES, seed: int = 0) -> list[np.ndarray]:
    """micrograd's initialisation (weights U(-1, 1), biases 0) as one (nout, nin + 1) matrix
    per layer: each row a neuron's weights, then its bias (micrograd's parameter order)."""
    rng = np.random.default_rng(seed)
    return [
        np.hstack([rng.uniform(-1, 1, size=(nout, nin)), np.zeros((nout, 1))])
        for nin, nout in zip(sizes, sizes[1:])
    ]


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100


# --- the peers' steps (each returns the step's loss) ----------------------------------------


def chainrule_model(layers: list[np.ndarray]) -> Any:
    from nn import MLP

    return MLP.from_weights([m[:, :-1] for m in layers], [m[:, -1] for m in layers], activation="relu")


def scalar_loss(model: Any, params: list[Any], rows: list[list[float]], labels: list[float]) -> Any:
    """The demo's loss over scalar values, and the scores it was built from."""
    from autograd import dot, sum_values

    scores = [model(row) for row in rows]
    losses = [(1 - yi * si).relu() for yi, si in zip(labels, scores)]
    return sum_values(losses) * (1.0 / len(losses)) + ALPHA * dot(params, params), scores


def scalar_accuracy(scores: list[Any], labels: list[float]) -> float:
    return sum((yi > 0) == (si.data > 0) for yi, si in zip(labels, scores)) / len(labels)


def descend(params: list[Any], backward: Any, k: int) -> None:
    """Zero the gradients, run ``backward()``, take step ``k`` of the demo's SGD."""
    for p in params:
        p.grad = 0.0
    backward()
    lr = learning_rate(k)
    for p in params:
        p.data -= lr * p.grad


def chainrule_scalar_step(layers: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Any:
    model = chainrule_model(layers)
    params = model.parameters()
    rows, labels = X.tolist(), y.tolist()

    def step(k: int) -> float:
        loss, scores = scalar_loss(model, params, rows, labels)
        _accuracy = scalar_accuracy(scores, labels)
        descend(params, loss.backward, k)
        return loss.data

    return step


def chainrule_tape_step(
    layers: list[np.ndarray], X: np.ndarray, y: np.ndarray, straight_line: bool | None = None
) -> Any:
    from autograd import Tape

    model = chainrule_model(layers)
    params = model.parameters()
    labels = y.tolist()
    loss, scores = scalar_loss(model, params, X.tolist(), labels)
    tape = Tape(loss, straight_line)
    start = time.perf_counter()
    _ = tape.source  # writes and compiles the straight-line code now, if the tape has any
    setup_seconds = time.perf_counter() - start

    def step(k: int) -> float:
        loss = tape.forward()
        _accuracy = scalar_accuracy(scores, labels)
        descend(params, tape.backward, k)
        return loss

    step.setup_seconds = setup_seconds  # type: ignore[attr-defined]
    return step


def chainrule_straight_line_step(layers: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Any:
    return chainrule_tape_step(layers, X, y, straight_line=True)


def chainrule_batched_step(layers: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Any:
    from autograd import dot

    model = chainrule_model(layers)
    params = model.parameters()

    def step(k: int) -> float:
        scores = model(X)  # (100, 2) array -> one batched Value of 100 samples
        loss = (1 - y * scores).relu().mean() + ALPHA * dot(params, params)
        _accuracy = float(np.mean((y > 0) == (scores.data > 0)))
        descend(params, loss.backward, k)
        return loss.data

    return step


def notebook_update(model: Any, total_loss: Any, k: int) -> None:
    """The demo notebook's loop after the loss (micrograd's and chainrule's ``MLP`` alike):
    ``zero_grad``, ``backward``, and SGD as a Python loop over ``model.parameters()``."""
    model.zero_grad()
    total_loss.backward()
    lr = learning_rate(k)
    for p in model.parameters():
        p.data -= lr * p.grad


def chainrule_batched_as_written_step(layers: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Any:
    model = chainrule_model(layers)

    def step(k: int) -> float:  # the notebook's loss() and loop, on one batched graph
        scores = model(X)
        data_loss = (1 + -y * scores).relu().mean()
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        _accuracy = float(np.mean((y > 0) == (scores.data > 0)))
        notebook_update(model, total_loss, k)
        return total_loss.data

    return step


def micrograd_step(layers: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Any:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(SIZES[0], SIZES[1:])
    for p, w in zip(model.parameters(), np.concatenate([m.ravel() for m in layers]).tolist()):
        p.data = w
    rows, labels = X.tolist(), y.tolist()

    def step(k: int) -> float:  # the demo notebook's loss() and training loop
        inputs = [list(map(Value, row)) for row in rows]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        _accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(labels, scores)) / len(labels)
        notebook_update(model, total_loss, k)
        return total_loss.data

    return step


def torch_step(layers: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Any:
    import torch

    linears = []
    for m in layers:
        linear = torch.nn.Linear(m.shape[1] - 1, m.shape[0]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(m[:, :-1]))
            linear.bias.copy_(torch.from_numpy(m[:, -1]))
        linears.append(linear)
    model = torch.nn.Sequential(linears[0], torch.nn.ReLU(), linears[1], torch.nn.ReLU(), linears[2])
    params = list(model.parameters())
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step(k: int) -> float:
        scores = model(Xt).squeeze(1)
        loss = torch.relu(1 - yt * scores).mean() + ALPHA * sum((p * p).sum() for p in params)
        _accuracy = ((yt > 0) == (scores > 0)).double().mean().item()
        model.zero_grad()
        loss.backward()
        lr = learning_rate(k)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss.item()

    return step


STEPS = {
    "chainrule": chainrule_scalar_step,
    "chainrule-tape": chainrule_tape_step,
    "chainrule-straight-line": chainrule_straight_line_step,
    "chainrule-batched": chainrule_batched_step,
    "chainrule-batched-as-written": chainrule_batched_as_written_step,
    "micrograd": micrograd_step,
    "torch": torch_step,
}


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    X, y = data()
    step = STEPS[peer](initial_weights(), X, y)
    durations, losses = timed(step, warmup=params["warmup"], steps=params["steps"])
    return {
        "mean_step": sum(durations) / len(durations),
        "losses": [float(v) for v in losses],
        "setup": getattr(step, "setup_seconds", 0.0),
    }


# --- the report -----------------------------------------------------------------------------


def run(rounds: int = 5) -> Section:
    from autograd.tape import STRAIGHT_LINE_EDGES

    def params(peer: str, r: int) -> dict[str, Any]:
        if peer == "micrograd":  # about 1 s a step: the demo's steps 3 to 20
            return {"warmup": 2, "steps": COMPARED_STEPS - 2}
        return {"warmup": 2, "steps": 40 if peer.startswith("chainrule") else 200}

    results = interleaved("workload_a", PEERS, rounds, params)
    times = {peer: [r["mean_step"] for r in rs] for peer, rs in results.items()}
    reference = results["micrograd"][0]["losses"][:COMPARED_STEPS]
    deviation = {
        peer: max(abs(a - b) for a, b in zip(rs[0]["losses"][:COMPARED_STEPS], reference))
        for peer, rs in results.items()
    }
    speedup = {peer: paired_ratio(times["micrograd"], times[peer]) for peer in PEERS}
    setup = median([r["setup"] for r in results["chainrule-straight-line"]])
    saved = median(times["chainrule-tape"]) - median(times["chainrule-straight-line"])
    vs_torch = {peer: paired_ratio(times[peer], times["torch"]) for peer in PEERS}
    rows = [
        [
            peer,
            fmt_time(median(times[peer])),
            fmt_time(best(times[peer])),
            fmt_ratio(speedup[peer]),
            f"{vs_torch[peer]:.1f}x",
            f"{deviation[peer]:.1e}",
        ]
        for peer in PEERS
    ]
    text = [
        "micrograd's demo step: `MLP(2, [16, 16, 1])` relu, 100 moons points, hinge loss + 1e-4 L2,",
        "forward + backward + SGD, every peer from the same weights. A round runs each peer in a",
        "fresh process, which trains from step 1 and reports its mean time per step from step 3 on",
        "(micrograd: steps 3-20, chainrule: 3-42, torch: 3-202). Time per step: median (and best)",
        f"over {rounds} rounds. Ratios: median over rounds of the ratio within a round. Last column:",
        "the largest difference between the peer's first 20 losses and micrograd's.",
        "",
        *table(
            [
                "peer",
                "time / step",
                "best round",
                "speed-up vs micrograd",
                "time vs torch",
                "loss diff (20 steps)",
            ],
            rows,
        ),
        "",
        f"`chainrule-straight-line` writes and compiles its code once, before its first step, in "
        f"{setup:.2f} s (median over rounds); saving {fmt_time(saved)} a step over the node walk,",
        f"it pays for itself after about {setup / saved:.0f} replays." if saved > 0 else "it saves nothing.",
        f"A tape does it by default only for graphs of up to {STRAIGHT_LINE_EDGES:,} edges.",
    ]
    scalar, batched, torch_ratio = (
        speedup["chainrule"],
        speedup["chainrule-batched"],
        vs_torch["chainrule-batched"],
    )
    worst = max(deviation.values())
    targets = [
        Target("A scalar", ">= 40x micrograd (graph rebuilt every step)", fmt_ratio(scalar), scalar >= 40),
        Target(
            "A scalar, replayed",
            ">= 40x micrograd (graph recorded once, replayed by a Tape)",
            fmt_ratio(speedup["chainrule-tape"]),
            speedup["chainrule-tape"] >= 40,
        ),
        Target("A batched", ">= 300x micrograd", fmt_ratio(batched), batched >= 300),
        Target(
            "A batched vs PyTorch",
            "within 5x of PyTorch (1 thread)",
            f"{torch_ratio:.1f}x PyTorch's time",
            torch_ratio <= 5,
        ),
        Target(
            "A batched, as micrograd writes it, vs PyTorch",
            "within 5x of PyTorch (1 thread)",
            f"{vs_torch['chainrule-batched-as-written']:.1f}x PyTorch's time",
            vs_torch["chainrule-batched-as-written"] <= 5,
        ),
        Target("A losses", "20 steps equal micrograd's within 1e-9", f"max diff {worst:.1e}", worst <= 1e-9),
    ]
    return Section("Workload A: micrograd's demo step", text, targets)


if __name__ == "__main__":
    child_main(measure, run)
