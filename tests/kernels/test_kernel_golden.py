"""Every kernel under every convention gives the same bits as the code the table below was taken from.

verify's rounding-error bounds are charged for the kernels' host scalars (float64, cast once) and their
order of evaluation, so a refactor of kernels/ that is not meant to change the arithmetic must not move
a single bit.  Each case is one combination of a kernel's conventions (decay, ε, bias correction,
AMSGrad, learning-rate position, init, Nesterov, centering, buffer, debias); it runs three steps
(t = 1, 2, 7, each with a new gradient and learning rate) on fixed inputs and hashes every array the
kernel writes (and the EMA's average) after every step.

Inputs come from ``numpy.random.RandomState`` (its stream is frozen across NumPy versions) through
exact operations, in float16, float32 and float64, whose arithmetic is IEEE: the bits are the same on
every machine.  The one libm function in a kernel whose last bit may vary between platforms is pow,
for β^t on the host; the β here put β^t well inside its rounding interval (checked below), so any pow
within 0.6 ulp gives the same bits.  bfloat16 is left out because its host-scalar cast (float64 →
bfloat16) has differed between ml_dtypes releases.

The table was generated once, from the kernels as they were before kernels/core/blocks.py existed
(``python tests/kernels/test_kernel_golden.py`` prints it).  Regenerate it only for a change that is meant to
change the arithmetic, and say so.
"""
from __future__ import annotations

import hashlib
import itertools
import math

import numpy as np
import pytest

from kernels import adam_step, ema_update, rmsprop_step, sgd_step

DTYPES = ("float16", "float32", "float64")
SIZE = 37  # not a multiple of any SIMD width: the vector loops' tails run too
STEPS = ((1, 0.0123), (2, 1.0), (7, 0.0071))  # (t, lr): a schedule (lr inside/outside a buffer differ), and lr = 1

# kernel -> (its convention axes and their values, fixed hyperparameters)
AXES = {
    "adam": (dict(eps_mode=("after_correction", "inside_sqrt", "uncorrected"), bias_correction=(True, False),
                  decay=("none", "l2", "decoupled"), amsgrad=("off", "raw", "corrected")),
             dict(beta1=0.87, beta2=0.993, eps=1e-3, weight_decay=0.047)),
    "sgd": (dict(lr_position=("outside_buffer", "inside_buffer"), init=("zero", "first_gradient"),
                 nesterov=(False, True), decay=("none", "l2", "decoupled")),
            dict(momentum=0.83, dampening=0.17, weight_decay=0.047)),
    "rmsprop": (dict(eps_mode=("inside_sqrt", "outside_sqrt"), centered=(False, True),
                     lr_position=("outside_buffer", "inside_buffer"), decay=("none", "l2", "decoupled"),
                     momentum=(0.0, 0.83)),  # momentum 0: no buffer at all
                dict(alpha=0.91, eps=1e-3, weight_decay=0.047)),
    "ema": (dict(debias=(False, True)), dict(alpha=0.87)),
}


def cases():
    for kernel, (axes, _) in AXES.items():
        for values in itertools.product(*axes.values()):
            yield kernel, dict(zip(axes, values))


def case_id(kernel: str, conventions: dict) -> str:
    return f"{kernel}[{','.join(f'{k}={v}' for k, v in conventions.items())}]"


def _signed(rng, dtype):
    """Values over a dozen binades, with an exact 0 and a -0.  Made with exact operations only (a uniform
    double from integers, 2x - 1, ldexp): no libm function (log, pow) whose last bit a platform may vary."""
    x = np.ldexp(rng.random_sample(SIZE) * 2.0 - 1.0, rng.randint(-10, 4, SIZE))
    x[:2] = 0.0, -0.0
    return x.astype(dtype)


