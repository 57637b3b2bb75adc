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
    "peer",
    [
        "chainrule",
        "chainrule-tape",
        "chainrule-straight-line",
        "chainrule-batched",
        "chainrule-batched-as-written",
        "torch",
    ],
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


# --- workload M and micrograd's demo as written: user programs run with a stated change --------


@pytest.fixture
def global_random_state():
    """The programs seed Python's and numpy's global generators, as scripts do: restore them."""
    import random

    state, np_state = random.getstate(), np.random.get_state()
    yield
    random.setstate(state)
    np.random.set_state(np_state)


def train(module, steps):
    return [module.train_step(k) for k in range(steps)]


@pytest.fixture(scope="module")
def minimal_losses():
    import random

    from benchmarks import workload_m

    state = random.getstate()
    try:
        return train(workload_m.program("minimal"), 2)
    finally:
        random.setstate(state)


@pytest.mark.usefixtures("global_random_state")
def test_workload_m_drop_in_gives_the_minimal_class_losses(minimal_losses):
    from benchmarks import workload_m

    drop_in = workload_m.program("chainrule")
    assert drop_in.Value.__module__ == "autograd.value"  # the import really replaced the class
    assert train(drop_in, 2) == pytest.approx(minimal_losses, rel=1e-12, abs=0)
    assert minimal_losses[0] != minimal_losses[1]


@pytest.mark.usefixtures("global_random_state")
# chainrule-replay: logsumexp is not exp/sum/log's arithmetic, but agrees to a few ulp
@pytest.mark.parametrize(
    "peer, tolerance", [("chainrule-idioms", 1e-12), ("chainrule-replay", 1e-12), ("torch", 1e-9)]
)
def test_workload_m_other_peers_follow_the_minimal_class(minimal_losses, peer, tolerance):
    from benchmarks import workload_m

    program = workload_m.program(peer)
    step = workload_m.torch_program(program) if peer == "torch" else program.train_step
    assert [step(k) for k in range(2)] == pytest.approx(minimal_losses, rel=tolerance, abs=0)


@pytest.mark.usefixtures("global_random_state")
def test_workload_m_micrograd_with_exp_and_log_computes_the_same_loss():
    from benchmarks import workload_m

    minimal, micrograd = workload_m.program("minimal"), workload_m.program("micrograd")
    name = "al"  # a short name keeps micrograd's graph small
    loss, theirs = minimal.loss_of(name), micrograd.loss_of(name)
    assert theirs.data == pytest.approx(loss.data, rel=1e-12)
    # the same graph, node for node (micrograd keeps a node's inputs in a set: count nodes only)
    nodes = workload_m.graph_size(loss, lambda v: v._children)[0]
    assert workload_m.graph_size(theirs, lambda v: tuple(v._prev))[0] == nodes
    loss.backward()
    theirs.backward()
    assert [p.grad for p in micrograd.params] == pytest.approx([p.grad for p in minimal.params], rel=1e-9)


def test_workload_m_variants_change_only_the_stated_lines():
    import difflib

    from benchmarks import workload_m

    written = workload_m.source("minimal").splitlines()
    idioms = workload_m.source("chainrule-idioms").splitlines()
    drop_in = workload_m.source("chainrule").splitlines()
    added = [line for line in difflib.ndiff(written, drop_in) if line.startswith("+ ")]
    assert added == ["+ from autograd import Value"]
    changed = [line for line in difflib.ndiff(drop_in, idioms) if line.startswith("+ ")]
    new_lines = [line for _, new, _ in workload_m.IDIOMS for line in new.strip("\n").split("\n")]
    assert len(changed) == len(new_lines) + len(workload_m.IDIOMS_IMPORT.split("\n"))
    for old, _, _ in workload_m.IDIOMS:
        assert old not in "\n".join(idioms)


def test_workload_m_counts_nodes_and_edges():
    from autograd import Value
    from benchmarks.workload_m import graph_size

    x = Value(2.0)
    y = x * x + 1.0  # x, the constant 1.0, x * x (two inputs: x twice), the sum
    assert graph_size(y, lambda v: v.parents) == (4, 4)


def test_variants_refuse_edits_that_do_not_match_exactly_once():
    from benchmarks.variants import apply_edits, replace_class

    with pytest.raises(ValueError, match="exactly once"):
        apply_edits("a = 1\na = 1\n", [("a = 1", "a = 2")])
    with pytest.raises(ValueError, match="exactly once"):
        apply_edits("a = 1\n", [("b = 1", "b = 2")])
    with pytest.raises(ValueError, match="one top-level class 'Value'"):
        replace_class("x = 1\n", "Value", "from autograd import Value")


@pytest.mark.usefixtures("global_random_state")
def test_micrograds_demo_with_imports_switched_gives_micrograds_losses():
    from benchmarks import demo_as_written

    micrograd, chainrule = demo_as_written.program("micrograd"), demo_as_written.program("chainrule")
    assert chainrule.Value.__module__ == "autograd.value"
    assert chainrule.train_step(0) == pytest.approx(micrograd.train_step(0), rel=1e-12, abs=0)
    # one step of micrograd takes seconds: the updated weights stand in for the next losses
    updated = [p.data for p in micrograd.model.parameters()]
    assert [p.data for p in chainrule.model.parameters()] == pytest.approx(updated, rel=1e-12, abs=1e-15)


@pytest.mark.usefixtures("global_random_state")
def test_workload_m_replay_peer_records_once_per_length_without_freezing_data():
    import warnings

    from benchmarks import workload_m

    replay, minimal = workload_m.program("chainrule-replay"), workload_m.program("minimal")
    names = replay.names
    length = len(names[0])
    same = next(k for k in range(1, len(names)) if len(names[k]) == length and names[k] != names[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a FrozenDataWarning would fail: no .data read is left
        first = replay.loss_of(names[0])
        assert len(replay.loss_of_tokens) == 1
        again = replay.loss_of(names[same])  # a replay of the same recording, new token ids
    assert again is first and len(replay.loss_of_tokens) == 1
    assert again.data == pytest.approx(minimal.loss_of(names[same]).data, rel=1e-12, abs=0)
