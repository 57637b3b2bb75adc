"""Memory: bytes per graph node, measured with ``tracemalloc`` over workload A's graph.

Each engine builds the loss of micrograd's demo step (100 samples, ``MLP(2, [16, 16, 1])``)
in a fresh process; ``tracemalloc`` counts every byte allocated while the graph is built (the
nodes, their parent tuples, their numbers), and again after ``backward`` has filled the
gradients. Dividing by the number of nodes in the graph gives bytes per node. The two engines
build different graphs for the same loss -- chainrule's neuron is one ``dot`` node, micrograd's
2n + 1 nodes -- so the table shows the whole graph's size too.

Run: ``python -m benchmarks.memory``.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from benchmarks.harness import Section, Target, child_main, count_nodes, interleaved, table

PEERS = ["chainrule", "chainrule-batched", "micrograd"]
LIMIT = 200  # bytes per node, scalar mode


def chainrule_loss(batched: bool) -> Any:
    from autograd import dot, sum_values
    from benchmarks.workload_a import ALPHA, chainrule_model, data, initial_weights

    X, y = data()
    model = chainrule_model(initial_weights())
    params = model.parameters()

    def loss() -> Any:
        if batched:
            return (1 - y * model(X)).relu().mean() + ALPHA * dot(params, params)
        scores = [model(row) for row in X.tolist()]
        losses = [(1 - yi * si).relu() for yi, si in zip(y.tolist(), scores)]
        return sum_values(losses) * (1.0 / len(losses)) + ALPHA * dot(params, params)

    return loss


def micrograd_loss() -> Any:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    from benchmarks.workload_a import ALPHA, SIZES, data, initial_weights

    X, y = data()
    model = MLP(SIZES[0], SIZES[1:])
    weights = [w for m in initial_weights() for w in m.ravel().tolist()]
    for p, w in zip(model.parameters(), weights):
        p.data = w

    def loss() -> Any:
        inputs = [list(map(Value, row)) for row in X.tolist()]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y.tolist(), scores)]
        return sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.parameters())

    return loss


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    loss_fn = micrograd_loss() if peer == "micrograd" else chainrule_loss(batched=peer == "chainrule-batched")
    loss_fn().backward()  # warm-up: caches, interned numbers, first-call allocations
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = loss_fn()
    built = tracemalloc.get_traced_memory()[0] - before
    loss.backward()
    with_grads = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return {"nodes": count_nodes(loss), "graph_bytes": built, "with_grads_bytes": with_grads}


def run(rounds: int = 1) -> Section:
    results = interleaved("memory", PEERS, rounds, lambda peer, r: {})
    r = {peer: rs[0] for peer, rs in results.items()}
    rows = [
        [
            peer,
            f"{r[peer]['nodes']:,}",
            f"{r[peer]['graph_bytes'] / r[peer]['nodes']:.0f}",
            f"{r[peer]['with_grads_bytes'] / r[peer]['nodes']:.0f}",
            f"{r[peer]['graph_bytes'] / 1e6:.2f} MB",
        ]
        for peer in PEERS
    ]
    per_node = r["chainrule"]["graph_bytes"] / r["chainrule"]["nodes"]
    whole = r["micrograd"]["graph_bytes"] / r["chainrule"]["graph_bytes"]
    text = [
        "Workload A's loss graph, built once in a fresh process under `tracemalloc`: bytes allocated",
        "while building it, per node of the graph, then including the gradients `backward` stores.",
        "",
        *table(["engine", "nodes", "bytes / node", "bytes / node with grads", "whole graph"], rows),
        "",
        f"chainrule's scalar graph is {whole:.0f}x smaller than micrograd's for the same loss.",
    ]
    target = Target(
        "Memory", f"<= {LIMIT} bytes per node (scalar)", f"{per_node:.0f} bytes", per_node <= LIMIT
    )
    return Section("Memory per graph node", text, [target])


if __name__ == "__main__":
    child_main(measure, run)
