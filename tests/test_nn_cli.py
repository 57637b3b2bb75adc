"""``python -m nn hand|xor|iris|moons``: what each command prints, and its argument checks."""

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


def test_hand_prints_the_worked_example_to_six_decimals(capsys):
    out = run_cli(capsys, "hand").out
    assert "2-2-1 sigmoid network" in out
    assert "| y5 | 0.665074 | 0.659554 |" in out
    assert "| delta4 | -0.008071 | -0.008071 |" in out
    assert "| w23 | 0.900000 | -0.021257 | -0.021257 | 0.878743 |" in out
    assert "| delta4 | -0.0819 | -0.008071 | -0.008186 | slip |" in out


def test_xor_one_seed_prints_the_loss_log_and_a_table(capsys):
    out = run_cli(
        capsys, "xor", "--setup", "tutorial1", "--seed", "2", "--epochs", "300", "--no-progress"
    ).out
    assert "XOR with a 2-4-1 sigmoid network" in out and "epochs 300" in out
    assert "epoch      0  mean squared error" in out
    assert "| seed | loss at epoch 0 | final loss | outputs for 00 01 10 11 | solved |" in out
    assert "| **1 seeds** |" in out


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
    assert "| 0 |" in out and "| 1 |" in out and "| **2 seeds** |" in out
    assert "200/200" in captured.err or "100%" in captured.err  # the progress bar went to stderr


def test_xor_all_runs_the_three_setups(capsys):
    out = run_cli(capsys, "xor", "--seeds", "1", "--epochs", "10", "--no-progress").out
    assert out.count("XOR with a 2-4-1 sigmoid network") == 3
    assert "tutorial 1:" in out and "tutorial 2:" in out and "init 1 + lr 0.5" in out


def test_iris_default_uses_the_tutorials_seeds(capsys):
    out = run_cli(capsys, "iris", "--epochs", "20", "--no-progress").out
    assert "the tutorial's own seeds (weights 10, split 4)" in out
    assert "| 10 (split 4) |" in out


def test_iris_several_seeds_ends_with_means(capsys):
    out = run_cli(capsys, "iris", "--seeds", "2", "--epochs", "10", "--no-progress").out
    assert "| **mean of 2** |" in out


def test_moons_prints_steps_and_a_table(capsys):
    out = run_cli(capsys, "moons", "--epochs", "5", "--seed", "3", "--no-progress").out
    assert "MLP(2, [16, 16, 1])" in out
    assert "step   4  loss" in out
    assert "| seed | loss at the last step |" in out and "| 3 |" in out


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
    assert "| y5 | 0.665074 | 0.659554 |" in result.stdout


def test_without_tqdm_a_plain_bar_shows_progress(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes "from tqdm.auto import tqdm" fail
    err = run_cli(capsys, "xor", "--setup", "tutorial2", "--seeds", "1", "--epochs", "40").err
    assert "[####################] 100% tutorial2" in err
