"""Verification power at scale: bugs that need a large array, a non-contiguous layout, a late step or a long
list of tensors are caught with the default budget; the faithful copies raise no false alarm under 20 seeds.

The planted kernels (tests/planted/reach_mutants.py) are Adam written as real kernels are: in place, in vectors
of 8 with a remainder loop, in blocks of 4096, on a flat view; and a runner over a list of tensors.
"""
import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reach_mutants import LIST_MUTANTS, MUTANTS, adam, adam_over_lists

import verify.checks.elementwise as elementwise
from derivations import rule as find_rule
from verify import check, dense, laid_out, reference_step
from verify.adapters.ours import kernel_for
from verify.checks.elementwise import without_shrinking
from verify.strategies import sizes, steps


@pytest.mark.parametrize("mutation", MUTANTS)
def test_each_bug_at_scale_is_caught_with_the_default_budget(mutation):
    with without_shrinking():  # caught is the generation phase's (minimal ones: the counterexample tests below)
        report = check("adam", adam(mutation), raise_on_failure=False)
    assert not report.passed, f"{mutation} was not caught"
    c = report.counterexample
    assert c.problem or c.error_ulps > c.allowed_ulps


@pytest.mark.parametrize("mutation", LIST_MUTANTS)
def test_each_list_position_bug_is_caught_with_the_default_budget(mutation):
    with without_shrinking():
        report = check("adam", adam_over_lists(mutation), trajectory=True, raise_on_failure=False)
    assert not report.passed, f"{mutation} was not caught"
    assert "tensor " in report.message() and "cut = lambda a: np.split" in report.repro


@pytest.mark.parametrize("seed", range(20))
def test_the_faithful_kernel_copy_passes_under_20_seeds(seed):
    assert check("adam", adam(None), seed=seed, raise_on_failure=False).passed


@pytest.mark.parametrize("seed", range(20))
def test_the_faithful_list_runner_passes_under_20_seeds(seed):
    assert check("adam", adam_over_lists(None), trajectory=True, seed=seed, raise_on_failure=False).passed


def test_a_block_edge_counterexample_is_compact_and_its_reproduction_replays_it():
    report = check("adam", adam("block_edge_skipped"), raise_on_failure=False)
    c = report.counterexample
    assert isinstance(c.arrays["p"], dict) and c.arrays["p"]["size"] > 4096  # fill value and drawn elements
    assert c.index % 4096 == 0 and c.index > 0
    arrays = {k: dense(v, c.dtype) for k, v in c.arrays.items()}
    expected = reference_step("adam", arrays, c.t, c.hyperparameters, report.conventions, dtype=c.dtype)
    adam("block_edge_skipped")(**arrays, t=c.t, **c.hyperparameters)  # in place, as in the reproduction
    assert expected["p"][c.index] == c.expected and arrays["p"][c.index] == c.got
    assert "dense({'size': " in report.repro


def test_a_layout_counterexample_names_the_layout_and_reproduces_with_it():
    report = check("adam", adam("reshape_copies"), raise_on_failure=False)
    c = report.counterexample
    assert c.layout == "transposed" and "transposed" in report.message()
    assert "laid_out(v, 'transposed')" in report.repro
    arrays = {k: laid_out(dense(v, c.dtype), c.layout) for k, v in c.arrays.items()}
    adam("reshape_copies")(**arrays, t=c.t, **c.hyperparameters)
    assert arrays["p"].reshape(-1)[c.index] == c.got != c.expected


def test_a_late_step_counterexample_is_at_a_counter_edge():
    c = check("adam", adam("float32_step_counter"), raise_on_failure=False).counterexample
    assert 2**24 < c.t <= 2**24 + 8 and float(np.float32(c.t)) != c.t


@pytest.mark.parametrize("rule", ["adam", "sgd", "nadam", "radam", "adagrad", "lion"])
def test_our_kernels_pass_the_runs_at_scale(rule):
    conv = dict(next(iter(find_rule(rule).variants())))
    assert check(rule, kernel_for(rule, conv), conv, raise_on_failure=False).passed


def test_the_runs_reach_every_size_layout_and_counter_edge(monkeypatch):
    drawn = collections.Counter()
    original = elementwise.draw_problem

    def spy(*args, **kwargs):
        problem = original(*args, **kwargs)
        drawn["size", len(problem.grads[0])] += 1
        drawn["layout", problem.layout] += 1
        drawn["offset", next((e for e in steps.COUNTER_EDGES if abs(problem.offset - e) <= 1), None)] += 1
        return problem

    monkeypatch.setattr(elementwise, "draw_problem", spy)
    assert check("adam", kernel_for("adam", {}), raise_on_failure=False).passed
    assert all(drawn["layout", layout] for layout in sizes.LAYOUTS)
    assert all(drawn["offset", edge] for edge in steps.COUNTER_EDGES)
    assert max(n for (kind, n) in drawn if kind == "size") > 2**16
    assert any(drawn["size", n] for n in sizes.remainder_sizes() if n > 8 and n % 8)


