"""What every benchmark shares: a fresh process per measurement, interleaved rounds, the machine.

Each workload script measures its peers (chainrule, micrograd, PyTorch, numpy) in separate
child processes -- one library per process, so that importing PyTorch (hundreds of thousands
of objects for the garbage collector to walk) or micrograd's cyclic garbage never slows another
peer down. A *round* runs every peer once, one after the other; several rounds interleave the
peers, so a burst of load on a shared machine hits them alike. Every child runs on one thread
(``torch.set_num_threads(1)``, and BLAS limited to one thread through the environment).

A script is run as ``python -m benchmarks.workload_a`` (prints its section of the report) or,
by :func:`run_child`, as ``python -m benchmarks.workload_a --child PEER PARAMS_JSON``: the child
measures one peer and prints one line of JSON.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ROOT",
    "Target",
    "Section",
    "run_child",
    "interleaved",
    "child_main",
    "timed",
    "best",
    "median",
    "paired_ratio",
    "progress",
    "machine",
    "fmt_time",
    "fmt_ratio",
    "table",
    "count_nodes",
]

ROOT = Path(__file__).resolve().parent.parent

_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class Target:
    """One goal of the speed issue: what it asks, what was measured, and whether it is met."""

    name: str
    goal: str
    measured: str
    met: bool


@dataclass
class Section:
    """A workload's part of ``BENCHMARKS.md``."""

    title: str
    text: list[str]
    targets: list[Target] = field(default_factory=list)

    def markdown(self) -> str:
        return "\n".join([f"## {self.title}", "", *self.text, ""])


# --- parent side ----------------------------------------------------------------------------


def run_child(module: str, peer: str, **params: Any) -> dict[str, Any]:
    """Measure ``peer`` in a fresh ``python -m benchmarks.<module> --child`` process."""
    env = {**os.environ, **_ONE_THREAD, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", f"benchmarks.{module}", "--child", peer, json.dumps(params)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child {module}/{peer} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def interleaved(
    module: str, peers: Sequence[str], rounds: int, params: Callable[[str, int], dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Run every peer once per round, in turn, ``rounds`` times; ``params(peer, round)`` -> kwargs."""
    results: dict[str, list[dict[str, Any]]] = {peer: [] for peer in peers}
    for r in range(rounds):
        for peer in peers:
            progress(f"  {module}: {peer} (round {r + 1}/{rounds})")
            results[peer].append(run_child(module, peer, **params(peer, r)))
    return results


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- child side -----------------------------------------------------------------------------


def child_main(measure: Callable[[str, dict[str, Any]], dict[str, Any]], run: Callable[[], Section]) -> None:
    """``__main__`` of a workload script: a child measurement, or the whole section."""
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        peer = sys.argv[2]
        params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
        if peer == "torch" or peer.startswith("torch"):
            import torch

            torch.set_num_threads(1)
        print(json.dumps(measure(peer, params)))
    else:
        section = run()
        print(section.markdown())
        for t in section.targets:
            print(f"{'MET' if t.met else 'NOT MET':8s} {t.name}: {t.goal}; measured {t.measured}")


def timed(step: Callable[[int], Any], warmup: int, steps: int) -> tuple[list[float], list[Any]]:
    """Run ``step(k)`` for k = 0, 1, ...; return the durations of the steps after the warm-up
    and every step's return value."""
    durations, outputs = [], []
    for k in range(warmup + steps):
        start = time.perf_counter()
        outputs.append(step(k))
        elapsed = time.perf_counter() - start
        if k >= warmup:
            durations.append(elapsed)
    return durations, outputs


def best(values: Sequence[float]) -> float:
    return min(values)


def paired_ratio(slow: Sequence[float], fast: Sequence[float]) -> float:
    """How many times ``fast`` beats ``slow``: the median over rounds of the ratio within each
    round (the two ran back to back there, under the same load on the machine)."""
    return median([s / f for s, f in zip(slow, fast)])


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# --- the report -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU, cores, OS and the versions of every peer, for the report's header."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "torch": version("torch"),
        "micrograd": version("micrograd"),
        "chainrule": version("chainrule"),
    }


def fmt_time(seconds: float) -> str:
    """A duration with a unit that keeps 3 significant figures readable."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.0f}x"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def count_nodes(root: Any) -> int:
    """How many nodes the graph of ``root`` has (chainrule's ``parents`` or micrograd's ``_prev``)."""
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        for parent in node.parents if hasattr(node, "parents") else node._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)
