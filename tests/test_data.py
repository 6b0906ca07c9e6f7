"""artgan_utils.data: the manifest, selections, patches, tf.data pipelines, digits."""

from __future__ import annotations

import csv
import hashlib

import numpy as np
import pytest
from PIL import Image

from artgan_utils import data
from artgan_utils.data import MANIFEST_COLUMNS, DataError, collection


@pytest.fixture
def tiny_data(tmp_path, monkeypatch):
    """A three-image data folder with a valid manifest."""
    rows = []
    rng = np.random.default_rng(0)
    for i, (style, kind, artist) in enumerate(
        [("ukiyo-e", "painting", "Katsushika Hokusai"), ("ukiyo-e", "painting", "Utagawa Hiroshige"),
         ("photo-landscape", "photo", "")]
    ):
        rel = f"images/{style}/img{i}.jpg"
        (tmp_path / "images" / style).mkdir(parents=True, exist_ok=True)
        arr = rng.integers(0, 256, size=(60 + 10 * i, 80, 3), dtype=np.uint8)
        Image.fromarray(arr).save(tmp_path / rel, quality=90)
        rows.append(dict(file=rel, title=f"Work {i}", artist=artist, year="1830", style=style, kind=kind,
                         source="test", licence="public domain",
                         sha256=hashlib.sha256((tmp_path / rel).read_bytes()).hexdigest(),
                         width=80, height=60 + 10 * i))
    with open(tmp_path / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setenv("ARTGAN_DATA_DIR", str(tmp_path))
    collection._read_manifest.cache_clear()
    yield tmp_path
    collection._read_manifest.cache_clear()


def test_catalogue_filters(tiny_data):
    assert len(data.load_manifest()) == 3
    assert [w.title for w in data.catalogue(style="ukiyo-e")] == ["Work 0", "Work 1"]
    assert [w.title for w in data.catalogue(artist="hiroshige")] == ["Work 1"]
    assert [w.kind for w in data.catalogue(kind="photo")] == ["photo"]
    assert len(data.catalogue(style=["ukiyo-e", "photo-landscape"])) == 3
    assert data.summary() == {("painting", "ukiyo-e"): 2, ("photo", "photo-landscape"): 1}
    assert data.catalogue(artist="Hokusai")[0].label == "Work 0 — Katsushika Hokusai (1830)"


def test_catalogue_errors_list_choices(tiny_data):
    with pytest.raises(DataError, match=r"Unknown style \['cubism'\]. Styles: photo-landscape, ukiyo-e"):
        data.catalogue(style="cubism")
    with pytest.raises(DataError, match="Unknown kind 'sculpture'. Kinds: painting, photo"):
        data.catalogue(kind="sculpture")
    with pytest.raises(DataError, match="No bundled image by an artist matching 'Monet'.*Artists: Katsushika Hokusai"):
        data.catalogue(artist="Monet")
    with pytest.raises(DataError, match="selection is empty"):
        data.catalogue(style="photo-landscape", kind="painting")


def test_verify_names_modified_and_missing_files(tiny_data):
    data.verify()
    (tiny_data / "images/ukiyo-e/img0.jpg").write_bytes(b"version https://git-lfs.github.com/spec/v1\n")
    (tiny_data / "images/ukiyo-e/img1.jpg").unlink()
    with pytest.raises(DataError, match=r"(?s)img0\.jpg: sha256 .* differs.*img1\.jpg: missing.*git checkout -- data/"):
        data.verify()


def test_missing_data_dir_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGAN_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="pip install -e .*ARTGAN_DATA_DIR"):
        data.data_dir()


def test_load_artworks_and_thumbnail(tiny_data):
    imgs = data.load_artworks(data.catalogue(style="ukiyo-e"))
    assert [i.shape for i in imgs] == [(60, 80, 3), (70, 80, 3)]
    assert all(i.dtype == np.uint8 for i in imgs)
    assert data.load_artworks(data.catalogue(kind="photo"), size=40)[0].shape == (40, 40, 3)
    assert data.thumbnail(imgs[1], 32).shape == (32, 32, 3)


