"""The elementwise probe (verify/adapters/coupling.py) on plain NumPy runs: an elementwise optimizer passes,
each planted coupling — within a tensor, across tensors, only after a few steps — is found and described,
randomness is replayed, a run that refuses vectors is probed on matrices, and one that runs on nothing is
reported with its error.  The same probe on torch and optax fakes is in test_ecosystem.py."""
import numpy as np

from verify.adapters.coupling import LAYOUTS, STEPS, probe


def _runner(direction):
    """run(inputs, gradients, lr) of p ← p − lr·direction(list of gradients, step), as a Target's runner."""
    def run(inputs, gradients, lr):
        params, out = [p.copy() for p in inputs["p"]], []
        for t, (grads, rate) in enumerate(zip(gradients, lr), start=1):
            for p, d in zip(params, direction(grads, t)):
                p -= rate * d
            out.append([p.copy() for p in params])
        return out
    return run


def test_an_elementwise_optimizer_passes():
    result = probe(_runner(lambda gs, t: [np.sign(g) * np.sqrt(np.abs(g)) for g in gs]), 0.1)
    assert result.elementwise and result.layout == LAYOUTS[0] and result.describe() == ""


def test_a_norm_within_a_tensor_is_found():
    result = probe(_runner(lambda gs, t: [g / np.linalg.norm(g) for g in gs]), 0.1)
    assert not result.elementwise
    assert "changing only the gradient of p[1][0, 0] changed p[1][0, 1] (the same tensor) after step 1" \
        in result.describe()


def test_a_global_norm_is_found_across_tensors():
    def clipped(gs, t):
        total = np.sqrt(sum((g * g).sum() for g in gs))
        return [g / max(1.0, total) for g in gs]
    assert "changed p[0][0] (another tensor) after step 1" in probe(_runner(clipped), 0.1).describe()


def test_a_coupling_that_starts_late_is_found_at_its_step():
    """A global statistic switched on at step 8 (D-Adaptation's estimate grows after a few steps): within STEPS."""
    late = 8
    assert late <= STEPS

    def adaptive(gs, t):
        scale = 1.0 + (t >= late) * 1e-6 * sum(float(np.abs(g).sum()) for g in gs)
        return [g * scale for g in gs]
    assert f"after step {late}," in probe(_runner(adaptive), 0.1).describe()


def test_a_randomised_elementwise_optimizer_is_replayed_not_flagged():
    def noisy(gs, t):
        return [g + 0.01 * np.random.standard_normal(g.shape) for g in gs]  # the global NumPy generator
    assert probe(_runner(noisy), 0.1).elementwise


def test_a_matrix_only_optimizer_is_probed_on_matrices():
    def matrices_only(gs, t):
        if any(g.ndim != 2 for g in gs):
            raise ValueError("only supports 2D parameters")
        return [g - g.mean(axis=1, keepdims=True) for g in gs]
    result = probe(_runner(matrices_only), 0.1)
    assert result.layout == LAYOUTS[1] and "(the same tensor)" in result.describe()


def test_one_that_runs_on_nothing_is_reported_with_its_error():
    def refuses(gs, t):
        raise RuntimeError("needs parameter groups\nwith use_muon")
    result = probe(_runner(refuses), 0.1)
    assert result.layout is None and not result.elementwise
    assert result.describe() == "it does not run as a per-parameter optimizer on a plain list of tensors: " \
                                "RuntimeError: needs parameter groups"


def test_one_that_refuses_float64_is_probed_in_float32():
    def float32_only(gs, t):
        if any(g.dtype != np.float32 for g in gs):
            raise RuntimeError("expected dtype float but got dtype double")
        return [g / np.linalg.norm(g) for g in gs]
    result = probe(_runner(float32_only), 0.1)
    assert result.layout == LAYOUTS[0] and "(the same tensor)" in result.describe()


def test_coupled_only_where_a_matrix_is_is_surveyable_on_vectors():
    """AdamP-like: a projection applied to matrices only; on vectors the optimizer is elementwise."""
    def projects_matrices(gs, t):
        return [g - g.mean(axis=1, keepdims=True) if g.ndim == 2 else np.tanh(g) for g in gs]
    result = probe(_runner(projects_matrices), 0.1)
    assert not result.elementwise and result.vectors_elementwise and result.surveyable
    assert result.describe().startswith("elementwise on vectors only, so this row holds for 1-D parameters: with a "
                                        "matrix, changing only the gradient of p[1][0, 0] changed p[1][0, 1]")


def test_coupled_on_vectors_too_is_not_surveyable():
    result = probe(_runner(lambda gs, t: [g / np.linalg.norm(g) for g in gs]), 0.1)
    assert not result.vectors_elementwise and not result.surveyable


def test_a_coupling_across_tensors_is_global_even_if_a_vectors_run_misses_it():
    """A global statistic that moves a vector's step when a matrix's gradient changes is not vectors-only, though
    it happens to stay put in a run on vectors alone (as Prodigy's estimate can for ten steps)."""
    def global_on_matrices(gs, t):
        scale = 1.0 + 1e-6 * sum(float(np.abs(g).sum()) for g in gs if g.ndim == 2)
        return [g * scale for g in gs]
    result = probe(_runner(global_on_matrices), 0.1)
    assert "(another tensor)" in result.describe() and not result.surveyable
