"""Normalisation statistics: the batch mean and the biased batch variance of batch norm, as estimators of the
population's, and the normalising map built on them (batch, layer and group norm differ only in the axes
they reduce over).

Sources: seed 000_a2fbe8e070163c86.txt §2.2 "Normalization" (y = (x − E[x])/√(Var(x) + ε)·γ + β; layer norm
"normalize over the hidden dim"; group norm "divides the channels into groups and computes within each group
the mean and variance"); seed 004 "Batch Normalization" (x̂ = (x − E[x])/√Var(x), *no* ε; Algorithm 3: μ_B =
(1/m)Σx_i, "σ_B ← (1/m)Σ(x_i − μ_B)²" [sic: σ_B²], x̂_i = (x_i − μ_B)/√(σ_B² + ε)); seed 002 (inference
statistics from a running average; data-parallel batches); seed 003 "Ghost Batch" (split a batch into ghost
batches).  COVERAGE D8, D10.

Claims derived here:

* Batches of m drawn with replacement from a population x_1..x_N (σ² its 1/N variance, μ_3, μ_4 its central
  moments): E[μ_B] = μ, E[σ_B²] = (m − 1)/m·σ² — biased, which is why torch keeps the *unbiased*
  m/(m − 1)·σ_B² as its running variance while normalising with σ_B² (a convention pair);
  Var[μ_B] = σ²/m, Cov[μ_B, σ_B²] = (m − 1)μ_3/m², Var[σ_B²] = (m − 1)((m − 1)μ_4 − (m − 3)σ⁴)/m³.
* Batches of a shuffled epoch (without replacement): E[σ_B²] = (m − 1)/m·N/(N − 1)·σ² — the issue's
  "(m − 1)/m·σ²" holds for draws with replacement (or an infinite population) only.
* The normalised batch has mean β and (1/m) variance γ²σ_B²/(σ_B² + ε); seed 004's formula without ε gives
  exactly γ² (and 0/0 on a constant batch); ε outside the root gives γ²σ_B²/(σ_B + ε)².
* Running averages: torch's r ← (1 − a)r + a·s weights the *new* statistic by its momentum a (0.1), Keras'
  r ← b·r + (1 − b)·s weights the *old* by b (0.99): the same update iff b = 1 − a.
* Ghost batches: the full batch's variance is the mean ghost variance plus the variance of the ghost means
  (law of total variance), so per-ghost (per-device) statistics differ from the full batch's, while the mean
  of equal shards' mean gradients is the full batch's mean gradient exactly (data parallelism).
* Reduction axes: layer norm of X is batch norm of Xᵀ; group norm with one group is layer norm over (C, S),
  with C groups instance norm.
"""
from __future__ import annotations

import sympy as sp

from derivations.core.estimator import Estimator, SampleSpace, enumerated_moments, index_tuples, subsets
from derivations.core.proof import Derivation, Step

SOURCE = ("seed 000_a2fbe8e070163c86.txt §2.2 (Normalization); seed 004 (Batch Normalization, Algorithm 3); "
          "seed 002 (running averages, data parallelism); seed 003 (Ghost Batch); COVERAGE D8, D10")
WITH = ((2, 1), (2, 2), (2, 3), (3, 2), (3, 3))  # (N, m) proved with replacement, symbolic population
WITHOUT = ((3, 2), (4, 2), (4, 3), (3, 3))  # (N, m) proved without replacement
BATCHES = (2, 3, 4)  # m for the normalised output's moments

# conventions of the normalising map and the running average (the check surveys peers under each)
VARIANCES = ("biased", "unbiased")  # 1/m or 1/(m − 1) in the normalising variance
EPS_MODES = ("inside", "outside", "absent")  # √(σ² + ε), √σ² + ε, √σ² (seed 004)
MOMENTUM_MODES = ("new", "old")  # the momentum weights the new statistic (torch) or the old average (Keras)


def _mean(values):
    return sum(values[1:], values[0]) / len(values)


def batch_mean(values):
    """μ_B = (1/m)Σ x_i."""
    return _mean(list(values))