def _run(kernel: str, conventions: dict, dtype) -> list:
    """The bytes of every array the kernel writes, after each step."""
    rng = np.random.RandomState(20240)
    p, m, buf, gavg = (_signed(rng, dtype) for _ in range(4))
    # second moments ≥ 0, and v ≥ gavg² (with room) so that the centered v - gavg² stays > 0
    v, vmax = (np.asarray(2.0 * gavg.astype(np.float64) ** 2 + np.abs(_signed(rng, np.float64)), dtype)
               for _ in range(2))
    hyper = AXES[kernel][1]
    out = []
    for t, lr in STEPS:
        g = _signed(rng, dtype)
        if kernel == "adam":
            adam_step(p, g, m, v, t, lr=lr, vmax=vmax if conventions["amsgrad"] != "off" else None,
                      **hyper, **conventions)
            written = [p, m, v] + ([vmax] if conventions["amsgrad"] != "off" else [])
        elif kernel == "sgd":
            sgd_step(p, g, buf, t, lr=lr, **hyper, **conventions)
            written = [p, buf]
        elif kernel == "rmsprop":
            buffered, centered = conventions["momentum"] != 0.0, conventions["centered"]
            rmsprop_step(p, g, v, t, lr=lr, gavg=gavg if centered else None, buf=buf if buffered else None,
                         **hyper, **conventions)
            written = [p, v] + [gavg] * centered + [buf] * buffered
        else:
            written = [v, ema_update(v, g, t, **hyper, **conventions)]
        for a in written:
            assert a.dtype == dtype and np.isfinite(a).all()  # finite: no NaN payload, which is not portable
            out.append(np.ascontiguousarray(a).tobytes())
    return out


def digest(kernel: str, conventions: dict, dtype) -> str:
    return hashlib.sha256(b"".join(_run(kernel, conventions, dtype))).hexdigest()[:16]


CASES = list(cases())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,conventions", CASES, ids=[case_id(*c) for c in CASES])
def test_same_bits_as_before(kernel, conventions, dtype):
    expected = GOLDEN[case_id(kernel, conventions)][DTYPES.index(dtype)]
    assert digest(kernel, conventions, dtype) == expected, "the kernel's arithmetic changed"


def test_the_table_covers_every_case_and_no_other():
    assert set(GOLDEN) == {case_id(*c) for c in CASES}


def test_host_powers_round_the_same_under_any_accurate_pow():
    mpmath = pytest.importorskip("mpmath")
    bases = {AXES["adam"][1]["beta1"], AXES["adam"][1]["beta2"], AXES["ema"][1]["alpha"]}
    with mpmath.workprec(200):
        for base, (t, _) in itertools.product(bases, STEPS):
            off = (mpmath.mpf(base) ** t - mpmath.mpf(base**t)) / math.ulp(base**t)
            assert abs(off) <= 0.4, (base, t, float(off))  # ≥ 0.1 ulp from where rounding would flip


def _same_as(kernel: str, conventions: dict) -> dict:
    """The conventions with those that cannot matter here merged: the cases that must agree."""
    if kernel == "rmsprop" and conventions["momentum"] == 0.0:  # no buffer, so no inside to put lr in
        return dict(conventions, lr_position="-")
    if kernel == "adam" and not conventions["bias_correction"]:  # v̂ = v: ε on √v̂ or √v, max of v̂ or v agree
        return dict(conventions, eps_mode=conventions["eps_mode"].replace("uncorrected", "after_correction"),
                    amsgrad=conventions["amsgrad"].replace("corrected", "raw"))
    return conventions


def test_every_convention_changes_the_bits():
    # a convention these inputs could not tell from another would go unchecked by the table
    def key(case):
        return case_id(case[0], _same_as(*case))

    for d in range(len(DTYPES)):
        by_key = {}
        for case in CASES:
            by_key.setdefault(key(case), set()).add(GOLDEN[case_id(*case)][d])
        assert all(len(hashes) == 1 for hashes in by_key.values())
        assert len({next(iter(hashes)) for hashes in by_key.values()}) == len(by_key), DTYPES[d]


def _table() -> str:
    rows = [f"    {case_id(*c)!r}: {tuple(digest(*c, d) for d in DTYPES)!r}," for c in CASES]
    return "GOLDEN = {  # case -> sha256[:16] of its outputs in " + ", ".join(DTYPES) + "\n" + "\n".join(rows) + "\n}"


