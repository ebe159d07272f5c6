"""torch.optim.LBFGS seen as an L-BFGS run with history, for the check in verify/checks/quasi_newton.py.

The optimizer is stepped with ``max_iter=1``, one iteration per ``step(closure)``, and after each the adapter reads
the state torch keeps (``optimizer.state``): the direction ``d`` it took, the pairs ``old_stps`` (s) and
``old_dirs`` (y) and ``H_diag`` (γ) it formed d from, and ``prev_flat_grad``, the gradient at the iterate.  So
the check is fed torch's own state per iteration.  ``tolerance_grad = tolerance_change = 0``: torch stops only at
g = 0 exactly (recorded as d = 0, no move).  Which conventions it follows is not written here:
``optverify crosscheck torch`` finds them by running it under every convention of the ``lbfgs`` rule.
"""
from __future__ import annotations

import numpy as np


def _run(x0, *, iterations, memory, grad, value, line_search_fn, max_eval=None):
    import torch

    x0 = np.asarray(x0)
    p = torch.nn.Parameter(torch.from_numpy(x0.copy()))
    opt = torch.optim.LBFGS([p], lr=1, max_iter=1, history_size=memory, tolerance_grad=0.0, tolerance_change=0.0,
                            line_search_fn=line_search_fn, max_eval=max_eval)

    def closure():
        opt.zero_grad()
        x = p.detach().numpy().copy()
        p.grad = torch.from_numpy(np.asarray(grad(x), dtype=x0.dtype).copy())
        return torch.tensor(float(value(x)), dtype=p.dtype)

    seen = []
    for _ in range(iterations):
        x = p.detach().numpy().copy()
        before = opt.state[p].get("n_iter", 0)
        opt.step(closure)
        state = opt.state[p]
        if state.get("n_iter", 0) == before:  # torch returned at once: g = 0 exactly (tolerance_grad = 0)
            g = np.asarray(grad(x), dtype=x0.dtype)
            pairs = state.get("old_stps", []), state.get("old_dirs", [])
            seen.append((x, g, np.zeros_like(x), *[[v.numpy().copy() for v in vs] for vs in pairs], 1.0))
            continue
        S = [s.detach().numpy().copy() for s in state["old_stps"]]
        Y = [y.detach().numpy().copy() for y in state["old_dirs"]]
        seen.append((x, state["prev_flat_grad"].numpy().copy(), state["d"].numpy().copy(), S, Y,
                     float(state["H_diag"])))
    return p.detach().numpy().copy(), seen


def torch_lbfgs(x0, *, iterations, memory, grad, hvp=None, value=None):
    """torch.optim.LBFGS(lr=1, max_iter=1): a fixed step (min(1, 1/‖g‖₁) at the first iteration)."""
    return _run(x0, iterations=iterations, memory=memory, grad=grad, value=value, line_search_fn=None)


def torch_lbfgs_strong_wolfe(x0, *, iterations, memory, grad, hvp=None, value=None):
    """torch.optim.LBFGS(line_search_fn="strong_wolfe", max_iter=1, max_eval=25).

    max_eval is given: its default, max_iter·5//4, is 1 for max_iter = 1, which leaves the line search no
    evaluation at all (the first trial step is taken as it is: found by running it, see the survey notes)."""
    return _run(x0, iterations=iterations, memory=memory, grad=grad, value=value, line_search_fn="strong_wolfe",
                max_eval=25)


def torch_lbfgs_strong_wolfe_default_max_eval(x0, *, iterations, memory, grad, hvp=None, value=None):
    """torch.optim.LBFGS(line_search_fn="strong_wolfe", max_iter=1) with max_eval's default (1)."""
    return _run(x0, iterations=iterations, memory=memory, grad=grad, value=value, line_search_fn="strong_wolfe")


# torch keeps a pair only when yᵀs > 1e-10 (an absolute threshold, whatever the problem's scale)
CHECK_OPTIONS = dict(skip_below=1e-10)
