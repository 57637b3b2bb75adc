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
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nn.tutorials.hand import LEARNING_RATE, START_WEIGHTS, HandExample, hand_example, walkthrough_errata
from nn.tutorials.iris import (
    PRINTED_TEST_ACCURACY,
    TUTORIAL_SPLIT_SEED,
    TUTORIAL_WEIGHT_SEED,
    IrisRun,
    iris_study,
    iris_tutorial_run,
)
from nn.tutorials.moons import MoonsResult, moons_study
from nn.tutorials.xor import (
    TUTORIAL_1,
    TUTORIAL_2,
    XOR_FIX_CANDIDATES,
    XOR_SETUPS,
    XorRun,
    XorSetup,
    xor_fixes,
    xor_study,
)

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
        data["xor"][setup.name] = [xor_record(run) for run in xor_study(setup, seeds).runs]
    say(f"xor: {len(XOR_FIX_CANDIDATES)} changes to tutorial 2")
    for study in xor_fixes(TUTORIAL_2, XOR_FIX_CANDIDATES, seeds):
        fix = {
            "change": study.setup.change,
            "solved_seeds": study.solved_seeds,
            "final_losses": study.final_losses,
        }
        data["xor_fixes"].append(fix)
    say("iris: the tutorial's own seeds, then the tutorial's and the better setup per seed")
    data["iris"]["own_seeds"] = iris_record(iris_tutorial_run())
    for name in ("tutorial", "better"):
        data["iris"][name] = [iris_record(run) for run in iris_study(name, seeds).runs]
    say("moons")
    data["moons"] = [moons_record(result) for result in moons_study(seeds)]
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


def _loss(x: float) -> str:
    """A loss to 4 decimals, or in scientific notation when 4 decimals would show only zeros."""
    return _f4(x) if abs(x) >= 1e-4 or x == 0 else f"{x:.1e}"


def _range(values: Sequence[float], fmt: Callable[[float], str] = _f4) -> str:
    low, high = fmt(min(values)), fmt(max(values))
    return f"all {low}" if low == high else f"{low} to {high}"


def _pct(x: float, decimals: int = 0) -> str:
    return f"{100 * x:.{decimals}f}%"


def _where(printed: float, values: Sequence[float]) -> str:
    """Where a printed number falls relative to the range of our values."""
    if printed < min(values):
        return "below all seeds"
    if printed > max(values):
        return "above all seeds"
    return "within the seeds' range"


def _seed_list(seeds: Sequence[int], all_seeds: Sequence[int]) -> str:
    """``"k/n"``, naming the seeds that are the minority (solved or not)."""
    count, total = len(seeds), len(all_seeds)
    if count in (0, total):
        return f"{count}/{total}"
    if 2 * count <= total:
        return f"{count}/{total} (seeds {', '.join(map(str, seeds))})"
    others = [seed for seed in all_seeds if seed not in seeds]
    return f"{count}/{total} (all but seeds {', '.join(map(str, others))})"


def _printed_notes(printed: Mapping[int, float], runs: Sequence[Record]) -> list[str]:
    """Where each printed loss falls in our range; consecutive epochs with the same verdict merged."""
    groups: list[list[tuple[int, float, str]]] = []
    for epoch, loss in printed.items():
        verdict = _where(loss, [run["logged"][str(epoch)] for run in runs])
        if groups and groups[-1][-1][2] == verdict:
            groups[-1].append((epoch, loss, verdict))
        else:
            groups.append([(epoch, loss, verdict)])
    notes = []
    for group in groups:
        (first, first_loss, verdict), (last, last_loss, _) = group[0], group[-1]
        ours = [run["logged"][str(e)] for e, _, _ in group for run in runs]
        if first == last:
            what = f"printed MSE at epoch {first} ({_f4(first_loss)})"
        else:
            what = f"printed MSEs at epochs {first} to {last} ({_f4(first_loss)} down to {_f4(last_loss)})"
        notes.append(f"{what}: {verdict} (ours: {_range(ours)})")
    return notes


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
    """One row per seed, then the tutorial's printed numbers and our range over the seeds.

    Both tutorials print the mean squared error (MSE) of the predictions, whatever their update
    is the gradient of, so the losses in the table are MSEs.
    """
    epochs = _shown_epochs(setup)
    header = [
        "seed",
        *[f"MSE at epoch {e}" for e in epochs],
        "final MSE",
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
            f"median {_loss(statistics.median(run['final_loss'] for run in runs))}",
            "",
            f"{sum(run['solved'] for run in runs)}/{len(runs)}",
        ]
    )
    text = _table(header, rows)
    if printed:
        text += "\n\n" + "\n".join(f"- {note}" for note in _printed_notes(printed, runs))
    return text


def render_xor_fixes(fixes: Sequence[Record], seeds: Sequence[int]) -> str:
    """Tutorial 2 with one or two hyperparameters changed: how many seeds solve XOR."""
    rows = [
        [fix["change"], _seed_list(fix["solved_seeds"], seeds), _loss(statistics.median(fix["final_losses"]))]
        for fix in fixes
    ]
    return _table(["change to tutorial 2", "seeds solved", "median final MSE"], rows)


