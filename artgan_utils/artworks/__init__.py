"""New works: a conditional GAN in an artist's style, and variations of one painting (notebook 10).

The networks and models are GAN variants and live in :mod:`artgan_utils.gan`
(``gan.conditional``, ``gan.singan``); this layer holds what is specific to the
bundled collection and the headless runs:

``styles``
    The styles and artists conditioned on, their patch streams, and :class:`~artgan_utils.artworks.styles.StyleCheck`
    (style-consistency confusion matrix, per-style KID and SWD).
``conditional_train``
    ``python -m artgan_utils.artworks.conditional_train train|export``: the conditional GAN's long run.
``singan_train``
    ``python -m artgan_utils.artworks.singan_train train|export``: the single-painting GAN's long run,
    and loading the shipped one.
"""
