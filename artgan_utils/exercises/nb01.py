"""Checkers for 01_minimax_objective."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise
from artgan_utils.teaching import theory


@exercise(
    "01.1",
    "the discriminator's loss",
    hint="-mean(log d_real) - mean(log(1 - d_fake)); the two batches may have different sizes, so average each separately.",
)
def _check_discriminator_loss(c: Checker) -> None:
    cases = [
        (np.array([0.9, 0.8]), np.array([0.1, 0.3]), "d_real=[0.9, 0.8], d_fake=[0.1, 0.3]"),
        (np.array([0.5]), np.array([0.5]), "d_real=[0.5], d_fake=[0.5] (a discriminator that cannot tell)"),
        (np.array([0.99, 0.7, 0.6, 0.95]), np.array([0.2]), "4 real and 1 fake probability (different batch sizes)"),
    ]
    for d_real, d_fake, desc in cases:
        got = float(np.asarray(c.call(d_real.copy(), d_fake.copy(), describe=desc), dtype=np.float64).reshape(()))
        expected = theory.discriminator_loss(d_real, d_fake)
        if np.isclose(got, -expected, atol=1e-6) and not np.isclose(expected, 0.0):
            c.fail(f"for {desc} you got {got:.6f}, minus the expected {expected:.6f}: check the sign. D maximises "
                   "the log-likelihood, so its loss is minus it (and positive).")
        pooled = -np.mean(np.log(np.concatenate([d_real, 1.0 - d_fake])))
        if np.isclose(got, pooled, atol=1e-6):
            c.fail(f"for {desc} you got {got:.6f}, one mean over the real and fake terms together: the loss has two "
                   "expectations, so average each batch separately, then add the two averages.")
        c.expect_close(f"loss for {desc}", got, expected, atol=1e-6)
    got = c.call(np.array([0.5]), np.array([0.5]), describe="D = 0.5 everywhere")
    if not np.isclose(float(got), np.log(4.0), atol=1e-6):
        c.fail(f"at D = 0.5 everywhere the loss must be log 4 = {np.log(4):.6f}; got {float(got):.6f}.")
    c.ok("D = 1/2 gives log 4 (the value at the game's equilibrium, up to sign)")


@exercise(
    "01.2",
    "the optimal discriminator on a grid",
    hint="p_data / (p_data + p_g); where both densities are 0, return 0.5 (use np.divide with where=).",
)
def _check_optimal_discriminator(c: Checker) -> None:
    x = theory.grid(-6, 6, 121)
    p, q = theory.gaussian_pdf(x, 0, 1), theory.gaussian_pdf(x, 1.5, 0.7)
    got = c.call(p.copy(), q.copy(), describe="p_data = N(0, 1), p_g = N(1.5, 0.7^2) on a grid")
    c.expect_shape("one value per grid point", got, p.shape)
    if np.allclose(got, 1.0 - theory.optimal_discriminator(p, q), atol=1e-9):
        c.fail("your D* is 1 where p_g dominates and 0 where p_data does: the discriminator's output is the "
               "probability of *real*, so p_data goes on top of the fraction.")
    c.expect_close("D*(x) for two Gaussians", got, theory.optimal_discriminator(p, q), atol=1e-9)
    got = c.call(p.copy(), p.copy(), describe="p_g = p_data")
    c.expect_close("D* = 1/2 when p_g = p_data", got, np.full_like(p, 0.5), atol=1e-9)
    pz, qz = np.array([0.0, 0.2, 0.0]), np.array([0.0, 0.0, 0.3])
    with np.errstate(all="ignore"):
        got = c.call(pz.copy(), qz.copy(), describe="p_data=[0, 0.2, 0], p_g=[0, 0, 0.3]")
    c.expect_close("D* where both densities vanish (0.5), only p_data (1), only p_g (0)", got, [0.5, 1.0, 0.0])


@exercise(
    "01.3",
    "Jensen-Shannon divergence of two discrete distributions",
    hint="m = (p + q) / 2; JS = KL(p||m)/2 + KL(q||m)/2 with natural logs, skipping zero-probability terms (0 log 0 = 0).",
)
def _check_js(c: Checker) -> None:
    rng = np.random.default_rng(3)
    p, q = rng.random(6), rng.random(6)
    p, q = p / p.sum(), q / q.sum()
    got = c.call(p.copy(), q.copy(), describe="two random distributions over 6 outcomes")
    if np.isclose(float(np.asarray(got)), theory.js_divergence_discrete(p, q) / np.log(2.0), rtol=1e-6):
        c.fail("your value is the expected one divided by ln 2: that is JS in bits (log base 2). The series "
               "uses the natural log, so that JS saturates at log 2 = 0.693 as in the text.")
    c.expect_close("JS of two random distributions", np.asarray(got, dtype=np.float64).reshape(()),
                   theory.js_divergence_discrete(p, q), atol=1e-9)
    got = c.call(p.copy(), p.copy(), describe="p = q")
    c.expect_close("JS(p || p) = 0", np.asarray(got, dtype=np.float64).reshape(()), 0.0, atol=1e-12)
    with np.errstate(all="ignore"):
        got = c.call(np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.5, 0.5]), describe="disjoint supports")
    c.expect_close("JS of disjoint distributions = log 2 (needs 0 log 0 = 0)",
                   np.asarray(got, dtype=np.float64).reshape(()), np.log(2.0), atol=1e-9)
    got_pq = c.call(p.copy(), q.copy())
    got_qp = c.call(q.copy(), p.copy(), describe="q, p swapped")
    c.expect_close("symmetry: JS(p||q) = JS(q||p)", float(got_qp), float(got_pq), atol=1e-12)
