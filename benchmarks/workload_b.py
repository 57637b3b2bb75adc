"""Workload B: the engine alone, on a graph of binary ``+``, ``*`` and ``relu`` nodes only.

The same computation as workload A's forward and backward pass, but written the way
micrograd's ``Neuron`` writes it -- ``sum((w * x for w, x in zip(ws, xs)), b)``, one ``*`` and
one ``+`` node per weight, no n-ary ``dot`` or ``sum`` nodes -- so that both engines build the
very same graph, node for node (about 80,000 nodes with 120 samples), and only the engines
differ. One measurement = build the graph (forward) + backward; no parameter update.

Run: ``python -m benchmarks.workload_b``.
"""

from __future__ import annotations

import random
import time
from typing import Any

from benchmarks.harness import (
    Section,
    Target,
    best,
    child_main,
    count_nodes,
    fmt_ratio,
    fmt_time,
    interleaved,
    median,
    paired_ratio,
    table,
)

SIZES = [2, 16, 16, 1]
SAMPLES = 120
PEERS = ["chainrule", "micrograd"]


def build(value_type: Any, samples: int = SAMPLES) -> tuple[Any, Any]:
    """The graph of A's loss with binary ops only; returns (loss, parameters)."""
    rng = random.Random(0)
    layers = [
        [([value_type(rng.uniform(-1, 1)) for _ in range(nin)], value_type(0.0)) for _ in range(nout)]
        for nin, nout in zip(SIZES, SIZES[1:])
    ]
    params = [p for layer in layers for w, b in layer for p in [*w, b]]
    data = [([rng.uniform(-1, 1), rng.uniform(-1, 1)], rng.choice([-1.0, 1.0])) for _ in range(samples)]

    def loss() -> Any:
        total = value_type(0.0)
        for row, label in data:
            x = [value_type(v) for v in row]
            for i, layer in enumerate(layers):
                sums = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
                x = sums if i == len(layers) - 1 else [s.relu() for s in sums]
            total = total + (1 + -label * x[0]).relu()
        reg = value_type(0.0)
        for p in params:
            reg = reg + p * p
        return total * (1.0 / samples) + 1e-4 * reg

    return loss, params


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    if peer == "chainrule":
        from autograd import Value
    else:
        import sys

        from micrograd.engine import Value

        sys.setrecursionlimit(100_000)  # micrograd's recursive sort needs it on this graph
    loss_fn, weights = build(Value)
    durations = []
    nodes = 0
    for k in range(params["warmup"] + params["steps"]):
        start = time.perf_counter()
        loss = loss_fn()
        for p in weights:
            p.grad = 0.0
        loss.backward()
        elapsed = time.perf_counter() - start
        if k >= params["warmup"]:
            durations.append(elapsed)
        nodes = count_nodes(loss)
        del loss
    return {"mean": sum(durations) / len(durations), "nodes": nodes}


def run(rounds: int = 3) -> Section:
    def params(peer: str, r: int) -> dict[str, Any]:
        return {"warmup": 2, "steps": 3} if peer == "micrograd" else {"warmup": 2, "steps": 10}

    results = interleaved("workload_b", PEERS, rounds, params)
    times = {peer: [r["mean"] for r in rs] for peer, rs in results.items()}
    nodes = {peer: rs[0]["nodes"] for peer, rs in results.items()}
    speedup = {peer: paired_ratio(times["micrograd"], times[peer]) for peer in PEERS}
    rows = [
        [
            peer,
            f"{nodes[peer]:,}",
            fmt_time(median(times[peer])),
            fmt_time(best(times[peer])),
            f"{median(times[peer]) / nodes[peer] * 1e9:.0f} ns",
            fmt_ratio(speedup[peer]),
        ]
        for peer in PEERS
    ]
    ratio = speedup["chainrule"]
    text = [
        "Workload A's forward and backward for 120 samples, written with binary `+`, `*` and `relu`",
        "only (micrograd's `Neuron`), so that both engines build the same graph. Time of one",
        "forward + backward: the mean over the passes of one process (after 2 warm-up passes), median",
        f"(and best) over {rounds} interleaved rounds; speed-up: median over rounds of the ratio within",
        "a round.",
        "",
        *table(["engine", "nodes", "forward + backward", "best round", "per node", "speed-up"], rows),
    ]
    target = Target("B engine only", ">= 4x micrograd", fmt_ratio(ratio), ratio >= 4)
    return Section("Workload B: the engine alone, binary ops only", text, [target])


if __name__ == "__main__":
    child_main(measure, run)
