"""Mixup, label smoothing, initialisations and the bias–variance Monte Carlo: the kernels pass their checks (the
statistical ones under 20 seeds), every planted mutant is caught, and the frameworks' conventions are found by
running them."""
import os

import initmix_mutants as M
import numpy as np
import pytest

from verify.checks import label_smoothing as LS
from verify.checks import mixup as MX


# ---- mixup ----
def test_mixup_kernels_pass():
    for r in (MX.check_mixing(), MX.check_loss(), MX.check_loss(MX.loss_of_mixed_label), MX.check_statistical(),
              MX.check_statistical(MX.loss_of_mixed_label)):
        assert r.passed, r.message()
        assert r.worst_ratio <= 1 and r.examples > 0


@pytest.mark.parametrize("seed", range(1, 21))
def test_mixup_statistical_no_false_alarm_under_20_seeds(seed):
    r = MX.check_statistical(seed=seed, examples=2, replications=5000)
    assert r.passed, r.message()


MIXUP_MUTANTS = {
    "mixing: λ not mixed into the labels": lambda: MX.check_mixing(M.mixing_labels_not_mixed),
    "mixing: labels mixed with 1 − λ": lambda: MX.check_mixing(M.mixing_labels_one_minus),
    "loss: λ not mixed into the labels (linearity)": lambda: MX.check_loss(M.loss_label_not_mixed),
    "loss: λ not mixed into the labels (statistical)": lambda: MX.check_statistical(M.loss_label_not_mixed),
    "loss: λ² weights": lambda: MX.check_loss(M.loss_lambda_squared),
    "claim: Var[λ] = 1/12 for every a": lambda: MX.check_statistical(estimator=M.MIXUP_UNIFORM_VARIANCE),
}


@pytest.mark.parametrize("mutant", MIXUP_MUTANTS)
def test_mixup_mutant_caught(mutant):
    r = MIXUP_MUTANTS[mutant]()
    assert not r.passed and r.counterexample["claimed"] != r.counterexample["found"], r.message()


def test_mixup_takes_randomness_as_arguments():
    from kernels import beta_moments, mixup, mixup_loss, soft_cross_entropy

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), np.eye(3)[[0, 1, 2, 0]]
    perm = np.array([1, 0, 3, 2])
    xt, yt = mixup(x, y, 0.25, perm)
    assert np.allclose(xt, 0.25 * x + 0.75 * x[perm]) and np.allclose(yt, 0.25 * y + 0.75 * y[perm])
    assert np.allclose(mixup_loss(x, y, y[perm], 0.25), soft_cross_entropy(x, yt))
    assert beta_moments(1.0) == (0.5, 1 / 12)
    with pytest.raises(ValueError, match="perm"):
        mixup(x, y, 0.5, np.array([0, 0, 1, 2]))
    with pytest.raises(ValueError, match="lam"):
        mixup(x, y, 1.5, perm)
    with pytest.raises(ValueError, match="lam"):
        mixup_loss(x, y, y, np.array([0.5, 2.0, 0.1, 0.2]))
    with pytest.raises(ValueError, match="targets"):
        soft_cross_entropy(x, -y)
    with pytest.raises(ValueError, match="logits"):
        soft_cross_entropy(np.full((2, 3), np.nan), np.eye(3)[[0, 1]])


# ---- label smoothing ----
@pytest.mark.parametrize("spread", ["all", "others"])
def test_smoothing_kernel_passes(spread):
    r = LS.check_targets(smoothing=spread)
    assert r.passed, r.message()


@pytest.mark.parametrize("mutant", [M.smooth_eps_over_k_minus_1, M.smooth_true_keeps_one_minus_eps])
def test_smoothing_mutant_caught(mutant):
    r = LS.check_targets(mutant, "all")
    assert not r.passed, r.message()


def test_smoothing_kernel_rejects_bad_arguments():
    from kernels import smooth_labels

    with pytest.raises(ValueError, match="eps"):
        smooth_labels(np.eye(3), 1.5)
    with pytest.raises(ValueError, match="onehot"):
        smooth_labels(np.full((2, 3), 0.5), 0.1)
    with pytest.raises(ValueError, match="spread"):
        smooth_labels(np.eye(3), 0.1, "some")


