"""MAML's meta-gradient, and first-order MAML as the same rule without the Hessian term.

Source: seed 000 (MAML: an inner step θ'_i = θ - α∇L_i(θ) per task, then the meta-update on Σ_i L_i(θ'_i));
Finn, Abbeel, Levine, *Model-Agnostic Meta-Learning*, ICML 2017, Algorithm 1 and §5.2 (first-order
approximation).  The meta-gradient of one task is the chain rule through the inner step:

    ∇_θ L_i(θ - α∇L_i(θ)) = (I - α∇²L_i(θ))·∇L_i(θ'_i)          (``second_order``)
                          ≈ ∇L_i(θ'_i)                          (``first_order``: the Hessian term dropped)

``meta_gradient`` below is the rule (a planted copy can be passed to the derivations).
"""
from __future__ import annotations

import sympy as sp

from derivations.core.proof import Derivation, Step

SOURCE = "seed 000 (MAML); Finn, Abbeel, Levine, Model-Agnostic Meta-Learning, ICML 2017, Algorithm 1, §5.2"
CONVENTIONS = ("second_order", "first_order")
alpha = sp.Symbol("alpha", positive=True)


def meta_gradient(gradient, hessian, theta, step, convention="second_order"):
    """(I - α·H(θ))·∇L(θ') with θ' = θ - α∇L(θ), or ∇L(θ') (first_order); ``gradient``/``hessian`` map a point to
    ∇L and ∇²L there (SymPy matrices)."""
    inner = theta - step * gradient(theta)
    outer = gradient(inner)
    if convention == "first_order":
        return outer
    return outer - step * hessian(theta) * outer


def _quadratic(n):
    A = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"a_{min(i, j)}{max(i, j)}", real=True))  # symmetric
    b = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"b_{i}", real=True))
    return A, b


def chain_rule(rule=meta_gradient) -> Derivation:
    steps = []
    th = sp.Symbol("theta", real=True)
    L = sp.Function("L")
    def grad1(t):
        return sp.Matrix([sp.diff(L(th), th).subs(th, t[0])])

    def hess1(t):
        return sp.Matrix([[sp.diff(L(th), th, 2).subs(th, t[0])]])

    t1 = sp.Matrix([th])
    meta_loss = L(th - alpha * sp.diff(L(th), th))
    steps.append(Step("n=1, any twice-differentiable L: d/dθ L(θ - αL'(θ)) = (1 - αL''(θ))·L'(θ')",
                      sp.diff(meta_loss, th), rule(grad1, hess1, t1, alpha)[0], "the chain rule through θ'",
                      rewrite=lambda z: sp.simplify(sp.expand(z.doit()))))
    for n in (2, 3):
        A, b = _quadratic(n)
        theta = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"theta_{i}", real=True))

        def loss(x):
            return (x.T * A * x)[0] / 2 + (b.T * x)[0]

        inner = theta - alpha * (A * theta + b)
        exact = sp.Matrix([sp.diff(loss(inner), t) for t in theta])
        got = rule(lambda x: A * x + b, lambda x: A, theta, alpha)
        steps.append(Step(f"n={n}, quadratic task: ∇_θ L(θ') = (I - αA)(Aθ' + b)", sp.expand(exact), sp.expand(got),
                          "θ' = θ - α(Aθ + b) has Jacobian I - αA (A symmetric)"))
    return Derivation(
        name="maml.chain_rule",
        claim=("MAML's meta-gradient of one task is (I - α∇²L(θ))·∇L(θ'), θ' = θ - α∇L(θ): the derivative of the "
               "post-adaptation loss through the inner step (any L in 1-D; symmetric quadratic tasks in n = 2, 3)"),
        steps=tuple(steps),
        assumptions=("L twice differentiable", "A symmetric", "α > 0"),
        source=SOURCE,
        scope="a symbolic function in 1-D; symbolic quadratics of dimension 2 and 3",
    )


def first_order_gap(rule=meta_gradient) -> Derivation:
    n = 2
    A, b = _quadratic(n)
    theta = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"theta_{i}", real=True))
    full = rule(lambda x: A * x + b, lambda x: A, theta, alpha)
    fo = rule(lambda x: A * x + b, lambda x: A, theta, alpha, "first_order")
    outer = A * (theta - alpha * (A * theta + b)) + b
    witness = dict(zip(list(A) + list(b) + list(theta), [2, 0, 0, 1, 1, 0, 0, 0]))  # A = diag(2, 1), b = e₁, θ = 0
    gap_at = (full - fo).subs(witness).subs(alpha, sp.Rational(1, 4))
    return Derivation(
        name="maml.first_order_gap",
        claim=("first-order MAML drops exactly -α∇²L(θ)∇L(θ'): the two meta-gradients differ by α·A·∇L(θ') on a "
               "quadratic task, so FOMAML is exact only where A∇L(θ') = 0 (e.g. A = 0, or θ' a minimiser)"),
        steps=(
            Step("n=2: second_order - first_order = -α·A·∇L(θ')", sp.expand(full - fo), sp.expand(-alpha * A * outer),
                 "the Hessian term of the chain rule"),
            Step("witness A = diag(2, 1), b = e₁, θ = 0, α = 1/4: the gap is (-1/4, 0) ≠ 0", gap_at,
                 sp.Matrix([-sp.Rational(1, 4), 0]), "∇L(θ') = (1/2, 0), α·A·∇L(θ') = (1/4, 0)"),
        ),
        assumptions=("quadratic tasks, A symmetric", "α > 0"),
        source=SOURCE,
        scope="symbolic 2×2 quadratic; one exact witness",
    )


BUILDERS = {"maml.chain_rule": chain_rule, "maml.first_order_gap": first_order_gap}