def batch_variance(values, variance: str = "biased"):
    """(1/m)Σ(x_i − μ_B)² (biased, seed 004 Algorithm 3) or 1/(m − 1) (unbiased)."""
    values = list(values)
    mu, m = batch_mean(values), len(values)
    return sum((v - mu) ** 2 for v in values) / (m if variance == "biased" else m - 1)


def normalize(values, gamma, beta, eps, variance: str = "biased", eps_mode: str = "inside"):
    """γ(x_i − μ_B)/d + β with d = √(σ² + ε), √σ² + ε or √σ², σ² the batch variance of the convention."""
    values = list(values)
    mu, var = batch_mean(values), batch_variance(values, variance)
    d = {"inside": sp.sqrt(var + eps), "outside": sp.sqrt(var) + eps, "absent": sp.sqrt(var)}[eps_mode]
    return [gamma * (v - mu) / d + beta for v in values]


def running_update(average, statistic, momentum, mode: str = "new"):
    """One running-average step: (1 − a)r + a·s (momentum weights the new statistic: torch) or b·r + (1 − b)s
    (momentum weights the old average: Keras)."""
    if mode == "new":
        return (1 - momentum) * average + momentum * statistic
    return momentum * average + (1 - momentum) * statistic


def population_moments(x):
    """(μ, σ², μ_3, μ_4) of the population x_1..x_N, each value equally likely (1/N)."""
    values = list(x)
    mu = _mean(values)
    return (mu,) + tuple(_mean([(v - mu) ** k for v in values]) for k in (2, 3, 4))


def _statistic(data, batch):
    """(μ_B, σ_B²) of the batch (a tuple of indices into the population x, N×1), σ_B² with 1/m."""
    values = [data["x"][i] for i in batch]
    return sp.Matrix([batch_mean(values), batch_variance(values)])


def _target(data):
    mu, var, _, _ = population_moments(data["x"])
    return sp.Matrix([mu, var])


def _claimed_mean(data, space, sizes):
    mu, var, _, _ = population_moments(data["x"])
    m = sizes["B"]
    return sp.Matrix([mu, sp.Rational(m - 1, m) * var])


def _claimed_covariance(data, space, sizes):
    _, var, mu3, mu4 = population_moments(data["x"])
    m = sp.Integer(sizes["B"])
    cross = (m - 1) * mu3 / m**2
    return sp.Matrix([[var / m, cross], [cross, (m - 1) * ((m - 1) * mu4 - (m - 3) * var**2) / m**3]])


ESTIMATOR = Estimator(
    name="batch_statistics",
    title="Batch norm's statistics (μ_B, σ_B²), σ_B² = (1/m)Σ(x_i − μ_B)², of m draws from a population",
    data=(("x", "N×1, the population"),),
    sizes=("B",),
    spaces=(SampleSpace("with_replacement", "B independent uniform indices into the population; ω = the B-tuple",
                        lambda sizes: index_tuples(sizes["N"], sizes["B"])),),
    statistic=_statistic, target=_target, mean=_claimed_mean, variance=_claimed_covariance, output="vector",
    source=SOURCE,
    notes="σ² the population's 1/N variance; σ_B² biased by (m − 1)/m, torch's running variance m/(m − 1)·σ_B² not",
)


def _population(N):
    return sp.Matrix(N, 1, lambda i, _: sp.Symbol(f"x_{i}", real=True))


