"""GAN losses and regularisers, all from discriminator *logits* (or critic scores).

Taught in notebook 04, section 1 (the non-saturating losses from logits) and notebook 05, section 2.

Each loss is a pair ``(d_loss(real, fake), g_loss(fake))`` in :data:`LOSSES`,
selected by name in :class:`artgan_utils.gan.GAN` (``loss=``):

``"nonsaturating"`` (default; Goodfellow et al. 2014)
    L_D = E softplus(-D(x)) + E softplus(D(G(z))),  L_G = E softplus(-D(G(z))).
``"hinge"`` (Lim & Ye 2017; Miyato et al. 2018)
    L_D = E relu(1 - D(x)) + E relu(1 + D(G(z))),  L_G = -E D(G(z)).
``"wasserstein"`` (Arjovsky et al. 2017; with :func:`gradient_penalty`, WGAN-GP, Gulrajani et al. 2017)
    L_D = E D(G(z)) - E D(x),  L_G = -E D(G(z)).

Regularisers of the discriminator:

:func:`gradient_penalty`
    E (||grad D(x_hat)||_2 - 1)^2 at x_hat = alpha x + (1 - alpha) G(z), one alpha ~ U(0, 1)
    per example; the norm is sqrt(sum g^2 + eps) so its gradient is finite at 0.
:func:`r1_penalty`
    (gamma / 2) E ||grad D(x)||^2 on real data only (Mescheder et al. 2018).
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf
from keras import ops


def nonsaturating_d(real, fake):
    """-log sigmoid(D(x)) - log(1 - sigmoid(D(G(z)))), averaged, from logits."""
    return ops.mean(ops.softplus(-real)) + ops.mean(ops.softplus(fake))


def nonsaturating_g(fake):
    """-log sigmoid(D(G(z))), averaged, from logits."""
    return ops.mean(ops.softplus(-fake))


def hinge_d(real, fake):
    """Hinge loss of the discriminator: only scores inside the margin [-1, 1] are pushed."""
    return ops.mean(ops.relu(1.0 - real)) + ops.mean(ops.relu(1.0 + fake))


def hinge_g(fake):
    """Generator side of the hinge loss: raise the critic's score of fakes."""
    return -ops.mean(fake)


def wasserstein_d(real, fake):
    """Critic loss of WGAN: E D(G(z)) - E D(x) (needs a Lipschitz constraint, e.g. the gradient penalty)."""
    return ops.mean(fake) - ops.mean(real)


def wasserstein_g(fake):
    """Generator loss of WGAN."""
    return -ops.mean(fake)


LOSSES: dict[str, tuple[Callable, Callable]] = {
    "nonsaturating": (nonsaturating_d, nonsaturating_g),
    "hinge": (hinge_d, hinge_g),
    "wasserstein": (wasserstein_d, wasserstein_g),
}


def get_loss(name: str) -> tuple[Callable, Callable]:
    """``(d_loss, g_loss)`` for a loss name; a clear error lists the names."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"Unknown loss {name!r}. Losses: {', '.join(LOSSES)}.") from None


def _per_example_sq_norm(grads: tf.Tensor) -> tf.Tensor:
    return tf.reduce_sum(tf.reshape(tf.square(grads), (tf.shape(grads)[0], -1)), axis=1)


def gradient_penalty(discriminator: Callable, real: tf.Tensor, fake: tf.Tensor, alpha: tf.Tensor | None = None,
                     eps: float = 1e-12, training: bool = True) -> tf.Tensor:
    """WGAN-GP penalty: E (||grad_x D(x_hat)|| - 1)^2 on random interpolates x_hat.

    Parameters
    ----------
    alpha:
        Interpolation weights, shape (batch,); default uniform in [0, 1), one per
        example (drawn with ``tf.random.uniform``; pass your own for
        reproducibility, as :class:`~artgan_utils.gan.GAN` does).
    eps:
        Added *inside* the square root: sqrt(sum g^2 + eps). Without it the
        penalty's own gradient is NaN wherever the gradient is exactly 0.
    """
    real = tf.convert_to_tensor(real)
    fake = tf.cast(tf.convert_to_tensor(fake), real.dtype)
    batch = tf.shape(real)[0]
    if alpha is None:
        alpha = tf.random.uniform((batch,), 0.0, 1.0, dtype=real.dtype)
    a = tf.reshape(tf.cast(alpha, real.dtype), tf.concat([[batch], tf.ones(tf.rank(real) - 1, tf.int32)], 0))
    x_hat = a * real + (1.0 - a) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = discriminator(x_hat, training=training)
    grads = tape.gradient(scores, x_hat)
    norm = tf.sqrt(_per_example_sq_norm(grads) + eps)
    return tf.reduce_mean(tf.square(norm - 1.0))


def r1_penalty(discriminator: Callable, real: tf.Tensor, training: bool = True) -> tf.Tensor:
    """R1: E ||grad_x D(x)||^2 on real images (multiply by gamma / 2 in the loss)."""
    real = tf.convert_to_tensor(real)
    with tf.GradientTape() as tape:
        tape.watch(real)
        scores = discriminator(real, training=training)
    grads = tape.gradient(scores, real)
    return tf.reduce_mean(_per_example_sq_norm(grads))