def test_random_patches_deterministic_and_in_bounds():
    img = np.arange(100 * 120 * 3, dtype=np.uint32).reshape(100, 120, 3).astype(np.uint8)
    a = data.random_patches([img], n=10, size=16, seed=3)
    b = data.random_patches([img], n=10, size=16, seed=3)
    c = data.random_patches([img], n=10, size=16, seed=4)
    assert a.shape == (10, 16, 16, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    # an image smaller than the patch is upsampled, not an error
    assert data.random_patches([img[:8, :8]], n=2, size=16).shape == (2, 16, 16, 3)
    with pytest.raises(ValueError, match="scale"):
        data.random_patches([img], n=1, size=8, scale=(0.5, 0.2))
    with pytest.raises(ValueError, match="at least one image"):
        data.random_patches([], n=1, size=8)


def test_range_conversions_round_trip():
    x = np.arange(256, dtype=np.uint8)
    y = data.to_model_range(x)
    assert y.dtype == np.float32 and y.min() == -1.0 and y.max() == 1.0
    assert np.array_equal(data.to_uint8(y), x)
    assert data.to_uint8(np.array([-2.0, 2.0, np.float32(0.0)])).tolist() == [0, 255, 128]


def _ids(batch):
    return [int(round((v + 1) * 127.5)) for v in batch[:, 0, 0, 0]]


def test_array_dataset_epochs_are_permutations_reshuffled_and_scaled():
    imgs = np.stack([np.full((4, 4, 3), i, np.uint8) for i in range(10)])
    batches = [b.numpy() for b in data.array_dataset(imgs, batch_size=4, seed=1).take(6)]
    assert batches[0].shape == (4, 4, 4, 3) and batches[0].dtype == np.float32
    assert -1.0 <= min(b.min() for b in batches) and max(b.max() for b in batches) <= 1.0
    epochs = [sum((_ids(b) for b in batches[i : i + 2]), []) for i in (0, 2, 4)]  # 10 // 4 = 2 batches per epoch
    assert all(len(set(e)) == 8 for e in epochs), "no image twice within an epoch"
    assert len({tuple(e) for e in epochs}) == 3, "each epoch has its own order"
    unshuffled = [_ids(b.numpy()) for b in data.array_dataset(imgs, batch_size=4, shuffle=False).take(3)]
    assert unshuffled == [[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 2, 3]]
    with pytest.raises(ValueError, match="lower the batch size"):
        data.array_dataset(imgs, batch_size=32)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        data.array_dataset(imgs[0], batch_size=2)
    with pytest.raises(ValueError, match="start_batch"):
        data.array_dataset(imgs, batch_size=2, start_batch=-1)


def test_array_dataset_start_batch_continues_the_same_stream():
    imgs = np.random.default_rng(0).integers(0, 256, (13, 2, 2, 3), dtype=np.uint8)
    full = [b.numpy() for b in data.array_dataset(imgs, batch_size=3, seed=7).take(11)]
    tail = [b.numpy() for b in data.array_dataset(imgs, batch_size=3, seed=7, start_batch=5).take(6)]
    for a, b in zip(full[5:], tail):
        np.testing.assert_array_equal(a, b)
    other = [b.numpy() for b in data.array_dataset(imgs, batch_size=3, seed=8).take(1)]
    assert not np.array_equal(full[0], other[0])


def test_patch_dataset_start_batch_continues_the_same_stream():
    rng = np.random.default_rng(1)
    imgs = [rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)]
    full = [b.numpy() for b in data.patch_dataset(imgs, size=8, batch_size=4, seed=2).take(5)]
    tail = [b.numpy() for b in data.patch_dataset(imgs, size=8, batch_size=4, seed=2, start_batch=3).take(2)]
    np.testing.assert_array_equal(full[3], tail[0])
    np.testing.assert_array_equal(full[4], tail[1])


def test_patch_dataset_stream_is_reproducible_and_in_range():
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 256, (50, 70, 3), dtype=np.uint8), rng.integers(0, 256, (90, 40, 3), dtype=np.uint8)]
    a = next(iter(data.patch_dataset(imgs, size=16, batch_size=8, seed=5))).numpy()
    b = next(iter(data.patch_dataset(imgs, size=16, batch_size=8, seed=5))).numpy()
    c = next(iter(data.patch_dataset(imgs, size=16, batch_size=8, seed=6))).numpy()
    assert a.shape == (8, 16, 16, 3) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= -1.0 and a.max() <= 1.0
    # padding of the smaller image never leaks into a patch (pure black rows would show it)
    big = [np.full((30, 30, 3), 255, np.uint8), np.full((80, 80, 3), 255, np.uint8)]
    p = next(iter(data.patch_dataset(big, size=8, batch_size=32, seed=0))).numpy()
    assert p.min() > 0.99


def test_digits():
    x, y = data.load_digits()
    assert x.shape == (1797, 8, 8, 1) and y.shape == (1797,)
    assert x.min() == -1.0 and x.max() == 1.0 and x.dtype == np.float32
    x16, _ = data.load_digits(16)
    assert x16.shape == (1797, 16, 16, 1) and -1.0 <= x16.min() and x16.max() <= 1.0


def test_bundled_collection_matches_the_issue():
    """The real data/ folder: sizes, licences, and the groups the notebooks rely on."""
    collection._read_manifest.cache_clear()
    works = data.load_manifest()
    data.verify(works)
    by_style = data.summary()
    assert by_style[("painting", "ukiyo-e")] == 9
    assert by_style[("painting", "van-gogh")] == 9
    assert {w.artist for w in data.catalogue(style="ukiyo-e")} <= {"Katsushika Hokusai", "Utagawa Hiroshige"}
    assert len(data.catalogue(kind="photo")) >= 10
    for w in works:
        assert max(w.width, w.height) <= 384 and w.licence and w.source
        assert w.kind in {"painting", "photo"}
    total = sum(w.path.stat().st_size for w in works)
    assert total < 15 * 2**20
