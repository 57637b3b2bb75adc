"""Scaling: time per training step against the number of samples and the width of the network;
the cost of writing a straight-line tape against the size of the graph.

Workload A's step (hinge loss + L2, backward, SGD) on ``MLP(2, [width, width, 1])`` relu and
``samples`` moons points, with scalar values (one graph per sample) and batched values (one
graph for the batch). A scalar step costs about ``samples * 2 * width**2`` edge visits, so the
scalar cells estimated above a few seconds a step are skipped (marked "-").

Compile cost: a graph of ``edges`` edges (a Python ``sum`` of ``tanh(x * w + b)`` terms, 7
edges a term: small ops, the most code per edge) written out by
:func:`autograd.straight_line.compile_scalar_graph`, in a fresh process per size: the CPU time
it takes, and under ``tracemalloc`` the peak memory it allocates on top of the graph and what
it keeps (the compiled functions and their source).

Run: ``python -m benchmarks.scaling``.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np

from benchmarks.harness import Section, Target, child_main, fmt_time, interleaved, table, timed

SAMPLES = [10, 100, 1_000, 10_000]
WIDTHS = [8, 32, 128]
SCALAR_BUDGET = 3.0  # seconds per step, estimated
SECONDS_PER_EDGE = 0.4e-6  # a scalar step's cost per dot edge, measured on workload A
COMPILE_EDGES = [1_000, 10_000, 100_000, 300_000]


def estimated_scalar_step(samples: int, width: int) -> float:
    edges = samples * (width * 5 + width * (2 * width + 1) + 2 * width + 1)
    return edges * SECONDS_PER_EDGE


def sum_of_terms(edges: int) -> Any:
    """``sum(tanh(x_i * w_i + b))`` over ``edges // 7`` terms of scalar values."""
    from autograd import Value

    terms = max(1, edges // 7)
    b = Value(0.1)
    xs = [Value(0.01 * (i % 97) - 0.4) for i in range(terms)]
    ws = [Value(0.5 - 0.003 * (i % 53)) for i in range(terms)]
    return sum(((x * w + b).tanh() for x, w in zip(xs, ws)), Value(0.0))


def measure_compile(edges: int) -> dict[str, Any]:
    """Write the straight-line code of a graph of about ``edges`` edges, twice: timed, then
    under tracemalloc."""
    import tracemalloc

    from autograd import topological_order
    from autograd.straight_line import compile_scalar_graph

    root = sum_of_terms(edges)
    order = topological_order(root)
    start = time.process_time()
    program = compile_scalar_graph(order, root)
    seconds = time.process_time() - start
    parts = max(1, len(re.findall(r"^def forward_\d+\(", program.source, re.MULTILINE)))
    del program
    tracemalloc.start()
    kept_program = compile_scalar_graph(order, root)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n_edges = sum(len(node.parents) for node in order)
    source = len(kept_program.source)
    return {
        "edges": n_edges,
        "seconds": seconds,
        "peak": peak,
        "kept": kept,
        "parts": parts,
        "source": source,
    }


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
    if peer == "compile":
        return measure_compile(params["edges"])
    from benchmarks.workload_a import chainrule_batched_step, chainrule_scalar_step, data, initial_weights

    samples, width = params["samples"], params["width"]
    X, y = data(samples)
    layers = initial_weights([2, width, width, 1])
    make_step = chainrule_batched_step if peer == "batched" else chainrule_scalar_step
    step = make_step(layers, X, y)
    durations, _ = timed(step, warmup=1, steps=params["steps"])
    return {"per_step": float(np.median(durations))}


def run(rounds: int = 1) -> Section:
    cells: dict[tuple[str, int, int], float | None] = {}
    for mode in ("scalar", "batched"):
        for samples in SAMPLES:
            for width in WIDTHS:
                if mode == "scalar" and estimated_scalar_step(samples, width) > SCALAR_BUDGET:
                    cells[mode, samples, width] = None
                    continue
                quick = mode == "batched" and samples * width * width < 2_000_000
                params = {"samples": samples, "width": width, "steps": 9 if quick else 3}
                result = interleaved("scaling", [mode], 1, lambda peer, r, p=params: p)[mode][0]
                cells[mode, samples, width] = result["per_step"]

    def cell(mode: str, samples: int, width: int) -> str:
        value = cells[mode, samples, width]
        return "-" if value is None else fmt_time(value)

    header = ["samples", *[f"width {w}, scalar" for w in WIDTHS], *[f"width {w}, batched" for w in WIDTHS]]
    rows = [
        [f"{s:,}", *[cell("scalar", s, w) for w in WIDTHS], *[cell("batched", s, w) for w in WIDTHS]]
        for s in SAMPLES
    ]
    text = [
        "Time per step (median of the timed steps) of workload A's step on `MLP(2, [width, width, 1])`.",
        f'"-": scalar step estimated above {SCALAR_BUDGET:.0f} s, not run.',
        "",
        *table(header, rows),
    ]
    compile_text, target = compile_rows()
    return Section("Scaling: samples and width; straight-line compile cost", text + compile_text, [target])


def compile_rows() -> tuple[list[str], Target]:
    """The straight-line compile cost at each size in ``COMPILE_EDGES``, and the target that it
    grows linearly (time and peak memory per edge within 2x of the 10,000-edge figures)."""
    from autograd.straight_line import PART_LINES

    results = [
        interleaved("scaling", ["compile"], 1, lambda peer, r, n=n: {"edges": n})["compile"][0]
        for n in COMPILE_EDGES
    ]
    rows = [
        [
            f"{r['edges']:,}",
            f"{r['parts']:,}",
            fmt_time(r["seconds"]),
            f"{r['seconds'] / r['edges'] * 1e6:.0f} us",
            f"{r['peak'] / r['edges'] / 1e3:.2f} kB",
            f"{r['kept'] / r['edges'] / 1e3:.2f} kB",
        ]
        for r in results
    ]
    per_edge = [(r["seconds"] / r["edges"], r["peak"] / r["edges"]) for r in results]
    reference = per_edge[COMPILE_EDGES.index(10_000)]
    worst_time = max(t / reference[0] for t, _ in per_edge[1:])
    worst_peak = max(m / reference[1] for _, m in per_edge[1:])
    text = [
        "",
        "### Straight-line compile cost",
        "",
        "Writing and compiling a graph's straight-line code (`Tape(root, straight_line=True)`, once):",
        "a Python `sum` of `tanh(x * w + b)` terms (7 edges each), one fresh process per size. CPU",
        "time; peak memory allocated while writing it (tracemalloc) and memory kept afterwards (the",
        "compiled functions and their source), per edge. The code comes in parts of about",
        f"{PART_LINES:,} lines, so that CPython compiles each in bounded time and memory.",
        "",
        *table(["edges", "parts", "compile", "per edge", "peak per edge", "kept per edge"], rows),
    ]
    target = Target(
        "Straight-line compile linear",
        "time and peak memory per edge from 10^4 to 3*10^5 edges within 2x of the 10^4 figures",
        f"time per edge up to {worst_time:.2f}x, peak memory per edge up to {worst_peak:.2f}x",
        worst_time <= 2.0 and worst_peak <= 2.0,
    )
    return text, target


if __name__ == "__main__":
    child_main(measure, run)
