"""Checks of the deflated trace estimators (Hutch++, XTrace) and of Lanczos: quadrature, SLQ, λ_max.

**Exact checks of Hutch++ and XTrace** go through verify/checks/estimators.py (``check_exact``): this module gives
their bindings — data draws, ω as arrays, rounding bounds and our kernels.  Over every sign sketch and probe
(small n, ≤ 2⁸ outcomes) the kernel's float64 outputs, read as Fractions, must have the exact mean tr(A) and the
exact variance of the projector formulation (derivations/estimators/{hutchpp,xtrace}.py), up to

    δ_ω = γ_{64(n+k+m)²} · κ_ω · n · Σ_ik |A_ik|        (κ_ω = σ_1/σ_r of A·Sᵀ and of every A·Ω_{−i}ᵀ)

The drawn data are dyadic (k/4), so A·Sᵀ is exact in float64; the SVD is backward stable (‖E‖ ≤ c·u·‖Y‖,
Higham ch. 19–20), and by Wedin's sin Θ theorem the computed projector onto range(Y) is off by ≤ c·u·κ in norm
(rank decisions are exact: a dependent column has σ ≈ 10⁻¹⁷σ_1, below the kernel's cutoff, and an independent
one σ ≥ 1/4^n, far above it).  The estimate tr(PA) + (1/m)Σ xᵀAx reads P at most three times in each of ≤ 2n²
terms bounded by |A_ik|·‖x‖² ≤ n|A_ik|, plus the roundings of sums of ≤ n²(k+m) terms (γ_{n²(k+m)}): the
constant 64(n+k+m)² covers both with room for LAPACK's c.  A wrong estimator is off by a multiple of 1/4^n·tr-size.

**Probe axes** (``check_probes``): Gaussian, sphere (√n·uniform on the sphere) and sign probes, statistically.
Given the sketch, Var[gᵀBg] ≤ 2‖sym B‖_F² for all three probe kinds, and ‖sym((I − P)A(I − P))‖_F ≤ ‖S‖_F
(S = (A + Aᵀ)/2): so one Hutch++ estimate has Var ≤ V̄ = 2‖S‖_F²/m (m test probes) and one XTrace estimate (a mean of
m terms, each with that bound for one probe) Var ≤ 2‖S‖_F².  With only a variance bound, the mean is tested by a
median of b block means: each block mean misses tr(A) by ≥ 2√(V̄b/K) with probability ≤ ¼ (Chebyshev), the
median only if half the blocks do: ≤ e^{−b/8} (Hoeffding).  b = ⌈8 ln(tests/α)⌉ gives the whole check the
false-alarm rate α = 10⁻⁶ — rigorous, no normal approximation.

**Exactness on low rank** (``check_low_rank``): rank(A) ≤ budget ⇒ the estimate is tr(A) for every draw, to δ_ω.

**Lanczos** (``check_quadrature``, ``check_lambda_max``): on dyadic symmetric A and sign starts v, k steps:
(a) the weights sum to 1, (b) the nodes lie in [λ_min, λ_max], (c) the moment identity
‖v‖² Σ_j τ_j θ_j^p = vᵀA^p v for every p ≤ 2k − 1, against the exact rational right side (Fractions).  Bound for
(c): with full reorthogonalisation the computed T is the compression of A + E, ‖E‖₂ ≤ c·n·k·u·‖A‖₂ (Paige 1976;
Golub & Van Loan §10.3), and eigh is backward stable, so the p-th moment moves by ≤ p·‖E‖·‖A‖^{p−1}·‖v‖²:
charged γ_{32nk(p+1)} · p · ‖v‖² · r^p with r = max_i Σ_k |A_ik| ≥ ‖A‖₂.  (a) γ_{8k}, (b) γ_{32nk}·r outside.
λ_max: on indefinite A with |λ_min| > λ_max the estimate must be λ_max (not |λ_min|, not λ_min — power
iteration's answer) within γ_{32n²}·r, after k = n steps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from verify.checks.common import Report

U = Fraction(1, 2**53)
FALSE_ALARM = 1e-6


def gamma(k: int) -> Fraction:
    return k * U / (1 - k * U)


def _dyadic(draw, st, n, rows=None, label="A"):
    return draw(st.lists(st.lists(st.integers(-16, 16).map(lambda k: Fraction(k, 4)), min_size=n, max_size=n),
                         min_size=rows or n, max_size=rows or n), label=label)


def _shape_matrix(data, st, n):
    """A dyadic n×n matrix: general, symmetric, or of rank 1 (uwᵀ: exercises the rank cut and exactness)."""
    kind = data.draw(st.sampled_from(("general", "symmetric", "rank1")), label="kind")
    if kind == "rank1":
        u, w = _dyadic(data.draw, st, n, 1, "u")[0], _dyadic(data.draw, st, n, 1, "w")[0]
        return [[u[i] * w[j] for j in range(n)] for i in range(n)]
    A = _dyadic(data.draw, st, n)
    if kind == "symmetric":
        A = [[A[max(i, j)][min(i, j)] for j in range(n)] for i in range(n)]
    return A


# ---- bindings of hutchpp and xtrace to verify/checks/estimators.py's exact check --------------------------
def draw_hutchpp(data, space):
    """n ≤ 3, k ≤ 2 sketch rows, m ≤ 2 probes, with n(k + m) ≤ 8: at most 2⁸ outcomes."""
    from hypothesis import strategies as st

    n = data.draw(st.integers(1, 3), label="n")
    k = data.draw(st.integers(1, max(1, min(2, 8 // n - 1))), label="k")
    m = data.draw(st.integers(1, max(1, min(2, 8 // n - k))), label="m")
    return dict(A=_shape_matrix(data, st, n)), dict(n=n, k=k, m=m)


def draw_xtrace(data, space):
    """n ≤ 2 with m = 2 probes, or n = 1 with m = 3: ≤ 2⁴ outcomes, since the claimed variance is enumerated in
    SymPy (no closed form) — n = 3 is proved in derivations/estimators/xtrace.py instead."""
    from hypothesis import strategies as st

    n = data.draw(st.integers(1, 2), label="n")
    m = data.draw(st.integers(2, 3 if n == 1 else 2), label="m")
    return dict(A=_shape_matrix(data, st, n)), dict(n=n, m=m)


def exact_rank(Y: np.ndarray) -> int:
    """The rank of a float matrix read exactly (Fractions, Gaussian elimination)."""
    rows = [[Fraction(float(v)) for v in row] for row in Y]
    rank, cols = 0, Y.shape[1] if Y.ndim == 2 else 0
    for c in range(cols):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(rank + 1, len(rows)):
            f = rows[i][c] / rows[rank][c]
            rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank])]
        rank += 1
    return rank


def _condition(A: np.ndarray, Y: np.ndarray) -> float:
    """σ_1/σ_r of Y over its exact rank r (1 where Y = 0), with a factor 2 for the float singular values."""
    r = exact_rank(Y)
    if r == 0:
        return 1.0
    s = np.linalg.svd(Y, compute_uv=False)
    return 2 * float(s[0] / s[r - 1])


def _trace_bound(data, Ys, n, count):
    absA = sum(abs(a) for row in data["A"] for a in row)
    A = np.array([[float(v) for v in row] for row in data["A"]])
    kappa = max(_condition(A, Y) for Y in Ys)
    return [gamma(64 * (n + count) ** 2) * Fraction(kappa) * n * absA]


def hutchpp_bound(data, omega, sizes):
    S = np.array(omega[0].tolist(), dtype=float)
    A = np.array([[float(v) for v in row] for row in data["A"]])
    return _trace_bound(data, [A @ S.T], sizes["n"], sizes["k"] + sizes["m"])


def xtrace_bound(data, omega, sizes):
    W = np.array(omega.tolist(), dtype=float)
    A = np.array([[float(v) for v in row] for row in data["A"]])
    Ys = [A @ W.T] + [A @ np.delete(W, i, axis=0).T for i in range(W.shape[0])]
    return _trace_bound(data, Ys, sizes["n"], sizes["m"])


def hutchpp_omega(w, xp):
    return tuple(xp.asarray(np.array(x.tolist(), dtype=np.float64)) for x in w)


def hutchpp_call(implementation, inputs, omega):
    return implementation(inputs[0], *omega)


def hutchpp_kernel(A, sketch, probes):
    from kernels.estimators.hutchpp import hutchpp_trace

    return hutchpp_trace(A, sketch, probes)


def xtrace_kernel(A, probes):
    from kernels.estimators.xtrace import xtrace_trace

    return xtrace_trace(A, probes)


for _fn, _name in ((hutchpp_kernel, "hutchpp_trace"), (xtrace_kernel, "xtrace_trace")):
    _fn.__qualname__ = f"kernels.{_name}"
    _fn.__optverify_call__ = (f"from kernels import {_name}", _name)


# ---- statistical checks over probe kinds -------------------------------------------------------------------
@dataclass
class SpectralReport(Report):
    """A fixed-seed spectral check (not Hypothesis-drawn): each comparison |found − claimed| ≤ allowed counts as an
    example; the first failure is the counterexample, every failure is listed."""
    false_alarm: float = 0.0
    failures: list = field(default_factory=list)

    def compare(self, what: str, claimed: float, found: float, allowed: float) -> None:
        self.compared += 1
        self.examples += 1
        error = abs(found - claimed)
        self.worst_ratio = max(self.worst_ratio, error / allowed if allowed > 0 else (0.0 if error == 0 else math.inf))
        if not error <= allowed:
            failure = f"{what}: claimed {claimed!r}, found {found!r}, |diff| {error:.6g} > allowed {allowed:.3g}"
            self.failures.append(failure)
            if self.counterexample is None:
                self.counterexample = dict(problem=failure)

    @property
    def passed(self) -> bool:
        return super().passed and self.compared > 0  # nothing compared is no pass

    def subject(self) -> str:
        return self.rule

    def failure_lines(self) -> list[str]:
        return self.failures[:5]


def spectral_report(check: str, family: str, implementation, false_alarm: float = 0.0) -> SpectralReport:
    """An empty report of ``check`` (what is checked) on ``implementation``, filed under ``family`` (`optverify
    check`'s name for it)."""
    return SpectralReport(family, {"check": check}, getattr(implementation, "__qualname__", "?"), "spectral",
                          false_alarm=false_alarm)


PROBE_KINDS = ("rademacher", "gaussian", "sphere")


def draw_probes(rng, kind: str, rows: int, n: int) -> np.ndarray:
    """rows probes with E[xxᵀ] = I: signs, standard normals, or √n times a uniform point of the sphere."""
    if kind == "rademacher":
        return 2.0 * rng.integers(0, 2, (rows, n)) - 1
    g = rng.standard_normal((rows, n))
    if kind == "gaussian":
        return g
    if kind == "sphere":
        return math.sqrt(n) * g / np.linalg.norm(g, axis=1, keepdims=True)
    raise ValueError(f"probes must be one of {list(PROBE_KINDS)}, got {kind!r}")


def test_matrices(seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """A decaying PSD spectrum, the same plus I (tr(A) large against ‖A‖_F: a scale error shows), an indefinite
    symmetric and a non-symmetric matrix (n = 12), fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    n = 12
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    decaying = (Q * (1.0 / np.arange(1, n + 1) ** 2)) @ Q.T
    indefinite = (Q * np.linspace(-3, 2, n)) @ Q.T
    return [("decaying PSD", (decaying + decaying.T) / 2), ("I + decaying PSD", np.eye(n) + (decaying + decaying.T) / 2),
            ("indefinite", (indefinite + indefinite.T) / 2),
            ("non-symmetric", rng.standard_normal((n, n)) / 2)]


def _estimates(name, implementation, A, rng, kind, K, budget):
    n = A.shape[0]
    if name == "hutchpp":
        k, m = budget
        return np.array([float(implementation(A, draw_probes(rng, kind, k, n), draw_probes(rng, kind, m, n)))
                         for _ in range(K)])
    return np.array([float(implementation(A, draw_probes(rng, kind, budget, n))) for _ in range(K)])


def check_probes(name: str, implementation=None, kind: str = "gaussian", *, seed: int = 0, block: int = 16,
                 false_alarm: float = FALSE_ALARM) -> SpectralReport:
    """Unbiasedness of Hutch++ (``impl(A, sketch, probes)``) or XTrace (``impl(A, probes)``) under ``kind`` probes,
    by a median of block means against a variance bound (see the module docstring); rate ``false_alarm``."""
    implementation = implementation or {"hutchpp": hutchpp_kernel, "xtrace": xtrace_kernel}[name]
    report = spectral_report(f"{name} unbiased over {kind} probes", "trace_probes", implementation, false_alarm)
    matrices = test_matrices(seed)
    blocks = math.ceil(8 * math.log(len(matrices) / false_alarm))  # P(median fails) ≤ e^{−b/8} per matrix
    rng = np.random.default_rng(seed)
    budget = (2, 2) if name == "hutchpp" else 4
    tests = 1 / (budget[1] if name == "hutchpp" else 1)
    for label, A in matrices:
        S = (A + A.T) / 2
        bound = 2 * float(np.sum(S * S)) * tests * (1 + 1e-9)  # V̄
        y = _estimates(name, implementation, A, rng, kind, blocks * block, budget)
        centre = float(np.median(y.reshape(blocks, block).mean(axis=1)))
        report.compare(f"{label}: median of {blocks} block means", float(np.trace(A)), centre,
                       2 * math.sqrt(bound / block))
    return report


def check_low_rank(name: str, implementation=None, kind: str = "gaussian", *, seed: int = 0,
                   trials: int = 10) -> SpectralReport:
    """rank(A) ≤ the sketch's rank ⇒ estimate = tr(A) for every draw, to the rounding bound δ_ω (module doc)."""
    implementation = implementation or {"hutchpp": hutchpp_kernel, "xtrace": xtrace_kernel}[name]
    report = spectral_report(f"{name} exact on rank ≤ budget, {kind} probes", "trace_probes", implementation)
    rng = np.random.default_rng(seed)
    for t in range(trials):
        n, r = 10, 1 + t % 3
        A = rng.integers(-8, 9, (n, r)) @ rng.integers(-8, 9, (r, n)) / 16.0  # rank r, exact in float64
        if t % 2:
            A = (A + A.T) / 2  # symmetric: rank ≤ 2r
        rank = int(np.linalg.matrix_rank(A))
        if name == "hutchpp":
            sketch, probes = draw_probes(rng, kind, rank, n), draw_probes(rng, kind, 2, n)
            found, Ys = float(implementation(A, sketch, probes)), [A @ sketch.T]
        else:
            probes = draw_probes(rng, kind, rank + 1, n)
            found = float(implementation(A, probes))
            Ys = [A @ probes.T] + [A @ np.delete(probes, i, axis=0).T for i in range(rank + 1)]
        s_ratio = max(float(np.linalg.svd(Y, compute_uv=False)[0] / np.linalg.svd(Y, compute_uv=False)[rank - 1])
                      for Y in Ys)
        count = Ys[0].shape[1] + 2
        scale = float(np.sum(np.abs(A)) * np.max(np.abs(probes)) ** 2)  # non-sign probes: ‖x‖² ≤ n·max|x|²
        allowed = float(gamma(64 * (n + count) ** 2)) * 2 * s_ratio * n * scale
        report.compare(f"rank {rank}, n = {n}", float(np.trace(A)), found, allowed)
    return report


# ---- Lanczos: quadrature, SLQ moments, λ_max --------------------------------------------------------------
def _dyadic_symmetric(rng, n):
    A = rng.integers(-16, 17, (n, n))
    A = np.triu(A) + np.triu(A, 1).T
    return A / 4.0


def _exact_moment(A: np.ndarray, v: np.ndarray, p: int) -> Fraction:
    """vᵀA^p v in exact rationals (A dyadic, v signs)."""
    Af = [[Fraction(float(a)) for a in row] for row in A]
    w = [Fraction(int(x)) for x in v]
    total = sum(x * x for x in w) if p == 0 else None
    x = list(w)
    for _ in range(p):
        x = [sum(Af[i][j] * x[j] for j in range(len(x))) for i in range(len(x))]
    total = sum(a * b for a, b in zip(w, x))
    return total


def check_quadrature(quadratures=None, *, seed: int = 0, trials: int = 24) -> SpectralReport:
    """``quadratures(A, probes, k) -> [(nodes, weights, ‖v‖²)]`` per probe (default: ours): weights sum to 1, nodes in
    [λ_min, λ_max], and the moment identity for p ≤ 2k − 1, exact right side (module docstring)."""
    if quadratures is None:
        from kernels.estimators.lanczos import probe_quadratures as quadratures
    report = spectral_report("Gauss quadrature from Lanczos", "lanczos", quadratures)
    rng = np.random.default_rng(seed)
    for t in range(trials):
        n = 2 + t % 5
        k = 1 + (t // 5) % n
        A = _dyadic_symmetric(rng, n)
        probes = 2.0 * rng.integers(0, 2, (2, n)) - 1
        r = float(np.max(np.sum(np.abs(A), axis=1)))
        eig = np.linalg.eigvalsh(A)
        for j, (nodes, weights, norm2) in enumerate(quadratures(A, probes, k)):
            nodes, weights = np.asarray(nodes, dtype=float), np.asarray(weights, dtype=float)
            label = f"n={n}, k={k}, probe {j}"
            report.compare(f"{label}: Σ weights", 1.0, float(np.sum(weights)), float(gamma(8 * k + 8)) * 4)
            slack = float(gamma(32 * n * k)) * r + 1e-300
            outside = max(0.0, float(eig[0] - nodes.min()), float(nodes.max() - eig[-1]))
            report.compare(f"{label}: nodes outside [λ_min, λ_max] by", 0.0, outside, slack)
            for p in range(2 * k):
                exact = _exact_moment(A, probes[j], p)
                found = Fraction(float(norm2)) * sum(Fraction(float(w)) * Fraction(float(x)) ** p
                                                     for w, x in zip(weights, nodes))
                allowed = gamma(32 * n * k * (p + 1)) * (p + 1) * n * Fraction(r) ** p
                report.compare(f"{label}: ‖v‖²Σ τθ^{p} = vᵀA^{p}v", float(exact), float(found),
                               float(allowed))
    return report


def indefinite_matrices(seed: int = 0, count: int = 6):
    """Symmetric A with |λ_min| > λ_max > 0: orthogonal Q (Householder, exact-ish) and eigenvalues (−c, …, b)."""
    rng = np.random.default_rng(seed)
    out = []
    for t in range(count):
        n = 3 + t % 4
        Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
        lam = np.sort(rng.uniform(0.2, 1.0, n))
        lam[0] = -2.0 - t * 0.25  # |λ_min| > λ_max
        A = (Q * lam) @ Q.T
        out.append(((A + A.T) / 2, n))
    return out


def check_lambda_max(lambda_max=None, *, seed: int = 0) -> SpectralReport:
    """``lambda_max(A, start, k)`` must give the algebraic maximum eigenvalue on indefinite A with |λ_min| > λ_max."""
    if lambda_max is None:
        from kernels.estimators.lanczos import lanczos_lambda_max as lambda_max
    report = spectral_report("λ_max on indefinite matrices", "lanczos", lambda_max)
    rng = np.random.default_rng(seed)
    for A, n in indefinite_matrices(seed):
        eig = np.linalg.eigvalsh(A)
        r = float(np.max(np.sum(np.abs(A), axis=1)))
        found = float(lambda_max(A, rng.standard_normal(n), n))
        # eigvalsh's own error is ≤ γ_{n²}·r too: the allowance counts both
        report.compare(f"n={n}, λ = {np.round(eig, 3).tolist()}", float(eig[-1]), found, 2 * float(gamma(32 * n * n)) * r)
    return report


def eigsh_survey(seed: int = 0) -> dict:
    """What scipy.sparse.linalg.eigsh computes for k = 1 by default (which='LM') and with which='LA', on an indefinite
    matrix with |λ_min| > λ_max: {which: 'λ_max' | 'λ_min (largest magnitude)' | value}."""
    from scipy.sparse.linalg import eigsh

    A, n = indefinite_matrices(seed, 1)[0]
    eig = np.linalg.eigvalsh(A)
    found = {}
    for which in (None, "LA", "LM", "SA"):
        kwargs = {} if which is None else {"which": which}
        value = float(eigsh(A, k=1, v0=np.ones(n), **kwargs)[0][0])
        name = "λ_max" if abs(value - eig[-1]) < 1e-8 else "λ_min" if abs(value - eig[0]) < 1e-8 else repr(value)
        found["default (LM)" if which is None else which] = name
    return found


# ---- crosscheck: which eigenvalue a peer's "largest eigenvalue" is (verify/adapters/peers.py, surveyor) ----------
EIGENVALUE_VARIANTS = ("algebraic max λ_max", "largest magnitude", "algebraic min λ_min")


def scipy_eigsh(A):
    """scipy.sparse.linalg.eigsh(A, k=1) with its defaults (which='LM'), a fixed start for reproducibility."""
    from scipy.sparse.linalg import eigsh

    return float(eigsh(A, k=1, v0=np.ones(A.shape[0]))[0][0])


def scipy_eigsh_la(A):
    """scipy.sparse.linalg.eigsh(A, k=1, which='LA')."""
    from scipy.sparse.linalg import eigsh

    return float(eigsh(A, k=1, which="LA", v0=np.ones(A.shape[0]))[0][0])


def _target(eig, variant):
    if variant == "algebraic max λ_max":
        return float(eig[-1])
    if variant == "algebraic min λ_min":
        return float(eig[0])
    return float(eig[np.argmax(np.abs(eig))])


def crosscheck_survey(peer, *, examples: int = 30, seed: int = 0):
    """The peer's row: its answer on indefinite symmetric A with |λ_min| > λ_max and on −A (where λ_max dominates), so
    that the three meanings separate (they differ by ≥ 1), compared with each meaning to 10⁻⁸·‖A‖ (ARPACK's default tol is machine precision: far inside)."""
    import time

    from verify.adapters.peers import Survey
    from verify.checks.common import Report

    start = time.perf_counter()
    run = peer.load()
    problems = indefinite_matrices(seed, max(2, min(examples, 6)))
    problems += [(-A, n) for A, n in problems]  # now λ_max has the largest magnitude: the three meanings separate
    outcomes = []
    for A, _ in problems:
        try:
            outcomes.append(run(A))
        except Exception as exc:  # the peer's failure, reported per variant
            outcomes.append(exc)
    reports = []
    for variant in EIGENVALUE_VARIANTS:
        report = Report(peer.rule, dict(eigenvalue=variant), peer.label, "spectral")
        for (A, n), found in zip(problems, outcomes):
            if isinstance(found, Exception):
                report.counterexample = dict(problem=f"the peer raised {type(found).__name__}: {found}")
                break
            report.examples += 1
            report.compared += 1
            eig = np.linalg.eigvalsh(A)
            expected, allowed = _target(eig, variant), 1e-8 * float(np.max(np.abs(eig)))
            report.worst_ratio = max(report.worst_ratio, abs(found - expected) / allowed)
            if abs(found - expected) > allowed:
                report.counterexample = dict(problem=f"{found!r} is not the {variant} {expected!r} (n = {n}, "
                                             f"eigenvalues {np.round(eig, 4).tolist()})")
                break
        reports.append(report)
    return Survey(peer.rule, peer.label, reports, "", time.perf_counter() - start, list(peer.notes))
