"""``python -m nn hand|xor|iris|moons`` and ``python -m autograd``: what they print, argument checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nn.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr()


def rows(text):
    """The output's lines with runs of spaces collapsed: table rows compare as ``"y5 0.665074 ..."``."""
    return {" ".join(line.split()) for line in text.splitlines()}


def test_hand_prints_the_worked_example_to_six_decimals(capsys):
    out = run_cli(capsys, "hand").out
    assert "2-2-1 sigmoid network" in out
    assert '("Example of Back Propagation in Machine Learning")' in out
    table = rows(out)
    assert "y5 0.665074 0.659554" in table
    assert "delta4 -0.008071 -0.008071" in table
    assert "w23 0.900000 -0.021257 -0.021257 0.878743" in table
    assert "delta4 -0.0819 -0.008071 -0.008186 slip" in table


def test_hand_says_what_its_verdicts_mean(capsys):
    out = run_cli(capsys, "hand").out
    legend = out[out.index("Verdicts:") :]
    for verdict in ("right:", "slip:", "carried:", "'from its own numbers'"):
        assert verdict in legend
    assert "11 slips and 7 carried forward" in out and "a new mistake made at that step" in legend


@pytest.mark.parametrize(
    "argv",
    [
        ["hand"],
        ["xor", "--seeds", "2", "--epochs", "10", "--no-progress"],
        ["iris", "--seeds", "2", "--epochs", "10", "--no-progress"],
        ["moons", "--epochs", "2", "--no-progress"],
    ],
    ids=lambda argv: argv[0],
)
def test_terminal_output_has_no_markdown_syntax(capsys, argv):
    out = run_cli(capsys, *argv).out
    assert "**" not in out and "|" not in out and "---|" not in out


def test_xor_one_seed_prints_the_loss_log_and_a_table(capsys):
    out = run_cli(
        capsys, "xor", "--setup", "tutorial1", "--seed", "2", "--epochs", "300", "--no-progress"
    ).out
    assert "XOR with a 2-4-1 sigmoid network" in out and "epochs 300" in out
    assert '(from "Back Propagation Implementation in Python for XOR Problem")' in out
    assert "epoch      0  mean squared error" in out
    assert "seed MSE at epoch 0 final MSE outputs for 00 01 10 11 solved" in rows(out)
    assert any(row.startswith("1 seeds all ") for row in rows(out))


def test_xor_tutorial_2_is_labelled_with_what_it_prints(capsys):
    """It trains on mean BCE but prints the MSE (0.25 when stuck; the BCE would be 0.693)."""
    out = run_cli(
        capsys, "xor", "--setup", "tutorial2", "--seed", "0", "--epochs", "100", "--no-progress"
    ).out
    assert "trained on mean BCE" in out
    assert '(from "Learn how neural networks learn through backpropagation")' in out
    assert "epoch      0  mean squared error 0.2500" in out
    assert "0 0.2500 0.2500 0.5000 0.5000 0.5000 0.5000 no" in rows(out)


def test_xor_overrides_and_several_seeds(capsys):
    captured = run_cli(
        capsys,
        "xor",
        "--setup",
        "tutorial2",
        "--seeds",
        "2",
        "--epochs",
        "200",
        "--lr",
        "0.5",
        "--init-scale",
        "1",
    )
    out = captured.out
    assert "epochs 200, lr 0.5, init scale 1" in out
    table = rows(out)
    assert any(row.startswith("0 ") for row in table) and any(row.startswith("1 ") for row in table)
    assert any(row.startswith("2 seeds ") for row in table)
    assert "200/200" in captured.err or "100%" in captured.err  # the progress bar went to stderr


def test_xor_all_runs_the_three_setups(capsys):
    out = run_cli(capsys, "xor", "--seeds", "1", "--epochs", "10", "--no-progress").out
    assert out.count("XOR with a 2-4-1 sigmoid network") == 3
    assert "tutorial 1:" in out and "tutorial 2:" in out and "init 1 + lr 0.5" in out


def test_iris_default_uses_the_tutorials_seeds(capsys):
    out = run_cli(capsys, "iris", "--epochs", "20", "--no-progress").out
    assert "the tutorial's own seeds (weights 10, split 4)" in out
    assert '"Backpropagation in Python - A Quick Guide"' in out
    assert any(row.startswith("10 (split 4) ") for row in rows(out))


def test_iris_several_seeds_ends_with_means(capsys):
    out = run_cli(capsys, "iris", "--seeds", "2", "--epochs", "10", "--no-progress").out
    assert any(row.startswith("mean of 2 ") for row in rows(out))


def test_moons_prints_steps_and_a_table(capsys):
    out = run_cli(capsys, "moons", "--epochs", "5", "--seed", "3", "--no-progress").out
    assert "MLP(2, [16, 16, 1])" in out
    assert "step   4  loss" in out
    table = rows(out)
    assert any(row.startswith("seed loss at the last step ") for row in table)
    assert any(row.startswith("3 ") for row in table)


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "the following arguments are required"),
        (["train"], "invalid choice: 'train'"),
        (["xor", "--epochs", "0"], "must be a positive integer, got 0"),
        (["xor", "--setup", "tutorial3"], "invalid choice: 'tutorial3'"),
        (["xor", "--lr", "-1"], "must be a positive number, got -1"),
        (["moons", "--epochs", "ten"], "invalid _positive_int value"),
    ],
)
def test_bad_arguments_exit_with_a_usage_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_python_dash_m_nn_runs():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "nn", "hand"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "y5 0.665074 0.659554" in rows(result.stdout)


def test_python_dash_m_autograd_has_help_and_runs():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for argv, expected in [(["--help"], "usage: python -m autograd"), ([], "d loss / d a = +0.580972")]:
        result = subprocess.run(
            [sys.executable, "-m", "autograd", *argv], capture_output=True, text=True, env=env, cwd=ROOT
        )
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "autograd", "--seed", "1"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert result.returncode == 2 and "unrecognized arguments: --seed 1" in result.stderr


def test_without_tqdm_a_plain_bar_shows_progress(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes "from tqdm.auto import tqdm" fail
    err = run_cli(capsys, "xor", "--setup", "tutorial2", "--seeds", "1", "--epochs", "40").err
    assert "[####################] 100% tutorial2" in err