GOLDEN = {  # case -> sha256[:16] of its outputs in float16, float32, float64
    'adam[eps_mode=after_correction,bias_correction=True,decay=none,amsgrad=off]': ('3f02a67ce19882a8', '10fa3991545f57ac', 'c4646323b55057e6'),
    'adam[eps_mode=after_correction,bias_correction=True,decay=none,amsgrad=raw]': ('beb8c01353b0d26e', '21301416da81cc63', 'a54bd99fc6c78894'),
    'adam[eps_mode=after_correction,bias_correction=True,decay=none,amsgrad=corrected]': ('aa81f5290f16240b', 'a885323688da358e', '1a38d72686657822'),
    'adam[eps_mode=after_correction,bias_correction=True,decay=l2,amsgrad=off]': ('a862abd16d639603', 'f66f6b3582abf234', '8bd13176a7e561c6'),
    'adam[eps_mode=after_correction,bias_correction=True,decay=l2,amsgrad=raw]': ('76343b636110423d', 'ef4f577b53b2e7c6', '5b7f6b45c99eb173'),
    'adam[eps_mode=after_correction,bias_correction=True,decay=l2,amsgrad=corrected]': ('6230218f3902087a', 'f52a233192b1daf5', '4b9c628bd011b24c'),
    'adam[eps_mode=after_correction,bias_correction=True,decay=decoupled,amsgrad=off]': ('d3fc2b1f053414eb', 'a318d3c39796e365', 'd732bfeff2add54b'),
    'adam[eps_mode=after_correction,bias_correction=True,decay=decoupled,amsgrad=raw]': ('d8874f51520cdd35', '17424b8e262b50eb', '1d23dc6d5f6596a8'),
    'adam[eps_mode=after_correction,bias_correction=True,decay=decoupled,amsgrad=corrected]': ('6fe436aa8817e57d', '0ade146d2702e3c5', '71d5632a78d09d9e'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=none,amsgrad=off]': ('a163b1f2ec1c4677', 'b1725986a033d577', '77ab1f5b37463269'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=none,amsgrad=raw]': ('48018d38bcd5aaf6', '27fe51d576825a91', 'c4be9a6b51e64b0f'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=none,amsgrad=corrected]': ('48018d38bcd5aaf6', '27fe51d576825a91', 'c4be9a6b51e64b0f'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=l2,amsgrad=off]': ('0fb9bd04e7cb7397', '11b5664452c27295', '8ce8efa52571bb0b'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=l2,amsgrad=raw]': ('ca1268a0d42c9e90', '561ebbcba8355727', '7db931bca49e255a'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=l2,amsgrad=corrected]': ('ca1268a0d42c9e90', '561ebbcba8355727', '7db931bca49e255a'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=decoupled,amsgrad=off]': ('0354d52339198f43', 'c500deaf9d7b5bf2', '9878a82fb8a0ba24'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=decoupled,amsgrad=raw]': ('cd6994e53885e30b', '5055b732fec19dbe', 'b53bf808fa7234cf'),
    'adam[eps_mode=after_correction,bias_correction=False,decay=decoupled,amsgrad=corrected]': ('cd6994e53885e30b', '5055b732fec19dbe', 'b53bf808fa7234cf'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=none,amsgrad=off]': ('79137504f22b769f', '20326b601888ce5e', '345d91deda8815c2'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=none,amsgrad=raw]': ('709cd25cb77b2d49', '8f4a166313a2b094', 'd16686e2b1272ebc'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=none,amsgrad=corrected]': ('7d3492f2fe815adf', 'b886527a16c31d23', '6dee12cacaa95e7e'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=l2,amsgrad=off]': ('4b5506c4e69b2caf', 'c2f72742befa4ce2', '9e851297048d6b30'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=l2,amsgrad=raw]': ('3320f8b56c48ad83', '5556a818964beefb', '659c869cb2b790dc'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=l2,amsgrad=corrected]': ('1e4b89a2b48d9780', 'f9df56726337a995', '3da4980a1f4235eb'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=decoupled,amsgrad=off]': ('b7544b45af5dede5', '350187ff87abdb18', '3d5849167afaf4b4'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=decoupled,amsgrad=raw]': ('57f6e666015a210f', 'e54e4c0aba6138d1', '9fd085f785665207'),
    'adam[eps_mode=inside_sqrt,bias_correction=True,decay=decoupled,amsgrad=corrected]': ('41c6e8a6a952a693', 'e6b1f58ac19232a0', 'edf7a2aadc0074b6'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=none,amsgrad=off]': ('5c88822a4869e5c3', 'f9c834d9732f1465', 'f3cb98f9dda12ace'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=none,amsgrad=raw]': ('8c471fdc9a949893', '509586a459d9ff4e', 'b8c412ca09bbff9a'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=none,amsgrad=corrected]': ('8c471fdc9a949893', '509586a459d9ff4e', 'b8c412ca09bbff9a'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=l2,amsgrad=off]': ('7e9dc51545ec9e80', 'ca4ddce2f9e43329', 'd51ea58a1f6b4291'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=l2,amsgrad=raw]': ('db8b6178ea4e3335', 'bd7cf617782d1c0b', 'a157ddbb16858b05'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=l2,amsgrad=corrected]': ('db8b6178ea4e3335', 'bd7cf617782d1c0b', 'a157ddbb16858b05'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=decoupled,amsgrad=off]': ('fbecfeea0cf1a792', 'd13933d44711731a', '2b80b8689c495ad0'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=decoupled,amsgrad=raw]': ('5c464bda892ac566', '94bb59bfb639b731', '8c06e632848ea7bc'),
    'adam[eps_mode=inside_sqrt,bias_correction=False,decay=decoupled,amsgrad=corrected]': ('5c464bda892ac566', '94bb59bfb639b731', '8c06e632848ea7bc'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=none,amsgrad=off]': ('94ec45418ab8642a', '8091c1cf201f0992', 'f68e1272f385e2aa'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=none,amsgrad=raw]': ('07f2936bec82eed2', '198567802dd3d029', '15223c0a82b3df84'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=none,amsgrad=corrected]': ('d108d2fe7e93a706', 'c1eb1de7ea752f0a', '79ac1bcff90f09b9'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=l2,amsgrad=off]': ('0139f6b9662457db', '4b008aa3d4de3de5', 'd3b597ae1b9398be'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=l2,amsgrad=raw]': ('5ae7eb2de6fae227', 'a576afdf0266f6e1', '34e77d20a635e808'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=l2,amsgrad=corrected]': ('6e392bff63b3344d', '7e4abc8a56503341', 'e39921930de7a3ee'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=decoupled,amsgrad=off]': ('58829fb14a691c0d', 'de28930ebf22c6b5', '1189498fbba102b5'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=decoupled,amsgrad=raw]': ('4908eaafd37e2e79', '067788a207c5804d', '6bcb5a34d77f8c4a'),
    'adam[eps_mode=uncorrected,bias_correction=True,decay=decoupled,amsgrad=corrected]': ('3e39ba0b3a3b843f', '3ba58eea673652c8', '3e305ce059465151'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=none,amsgrad=off]': ('a163b1f2ec1c4677', 'b1725986a033d577', '77ab1f5b37463269'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=none,amsgrad=raw]': ('48018d38bcd5aaf6', '27fe51d576825a91', 'c4be9a6b51e64b0f'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=none,amsgrad=corrected]': ('48018d38bcd5aaf6', '27fe51d576825a91', 'c4be9a6b51e64b0f'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=l2,amsgrad=off]': ('0fb9bd04e7cb7397', '11b5664452c27295', '8ce8efa52571bb0b'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=l2,amsgrad=raw]': ('ca1268a0d42c9e90', '561ebbcba8355727', '7db931bca49e255a'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=l2,amsgrad=corrected]': ('ca1268a0d42c9e90', '561ebbcba8355727', '7db931bca49e255a'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=decoupled,amsgrad=off]': ('0354d52339198f43', 'c500deaf9d7b5bf2', '9878a82fb8a0ba24'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=decoupled,amsgrad=raw]': ('cd6994e53885e30b', '5055b732fec19dbe', 'b53bf808fa7234cf'),
    'adam[eps_mode=uncorrected,bias_correction=False,decay=decoupled,amsgrad=corrected]': ('cd6994e53885e30b', '5055b732fec19dbe', 'b53bf808fa7234cf'),
    'sgd[lr_position=outside_buffer,init=zero,nesterov=False,decay=none]': ('a217ea61a23ab00e', '708d3eaadadcc1e1', '61aaea7ef485542e'),
    'sgd[lr_position=outside_buffer,init=zero,nesterov=False,decay=l2]': ('e13cb354ef41f56c', '082c8972f38f6e24', '47f39a765f53ec46'),
    'sgd[lr_position=outside_buffer,init=zero,nesterov=False,decay=decoupled]': ('e87f195f5d83b68b', '6ff988e7d5e46785', '698acbf6fa3b792a'),
    'sgd[lr_position=outside_buffer,init=zero,nesterov=True,decay=none]': ('17ab16baf0765be5', '6160f69cc566bfe7', '11991b34a2ccf73e'),
    'sgd[lr_position=outside_buffer,init=zero,nesterov=True,decay=l2]': ('5adba3483388c64d', 'aa20767bf55bd672', '556bfef5ed1df1b0'),
    'sgd[lr_position=outside_buffer,init=zero,nesterov=True,decay=decoupled]': ('62574eb3784547bb', 'd222d0361d65ffd9', '9813796a1a0c8346'),
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=False,decay=none]': ('9c3aa8259c76bedb', 'e0144c525d902be0', 'cf6786dd43604305'),
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=False,decay=l2]': ('54a2082222236505', '46f90891392bcfd2', '3d9ed05e49b04c02'),
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=False,decay=decoupled]': ('bbca68b3070e5819', '44cda4d5aef7ae6b', '36b4ebf90bbf43d1'),
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=True,decay=none]': ('a94b6eede3301f13', '8076639db13a4573', 'b1be811cd3740799'),
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=True,decay=l2]': ('415e32b00810ed38', 'a0c2c3bba1a469e3', '6e089bcb05abaa1c'),
    'sgd[lr_position=outside_buffer,init=first_gradient,nesterov=True,decay=decoupled]': ('71df6034e958fd11', '9073e528b51802f2', '4491c2113b1170c4'),
    'sgd[lr_position=inside_buffer,init=zero,nesterov=False,decay=none]': ('89cebe25a5637599', 'a69b0168432230aa', 'a2fca6b4245539df'),
    'sgd[lr_position=inside_buffer,init=zero,nesterov=False,decay=l2]': ('6f75e9cbe8b140fd', '194a4a66a024f191', '4136ff48c99b2a4c'),
    'sgd[lr_position=inside_buffer,init=zero,nesterov=False,decay=decoupled]': ('78ee7d29b09426c1', 'cb3a5fd4d0816cb8', 'dd346b0c0d5e6a44'),
    'sgd[lr_position=inside_buffer,init=zero,nesterov=True,decay=none]': ('b646a87b2d4670c0', '8fec2e69ce0a22da', 'ecc66a7fc7240992'),
    'sgd[lr_position=inside_buffer,init=zero,nesterov=True,decay=l2]': ('8cfa9cd88219bc29', '9e5039c96ce41270', '22506ec66428c3a6'),
    'sgd[lr_position=inside_buffer,init=zero,nesterov=True,decay=decoupled]': ('3b40a3587792adf2', 'b8a2fccec4e3bc75', '5226f542851be743'),
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=False,decay=none]': ('0f72dfb59bd38700', '8a1d42c0e0fe531e', '04cbe7e7aa79aaa7'),
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=False,decay=l2]': ('547a93068bb926bc', '845c3ef31a9b389c', '916c1500336191e0'),
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=False,decay=decoupled]': ('99322eeb07021102', '8dfea61ed2447236', 'f6f3e018a3c7dc9d'),
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=True,decay=none]': ('bd1dc919a59dfa23', 'd32b6c1b6a2c47d8', '0064243028d818e3'),
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=True,decay=l2]': ('48c7047ba86337d1', 'c1d3dc1c505b79a6', '87503e72dcc5d8fc'),
    'sgd[lr_position=inside_buffer,init=first_gradient,nesterov=True,decay=decoupled]': ('073310bd7288216d', '2adb79f9bc593d1c', '14a1e0cfe3b4ea86'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=none,momentum=0.0]': ('4239e84b40a772a9', '0104cd1f347f5e3c', 'd535a83af811a621'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=none,momentum=0.83]': ('c23bb5ab7a690fab', '816799b9297e1177', '9c48109d4385ce71'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=l2,momentum=0.0]': ('80fa3aa2c10bab09', 'f75d8382845be5f1', '18de201f3e366168'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=l2,momentum=0.83]': ('33bda3af33e460e1', '162d7214fd688d65', 'b0bb18e49d66eb18'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=decoupled,momentum=0.0]': ('16adc0e56cfcd98b', '1f8da16b9fee83bf', 'a37f7988f5766bc0'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=outside_buffer,decay=decoupled,momentum=0.83]': ('d662b458a2fd0a30', '2be5c54dd635657c', 'c39c8361f69d5e3b'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=none,momentum=0.0]': ('4239e84b40a772a9', '0104cd1f347f5e3c', 'd535a83af811a621'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=none,momentum=0.83]': ('09f48fb59cd4db7e', '5e28da4356580596', '9b98e247cf2c13f2'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=l2,momentum=0.0]': ('80fa3aa2c10bab09', 'f75d8382845be5f1', '18de201f3e366168'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=l2,momentum=0.83]': ('4678f9ac5453dc0a', 'b5ce61ddc7502d69', '71f44629e8ebf4c0'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=decoupled,momentum=0.0]': ('16adc0e56cfcd98b', '1f8da16b9fee83bf', 'a37f7988f5766bc0'),
    'rmsprop[eps_mode=inside_sqrt,centered=False,lr_position=inside_buffer,decay=decoupled,momentum=0.83]': ('8b45b3504a676ec2', 'd7b895e0d336e327', 'c80539dab53ba8b4'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=none,momentum=0.0]': ('1f2da52cc187ba2f', '8923f63a832e4fbc', '3beee1116d656daa'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=none,momentum=0.83]': ('7cc842ccd4465399', 'd7f842eb2b36d6c6', 'ea7cb9ffa2936ef9'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=l2,momentum=0.0]': ('ceec23a5237030e9', '6b62c106214d9055', '466922240b6c8386'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=l2,momentum=0.83]': ('bf344d51ef6a317d', '5fb13c4639158312', 'f6187cc947df0199'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=decoupled,momentum=0.0]': ('0157a11d2dc6f4b4', '440604d23cc59a68', '936bbc2eb96e0d37'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=outside_buffer,decay=decoupled,momentum=0.83]': ('9a92856b12258bb0', 'db0c5ebeb9effdea', 'ce0208527580d549'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=none,momentum=0.0]': ('1f2da52cc187ba2f', '8923f63a832e4fbc', '3beee1116d656daa'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=none,momentum=0.83]': ('95ef87e351a1c68a', 'd1d9b5fb8764b21f', '27aee69486dd4c7d'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=l2,momentum=0.0]': ('ceec23a5237030e9', '6b62c106214d9055', '466922240b6c8386'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=l2,momentum=0.83]': ('666336540a407e5f', '9406e7423fe676ef', 'a1017851296516d9'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=decoupled,momentum=0.0]': ('0157a11d2dc6f4b4', '440604d23cc59a68', '936bbc2eb96e0d37'),
    'rmsprop[eps_mode=inside_sqrt,centered=True,lr_position=inside_buffer,decay=decoupled,momentum=0.83]': ('2e4b5136d28cab22', '64b407eb2bbda878', '864880a06a1d9015'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=none,momentum=0.0]': ('7b5bd56c02d74c90', 'bbdc8cb2470b9b86', '6c73aaee13d3becf'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=none,momentum=0.83]': ('616b4549cfd20469', '853d58870691ef77', 'e253261a09d2ee77'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=l2,momentum=0.0]': ('8d6bd3ef7b46bfd6', '668054834db838c7', '47a13bd6db212e9d'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=l2,momentum=0.83]': ('b03d5e78998a73dc', '8bd212f7fe5cb5f7', '31863ff36f50bf84'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=decoupled,momentum=0.0]': ('48d902a533f5e1be', '8c5ae826999447b7', '7802e5e491dd523f'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=outside_buffer,decay=decoupled,momentum=0.83]': ('9069019f5f3c5194', '96a9127e3f1db371', '641339e4686363e0'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=none,momentum=0.0]': ('7b5bd56c02d74c90', 'bbdc8cb2470b9b86', '6c73aaee13d3becf'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=none,momentum=0.83]': ('50135a2bca525feb', '91efae13958c303f', '650b84cbc5c25f94'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=l2,momentum=0.0]': ('8d6bd3ef7b46bfd6', '668054834db838c7', '47a13bd6db212e9d'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=l2,momentum=0.83]': ('e0babd539bd08aee', '323d5193064be079', '96cda67e82ab40f3'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=decoupled,momentum=0.0]': ('48d902a533f5e1be', '8c5ae826999447b7', '7802e5e491dd523f'),
    'rmsprop[eps_mode=outside_sqrt,centered=False,lr_position=inside_buffer,decay=decoupled,momentum=0.83]': ('868ddb28efc8a3f2', '34bb23ce63a83927', 'b285267c773c7c02'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=none,momentum=0.0]': ('763d1d6ae306c740', 'd94ca43a79561635', '699b62b6ab4eab2f'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=none,momentum=0.83]': ('d1f11c1cef89443a', '58289c4bc4f0e859', '154b923cfccb981d'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=l2,momentum=0.0]': ('50cfcdcdecbbb912', 'e24001c3a3a13842', '8e907b9670a490cd'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=l2,momentum=0.83]': ('352b56511923f7e9', '3ef7ae17171bc995', '256ea7526900d1f6'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=decoupled,momentum=0.0]': ('9d6ab501dcd3b794', '66efd41f66df932c', 'a974bb4aa7225b8c'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=outside_buffer,decay=decoupled,momentum=0.83]': ('79217b41141ac269', 'd26780e236fdb44e', '94c69aa73f06da3c'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=none,momentum=0.0]': ('763d1d6ae306c740', 'd94ca43a79561635', '699b62b6ab4eab2f'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=none,momentum=0.83]': ('dd3d7fb988a71207', '671a50385e878f18', '35880c8daf995de5'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=l2,momentum=0.0]': ('50cfcdcdecbbb912', 'e24001c3a3a13842', '8e907b9670a490cd'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=l2,momentum=0.83]': ('fd8d6eda78e7c936', '5e8000f9945bed65', '16202516efc35aef'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=decoupled,momentum=0.0]': ('9d6ab501dcd3b794', '66efd41f66df932c', 'a974bb4aa7225b8c'),
    'rmsprop[eps_mode=outside_sqrt,centered=True,lr_position=inside_buffer,decay=decoupled,momentum=0.83]': ('928757dfa6513987', '45caa7d7dbbd3b2b', '93b0272d532caa85'),
    'ema[debias=False]': ('f627044385110619', '5e1b7923c26843f8', '20a2ad95452c0310'),
    'ema[debias=True]': ('07add29fb8589c1a', '56d035cf9d1db4d9', '1eeca9549a0ac5ab'),
}

if __name__ == "__main__":
    print(_table())
