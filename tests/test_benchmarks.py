"""The benchmarks' workloads compute the same thing in every peer (no timing here).

``make bench`` times these functions; these tests keep them honest and runnable: on small
inputs, every peer's losses must agree with micrograd's (or numpy's) from the same weights.
"""

import numpy as np
import pytest

from benchmarks import harness, loop, workload_a, workload_b, workload_s


def losses_of(make_step, steps, X, y):
    step = make_step(workload_a.initial_weights(), X, y)
    return [float(step(k)) for k in range(steps)]


@pytest.mark.parametrize(
    "peer", ["chainrule", "chainrule-tape", "chainrule-straight-line", "chainrule-batched", "torch"]
)
def test_workload_a_peers_follow_micrograds_losses(peer):
    X, y = workload_a.data(16)
    expected = losses_of(workload_a.micrograd_step, 3, X, y)
    got = losses_of(workload_a.STEPS[peer], 3, X, y)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert expected[0] != expected[1]  # the steps really update the weights


@pytest.mark.parametrize(
    "batched, replay, straight_line",
    [
        (False, False, None),
        (False, True, None),
        (False, True, False),
        (True, False, None),
        (True, True, None),
    ],
    ids=str,
)
def test_workload_s_chainrule_variants_match_the_numpy_loop(batched, replay, straight_line):
    expected = workload_s.numpy_loop(30)
    got = workload_s.chainrule(30, batched=batched, replay=replay, straight_line=straight_line)
    assert got == pytest.approx(expected, rel=1e-9)


def test_workload_s_loop_as_users_write_it_matches_the_numpy_loop():
    assert workload_s.chainrule_as_users_write_it(30) == pytest.approx(workload_s.numpy_loop(30), rel=1e-9)


@pytest.mark.parametrize("make", [loop.chainrule_operations, loop.torch_operations])
def test_the_loop_benchmark_runs_every_operation_on_the_same_model_size(make):
    count, operations = make([4, 1])
    assert count == 17 and list(operations) == loop.OPERATIONS
    for operation in operations.values():
        operation()


def test_workload_s_torch_matches_the_numpy_loop():
    assert workload_s.torch_loop(30) == pytest.approx(workload_s.numpy_loop(30), rel=1e-9)


def test_workload_b_builds_the_same_graph_in_both_engines():
    from micrograd.engine import Value as MicrogradValue

    from autograd import Value

    ours, _ = workload_b.build(Value, samples=3)
    theirs, _ = workload_b.build(MicrogradValue, samples=3)
    a, b = ours(), theirs()
    assert harness.count_nodes(a) == harness.count_nodes(b)
    assert a.data == pytest.approx(b.data, rel=1e-12)


def test_report_helpers():
    assert harness.fmt_time(0.0123) == "12.3 ms"
    assert harness.fmt_time(2.5e-5) == "25 us"
    assert harness.fmt_time(1.5) == "1.50 s"
    assert harness.fmt_ratio(41.26) == "41.3x" and harness.fmt_ratio(938.4) == "938x"
    assert harness.table(["a", "b"], [[1, 2]]) == ["| a | b |", "| --- | --- |", "| 1 | 2 |"]
    assert harness.Section("T", ["x"]).markdown() == "## T\n\nx\n"
    info = harness.machine()
    assert {"cpu", "cores", "python", "numpy", "torch", "micrograd", "date"} <= set(info)
    assert np.isfinite(float(info["cores"]))