@pytest.mark.parametrize("peer", [0, 1, 2], ids=["torch", "optax", "keras"])
def test_framework_label_smoothing_spreads_over_all_classes(peer):
    """Found by running: torch's cross_entropy(label_smoothing), optax.smooth_labels and keras'
    CategoricalCrossentropy all spread ε over all K classes (ε/K, the true class keeps 1 − ε + ε/K)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    from verify.adapters.frameworks.label_smoothing import PEERS

    framework, name, loss, package = PEERS[peer]
    pytest.importorskip(package)
    jit = framework != "torch"  # JAX compiles per shape: one fixed shape, drawn values
    found = LS.survey(loss, examples=3 if jit else 5, name=name, shape=(4, 5) if jit else None)
    assert found["all"].passed, found["all"].message()
    assert not found["others"].passed


# ---- initialisations ----
from verify.checks import initialization as INIT  # noqa: E402

KERNEL_CLAIMS = [INIT.Claim("fan_avg", "torch", 1.0, "uniform"), INIT.Claim("fan_avg", "keras", 1.0, "normal"),
                 INIT.Claim("fan_in", "torch", 2.0, "normal"), INIT.Claim("fan_out", "keras", 2.0, "uniform"),
                 INIT.Claim("fan_in", "keras", 2.0, "truncated_normal")]


@pytest.mark.parametrize("claim", KERNEL_CLAIMS, ids=lambda c: c.describe())
def test_initialization_kernel_passes(claim):
    r = INIT.check_initializer(INIT.kernel_initializer(claim), claim)
    assert r.passed, r.message()


@pytest.mark.parametrize("seed", range(1, 21))
def test_initialization_no_false_alarm_under_20_seeds(seed):
    claim = KERNEL_CLAIMS[seed % len(KERNEL_CLAIMS)]
    r = INIT.check_initializer(INIT.kernel_initializer(claim), claim, seed=seed, examples=2)
    assert r.passed, r.message()


INIT_MUTANTS = {
    "fan_in read as fan_out": (M.init_fan_swapped, INIT.Claim("fan_in", "torch", 2.0, "normal")),
    "fan_out read as fan_in (keras layout)": (M.init_fan_swapped, INIT.Claim("fan_out", "keras", 1.0, "uniform")),
    "missing gain (He)": (M.init_missing_gain, INIT.Claim("fan_in", "keras", 2.0, "uniform")),
    "receptive field forgotten": (M.init_no_receptive_field, INIT.Claim("fan_avg", "torch", 1.0, "uniform")),
    "truncated normal uncorrected": (M.init_truncation_uncorrected, INIT.Claim("fan_in", "keras", 2.0,
                                                                             "truncated_normal")),
    "normal drawn, uniform claimed": (None, INIT.Claim("fan_avg", "torch", 1.0, "normal"), "uniform"),
    "uniform drawn, truncated normal claimed": (None, INIT.Claim("fan_avg", "torch", 1.0, "uniform"),
                                                "truncated_normal"),
    "truncated drawn, normal claimed": (None, INIT.Claim("fan_avg", "torch", 1.0, "truncated_normal"), "normal"),
}


@pytest.mark.parametrize("mutant", INIT_MUTANTS)
def test_initialization_mutant_caught(mutant):
    kernel, claim, *claimed = INIT_MUTANTS[mutant]
    checked = INIT.Claim(claim.mode, claim.layout, claim.gain2, claimed[0]) if claimed else claim
    r = INIT.check_initializer(INIT.kernel_initializer(claim, kernel), checked)
    assert not r.passed, r.message()


def test_initialization_kernel_conventions_and_bad_arguments():
    from kernels.estimators.initialization import fans, init_variance, leaky_relu_gain, truncated_std, variance_scaling

    assert fans((8, 4, 3, 3), "torch") == (36, 72) and fans((3, 3, 4, 8), "keras") == (36, 72)
    assert fans((8, 4), "torch") == (4, 8) and fans((8, 4), "keras") == (8, 4)  # the 2-D layouts disagree
    assert init_variance((30, 70), "fan_avg") == pytest.approx(2 / 100)  # Xavier's 2/(m + n)
    assert leaky_relu_gain(0.0) == pytest.approx(2**0.5)
    assert truncated_std() == pytest.approx(0.87962566103423978, abs=1e-16)  # keras' constant
    u = np.random.default_rng(0).random((6, 4))
    assert np.abs(variance_scaling(u)).max() <= (6 / 10) ** 0.5  # U(±√(6/(m + n)))
    for call, match in [(lambda: fans((3,), "torch"), "shape"), (lambda: fans((3, 4), "tf"), "layout"),
                        (lambda: variance_scaling(u, gain=0.0), "gain"), (lambda: variance_scaling(u + 1), "draws"),
                        (lambda: variance_scaling(u, mode="fan"), "mode"),
                        (lambda: variance_scaling(3 * u, distribution="truncated_normal"), "draws")]:
        with pytest.raises(ValueError, match=match):
            call()


TORCH_FOUND = {  # found by running (the survey's one match each)
    "torch.nn.init.xavier_uniform_": "uniform, Var = 1/fan_avg (torch layout)",
    "torch.nn.init.xavier_normal_": "normal, Var = 1/fan_avg (torch layout)",
    "torch.nn.init.kaiming_uniform_": "uniform, Var = 2/fan_in (torch layout)",
    "torch.nn.init.kaiming_normal_": "normal, Var = 2/fan_in (torch layout)",
    "torch.nn.init.kaiming_normal_(mode='fan_out', nonlinearity='relu')": "normal, Var = 2/fan_out (torch layout)",
    "torch.nn.Linear / Conv2d default weight": "uniform, Var = 0.3333/fan_in (torch layout)",
}


@pytest.mark.parametrize("peer", list(TORCH_FOUND))
def test_torch_init_conventions(peer):
    pytest.importorskip("torch")
    from verify.adapters.frameworks.torch_init import PEERS

    init = dict(PEERS)[peer]
    assert INIT.survey(init, name=peer).describe() == TORCH_FOUND[peer]


KERAS_FOUND = {  # GlorotUniform, GlorotNormal, HeUniform: the survey script (too slow for a test: JAX compiles per shape)
    "keras.initializers.HeNormal": "truncated_normal, Var = 2/fan_in (keras layout)",
}
KERAS_SHAPES = ((128, 32), (3, 3, 64, 16))  # enough to tell the layouts, modes and gains apart


@pytest.mark.parametrize("peer", list(KERAS_FOUND))
def test_keras_init_conventions(peer):
    """keras reads (…, in, out): on the same 2-D shape its fan_in is torch's fan_out; HeNormal is a *truncated*
    normal with keras' variance correction (GlorotNormal too: checked by the survey script)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    pytest.importorskip("keras")
    from verify.adapters.frameworks.keras_init import PEERS

    init = dict(PEERS)[peer]
    assert INIT.survey(init, name=peer, shapes=KERAS_SHAPES).describe() == KERAS_FOUND[peer]


