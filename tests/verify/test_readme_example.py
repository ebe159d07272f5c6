"""The README's pytest example, verbatim in substance: it must pass, and an ε-inside-√ variant must not."""
import numpy as np
import pytest

from verify import check


def my_adam(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def test_readme_adam_passes():
    check("adam", my_adam)


def test_readme_adam_with_eps_inside_sqrt_fails_and_matches_that_convention():
    def eps_inside(p, g, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return p - lr * m_hat / np.sqrt(v_hat + eps), m, v

    with pytest.raises(AssertionError, match="minimal counterexample"):
        check("adam", eps_inside)
    check("adam", eps_inside, {"eps_mode": "inside_sqrt"})
