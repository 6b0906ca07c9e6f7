"""Checkers for 09_cyclegan."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


def _l1(x, y) -> float:
    return float(np.mean(np.abs(x - y)))


@exercise(
    "09.1",
    "the cycle and identity terms",
    hint="Four mean absolute errors: each image against its round trip (a against F(G(a)), b against G(F(b))) and "
    "each image against what the generator into its own domain makes of it (a against F(a), b against G(b)). "
    "Section 2's formula says which weight multiplies which.",
)
def _check_cycle_identity(c: Checker) -> None:
    rng = np.random.default_rng(9)
    a, b, a_back, b_back, a_same, b_same = (np.tanh(rng.normal(0, 1, (2, 8, 8, 3))).astype("float32")
                                            for _ in range(6))

    def loss(cw, iw, ab=a_back, bb=b_back, as_=a_same, bs=b_same, f=_l1):
        return cw * (f(ab, a) + f(bb, b)) + iw * cw * (f(as_, a) + f(bs, b))

    value = c.number(c.call(a, b, a_back, b_back, a_same, b_same, 10.0, 0.5,
                              describe="cycle_weight=10, identity_weight=0.5"))
    expected = loss(10.0, 0.5)
    wrong = {
        "squared differences": loss(10.0, 0.5, f=lambda x, y: float(np.mean((x - y) ** 2))),
        "the identity term weighted by identity_weight alone": 10.0 * (_l1(a_back, a) + _l1(b_back, b))
        + 0.5 * (_l1(a_same, a) + _l1(b_same, b)),
        "only the a -> b -> a round trip": 10.0 * _l1(a_back, a) + 5.0 * (_l1(a_same, a) + _l1(b_same, b)),
        "no identity term": 10.0 * (_l1(a_back, a) + _l1(b_back, b)),
        "sums instead of means": loss(10.0, 0.5, f=lambda x, y: float(np.sum(np.abs(x - y)))),
    }
    for mistake, wrong_value in wrong.items():
        if np.isclose(value, wrong_value, rtol=1e-4):
            c.fail(f"your value matches {mistake}; look at section 2's formula again.")
    c.expect_close("loss with cycle_weight=10, identity_weight=0.5", value, expected, rtol=1e-4, atol=1e-5)
    perfect = c.number(c.call(a, b, a, b, a, b, 10.0, 0.5, describe="perfect round trips and identities"))
    c.expect_close("perfect round trips and identities cost nothing", perfect, 0.0, atol=1e-6)
    no_identity = c.number(c.call(a, b, a_back, b_back, a_same, b_same, 10.0, 0.0, describe="identity_weight=0"))
    c.expect_close("identity_weight=0 leaves the cycle term", no_identity, loss(10.0, 0.0), rtol=1e-4, atol=1e-5)


@exercise(
    "09.2",
    "the least-squares discriminator loss",
    hint="A least-squares discriminator is a regression: its scores on real images should be 1 and on fakes 0. "
    "Average the squared errors over every patch score, add the two parts, and halve the sum (so that D learns at "
    "half the generator's pace, as in the paper).",
)
def _check_lsgan(c: Checker) -> None:
    rng = np.random.default_rng(4)
    real, fake = rng.normal(0.7, 0.5, (2, 4, 4, 1)), rng.normal(0.2, 0.5, (2, 4, 4, 1))
    value = c.number(c.call(real.astype("float32"), fake.astype("float32"), describe="2 images of 4x4 patch scores"))
    expected = 0.5 * (np.mean((real - 1) ** 2) + np.mean(fake ** 2))
    wrong = {
        "the sum without the factor 1/2": 2 * expected,
        "the targets swapped (real 0, fake 1)": 0.5 * (np.mean(real ** 2) + np.mean((fake - 1) ** 2)),
        "targets -1 and 1 (fake scores pushed to -1)": 0.5 * (np.mean((real - 1) ** 2) + np.mean((fake + 1) ** 2)),
        "a cross-entropy loss": 0.5 * (np.mean(np.logaddexp(0, -real)) + np.mean(np.logaddexp(0, fake))),
    }
    for mistake, wrong_value in wrong.items():
        if np.isclose(value, wrong_value, rtol=1e-4):
            c.fail(f"your value matches {mistake}.")
    c.expect_close("loss on random scores", value, expected, rtol=1e-4, atol=1e-6)
    best = c.number(c.call(np.ones((1, 2, 2, 1), "float32"), np.zeros((1, 2, 2, 1), "float32"),
                             describe="a perfect discriminator (1 on real, 0 on fake)"))
    c.expect_close("a perfect discriminator has loss 0", best, 0.0, atol=1e-7)
