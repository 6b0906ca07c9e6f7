"""Helpers that exist to teach an idea, not to train art: import the module (``from artgan_utils.teaching import toy``).

``theory``   the GAN objective on 1-D grids: V(D, G), D*, KL/JS, the generator's losses (notebook 01)
``toy``      toy data (1-D, ring, grid), MLP GANs, the ``GradientTape`` loop, remedies over seeds (notebook 02)
``widgets``  interactive explorers (minimax, latent space), their logic testable without a browser (notebooks 01, 04)
"""
