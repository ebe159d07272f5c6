"""Is an optimizer elementwise?  Probed by running it, before any rule is tried on it.

An elementwise rule's step for one element depends on that element's parameter, gradient and state only.  So
two runs that differ only in one element's gradient must give every *other* element bit for bit the same
trajectory: the same operations on the same numbers round the same way, whatever a vectorised loop does with
the neighbours.  An optimizer that normalises by a tensor's norm, orthogonalises a matrix (Muon), keeps a
matrix preconditioner (Shampoo, SOAP, PSGD) or adapts its step from global statistics (D-Adaptation, Prodigy)
moves another element, and is no elementwise rule's instance: the ecosystem scan lists it as "no rule yet" and
says which element moved, instead of a "no convention" against a rule it never claimed.

The probe runs at the package's defaults (and pins): a coupling switched off there is not seen, so passing the
probe claims nothing; finding one is a fact, reproduced by the two runs it describes.  Randomised optimizers are
run from the same seeds (Python, NumPy, torch) in both runs.
"""
from __future__ import annotations

import itertools
import random
import sys
from dataclasses import dataclass

import numpy as np

# Parameter lists tried in turn until one runs: a vector and a matrix (a matrix optimizer may refuse vectors,
# another may treat them apart), matrices only, vectors only.  The perturbed element is the first of the last.
LAYOUTS = (((6,), (3, 4)), ((3, 4), (2, 5)), ((6,), (5,)))
# float64 first (the finest comparison); float32 where an optimizer refuses float64 (it is then still probed, and
# the survey's float64 examples show the refusal as a crash with its input).
DTYPES = (np.float64, np.float32)
VECTORS = LAYOUTS[2]  # what every survey draws (lists of 1-D tensors)
STEPS = 10  # D-Adaptation and Prodigy move their global step size only after a few steps (optax's prodigy: step 9)


@dataclass(frozen=True)
class Coupling:
    layout: tuple | None  # the shapes it ran on; None: it ran on none of LAYOUTS
    moved: str = ""  # "" when no other element moved; else which one, and how
    error: str = ""  # why it ran on no layout
    vectors_elementwise: bool = False  # coupled where a matrix is, but no element moved on vectors only (AdamP)

    @property
    def elementwise(self) -> bool:
        """No element moved in a run that worked (not a proof: see the module's docstring)."""
        return self.layout is not None and not self.moved

    @property
    def surveyable(self) -> bool:
        """Worth trying as an elementwise rule: elementwise, or elementwise on the vectors every survey draws."""
        return self.elementwise or self.vectors_elementwise

    def describe(self) -> str:
        if self.layout is None:
            return f"it does not run as a per-parameter optimizer on a plain list of tensors: {self.error}"
        if self.moved and self.vectors_elementwise:
            return f"elementwise on vectors only, so this row holds for 1-D parameters: with a matrix, {self.moved}"
        if self.moved:
            return f"not elementwise: {self.moved} — a norm, an orthogonalisation or a preconditioner couples the " \
                   "elements, so no elementwise rule applies"
        return ""


def _reseed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def _where(shapes, k: int, index: int) -> str:
    position = np.unravel_index(index, shapes[k])
    return f"p[{k}][{', '.join(str(int(i)) for i in position)}]"


def _first_moved(shapes, base, perturbed, start) -> tuple:
    """The first element other than the perturbed one whose value differs between the runs: (its tensor's index,
    a description); (None, "") when none did.  Tensors in order, so a later tensor's index means none before it
    moved."""
    last = len(shapes) - 1
    for t, (a_step, b_step) in enumerate(zip(base, perturbed), start=1):
        for k, (a, b) in enumerate(zip(a_step, b_step)):
            a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            if k == last:
                same[0] = True  # the element whose gradient was changed
            if not same.all():
                i = int(np.argmin(same))
                before = start[k].ravel()[i]
                where = "the same tensor" if k == last else "another tensor"
                moved = abs(a[i] - before)  # how far the first run moved it from the start
                relative = abs(b[i] - a[i]) / max(moved, np.finfo(np.float64).tiny)
                return k, (f"changing only the gradient of {_where(shapes, last, 0)} changed {_where(shapes, k, i)} "
                           f"({where}) after step {t}, by {relative:.2g} of the distance it had moved")
    return None, ""


def _one_line(exc: Exception, limit: int = 200) -> str:
    text = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}".rstrip(": ")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _moved(run, lr: float, shapes, dtype, seed: int) -> tuple:
    """Run twice on ``shapes``, the second time with the gradient of the last tensor's first element changed at
    every step; the first other element that moved (_first_moved).  Raises what ``run`` raises."""
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    gradients = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(STEPS)]
    changed = [[g.copy() for g in step] for step in gradients]
    for step in changed:
        step[-1].flat[0] = 4.0 * step[-1].flat[0] + 1.0
    _reseed(seed)
    base = run({"p": [p.copy() for p in start]}, gradients, [lr] * STEPS)
    _reseed(seed)
    perturbed = run({"p": [p.copy() for p in start]}, changed, [lr] * STEPS)
    return _first_moved(shapes, base, perturbed, start)


def probe(run, lr: float, *, seed: int = 0) -> Coupling:
    """``run(inputs, gradients, lr, **hyperparameters)`` as a Target's runner gives it, at its defaults."""
    errors = []
    for shapes, dtype in itertools.product(LAYOUTS, DTYPES):
        try:
            tensor, moved = _moved(run, lr, shapes, dtype, seed)
        except Exception as exc:  # noqa: BLE001 — a third party's optimizer may raise anything; it is reported
            errors.append(f"{shapes} {np.dtype(dtype).name}: {_one_line(exc)}")
            continue
        # Coupled within a matrix only (no other tensor moved): is it elementwise on vectors?  A coupling across
        # tensors (a global norm, D-Adaptation's estimate) is global, whatever a vectors-only run happens to show.
        on_vectors = False
        if moved and tensor == len(shapes) - 1 and len(shapes[tensor]) > 1:
            try:
                on_vectors = not _moved(run, lr, VECTORS, dtype, seed)[1]
            except Exception:  # noqa: BLE001 — it refuses vectors: not elementwise there either
                on_vectors = False
        return Coupling(shapes, moved, vectors_elementwise=on_vectors)
    messages = {e.partition(": ")[2] for e in errors}
    return Coupling(None, error=messages.pop() if len(messages) == 1 else "; ".join(errors))
