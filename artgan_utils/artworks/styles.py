"""The styles and artists notebook 10 conditions on, their patch streams, and the checks of a conditional generator.

Taught in notebook 10, section 1. The classes come from the bundled collection:

============== ============================== ======
class          selection                      works
============== ============================== ======
Hokusai        ukiyo-e by Katsushika Hokusai  7
Hiroshige      ukiyo-e by Utagawa Hiroshige   2
Van Gogh       van-gogh                       9
impressionism  impressionism (3 painters)     4
old masters    old-masters (5 painters)       6
============== ============================== ======

A class with fewer than :data:`MIN_WORKS` works (Hiroshige) is trained and shown, but its
numbers do not count: a handful of random patches of two prints says little about an artist.

:class:`StyleCheck` holds real patches of every class (from the training stream under
another seed), their EfficientNet-Lite0 features and a :class:`~artgan_utils.evaluation.style_check.StyleClassifier`
trained on real patches only; :meth:`StyleCheck.report` scores a conditional generator:
the confusion matrix of its samples (row: the style asked for, column: the style the
classifier sees), and per class KID[effnet-lite0] and SWD against that class's real patches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class StyleClass:
    """One class of the conditional GAN: a name and the bundled paintings it stands for."""

    name: str
    style: str
    artist: str | None = None

    def works(self) -> list:
        from artgan_utils import data

        return data.catalogue(style=self.style, artist=self.artist, kind="painting")


STYLE_CLASSES: tuple[StyleClass, ...] = (
    StyleClass("Hokusai", "ukiyo-e", "Hokusai"),
    StyleClass("Hiroshige", "ukiyo-e", "Hiroshige"),
    StyleClass("Van Gogh", "van-gogh"),
    StyleClass("impressionism", "impressionism"),
    StyleClass("old masters", "old-masters"),
)
#: Classes with fewer works than this are shown but not counted.
MIN_WORKS = 4
#: The held-out real patches are cut from the training stream with this seed offset (as notebook 05's evaluator).
HELD_OUT_SEED_OFFSET = 10_000


def class_names() -> tuple[str, ...]:
    return tuple(c.name for c in STYLE_CLASSES)


def counted(classes: tuple[StyleClass, ...] = STYLE_CLASSES) -> np.ndarray:
    """Boolean per class: has at least :data:`MIN_WORKS` works, so its numbers count."""
    return np.array([len(c.works()) >= MIN_WORKS for c in classes])


def style_images(classes: tuple[StyleClass, ...] = STYLE_CLASSES) -> tuple[list[np.ndarray], np.ndarray]:
    """Every class's paintings as uint8 arrays, and the class index of each."""
    from artgan_utils import data

    images, labels = [], []
    for k, c in enumerate(classes):
        works = c.works()
        images += data.load_artworks(works)
        labels += [k] * len(works)
    return images, np.array(labels, dtype=np.int32)


def style_stream(size: int, batch_size: int, seed: int = 0, start_batch: int = 0,
                 classes: tuple[StyleClass, ...] = STYLE_CLASSES):
    """The balanced, step-indexed ``(patches, labels)`` training stream (:func:`artgan_utils.data.labelled_patch_dataset`)."""
    from artgan_utils import data

    images, labels = style_images(classes)
    return data.labelled_patch_dataset(images, labels, size, batch_size, seed=seed, start_batch=start_batch)