def test_truncated_normals_of_the_frameworks():
    """torch.nn.init.trunc_normal_'s a = −2, b = 2 are absolute bounds, not standard deviations (std 0.5 draws
    reach past 2·std, variance ≈ std²); keras' TruncatedNormal cuts at 2·stddev without correction (variance
    c²·stddev² ≈ 0.774) — only VarianceScaling divides by c."""
    pytest.importorskip("torch")
    from verify.adapters.frameworks import torch_init

    half = torch_init.trunc_normal_std_half((256, 256), 0)
    one = torch_init.trunc_normal_std1((256, 256), 0)
    assert np.abs(half).max() > 1.5 and np.abs(half).max() <= 2  # beyond 2·std = 1, within the absolute ±2
    N, x = half.size, np.log(2 / 1e-6)
    bound = np.sqrt(2 * 4 * 0.25 * x / N) + 2 * 4 * x / (3 * N)  # Bernstein, w² ∈ [0, 4]: see verify/checks/initialization.py
    assert abs(np.mean(half**2) - 0.25 * (1 - 8 * np.exp(-8) / np.sqrt(2 * np.pi) / 0.9999366575)) <= bound
    c2 = INIT.TRUNCATED_STD**2
    assert abs(np.mean(one**2) - c2) <= np.sqrt(2 * 4 * c2 * x / N) + 8 * x / (3 * N)


# ---- bias–variance Monte Carlo and ridge ----
from verify.checks import bias_variance as BV  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bias_variance_kernels_pass(seed):
    for r in (BV.check_exact(seed=seed, examples=10), BV.check_ridge(seed=seed, examples=15)):
        assert r.passed, r.message()


BV_MUTANTS = {
    "variance with 1/R (n vs n − 1)": lambda: BV.check_exact(M.bvmc_variance_over_R),
    "noise with 1/J (n vs n − 1)": lambda: BV.check_exact(M.bvmc_noise_over_J),
    "bias² as the plug-in": lambda: BV.check_exact(M.bvmc_plug_in_bias),
    "ridge covariance as σ²(G + λI)⁻¹": lambda: BV.check_ridge(M.ridge_covariance_as_ols),
}


