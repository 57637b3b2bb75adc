"""Scaling: time per training step against the number of samples and the width of the network.

Workload A's step (hinge loss + L2, backward, SGD) on ``MLP(2, [width, width, 1])`` relu and
``samples`` moons points, with scalar values (one graph per sample) and batched values (one
graph for the batch). A scalar step costs about ``samples * 2 * width**2`` edge visits, so the
scalar cells estimated above a few seconds a step are skipped (marked "-").

Run: ``python -m benchmarks.scaling``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.harness import Section, child_main, fmt_time, interleaved, table, timed

SAMPLES = [10, 100, 1_000, 10_000]
WIDTHS = [8, 32, 128]
SCALAR_BUDGET = 3.0  # seconds per step, estimated
SECONDS_PER_EDGE = 0.4e-6  # a scalar step's cost per dot edge, measured on workload A


def estimated_scalar_step(samples: int, width: int) -> float:
    edges = samples * (width * 5 + width * (2 * width + 1) + 2 * width + 1)
    return edges * SECONDS_PER_EDGE


def measure(peer: str, params: dict[str, Any]) -> dict[str, Any]:
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
    return Section("Scaling: samples and width", text)


if __name__ == "__main__":
    child_main(measure, run)