def style_patches(n_per_class: int, size: int, seed: int = HELD_OUT_SEED_OFFSET,
                  classes: tuple[StyleClass, ...] = STYLE_CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """``n_per_class`` real patches of every class in [-1, 1], and their labels (class by class)."""
    from artgan_utils import data

    all_images, all_labels = style_images(classes)
    out, labels = [], []
    for k in range(len(classes)):
        images = [im for im, lab in zip(all_images, all_labels) if lab == k]
        ds = data.patch_dataset(images, size, n_per_class, seed=seed + k)
        out.append(next(iter(ds)).numpy())
        labels += [k] * n_per_class
    return np.concatenate(out), np.array(labels, dtype=np.int32)


def generate_per_class(gan: Any, n_per_class: int, num_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n_per_class`` samples of every class from the same latent vectors (EMA generator if any), and labels."""
    z = np.random.default_rng(seed).standard_normal((n_per_class, gan.latent_dim)).astype("float32")
    images = [np.asarray(gan.generate(z, k)) for k in range(num_classes)]
    return np.concatenate(images), np.repeat(np.arange(num_classes), n_per_class).astype(np.int32)


class StyleCheck:
    """Real patches, their features and a style classifier: the yardstick for conditional samples.

    ``extractor``: a :class:`artgan_utils.evaluation.features.FeatureExtractor` (default:
    EfficientNet-Lite0's ImageNet features, ``pretrained.effnet.feature_extractor()``).
    The classifier trains on ``n_train`` real patches per class and is scored on ``n_test``
    others, cut with another seed.
    """

    def __init__(self, size: int, n_train: int = 200, n_test: int = 100, extractor: Any = None,
                 classes: tuple[StyleClass, ...] = STYLE_CLASSES):
        from artgan_utils.evaluation.style_check import StyleClassifier

        if extractor is None:
            from artgan_utils.pretrained import effnet

            extractor = effnet.feature_extractor()
        self.extractor, self.classes, self.size = extractor, classes, size
        self.names = tuple(c.name for c in classes)
        self.counted = counted(classes)
        train, self.train_labels = style_patches(n_train, size, seed=1, classes=classes)
        self.real, self.real_labels = style_patches(n_test, size, classes=classes)
        self.train_features = extractor(train)
        self.real_features = extractor(self.real)
        self.classifier = StyleClassifier(self.names).fit(self.train_features, self.train_labels)
        self.real_confusion = self.classifier.confusion(self.real_features, self.real_labels)

    def report(self, gan: Any, n_per_class: int | None = None, seed: int = 0) -> dict:
        """Confusion matrix of ``gan``'s samples; per class KID[extractor] and SWD against real patches."""
        from artgan_utils.evaluation import metrics

        n = n_per_class or int(np.sum(self.real_labels == 0))
        fake, labels = generate_per_class(gan, n, len(self.classes), seed)
        feats = self.extractor(fake)
        out = {"confusion": self.classifier.confusion(feats, labels), "kid": [], "kid_std": [], "swd": [],
               "samples": fake, "labels": labels}
        for k in range(len(self.classes)):
            real_k, fake_k = self.real_features[self.real_labels == k], feats[labels == k]
            kid = metrics.kernel_distance(real_k, fake_k, subsets=10, subset_size=min(50, len(fake_k)))
            out["kid"].append(kid.mean)
            out["kid_std"].append(kid.std)
            out["swd"].append(metrics.sliced_wasserstein(self.real[self.real_labels == k], fake[labels == k]).mean)
        out["accuracy"] = np.diag(out["confusion"])
        return out

    def table(self, reports: dict[str, dict]) -> str:
        """A plain-text table: per class, the real patches' accuracy and each report's accuracy, KID and SWD."""
        kid_label = self.extractor.label("KID")
        head = f"{'class':14s} {'works':>5s} {'real acc':>8s}" + "".join(
            f" | {name[:12]:>12s}: acc {kid_label:>10s}   SWD" for name in reports)
        lines = [head, "-" * len(head)]
        for k, c in enumerate(self.classes):
            flag = "" if self.counted[k] else " *"
            row = f"{c.name + flag:14s} {len(c.works()):5d} {self.real_confusion[k, k]:8.2f}"
            for r in reports.values():
                row += f" | {'':12s}  {r['accuracy'][k]:4.2f} {r['kid'][k]:10.3f} {r['swd'][k]:5.0f}"
            lines.append(row)
        ok = self.counted
        mean = f"{'mean (counted)':14s} {'':5s} {np.mean(np.diag(self.real_confusion)[ok]):8.2f}"
        for r in reports.values():
            mean += f" | {'':12s}  {np.mean(r['accuracy'][ok]):4.2f} {np.mean(np.array(r['kid'])[ok]):10.3f} " \
                    f"{np.mean(np.array(r['swd'])[ok]):5.0f}"
        lines += [mean, f"* fewer than {MIN_WORKS} works: shown, not counted. Chance accuracy: "
                        f"{1 / len(self.classes):.2f}."]
        return "\n".join(lines)
