"""Art authentication: the series' own forgeries and the detectors that catch them (notebook 11).

``forgeries``
    Every kind of imitation notebooks 04-10 make (GAN samples, single-painting variations,
    style transfer, translation, colour transfer, resampled and recompressed copies), each
    labelled by method and by the work it depicts.
``detectors``
    Tiles and their entropy filter, the three detectors (a GAN's discriminator as it is, a
    linear probe on ImageNet features, a patch CNN from scratch), whole-image scores, heatmaps.
``arms_race``
    A generator fine-tuned against a frozen detector.

The scores (ROC, AUC with bootstrap intervals, the split by work) are in
:mod:`artgan_utils.evaluation.roc`.
"""
