"""``python -m nn hand|xor|iris|moons``: replay the tutorials and print their true numbers.

Example:
    >>> main(["hand"])                             # doctest: +ELLIPSIS
    The hand-computed example of a backpropagation walkthrough...
    0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from nn.tutorials.errata import (
    iris_record,
    moons_record,
    render_hand_blocks,
    render_iris_table,
    render_moons_table,
    render_xor_table,
    xor_record,
)
from nn.tutorials.hand import INPUTS, LEARNING_RATE, TARGET
from nn.tutorials.hand_explain import hand_derivation
from nn.tutorials.iris import TUTORIAL_SPLIT_SEED, TUTORIAL_WEIGHT_SEED, iris_better_run, iris_tutorial_run
from nn.tutorials.moons import moons_demo
from nn.tutorials.plain_text import plain
from nn.tutorials.titles import HAND_TITLE, IRIS_TITLE, MOONS_TITLE, XOR_TITLES
from nn.tutorials.xor import TUTORIAL_1, TUTORIAL_2, TUTORIAL_2_FIXED, XorSetup, xor_run

__all__ = ["main"]

# What the errata table's verdicts mean (the page, docs/tutorial_errata.md, says it in prose).
VERDICTS = (
    "right:   the printed number is the true one, to the decimals printed",
    "slip:    wrong even when recomputed from the walkthrough's own earlier (printed, rounded)\n"
    "         numbers: a new mistake made at that step",
    "carried: follows from the walkthrough's own earlier numbers, so it is wrong only because an\n"
    "         earlier mistake was carried forward",
    "'from its own numbers' is that recomputation: this step's formula applied to the printed inputs",
)

XOR_CHOICES = {
    "tutorial1": TUTORIAL_1,
    "tutorial2": TUTORIAL_2,
    "fixed": TUTORIAL_2_FIXED,
}


class _TextBar:
    """A plain progress bar for when tqdm is not installed: ``[#####.....] 50% desc``."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.done, self._shown = total, desc, 0, -1

    def update(self, n: int = 1) -> None:
        self.done += n
        percent = 100 * self.done // self.total
        if percent != self._shown:
            self._shown = percent
            filled = percent // 5
            print(
                f"\r[{'#' * filled}{'.' * (20 - filled)}] {percent:3d}% {self.desc}", end="", file=sys.stderr
            )

    def close(self) -> None:
        print(file=sys.stderr)


def _progress_bar(total: int, desc: str, enabled: bool, unit: str = "epoch") -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional (the "progress" extra)
        return _TextBar(total, desc)
    return tqdm(total=total, desc=desc, unit=unit, mininterval=0.25)


def _hand(args: argparse.Namespace) -> None:
    if args.explain:
        print(hand_derivation())
        return
    print(
        f'The hand-computed example of a backpropagation walkthrough ("{HAND_TITLE}"):\n'
        "a 2-2-1 sigmoid network without biases, inputs "
        f"{INPUTS}, target {TARGET}, learning rate {LEARNING_RATE:g};\n"
        "one forward pass, the delta rule, backward(), one update, and the forward pass again.\n"
        "Every number to 6 decimals.\n"
    )
    blocks = render_hand_blocks()
    for title, name in [
        ("Forward pass", "hand-forward"),
        ("Error terms", "hand-deltas"),
        ("Weights", "hand-weights"),
        ("What the walkthrough printed", "hand-errata"),
    ]:
        print(f"{title}\n\n{plain(blocks[name])}\n")
    print("Verdicts:\n" + "\n".join("  " + line.replace("\n", "\n  ") for line in VERDICTS) + "\n")


def _xor(args: argparse.Namespace) -> None:
    names = list(XOR_CHOICES) if args.setup == "all" else [args.setup]
    seeds = [args.seed] if args.seed is not None else list(range(args.seeds))
    for name in names:
        setup = _xor_setup(XOR_CHOICES[name], args)
        epochs = setup.epochs
        title = XOR_TITLES.get(name, XOR_TITLES["tutorial2"])
        print(
            f"XOR with a 2-4-1 sigmoid network, {setup.description}\n"
            f'(from "{title}"); {len(seeds)} seed(s): {", ".join(map(str, seeds))}.\n'
            "The tutorials print the mean squared error (MSE) of the predictions, whatever they train on."
        )
        bar = _progress_bar(len(seeds) * epochs, name, args.progress)
        runs = [xor_run(setup, seed, on_epoch=bar.update if bar else None) for seed in seeds]
        if bar:
            bar.close()
        if len(seeds) == 1:
            for epoch, loss in runs[0].logged.items():
                print(f"  epoch {epoch:6d}  mean squared error {loss:.4f}")
        print()
        print(plain(render_xor_table(setup, [xor_record(run) for run in runs])))
        print()


def _xor_setup(setup: XorSetup, args: argparse.Namespace) -> XorSetup:
    changes = {
        key: value
        for key, value in (("epochs", args.epochs), ("lr", args.lr), ("init_scale", args.init_scale))
        if value is not None
    }
    if not changes:
        return setup
    label = ", ".join(f"{key.replace('_', ' ')} {value:g}" for key, value in changes.items())
    return setup.changed(label, **changes)


def _iris(args: argparse.Namespace) -> None:
    if args.seeds:
        pairs = [(seed, seed) for seed in range(args.seeds)]
        which = f"seeds 0..{args.seeds - 1} (each: its own weights and its own split)"
    elif args.seed is not None:
        pairs = [(args.seed, args.seed)]
        which = f"seed {args.seed} (weights and split)"
    else:
        pairs = [(TUTORIAL_WEIGHT_SEED, TUTORIAL_SPLIT_SEED)]
        which = f"the tutorial's own seeds (weights {TUTORIAL_WEIGHT_SEED}, split {TUTORIAL_SPLIT_SEED})"
    print(
        f'Iris, from "{IRIS_TITLE}", 20 held-out samples: the tutorial\'s 4-2-3\n'
        "sigmoid network (squared error, SGD lr 0.1, labels one-hot) beside a better setup\n"
        f"(standardized inputs, 4-4-3 tanh, softmax cross-entropy, Adam lr 0.05); {which}."
    )
    one_run = len(pairs) == 1
    bar = _progress_bar(len(pairs), "iris", args.progress and not one_run, unit="seed")
    iterations = {} if args.epochs is None else {"iterations": args.epochs}
    tutorial, better = [], []
    for weight_seed, split_seed in pairs:
        run = iris_tutorial_run(weight_seed, split_seed, progress=args.progress and one_run, **iterations)
        tutorial.append(iris_record(run))
        better.append(iris_record(iris_better_run(split_seed, progress=args.progress and one_run)))
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    print()
    print(plain(render_iris_table(tutorial, better)))


def _moons(args: argparse.Namespace) -> None:
    print(
        f"{MOONS_TITLE}: MLP(2, [16, 16, 1]) relu, 100 moons points (seed {args.seed}), hinge loss\n"
        f"+ 1e-4 L2, SGD with lr 1.0 - 0.9 * k / {args.epochs}, {args.epochs} full-batch steps."
    )
    result = moons_demo(seed=args.seed, steps=args.epochs, progress=args.progress)
    every = max(1, args.epochs // 10)
    for step, (loss, acc) in enumerate(zip(result.history.loss, result.history["accuracy"])):
        if step % every == 0 or step == args.epochs - 1:
            print(f"  step {step:3d}  loss {loss:.4f}  accuracy {100 * acc:.0f}%")
    print()
    print(plain(render_moons_table([moons_record(result)])))


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nn",
        description="Replay the backprop tutorials with chainrule and print their true numbers "
        "(see docs/tutorial_errata.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{hand,xor,iris,moons}")
    _add_hand_command(commands)
    _add_xor_command(commands)
    _add_iris_command(commands)
    _add_moons_command(commands)
    return parser


def _add_command(
    commands: Any, name: str, handler: Callable[[argparse.Namespace], None], help: str
) -> argparse.ArgumentParser:
    """A subcommand with the options every command has (``--no-progress``)."""
    sub: argparse.ArgumentParser = commands.add_parser(name, help=help, description=help)
    sub.add_argument("--no-progress", dest="progress", action="store_false", help="hide progress bars")
    sub.set_defaults(handler=handler)
    return sub


def _add_hand_command(commands: Any) -> None:
    hand = _add_command(
        commands,
        "hand",
        _hand,
        f'the hand-computed 2-2-1 example of a backprop walkthrough ("{HAND_TITLE}"): '
        "every forward value, delta and updated weight",
    )
    hand.add_argument(
        "--explain",
        action="store_true",
        help="derive the backward pass step by step, in the walkthrough's notation",
    )


def _add_xor_command(commands: Any) -> None:
    xor = _add_command(
        commands,
        "xor",
        _xor,
        "XOR with a 2-4-1 sigmoid network as two numpy tutorials train it, over seeds: tutorial 1 "
        f'("{XOR_TITLES["tutorial1"]}") and tutorial 2 ("{XOR_TITLES["tutorial2"]}")',
    )
    xor.add_argument(
        "--setup",
        choices=[*XOR_CHOICES, "all"],
        default="all",
        help="tutorial1, tutorial2, fixed (tutorial 2 with unit-scale init and lr 0.5) or all (default)",
    )
    xor.add_argument("--seeds", type=_positive_int, default=3, help="train seeds 0..N-1 (default 3)")
    xor.add_argument("--seed", type=int, help="train this one seed and print its loss log")
    xor.add_argument("--epochs", type=_positive_int, help="override the setup's epochs")
    xor.add_argument("--lr", type=_positive_float, help="override the setup's learning rate")
    xor.add_argument("--init-scale", type=_positive_float, help="override the setup's weight scale")


def _add_iris_command(commands: Any) -> None:
    iris = _add_command(
        commands, "iris", _iris, f'iris: the 4-2-3 sigmoid network of "{IRIS_TITLE}" beside a better setup'
    )
    iris.add_argument(
        "--seed", type=int, help="weights and split seed (default: the tutorial's own, 10 and 4)"
    )
    iris.add_argument("--seeds", type=_positive_int, help="run seeds 0..N-1 instead")
    iris.add_argument(
        "--epochs", type=_positive_int, help="iterations of the tutorial's setup (default 5000)"
    )


def _add_moons_command(commands: Any) -> None:
    moons = _add_command(
        commands, "moons", _moons, "micrograd's demo: MLP(2, [16, 16, 1]) on 100 moons points"
    )
    moons.add_argument("--seed", type=int, default=0, help="seed of the points and weights (default 0)")
    moons.add_argument("--epochs", type=_positive_int, default=100, help="SGD steps (default 100)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.handler(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
