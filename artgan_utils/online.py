"""The large online datasets, for users with internet (and their GPUs).

Nothing in the series needs these: the bundled collection (:mod:`artgan_utils.data`)
covers every notebook offline. With internet, a GPU user can train on the full
CycleGAN sets (about 1,000 ukiyo-e prints, 400 Van Gogh paintings, 6,000+ photos):

* :func:`load_tfds_cycle_gan` — TensorFlow Datasets ``cycle_gan/ukiyoe2photo``,
  ``cycle_gan/vangogh2photo``, ... (needs ``pip install -e ".[online]"``);
* :func:`load_cycle_gan_archive` — the original zip archives, downloaded with a
  checksum and extracted safely, read with
  :func:`artgan_utils.images.load_image_folder`.

Every failure says what failed and what to do. A failed download is never
turned into an empty dataset or a silent success.
"""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

CYCLE_GAN_URL = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{name}.zip"
CYCLE_GAN_NAMES = ("ukiyoe2photo", "vangogh2photo", "monet2photo", "cezanne2photo")
OFFLINE_HELP = (
    "This machine seems to be offline or the server is unreachable. Run once with internet access "
    "(the data is cached afterwards), copy the archive here and use download_archive/extract_archive "
    "on the local file, or use the bundled paintings in artgan_utils.data, which need no network."
)


class DatasetUnavailableError(RuntimeError):
    """An online dataset could not be obtained (offline, server error, missing package)."""


class ChecksumError(DatasetUnavailableError):
    """A downloaded file's sha256 differs from the expected one."""


