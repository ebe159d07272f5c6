"""XTrace: tr̂ = (1/m) Σ_i [tr(P_iA) + ω_iᵀ(I − P_i)A(I − P_i)ω_i], P_i the projector onto range(A·Ω_{−i}ᵀ).

Source: seed 000_a2fbe8e070163c86.txt §1.4.1.1 "Trace" (Hutchinson's estimator, only products Ax); issue 11
(XTrace, Epperly, Tropp & Webber 2024: the exchangeable, leave-one-out form of Hutch++).  Every probe ω_i is a
sketch for the others and the test vector of its own term.  Projectors exact as in derivations/estimators/hutchpp.py.

Claims: (1) term i is Hutch++ with sketch Ω_{−i} and the one probe ω_i, independent of it, so E[term_i | Ω_{−i}] =
tr(A), for any A; the mean of the m terms is unbiased; (2) when rank(A) ≤ m − 1 every leave-one-out sketch
generically sees range(A) and tr̂ = tr(A).  The variance has no closed form here: the claimed variance is the
exact variance of this projector formulation, enumerated (the check then compares an implementation's whole
distribution with it, not with an independent formula).
"""
from __future__ import annotations

import sympy as sp

from derivations.core.estimator import Estimator, SampleSpace, expectation, sign_matrices
from derivations.core.proof import Derivation, Step
from derivations.estimators.hutchpp import RATIONAL2, RATIONAL3, deflated_estimate, projector

SOURCE = "seed 000_a2fbe8e070163c86.txt §1.4.1.1 (Trace); XTrace (Epperly, Tropp & Webber 2024), issue 11"
CASES = (((2, 2), RATIONAL2), ((3, 2), RATIONAL3), ((2, 3), RATIONAL2[:1]))  # (n, m) and the matrices proved


def left_out(Omega, i):
    """Ω without its row i (the other probes), as rows."""
    return Omega[[r for r in range(Omega.rows) if r != i], :]


def term(A, Omega, i):
    """tr(P_iA) + ω_iᵀ(I − P_i)A(I − P_i)ω_i, P_i onto range(A·Ω_{−i}ᵀ)."""
    return deflated_estimate(A, projector(A * left_out(Omega, i).T), Omega[i, :])


def _statistic(data, Omega):
    A, m = data["A"], Omega.rows
    return sum((term(A, Omega, i) for i in range(m)), sp.Integer(0)) / m


def _mean(data, space, sizes):
    return data["A"].trace()


def _variance(data, space, sizes):
    """The exact variance of the statistic over every Ω (no closed form: see the module docstring)."""
    values = [_statistic(data, W) for W in sign_matrices(sizes["m"], sizes["n"])]
    centre = expectation(values)
    return expectation([(v - centre) ** 2 for v in values])


ESTIMATOR = Estimator(
    name="xtrace",
    title="XTrace (1/m) Σ_i [tr(P_iA) + ω_iᵀ(I − P_i)A(I − P_i)ω_i], P_i onto range(A·Ω_{−i}ᵀ)",
    data=(("A", "n×n, any real (only products A·V are queried)"),),
    sizes=("m",),
    spaces=(SampleSpace("rademacher", "probes Ω ∈ {±1}^{m×n}, m ≥ 2, independent rows",
                        lambda sizes: sign_matrices(sizes["m"], sizes["n"])),),
    statistic=_statistic,
    target=lambda data: data["A"].trace(),
    mean=_mean,
    variance=_variance,
    output="scalar",
    source=SOURCE,
    notes="the claimed variance is the enumerated exact one; Gaussian and sphere probes: verify/checks/spectral.py",
)


def unbiased(estimator: Estimator = ESTIMATOR) -> Derivation:
    steps = []
    for (n, m), matrices in CASES:
        for index, A in enumerate(matrices):
            label = f"n={n}, m={m}, rational A #{index}"
            data, sizes = dict(A=A), dict(n=n, m=m)
            for i in range(m):  # term i averaged over ω_i alone, for every Ω_{−i}
                for others in sign_matrices(m - 1, n):
                    values = [term(A, others.row_insert(i, w), i) for w in sign_matrices(1, n)]
                    steps.append(Step(f"E[term_{i} | Ω_−{i} = {list(others)}] = tr(A) ({label})", expectation(values),
                                      A.trace(), "Hutch++ with sketch Ω_−i and the independent probe ω_i"))
            values = [estimator.statistic(data, W) for W in sign_matrices(m, n)]
            steps += [Step(f"E[tr̂] is the claimed mean ({label})", expectation(values),
                           estimator.mean(data, "rademacher", sizes), "every Ω enumerated; the mean of the terms"),
                      Step(f"claimed mean = target ({label})", estimator.mean(data, "rademacher", sizes),
                           estimator.target(data), "unbiased")]
    return Derivation(
        name="xtrace.unbiased", claim="each leave-one-out term is unbiased given the other probes, so E[tr̂] = tr(A)",
        steps=tuple(steps), assumptions=("probes independent, uniform on {±1}ⁿ",), source=SOURCE,
        scope="(n, m) ∈ {(2,2), (3,2)}: two rational A each (one non-symmetric); (2,3): one; every Ω enumerated")


def exact_low_rank(estimator: Estimator = ESTIMATOR) -> Derivation:
    u, w = sp.Matrix([1, -2, 3]) / 2, sp.Matrix([2, 1, -1]) / 4
    A = u * w.T  # rank 1 = m − 1 for m = 2
    steps = [Step(f"tr̂(Ω = {list(W)}) = tr(A), rank 1, m = 2", estimator.statistic(dict(A=A), W), A.trace(),
                  "each A·ω_j = u(wᵀω_j) spans range(A): (I − P_i)A = 0")
             for W in sign_matrices(2, 3) if all((w.T * W[j, :].T)[0] != 0 for j in range(2))]
    return Derivation(
        name="xtrace.exact_low_rank", claim="rank(A) ≤ m − 1: every leave-one-out sketch sees range(A), tr̂ = tr(A)",
        steps=tuple(steps), assumptions=("wᵀω_j ≠ 0 for every probe (each sketch sees A)",), source=SOURCE,
        scope="n = 3, m = 2, a rational rank-1 A = uwᵀ: every Ω whose probes all see A")


BUILDERS = {"xtrace.unbiased": unbiased, "xtrace.exact_low_rank": exact_low_rank}