# --- iris and moons --------------------------------------------------------------------------


def _iris_seed(record: Record) -> str:
    if record["seed"] == record["split_seed"]:
        return str(record["seed"])
    return f"{record['seed']} (split {record['split_seed']})"


def render_iris_table(tutorial: Sequence[Record], better: Sequence[Record], own: Record | None = None) -> str:
    """Test (and train) accuracy per seed, the tutorial's setup beside the better one."""
    columns = ("test_accuracy", "train_accuracy")
    rows = [
        [_iris_seed(t), *[_pct(r[key]) for r in (t, b) for key in columns]] for t, b in zip(tutorial, better)
    ]
    if len(rows) > 1:
        means = [
            _pct(statistics.fmean(r[key] for r in runs)) for runs in (tutorial, better) for key in columns
        ]
        rows.append([f"**mean of {len(rows)}**", *means])
    text = _table(["seed", "tutorial setup: test", "train", "better setup: test", "train"], rows)
    if own is not None:
        text += (
            f"\n\nThe tutorial's own seeds (weights {TUTORIAL_WEIGHT_SEED}, split {TUTORIAL_SPLIT_SEED}), "
            f"labels one-hot: test accuracy {_pct(own['test_accuracy'])} (printed: {PRINTED_TEST_ACCURACY}), "
            f"training accuracy {_pct(own['train_accuracy'])}, final loss {_f4(own['final_loss'])}."
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
    if len(rows) > 1:
        perfect = sum(r["final_accuracy"] == 1.0 for r in results)
        rows.append([f"**{len(results)} seeds**", "", "", f"{perfect}/{len(results)} at 100%", "", ""])
    header = ["seed", "loss at the last step", "accuracy at the last step", "after training"]
    return _table([*header, "first step at 100%", "points nearer the other moon"], rows)


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

    def mean_test(runs: Sequence[Record]) -> str:
        return _pct(statistics.fmean(run["test_accuracy"] for run in runs), 1)

    rows = [
        [
            "backprop walkthrough (hand example)",
            "y5 = 0.67, after one update 0.61",
            f"y5 = {_f6(example.forward['y5'])}, after one update {_f6(example.forward_after['y5'])}; "
            f"{wrong} of {len(errata)} printed numbers wrong",
        ],
        [
            "XOR, tutorial 1",
            "MSE 0.2713 at epoch 0, 0.0066 at epoch 8000; XOR learned",
            f"epoch 0: {logged(t1, 0)}; epoch 8000: {logged(t1, 8000)}; {solved(t1)}",
        ],
        [
            "XOR, tutorial 2",
            "MSE 0.2508 at epoch 0, 0.0061 at epoch 900; outputs 0.0324 0.9629 0.9631 0.0391",
            f"epoch 0: {logged(t2, 0)}; epoch 900: {logged(t2, 900)}; {solved(t2)}; "
            f"changes that solve all {n}: {'; '.join(fixes) if fixes else 'none tried'}",
        ],
        [
            "iris, 4-2-3 sigmoid",
            f"test accuracy {_pct(PRINTED_TEST_ACCURACY)}",
            f"crashes as printed; labels one-hot, its own seeds: {_pct(own['test_accuracy'])}; "
            f"over {n} seeds: mean {mean_test(iris_t)} "
            f"({_range([run['test_accuracy'] for run in iris_t], _pct)}); "
            f"better setup: mean {mean_test(iris_b)}",
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
    blocks = render_hand_blocks(example)
    blocks["summary"] = _render_summary(data, example)
    for name, runs in data["xor"].items():
        blocks[f"xor-{name}"] = render_xor_table(XOR_SETUPS[name], runs)
    blocks["xor-fixes"] = render_xor_fixes(data["xor_fixes"], data["seeds"])
    blocks["iris"] = render_iris_table(
        data["iris"]["tutorial"], data["iris"]["better"], data["iris"]["own_seeds"]
    )
    blocks["moons"] = render_moons_table(data["moons"])
    return blocks


_BLOCK = re.compile(r"(<!-- begin: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end: (?P=name) -->)", re.DOTALL)


def fill(page: str, blocks: dict[str, str]) -> str:
    """``page`` with the body of every ``<!-- begin: NAME -->`` block replaced by ``blocks[NAME]``.

    Raises:
        ValueError: if a block of ``blocks`` is missing from the page, or the page has a block
            that ``blocks`` lacks.

    Example:
        >>> fill("a\\n<!-- begin: x -->\\nold\\n<!-- end: x -->\\nb", {"x": "new"})
        'a\\n<!-- begin: x -->\\nnew\\n<!-- end: x -->\\nb'
    """
    found = [m.group("name") for m in _BLOCK.finditer(page)]
    missing = sorted(set(blocks) - set(found))
    if missing:
        raise ValueError(f"the page has no block for: {', '.join(missing)}")
    unknown = sorted(set(found) - set(blocks))
    if unknown:
        raise ValueError(f"the page has blocks that nothing renders: {', '.join(unknown)}")
    return _BLOCK.sub(lambda m: m.group(1) + blocks[m.group("name")] + "\n" + m.group(4), page)


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