class UnsafeArchiveError(ValueError):
    """An archive member would be written outside the destination (or is a link/device)."""


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def download_archive(
    url: str,
    *,
    sha256: str | None,
    dest_dir: str | os.PathLike[str],
    filename: str | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Download ``url`` into ``dest_dir`` and verify its sha256.

    The file is streamed to a temporary name and only renamed into place once
    complete and verified, so an interrupted or corrupt download never looks
    finished. A file already present with the right checksum is reused.

    Parameters
    ----------
    sha256:
        Expected hex digest. ``None`` skips verification: only for sources that
        publish no checksum; the digest obtained is printed so you can pin it.

    Raises
    ------
    DatasetUnavailableError
        Network failure (names the URL and the reason).
    ChecksumError
        Digest mismatch (the partial file is deleted).
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / (filename or PurePosixPath(urllib.request.urlparse(url).path).name or "download")
    if target.exists() and sha256 is not None and sha256_of(target) == sha256:
        return target
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=dest)
    tmp = Path(tmp_name)
    try:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, os.fdopen(fd, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                bar = None
                if progress:
                    from tqdm.auto import tqdm

                    bar = tqdm(total=total, unit="B", unit_scale=True, desc=target.name, leave=False)
                while block := response.read(1 << 20):
                    out.write(block)
                    if bar is not None:
                        bar.update(len(block))
                if bar is not None:
                    bar.close()
        except urllib.error.HTTPError as exc:
            raise DatasetUnavailableError(
                f"Could not download {url}: the server answered HTTP {exc.code} ({exc.reason}). The file may have "
                "moved or the server may be down; check the URL, or use a local copy with extract_archive."
            ) from exc
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DatasetUnavailableError(f"Could not download {url}: {reason}. {OFFLINE_HELP}") from exc
        digest = sha256_of(tmp)
        if sha256 is not None and digest != sha256:
            raise ChecksumError(
                f"{target.name} from {url} has sha256 {digest}, expected {sha256}. The file was deleted; "
                "the download was corrupted or the server's file changed. Try again, and if it persists, "
                "check the expected checksum."
            )
        if sha256 is None:
            print(f"Downloaded {target.name} (sha256 {digest}, not verified: pass sha256= to pin it).")
        os.replace(tmp, target)
        return target
    finally:
        if tmp.exists():
            tmp.unlink()


def _check_member_path(name: str, dest: Path) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (pure.parts and pure.parts[0].endswith(":")):
        raise UnsafeArchiveError(f"Archive member {name!r} has an absolute path; refusing to extract.")
    if ".." in pure.parts:
        raise UnsafeArchiveError(f"Archive member {name!r} points outside the destination ('..'); refusing to extract.")
    target = (dest / pure).resolve()
    if dest != target and dest not in target.parents:
        raise UnsafeArchiveError(f"Archive member {name!r} resolves outside the destination; refusing to extract.")
    return target


def extract_archive(archive: str | os.PathLike[str], dest_dir: str | os.PathLike[str]) -> Path:
    """Extract a .zip, .tar, .tar.gz or .tgz safely into ``dest_dir``.

    Every member is checked before anything is written: absolute paths, ``..``
    components, symbolic or hard links, and device or FIFO files are refused
    with :class:`UnsafeArchiveError` naming the member.
    """
    archive = Path(archive)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                _check_member_path(info.filename, dest)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise UnsafeArchiveError(f"Archive member {info.filename!r} is a symbolic link; refusing to extract.")
            zf.extractall(dest)
        return dest
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            for m in members:
                _check_member_path(m.name, dest)
                if m.issym() or m.islnk():
                    raise UnsafeArchiveError(f"Archive member {m.name!r} is a link; refusing to extract.")
                if m.isdev() or m.isfifo():
                    raise UnsafeArchiveError(f"Archive member {m.name!r} is a device or FIFO; refusing to extract.")
            tf.extractall(dest, members=members, filter="data")
        return dest
    raise DatasetUnavailableError(f"{archive.name} is neither a zip nor a tar archive (corrupt download?).")


def load_cycle_gan_archive(
    name: str,
    cache_dir: str | os.PathLike[str],
    *,
    sha256: str | None,
    size: int | tuple[int, int] | None = 256,
    url: str | None = None,
) -> dict[str, Any]:
    """Download (once) and load an original CycleGAN archive, e.g. ``"ukiyoe2photo"``.

    The archives publish no checksums, so ``sha256`` is required: pass the
    digest you trust, or ``None`` explicitly to accept the download unverified
    (its digest is printed, to pin next time).

    Returns
    -------
    dict
        ``{"trainA": ImageFolder, "trainB": ..., "testA": ..., "testB": ...}``
        (A is the art side, B the photos).
    """
    from artgan_utils.images import load_image_folder

    if name not in CYCLE_GAN_NAMES and url is None:
        raise ValueError(f"Unknown CycleGAN set {name!r}; known: {', '.join(CYCLE_GAN_NAMES)} (or pass url=).")
    cache = Path(cache_dir)
    root = cache / name
    if not (root / "trainA").is_dir():
        archive = download_archive(url or CYCLE_GAN_URL.format(name=name), sha256=sha256, dest_dir=cache)
        extract_archive(archive, cache)
    missing = [s for s in ("trainA", "trainB", "testA", "testB") if not (root / s).is_dir()]
    if missing:
        raise DatasetUnavailableError(f"{name}: the archive lacks {', '.join(missing)}; delete {root.name}/ and retry.")
    return {split: load_image_folder(root / split, size=(size, size) if isinstance(size, int) else size,
                                     on_error="skip")
            for split in ("trainA", "trainB", "testA", "testB")}


def load_tfds_cycle_gan(
    name: str = "ukiyoe2photo",
    split: str = "trainA",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Any:
    """Load ``cycle_gan/<name>`` from TensorFlow Datasets as a ``tf.data.Dataset`` of (image, label).

    Raises
    ------
    DatasetUnavailableError
        TFDS is not installed, or the data is neither cached nor downloadable
        (the message names the dataset, the underlying error and what to do).
    """
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DatasetUnavailableError(
            "tensorflow-datasets is not installed: run pip install -e '.[online]' (or pip install tensorflow-datasets)."
        ) from None
    full = f"cycle_gan/{name}"
    try:
        return tfds.load(full, split=split, data_dir=None if data_dir is None else os.fspath(data_dir),
                         download=download, as_supervised=True)
    except Exception as exc:  # TFDS raises many types (URLError, DownloadError, AssertionError, ...)
        kind = type(exc).__name__
        if not download:
            what = "is not in the local TFDS cache and download=False"
        else:
            what = "could not be downloaded or prepared"
        raise DatasetUnavailableError(
            f"TFDS dataset {full!r} (split {split!r}) {what}: {kind}: {str(exc).strip()[:400]}. {OFFLINE_HELP}"
        ) from exc
