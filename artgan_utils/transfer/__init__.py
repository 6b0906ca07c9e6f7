"""Style transfer: Gatys (optimisation), AdaIN (a trained decoder), the Magenta network, and their scores.

Taught in notebook 07; notebook 09 reuses :func:`stylize.stylize` and :mod:`scores`.

``stylize``
    ``stylize(photo, style=..., method="gatys" | "adain" | "magenta")`` on files, arrays or bundled images.
``gatys``
    Content, style (Gram) and total-variation losses, Adam on the image, NaN guard, colour preservation.
``adain``
    AdaIN with the HED VGG16 encoder, the decoder trainer (``python -m artgan_utils.transfer.adain``),
    the held-out images, the shipped decoder ``checkpoints/adain-decoder``.
``scores``
    Content distance, style (Gram) distance, FD[effnet-lite0] to a style set, the series' ArtFID variant.

The pretrained networks and their provenance: :mod:`artgan_utils.pretrained`.
"""
