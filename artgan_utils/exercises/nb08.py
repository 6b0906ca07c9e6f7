"""Checkers for 08_pix2pix."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


@exercise(
    "08.1",
    "the patch a PatchGAN logit sees",
    hint="Walk back from one output pixel: a k x k convolution adds (k - 1) input pixels times the product of the "
    "strides of every layer before it (notebook 03, section 4). List the layers first: n_down 4x4 convolutions with "
    "stride 2, then two 4x4 convolutions with stride 1.",
)
def _check_patch(c: Checker) -> None:
    from artgan_utils.transfer.pix2pix import patch_size

    for n_down in (3, 0, 1, 2, 4, 5):
        got = c.call(n_down, describe=f"n_down={n_down}")
        try:
            value = int(got)
        except (TypeError, ValueError):
            c.fail(f"return the patch width in pixels (an int); got {type(got).__name__}.")
        expected = patch_size(n_down)
        if value != expected:
            if value == expected - 6 * 2 ** n_down:
                c.fail(f"n_down={n_down}: you got {value}, the patch of the strided layers alone; the two stride-1 "
                       "convolutions at the end see more.")
            if n_down == 3 and value != 70:
                c.fail(f"n_down=3 is the paper's discriminator, whose patch is 70 pixels wide; you got {value}.")
            c.fail(f"n_down={n_down}: expected {expected} pixels, got {value}.")
        c.ok(f"n_down={n_down}: {expected} px")


@exercise(
    "08.2",
    "pix2pix's generator loss",
    hint="Two terms: the non-saturating adversarial loss on the PatchGAN's logits, mean(softplus(-logits)) over every "
    "patch, plus l1_weight times the mean absolute difference between the target and the generated image.",
)
def _check_generator_loss(c: Checker) -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 2, (2, 4, 4, 1)).astype("float32")
    fake = np.tanh(rng.normal(0, 1, (2, 8, 8, 3))).astype("float32")
    target = np.tanh(rng.normal(0, 1, (2, 8, 8, 3))).astype("float32")

    def reference(lg, f, t, w):
        return float(np.mean(np.logaddexp(0, -lg)) + w * np.mean(np.abs(t - f)))

    got = c.call(logits, fake, target, 100.0, describe="2 images, 4x4 patch logits, l1_weight=100")
    try:
        value = float(np.asarray(got))
    except (TypeError, ValueError):
        c.fail(f"return the loss as one number; got {type(got).__name__}.")
    expected = reference(logits, fake, target, 100.0)
    l2 = float(np.mean(np.logaddexp(0, -logits)) + 100.0 * np.mean((target - fake) ** 2))
    unweighted = reference(logits, fake, target, 1.0)
    if np.isclose(value, l2, rtol=1e-4):
        c.fail("you used the squared difference: pix2pix uses the absolute difference (L1), which blurs less.")
    if np.isclose(value, unweighted, rtol=1e-4):
        c.fail("the L1 term must be multiplied by l1_weight (lambda = 100 in the paper).")
    c.expect_close("loss with l1_weight=100", value, expected, rtol=1e-4, atol=1e-5)
    only_adv = float(np.asarray(c.call(logits, target, target, 100.0, describe="a perfect image (fake == target)")))
    c.expect_close("for a perfect image only the adversarial term is left", only_adv,
                   reference(logits, target, target, 100.0), rtol=1e-4, atol=1e-5)
    big = np.full((1, 2, 2, 1), -200.0, "float32")
    extreme = float(np.asarray(c.call(big, fake[:1], fake[:1], 100.0, describe="logits of -200 (a confident D)")))
    if not np.isfinite(extreme):
        c.fail("for logits of -200 your loss is not finite: use softplus(-logits), not -log(sigmoid(logits)).")
    c.expect_close("stable for very negative logits", extreme, 200.0, rtol=1e-4)