def moments(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for N, m in WITH:
        x = _population(N)
        data, sizes, label = dict(x=x), dict(N=N, B=m), f"N={N}, m={m}"
        mean, cov = enumerated_moments(estimator, data, "with_replacement", sizes)
        _, var, _, _ = population_moments(x)
        steps += [
            Step(f"E[(μ_B, σ_B²)] is the claimed mean ({label})", mean, estimator.mean(data, "with_replacement", sizes),
                 "every B-tuple enumerated"),
            Step(f"E[σ_B²] = (m − 1)/m·σ² ({label})", mean[1], sp.Rational(m - 1, m) * var,
                 "E[Σ(x_i − μ_B)²] = (m − 1)σ² for i.i.d. draws"),
            Step(f"Cov[(μ_B, σ_B²)] is the claimed covariance ({label})", cov,
                 estimator.variance(data, "with_replacement", sizes), "fourth moments of i.i.d. draws"),
        ]
        if m > 1:
            steps.append(Step(f"torch's running variance m/(m − 1)·σ_B² is unbiased ({label})",
                              sp.Rational(m, m - 1) * mean[1], var, "Bessel's correction"))
    return Derivation(
        name="batch_statistics.moments",
        claim="batches of m drawn with replacement: E[μ_B] = μ, E[σ_B²] = (m − 1)/m·σ², Var[μ_B] = σ²/m, "
              "Cov[μ_B, σ_B²] = (m − 1)μ_3/m², Var[σ_B²] = (m − 1)((m − 1)μ_4 − (m − 3)σ⁴)/m³",
        steps=tuple(steps), assumptions=("indices i.i.d. uniform over the population",), source=SOURCE,
        scope=f"symbolic populations, every batch enumerated for (N, m) ∈ {WITH}")


def without_replacement(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for N, m in WITHOUT:
        x = _population(N)
        values = [estimator.statistic(dict(x=x), batch)[1] for batch in subsets(N, m)]
        _, var, _, _ = population_moments(x)
        steps.append(Step(f"E[σ_B²] = (m − 1)/m·N/(N − 1)·σ² (N={N}, m={m})", sum(values) / len(values),
                          sp.Rational(m - 1, m) * sp.Rational(N, N - 1) * var,
                          "a uniform m-subset: pairs are negatively correlated, Cov = −σ²/(N − 1)"))
    x = _population(3)
    only = estimator.statistic(dict(x=x), (0, 1, 2))[1]
    steps.append(Step("the whole population as the batch: σ_B² = σ² exactly (N = m = 3)", only,
                      population_moments(x)[1], "nothing left to draw"))
    return Derivation(
        name="batch_statistics.without_replacement",
        claim="batches of a shuffled epoch (m-subsets): E[σ_B²] = (m − 1)/m·N/(N − 1)·σ², not (m − 1)/m·σ²",
        steps=tuple(steps), assumptions=("every m-subset equally likely",), source=SOURCE,
        scope=f"symbolic populations, every subset enumerated for (N, m) ∈ {WITHOUT}",
        notes="the issue's E[σ_B²] = (m − 1)/m·σ² is the with-replacement (or infinite-population) statement")


def output_moments(estimator: Estimator = ESTIMATOR, normalise=normalize, batches=BATCHES) -> Derivation:
    gamma, beta = sp.Symbol("gamma", positive=True), sp.Symbol("beta", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    steps = []
    for m in batches:
        x = list(_population(m))
        var = batch_variance(x)
        label = f"m={m}"

        def out_var(variance="biased", eps_mode="inside", e=eps):
            y = normalise(x, gamma, beta, e, variance, eps_mode)
            return batch_variance(y)

        y = normalise(x, gamma, beta, eps)
        steps += [
            Step(f"the output's batch mean is β ({label})", batch_mean(y), beta, "Σ(x_i − μ_B) = 0"),
            Step(f"its (1/m) variance is γ²σ_B²/(σ_B² + ε) ({label})", out_var(), gamma**2 * var / (var + eps),
                 "the affine map scales the variance by γ²/(σ_B² + ε)"),
            Step(f"ε absent (seed 004): variance γ² ({label})", out_var(eps_mode="absent") * (var / var), gamma**2,
                 "σ_B²/σ_B², on a batch that is not constant"),
            Step(f"ε outside the root: γ²σ_B²/(σ_B + ε)² ({label})", out_var(eps_mode="outside"),
                 gamma**2 * var / (sp.sqrt(var) + eps) ** 2, "d = σ_B + ε"),
            Step(f"normalising with the unbiased variance: γ²σ_B²/(m/(m − 1)·σ_B² + ε) ({label})",
                 out_var(variance="unbiased"), gamma**2 * var / (sp.Rational(m, m - 1) * var + eps),
                 "the 1/(m − 1) variance in the denominator: a different layer, not a rounding"),
            Step(f"witness: seed 004's Algorithm 3 read literally (σ_B := the variance, then σ_B² under the root) "
                 f"gives γ²σ_B²/(σ_B⁴ + ε), → γ²/σ_B² as ε → 0, not γ² ({label})",
                 batch_variance([gamma * (v - batch_mean(x)) / sp.sqrt(batch_variance(x) ** 2 + eps) + beta
                                 for v in x]),
                 gamma**2 * var / (var**2 + eps), "the [sic] in 'σ_B ← (1/m)Σ(x_i − μ_B)²' is a typo for σ_B²"),
        ]
    return Derivation(
        name="batch_statistics.output",
        claim="the normalised batch has mean β and (1/m) variance γ²σ_B²/(σ_B² + ε) (ε inside the root, biased "
              "variance); γ² without ε; γ²σ_B²/(σ_B + ε)² with ε outside; another value with the unbiased variance",
        steps=tuple(steps), assumptions=("γ > 0, ε > 0", "the batch not constant where ε is absent"),
        source=SOURCE, scope=f"symbolic batches of m ∈ {tuple(batches)}, symbolic γ, β, ε")


def running_average(estimator: Estimator = ESTIMATOR, update=running_update) -> Derivation:
    r, s, a, k = sp.Symbol("r", real=True), sp.Symbol("s", real=True), sp.Symbol("a", positive=True), 3
    torch_style = update(r, s, a, "new")
    keras_style = update(r, s, 1 - a, "old")
    average = r
    for _ in range(k):
        average = update(average, s, a, "new")
    x = _population(2)
    data, m = dict(x=x), 2
    mean_unbiased = sp.Rational(m, m - 1) * enumerated_moments(estimator, data, "with_replacement",
                                                                dict(N=2, B=m))[0][1]
    stationary = update(population_moments(x)[1], mean_unbiased, a, "new")
    return Derivation(
        name="batch_statistics.running_average",
        claim="torch's momentum a weights the new statistic: r ← (1 − a)r + a·s; Keras' b weights the old average: "
              "r ← b·r + (1 − b)s; they agree iff b = 1 − a (torch 0.1 ↔ Keras 0.9, not 0.99); after k steps "
              "of the same s, r_k = (1 − a)^k r_0 + (1 − (1 − a)^k)s; the unbiased running variance stays at σ² "
              "in expectation",
        steps=(
            Step("Keras with b = 1 − a is torch with a", keras_style, torch_style, "b·r + (1 − b)s with b = 1 − a"),
            Step("torch: the new statistic has weight a", sp.diff(torch_style, s), a, "∂/∂s"),
            Step("Keras: the old average has weight b", sp.diff(update(r, s, a, "old"), r), a, "∂/∂r"),
            Step(f"k = {k} steps of a constant statistic", average, (1 - a) ** k * r + (1 - (1 - a) ** k) * s,
                 "geometric weights"),
            Step("E[r'] = σ² when r = σ² and s the unbiased batch variance (N = 2, m = 2)", stationary,
                 population_moments(x)[1], "batch_statistics.moments: E[m/(m − 1)σ_B²] = σ²"),
        ),
        assumptions=("0 < a < 1",), source=SOURCE, scope="general: symbolic r, s, a; k = 3 and N = m = 2 for the last two",
        notes="torch BatchNorm momentum=0.1 and Keras BatchNormalization momentum=0.99 are not the same average: "
              "Keras' 0.99 is torch's 0.01")


def ghost_batches(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for M, B in ((2, 2), (2, 3), (3, 2)):
        x = list(_population(M * B))
        ghosts = [x[g * B:(g + 1) * B] for g in range(M)]
        mus = [batch_mean(g) for g in ghosts]
        label = f"M={M}, B={B}"
        steps += [
            Step(f"the mean of the ghost means is the full batch mean ({label})", batch_mean(mus), batch_mean(x),
                 "equal shards: (1/M)Σ(1/B)Σ = (1/MB)Σ — data-parallel all-reduce of mean gradients is exact"),
            Step(f"full variance = mean ghost variance + variance of ghost means ({label})", batch_variance(x),
                 batch_mean([batch_variance(g) for g in ghosts]) + batch_variance(mus),
                 "law of total variance: per-device batch norm statistics differ from the full batch's"),
        ]
    x = list(_population(3))
    unequal = batch_mean([batch_mean(x[:1]), batch_mean(x[1:])])
    steps.append(Step("unequal shards (1 and 2): the mean of shard means is not the full mean", unequal - batch_mean(x),
                      (x[0] - batch_mean(x[1:])) / 6, "shards must be weighted by their size"))
    return Derivation(
        name="batch_statistics.ghost_batches",
        claim="M equal shards of B: the mean of shard means is the mean of the M·B batch exactly (data-parallel "
              "SGD with mean reduction is one large-batch step); the full batch variance is the mean shard variance "
              "plus the variance of shard means, so per-device (ghost) batch norm is not full-batch batch norm; "
              "unequal shards break the mean too",
        steps=tuple(steps), assumptions=("the shards partition the batch in order (shard g: examples gB … gB + B − 1)",
                                          "biased (1/B) variances, as batch norm normalises with"),
        source=SOURCE, scope="symbolic data, (M, B) ∈ {(2,2), (2,3), (3,2)}")


def _norm_axes(X, kind, groups=1):
    """Normalise the N×C×S nested list X (γ = 1, β = 0, ε symbolic inside the root) over the axes of ``kind``:
    batch (N, S per channel), layer (C, S per sample), instance (S per sample and channel), group (C/G·S)."""
    eps = sp.Symbol("epsilon", positive=True)
    N, C, S = len(X), len(X[0]), len(X[0][0])
    out = [[[None] * S for _ in range(C)] for _ in range(N)]
    if kind == "batch":
        sets = [[(n, c, s) for n in range(N) for s in range(S)] for c in range(C)]
    elif kind == "instance":
        sets = [[(n, c, s) for s in range(S)] for n in range(N) for c in range(C)]
    else:
        G = 1 if kind == "layer" else groups
        sets = [[(n, c, s) for c in range(g * C // G, (g + 1) * C // G) for s in range(S)]
                for n in range(N) for g in range(G)]
    for idx in sets:
        y = normalize([X[n][c][s] for n, c, s in idx], 1, 0, eps)
        for (n, c, s), v in zip(idx, y):
            out[n][c][s] = v
    return out


def reduction_axes(estimator: Estimator = ESTIMATOR) -> Derivation:
    N, C, S = 2, 2, 2
    X = [[[sp.Symbol(f"x_{n}{c}{s}", real=True) for s in range(S)] for c in range(C)] for n in range(N)]
    swapped = [[[X[c][n][s] for s in range(S)] for c in range(N)] for n in range(C)]  # N ↔ C

    def flat(T):
        return sp.Matrix([v for a in T for b in a for v in b])

    swapped_back = [[[v for v in row] for row in a] for a in _norm_axes(swapped, "batch")]
    batch_of_swapped = [[[swapped_back[c][n][s] for s in range(S)] for c in range(C)] for n in range(N)]
    return Derivation(
        name="batch_statistics.reduction_axes",
        claim="batch, layer, instance and group norm are one statistic over different axes: group norm with one "
              "group is layer norm, with C groups instance norm; layer norm of X is batch norm of X with N and C "
              "swapped",
        steps=(
            Step("group norm, G = 1, is layer norm", flat(_norm_axes(X, "group", 1)), flat(_norm_axes(X, "layer")),
                 "one group holds every channel"),
            Step(f"group norm, G = C = {C}, is instance norm", flat(_norm_axes(X, "group", C)),
                 flat(_norm_axes(X, "instance")), "a group per channel"),
            Step("layer norm of X is batch norm of X with N ↔ C", flat(_norm_axes(X, "layer")), flat(batch_of_swapped),
                 "the reduced axes swap roles"),
        ),
        assumptions=("ε > 0",), source=SOURCE, scope=f"symbolic X of shape N×C×S = {N}×{C}×{S}")


BUILDERS = {"batch_statistics.moments": moments, "batch_statistics.without_replacement": without_replacement,
            "batch_statistics.output": output_moments, "batch_statistics.running_average": running_average,
            "batch_statistics.ghost_batches": ghost_batches, "batch_statistics.reduction_axes": reduction_axes}
ALIASES = {"normalization": "batch_statistics"}