def test_a_rule_with_a_cost_in_t_is_not_started_past_its_limit(monkeypatch):
    offsets = []
    original = elementwise.draw_problem

    def spy(*args, **kwargs):  # one draw per example: the problem returned is the one recorded
        problem = original(*args, **kwargs)
        offsets.append(problem.offset)
        return problem

    monkeypatch.setattr(elementwise, "draw_problem", spy)
    check("nadam", kernel_for("nadam", {}), examples=20, raise_on_failure=False)
    assert steps.is_late(max(offsets)) and max(offsets) <= steps.SLOW_T  # late, but NAdam's Π μ_i costs t


# --- the strategies' pieces ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_elements_reach_subnormals_but_keep_squares_finite(dtype):
    """Held-out planted bugs (a kernel flushing subnormals, |x| taken as √(x·x)) passed while no drawn element lay
    below √tiny; elements now reach the smallest subnormals, and stay below max^¼ (squares stay finite)."""
    from verify.strategies.arrays import element, magnitudes

    drawn = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(element(dtype))
    def collect(x):
        drawn.append(abs(x))

    collect()
    info = np.finfo(dtype)
    assert any(0 < x < float(info.tiny) for x in drawn) and any(0 < x < 1e-3 * float(info.tiny) for x in drawn)
    assert max(drawn) <= 10 ** magnitudes(dtype)[1] * (1 + float(info.eps))  # (rounded to the dtype)


column = st.sampled_from([0.0, -0.0, 1.0, np.nan, -np.inf, 5e-324, 0.5])


def _one_fill(fill, size, drawn):
    """A large array's rows: one fill row with a few drawn rows (distinct_columns' fast path)."""
    rows = [fill] * size
    for i, *row in drawn:
        rows[i % size] = tuple(row)
    return rows


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(column, column, column), min_size=1, max_size=200)
       | st.builds(_one_fill, st.tuples(column, column, column), st.integers(65, 400),
                   st.lists(st.tuples(st.integers(0, 399), column, column, column), max_size=12)))
def test_distinct_columns_are_exact_bit_patterns(rows):
    """Each distinct column once (a -0.0 or a NaN stays apart), and every position mapped to its own."""
    arrays = {k: np.array([r[i] for r in rows]) for i, k in enumerate("abc")}
    few, inverse = sizes.distinct_columns(arrays)
    for k in arrays:
        assert np.array_equal(few[k][inverse].view(np.uint64), arrays[k].view(np.uint64))
    assert len(few["a"]) == len({tuple(np.array(r).view(np.uint64)) for r in rows})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0, 2.0, np.nan, np.inf]), st.sampled_from([0.0, 1.0, 2.0, np.nan])),
                min_size=1, max_size=4), st.lists(st.integers(0, 3), min_size=65, max_size=200))
def test_a_long_step_is_judged_on_its_distinct_rows_as_on_every_element(rows, picks):
    """Counts, worst figures and the counterexample (the first position among the worst) are the same whether a
    long step is compared element by element or once per distinct row of (input, output)."""
    inverse = np.array([i % len(rows) for i in picks])
    table = np.array(rows)
    before = {"g": table[inverse, 0]}
    got = {"p": table[inverse, 1]}
    grouped = elementwise.distinct_rows(before, got, ("p",), "float64")
    assert grouped is not None and grouped.counts.sum() == len(picks)

    def judge(g, p, rows_=None):
        tracker = elementwise.ElementwiseTracker()
        expected = np.where(np.isnan(g), 0.5, g)  # a reference and an allowance that are functions of the input
        try:
            tracker.compare("p", p, expected, 0.5 * np.abs(g), np.abs(expected), t=1, dtype="float64",
                            arrays=before, hyper={}, rows=rows_)
        except elementwise.Mismatch:
            pass
        c = tracker.failure
        return (tracker.compared, tracker.unbounded, tracker.worst_ulps, tracker.worst_ratio,
                None if c is None else (c.index, repr(c.expected), repr(c.got), repr(c.error_ulps)))

    assert judge(before["g"], got["p"]) == judge(grouped.values["g"], grouped.values["got", "p"], grouped)


@pytest.mark.parametrize("layout", sizes.LAYOUTS)
@pytest.mark.parametrize("size", [1, 7, 12, 65537])
def test_a_layout_holds_the_array_in_c_order(layout, size):
    a = np.arange(size, dtype=np.float32)
    view = laid_out(a, layout)
    assert np.array_equal(view.reshape(-1), a) and view.shape == sizes.layout_shape(size, layout)
    if layout in ("strided", "transposed") and sizes.rows_of(size) > 1:
        assert not view.flags.c_contiguous


def test_compact_and_dense_round_trip():
    a = np.full(70000, 0.25, dtype=np.float32)
    a[[0, 4096, 69999]] = [-1.0, np.inf, 5.0]
    c = sizes.compact(a)
    assert c == {"size": 70000, "fill": 0.25, "at": {0: -1.0, 4096: np.inf, 69999: 5.0}}
    assert np.array_equal(dense(c, "float32"), a)


def test_edges_hold_the_positions_where_loops_change():
    e = sizes.edges(4097)
    assert {0, 4096, 4095, 1023, 1024} <= set(e) and max(e) == 4096  # 4097 = 4096 + 1: the remainder starts at 4096
