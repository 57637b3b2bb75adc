"""The numbers of ``docs/tutorial_errata.md``, generated from the replays.

The page mixes prose with generated blocks, each between ``<!-- begin: NAME -->`` and
``<!-- end: NAME -->``. The 20-seed studies take a few minutes, so their results are kept in
``docs/tutorial_errata.json`` (plain records: seeds, losses, accuracies) and the blocks are
rendered from that file and from the hand-computed example (instant). The tests re-render
the page from the file and recompute a few seeds to check the file, so the page cannot drift
from the code.

Regenerate everything after changing a replay (from the repository root)::

    python -m nn.tutorials.errata --write

Example:
    >>> blocks = render_hand_blocks()
    >>> "| delta4 | -0.0819 | -0.008071 |" in blocks["hand-errata"]
    True
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from nn.tutorials.hand import LEARNING_RATE, START_WEIGHTS, HandExample, hand_example, walkthrough_errata
from nn.tutorials.iris import (
    PRINTED_TEST_ACCURACY,
    TUTORIAL_SPLIT_SEED,
    TUTORIAL_WEIGHT_SEED,
    IrisRun,
    iris_better_run,
    iris_tutorial_run,
)
from nn.tutorials.moons import MoonsResult, moons_demo
from nn.tutorials.xor import TUTORIAL_1, TUTORIAL_2, XOR_FIX_CANDIDATES, XOR_SETUPS, XorRun, XorSetup, xor_run

__all__ = [
    "xor_record",
    "iris_record",
    "moons_record",
    "collect",
    "render_hand_blocks",
    "render_xor_table",
    "render_xor_fixes",
    "render_iris_table",
    "render_moons_table",
    "render",
    "fill",
    "DOC_PATH",
    "DATA_PATH",
]

DOC_PATH = Path("docs/tutorial_errata.md")
DATA_PATH = Path("docs/tutorial_errata.json")

Record = dict[str, Any]
Progress = Callable[[str], None] | None


# --- records: what a run leaves behind, as plain JSON-able data ----------------------------


def xor_record(run: XorRun) -> Record:
    return {
        "seed": run.seed,
        "logged": {str(epoch): loss for epoch, loss in run.logged.items()},
        "final_loss": run.final_loss,
        "predictions": list(run.predictions),
        "solved": run.solved,
    }


def iris_record(run: IrisRun) -> Record:
    return {
        "seed": run.weight_seed,
        "split_seed": run.split_seed,
        "final_loss": run.history.loss[-1],
        "train_accuracy": run.train_accuracy,
        "test_accuracy": run.test_accuracy,
    }


def moons_record(result: MoonsResult) -> Record:
    accuracies = result.history["accuracy"]
    return {
        "seed": result.seed,
        "last_loss": result.history.loss[-1],
        "last_step_accuracy": accuracies[-1],
        "final_accuracy": result.final_accuracy,
        "first_perfect_step": accuracies.index(1.0) if 1.0 in accuracies else None,
        "crossed": result.crossed,
    }


def collect(seeds: Iterable[int] = range(20), say: Progress = None) -> Record:
    """Run every study the page reports (a few minutes for 20 seeds) and return the records."""
    seeds = list(seeds)
    say = say or (lambda message: None)
    data: Record = {"seeds": seeds, "xor": {}, "xor_fixes": [], "iris": {}, "moons": []}
    for setup in (TUTORIAL_1, TUTORIAL_2):
        say(f"xor {setup.name}: {len(seeds)} seeds x {setup.epochs} epochs")
        data["xor"][setup.name] = [xor_record(xor_run(setup, seed)) for seed in seeds]
    for label, changes in XOR_FIX_CANDIDATES:
        say(f"xor tutorial2 changed: {label}")
        setup = TUTORIAL_2.changed(label, **changes)
        runs = [xor_run(setup, seed) for seed in seeds]
        data["xor_fixes"].append(
            {
                "change": label,
                "solved_seeds": [run.seed for run in runs if run.solved],
                "final_losses": [run.final_loss for run in runs],
            }
        )
    say("iris: the tutorial's own seeds, then the tutorial's and the better setup per seed")
    data["iris"]["own_seeds"] = iris_record(iris_tutorial_run())
    data["iris"]["tutorial"] = [iris_record(iris_tutorial_run(seed, seed)) for seed in seeds]
    data["iris"]["better"] = [iris_record(iris_better_run(seed)) for seed in seeds]
    say("moons")
    data["moons"] = [moons_record(moons_demo(seed=seed)) for seed in seeds]
    return data


# --- formatting helpers -------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _f4(x: float) -> str:
    return f"{x:.4f}"


def _f6(x: float) -> str:
    return f"{x:.6f}"


def _range(values: Sequence[float], fmt: Callable[[float], str] = _f4) -> str:
    return f"{fmt(min(values))} to {fmt(max(values))}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _where(printed: float, values: Sequence[float]) -> str:
    """Where a printed number falls relative to the range of our values."""
    if printed < min(values):
        return "below all seeds"
    if printed > max(values):
        return "above all seeds"
    return "within the seeds' range"


def _seed_list(seeds: Sequence[int], total: int) -> str:
    if len(seeds) in (0, total):
        return f"{len(seeds)}/{total}"
    return f"{len(seeds)}/{total} (seeds {', '.join(map(str, seeds))})"


# --- the hand-computed example ------------------------------------------------------------


def render_hand_blocks(example: HandExample | None = None) -> dict[str, str]:
    """The worked example's tables: forward values, deltas, weights, and the errata."""
    ex = example if example is not None else hand_example()
    forward = _table(
        ["quantity", "before the update", "after the update"],
        [[name, _f6(ex.forward[name]), _f6(ex.forward_after[name])] for name in ex.forward],
    )
    forward += f"\n\nLoss 0.5 * error^2 before the update: {_f6(ex.loss)}."
    deltas = _table(
        ["error term", "delta rule", "-d loss / d a (from backward)"],
        [[name, _f6(ex.deltas[name]), _f6(ex.deltas_from_backward[name])] for name in ex.deltas],
    )
    weights = _table(
        ["weight", "start", "delta-rule change", f"-lr * grad (lr = {LEARNING_RATE:g})", "new"],
        [
            [
                name,
                _f6(START_WEIGHTS[name]),
                _f6(ex.changes[name]),
                _f6(-LEARNING_RATE * ex.gradients[name]),
                _f6(ex.new_weights[name]),
            ]
            for name in START_WEIGHTS
        ],
    )
    largest_gap = max(ex.rule_vs_gradient_gap, ex.delta_vs_gradient_gap)
    agreement = (
        "agree to within 1e-15 (floating-point rounding)"
        if largest_gap < 1e-15
        else f"differ by up to {largest_gap:.1e}"
    )
    weights += f"\n\nThe delta rule and the engine's gradients {agreement} for every weight and error term."

    errata = walkthrough_errata(ex)
    rows = [[e.quantity, e.printed, _f6(e.true), _f6(e.from_printed), e.verdict] for e in errata]
    wrong = [e for e in errata if not e.is_right]
    slips = sum(e.verdict == "slip" for e in wrong)
    errata_table = _table(["quantity", "printed", "true", "from its own numbers", "verdict"], rows)
    errata_table += (
        f"\n\n{len(wrong)} of the {len(errata)} printed numbers are wrong: {slips} slips and "
        f"{len(wrong) - slips} carried forward from earlier mistakes."
    )
    return {
        "hand-forward": forward,
        "hand-deltas": deltas,
        "hand-weights": weights,
        "hand-errata": errata_table,
    }