@pytest.mark.parametrize("mutant", BV_MUTANTS)
def test_bias_variance_mutant_caught(mutant):
    r = BV_MUTANTS[mutant]()
    assert not r.passed and "raised" not in r.counterexample["problem"], r.message()


def test_ridge_lowers_the_variance_and_fits():
    """The kernel's covariances: σ²(XᵀX)⁻¹ − Cov β̂_λ is positive semidefinite (eigenvalues ≥ −rounding), and the
    fit solves the penalised normal equations."""
    from kernels import bias_variance_mc, ridge_covariance, ridge_fit

    rng = np.random.default_rng(2)
    for _ in range(5):
        X = rng.standard_normal((8, 3))
        ols, ridge = ridge_covariance(X, 0.5, 0.0), ridge_covariance(X, 0.5, 2.0)
        drop = np.linalg.eigvalsh(ols - ridge)
        assert drop.min() >= -1e-12 * np.abs(ols).max()  # ~κ²u·‖C‖: κ(XᵀX) < 10² here
        assert np.trace(ridge) < np.trace(ols)
        y = rng.standard_normal(8)
        beta = ridge_fit(X, y, 2.0)
        assert np.allclose((X.T @ X + 2.0 * np.eye(3)) @ beta, X.T @ y)
    with pytest.raises(ValueError, match="lam"):
        ridge_fit(X, y, -1.0)
    with pytest.raises(ValueError, match="labels"):
        bias_variance_mc(np.ones((3, 2)), np.ones((2, 1)), np.ones(2) / 2)
    with pytest.raises(ValueError, match="predictions"):
        bias_variance_mc(np.ones((1, 2)), np.ones((2, 2)), np.ones(2) / 2)
    with pytest.raises(ValueError, match="weights"):
        bias_variance_mc(np.ones((3, 2)), np.ones((2, 2)), -np.ones(2))


def test_monte_carlo_on_ridge_fits_matches_the_exact_terms():
    """Models fitted on resampled training sets: ridge on every 2-point training set of a 3-point population
    (N_D = 9 equally likely bootstrap pairs), predictions at 2 test inputs.  The Monte Carlo estimate from
    R = 400 fits and J = 400 labels, averaged over 25 seeded replications, lands within 5 standard errors of the
    exact decomposition computed by enumeration (false-alarm rate ≈ 4·10⁻⁵ per term: Student's t with 24 degrees
    of freedom, the replications independent; fixed seeds, so the outcome never changes)."""
    from kernels import bias_variance_mc, ridge_fit

    pop_x, pop_y = np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.5, 2.0])
    sets = [(i, j) for i in range(3) for j in range(3)]
    tests, labels = np.array([[1.5], [2.5]]), np.array([[1.5, 2.0], [2.2, 2.6]])
    h = np.array([[(tests @ ridge_fit(pop_x[list(s)], pop_y[list(s)], 0.5))[k] for k in range(2)] for s in sets])
    p = np.array([0.5, 0.5])
    h_bar, y_bar = h.mean(axis=0), labels.mean(axis=1)  # labels: two values equally likely
    exact = np.array([p @ ((h - h_bar) ** 2).mean(axis=0), p @ ((labels - y_bar[:, None]) ** 2).mean(axis=1),
                      p @ (h_bar - y_bar) ** 2])
    estimates = []
    for seed in range(25):
        rng = np.random.default_rng(seed)
        drawn = h[rng.integers(0, len(sets), 400)]
        ys = np.take_along_axis(labels, rng.integers(0, 2, (2, 400)), axis=1)
        estimates.append(bias_variance_mc(drawn, ys, p))
    estimates = np.array(estimates)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    assert np.all(np.abs(estimates.mean(axis=0) - exact) <= 5 * se + 1e-12), (estimates.mean(axis=0), exact, se)


def test_crosscheck_rows_for_the_peers():
    """`optverify crosscheck torch` surveys the initialisers and the smoothed loss through verify/adapters/peers.py:
    one report per candidate claim, exactly one matching."""
    pytest.importorskip("torch")
    from verify.adapters import peers

    rows = {p.label: peers.survey(p, examples=3) for p in peers.peers_of("torch")
            if p.rule in ("initialization", "label_smoothing")}
    assert rows["torch.nn.init.kaiming_normal_"].describe() == "distribution=normal, fan=fan_in, layout=torch, gain²=2"
    assert rows["torch.nn.Linear / Conv2d default weight"].summary()["gain²"] == "1/3"
    assert rows["torch.nn.functional.cross_entropy(label_smoothing=ε)"].describe() == "spread=all"
    assert all(len(s.matches) == 1 for s in rows.values())