# --- XOR -----------------------------------------------------------------------------------


def _shown_epochs(setup: XorSetup) -> list[int]:
    """The logged epochs shown in a table: all of them if few, else first, middle and last."""
    epochs = list(range(0, setup.epochs, setup.log_every))
    return epochs if len(epochs) <= 3 else [epochs[0], epochs[len(epochs) // 2], epochs[-1]]


def render_xor_table(setup: XorSetup, runs: Sequence[Record]) -> str:
    """One row per seed, then the tutorial's printed numbers and our range over the seeds."""
    epochs = _shown_epochs(setup)
    header = [
        "seed",
        *[f"loss at epoch {e}" for e in epochs],
        "final loss",
        "outputs for 00 01 10 11",
        "solved",
    ]
    rows = [
        [
            str(run["seed"]),
            *[_f4(run["logged"][str(e)]) for e in epochs],
            _f4(run["final_loss"]),
            " ".join(_f4(p) for p in run["predictions"]),
            "yes" if run["solved"] else "no",
        ]
        for run in runs
    ]
    printed = setup.printed_losses
    if printed:
        outputs = " ".join(_f4(p) for p in setup.printed_predictions) if setup.printed_predictions else "-"
        rows.append(
            ["**printed**", *[_f4(printed[e]) if e in printed else "-" for e in epochs], "-", outputs, "yes"]
        )
    rows.append(
        [
            f"**{len(runs)} seeds**",
            *[_range([run["logged"][str(e)] for run in runs]) for e in epochs],
            f"median {_f4(statistics.median(run['final_loss'] for run in runs))}",
            "",
            f"{sum(run['solved'] for run in runs)}/{len(runs)}",
        ]
    )
    text = _table(header, rows) + "\n"
    if printed:
        for epoch, loss in printed.items():
            ours = [run["logged"][str(epoch)] for run in runs]
            text += f"\n- printed loss at epoch {epoch} ({_f4(loss)}): {_where(loss, ours)} ({_range(ours)})"
    return text


def render_xor_fixes(fixes: Sequence[Record], total: int) -> str:
    """Tutorial 2 with one or two hyperparameters changed: how many seeds solve XOR."""
    rows = [
        [fix["change"], _seed_list(fix["solved_seeds"], total), _f4(statistics.median(fix["final_losses"]))]
        for fix in fixes
    ]
    return _table(["change to tutorial 2", "seeds solved", "median final loss"], rows)


# --- iris and moons --------------------------------------------------------------------------


def render_iris_table(tutorial: Sequence[Record], better: Sequence[Record], own: Record | None = None) -> str:
    """Test (and train) accuracy per seed, the tutorial's setup beside the better one."""
    rows = [
        [
            str(t["seed"]),
            _pct(t["test_accuracy"]),
            _pct(t["train_accuracy"]),
            _pct(b["test_accuracy"]),
            _pct(b["train_accuracy"]),
        ]
        for t, b in zip(tutorial, better)
    ]
    rows.append(
        [
            f"**mean of {len(tutorial)}**",
            _pct(statistics.fmean(t["test_accuracy"] for t in tutorial)),
            _pct(statistics.fmean(t["train_accuracy"] for t in tutorial)),
            _pct(statistics.fmean(b["test_accuracy"] for b in better)),
            _pct(statistics.fmean(b["train_accuracy"] for b in better)),
        ]
    )
    header = ["seed", "tutorial setup: test", "train", "better setup: test", "train"]
    text = _table(header, rows)
    if own is not None:
        text += (
            f"\n\nThe tutorial's own seeds (weights {TUTORIAL_WEIGHT_SEED}, split {TUTORIAL_SPLIT_SEED}), "
            f"labels one-hot: test accuracy {own['test_accuracy']:.2f} (printed: {PRINTED_TEST_ACCURACY}), "
            f"training accuracy {own['train_accuracy']:.2f}, final loss {_f4(own['final_loss'])}."
        )
    return text


def render_moons_table(results: Sequence[Record]) -> str:
    """Per seed: the last step's loss and accuracy (as micrograd prints them), and after training."""
    rows = [
        [
            str(r["seed"]),
            _f4(r["last_loss"]),
            _pct(r["last_step_accuracy"]),
            _pct(r["final_accuracy"]),
            "-" if r["first_perfect_step"] is None else str(r["first_perfect_step"]),
            str(r["crossed"]),
        ]
        for r in results
    ]
    perfect = sum(r["final_accuracy"] == 1.0 for r in results)
    rows.append([f"**{len(results)} seeds**", "", "", f"{perfect}/{len(results)} at 100%", ""])
    return _table(
        ["seed", "loss at step 99", "accuracy at step 99", "after training", "first step at 100%"], rows
    )


# --- the summary and the page ---------------------------------------------------------------


def _render_summary(data: Record, example: HandExample) -> str:
    errata = walkthrough_errata(example)
    wrong = sum(not e.is_right for e in errata)
    t1, t2 = data["xor"]["tutorial1"], data["xor"]["tutorial2"]
    n = len(data["seeds"])
    fixes = [fix["change"] for fix in data["xor_fixes"] if len(fix["solved_seeds"]) == n]
    iris_t, iris_b, own = data["iris"]["tutorial"], data["iris"]["better"], data["iris"]["own_seeds"]
    perfect_moons = sum(r["final_accuracy"] == 1.0 for r in data["moons"])

    def logged(runs: Sequence[Record], epoch: int) -> str:
        return _range([run["logged"][str(epoch)] for run in runs])

    def solved(runs: Sequence[Record]) -> str:
        return f"solved {sum(run['solved'] for run in runs)}/{len(runs)}"

    def mean_test(runs: Sequence[Record], digits: int) -> str:
        return f"{statistics.fmean(r['test_accuracy'] for r in runs):.{digits}f}"

    rows = [
        [
            "backprop walkthrough (hand example)",
            "y5 = 0.67, after one update 0.61",
            f"y5 = {_f6(example.forward['y5'])}, after one update {_f6(example.forward_after['y5'])}; "
            f"{wrong} of {len(errata)} printed numbers wrong",
        ],
        [
            "XOR, tutorial 1",
            "loss 0.2713 at epoch 0, 0.0066 at epoch 8000; XOR learned",
            f"epoch 0: {logged(t1, 0)}; epoch 8000: {logged(t1, 8000)}; {solved(t1)}",
        ],
        [
            "XOR, tutorial 2",
            "loss 0.2508 at epoch 0, 0.0061 at epoch 900; outputs 0.0324 0.9629 0.9631 0.0391",
            f"epoch 0: {logged(t2, 0)}; epoch 900: {logged(t2, 900)}; {solved(t2)}; "
            f"changes that solve all {n}: {', '.join(fixes) if fixes else 'none tried'}",
        ],
        [
            "iris, 4-2-3 sigmoid",
            f"test accuracy {PRINTED_TEST_ACCURACY}",
            f"crashes as printed; labels one-hot, its own seeds: {own['test_accuracy']:.2f}; "
            f"over {n} seeds: mean {mean_test(iris_t, 2)} "
            f"({_range([r['test_accuracy'] for r in iris_t], lambda x: f'{x:.2f}')}); "
            f"better setup: mean {mean_test(iris_b, 3)}",
        ],
        [
            "micrograd moons demo",
            "100% training accuracy",
            f"100% on {perfect_moons} of {len(data['moons'])} seeds",
        ],
    ]
    return _table(["tutorial", "prints", f"chainrule ({n} seeds where random)"], rows)


def render(data: Record, example: HandExample | None = None) -> dict[str, str]:
    """Every generated block of the page, by name."""
    example = example if example is not None else hand_example()
    n = len(data["seeds"])
    blocks = render_hand_blocks(example)
    blocks["summary"] = _render_summary(data, example)
    for name, runs in data["xor"].items():
        blocks[f"xor-{name}"] = render_xor_table(XOR_SETUPS[name], runs)
    blocks["xor-fixes"] = render_xor_fixes(data["xor_fixes"], n)
    blocks["iris"] = render_iris_table(
        data["iris"]["tutorial"], data["iris"]["better"], data["iris"]["own_seeds"]
    )
    blocks["moons"] = render_moons_table(data["moons"])
    return blocks


_BLOCK = re.compile(
    r"(<!-- begin: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(\n<!-- end: (?P=name) -->)", re.DOTALL
)


def fill(page: str, blocks: dict[str, str]) -> str:
    """``page`` with the body of every ``<!-- begin: NAME -->`` block replaced by ``blocks[NAME]``.

    Raises:
        KeyError: if the page has a block that ``blocks`` lacks.
        ValueError: if a block of ``blocks`` is missing from the page.

    Example:
        >>> fill("a\\n<!-- begin: x -->\\nold\\n<!-- end: x -->\\nb", {"x": "new"})
        'a\\n<!-- begin: x -->\\nnew\\n<!-- end: x -->\\nb'
    """
    found = [m.group("name") for m in _BLOCK.finditer(page)]
    missing = sorted(set(blocks) - set(found))
    if missing:
        raise ValueError(f"the page has no block for: {', '.join(missing)}")
    return _BLOCK.sub(lambda m: m.group(1) + blocks[m.group("name")] + m.group(4), page)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nn.tutorials.errata",
        description="Regenerate the numbers of docs/tutorial_errata.md from the tutorial replays.",
    )
    parser.add_argument(
        "--write", action="store_true", help="rerun every study (minutes) and rewrite the data file"
    )
    parser.add_argument("--seeds", type=int, default=20, help="seeds per study (default 20)")
    parser.add_argument("--doc", type=Path, default=DOC_PATH)
    parser.add_argument("--data", type=Path, default=DATA_PATH)
    args = parser.parse_args(argv)
    if args.write:
        data = collect(range(args.seeds), say=lambda message: print(message, file=sys.stderr, flush=True))
        args.data.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    data = json.loads(args.data.read_text(encoding="utf-8"))
    page = args.doc.read_text(encoding="utf-8")
    args.doc.write_text(fill(page, render(data)), encoding="utf-8")
    print(f"wrote {args.doc} from {args.data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
