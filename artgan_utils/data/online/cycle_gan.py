"""The CycleGAN sets (ukiyo-e, Van Gogh, Monet, ... beside photos): the original archives, or TensorFlow Datasets.

Used in notebook 06 (section 2 and "More exercises"): the trainer's
``--data tfds:cycle_gan/ukiyoe2photo/trainA`` calls :func:`load_tfds_cycle_gan`,
which explains every TFDS failure (offline, missing module, checksum, not cached).
:func:`load_cycle_gan_archive` gets the same sets without TFDS: downloaded once,
verified, extracted safely, returned as :class:`CycleGanFolders`.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artgan_utils.data.image_files import ImageFolder, load_image_folder
from artgan_utils.data.online.archives import extract_archive
from artgan_utils.data.online.download import (
    _USER_AGENT,
    _check_sha256,
    _describe_network_error,
    _exception_chain,
    _is_network_error,
    _offline_help,
    download_archive,
)
from artgan_utils.data.online.errors import ArchiveError, DatasetUnavailableError

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "CYCLE_GAN_ARCHIVES",
    "CYCLE_GAN_NAMES",
    "CYCLE_GAN_SPLITS",
    "CYCLE_GAN_URL",
    "CycleGanFolders",
    "load_cycle_gan_archive",
    "load_tfds_cycle_gan",
]

CYCLE_GAN_URL = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{name}.zip"
#: ``name -> (sha256, size in bytes)`` of the official CycleGAN archives, as
#: recorded by TensorFlow Datasets 4.9 (``url_checksums/cycle_gan.txt``); the
#: publisher gives no checksums. These are also the configs of TFDS ``cycle_gan``.
CYCLE_GAN_ARCHIVES: dict[str, tuple[str, int]] = {
    "apple2orange": ("845a191e9af8926408ea597001cd03a452e3300a1f44a79fe329b3d59f6e3eb8", 78456409),
    "summer2winter_yosemite": ("167fe1726807a9d22bd106b4a6c0bd7953b688af924ac1bf967439c4961e49f9", 132640856),
    "horse2zebra": ("a74d9d392eecca9966b51287a76ca126af473d9de4f3e8fc0e9cda08fa1730a1", 116867962),
    "monet2photo": ("88f91b00fc228f97c9411fbf1880ec1d119c98f1722e4cfcfaa2fb35fac05b04", 305231073),
    "cezanne2photo": ("3a6c10ca21f9485862f1cbd707744b9dc258954a04631271d23a3605eeb63cff", 279885071),
    "ukiyoe2photo": ("02a2a2fb5ecf425ca1bf86aca7304377da64a2a1d3b86df54eb65e4068bf3b08", 292946532),
    "vangogh2photo": ("362c3473e70be0944bda08d49d660eafdc2854df55d697835b8186d1d79caaff", 306590349),
    "maps": ("639534f69dbf9f36bef8d6292a7698006361221f83f0285d7c9ca78afe6e8a9e", 1476754427),
    "facades": ("9a31ebf3a31b9b5cd195dd5bf62e9308e00cb94604d1019e3889ac84248695c0", 35135868),
    "iphone2dslr_flower": ("8fcb5e374d631b107e1d961b8c4cd0a186aa2a4ff3e279923f4c426128de7113", 339964458),
}
CYCLE_GAN_NAMES = tuple(CYCLE_GAN_ARCHIVES)
#: The four folders of every CycleGAN set: A is the first domain (e.g. ukiyo-e), B the second (photos).
CYCLE_GAN_SPLITS = ("trainA", "trainB", "testA", "testB")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


# --------------------------------------------------------------------------- CycleGAN archives


@dataclass(frozen=True)
class CycleGanFolders:
    """The extracted folders of a CycleGAN set, from :func:`load_cycle_gan_archive`.

    Attributes
    ----------
    name
        The set, e.g. ``"ukiyoe2photo"``.
    root
        Its folder, holding ``trainA``, ``trainB``, ``testA`` and ``testB``
        (A: the first domain, e.g. ukiyo-e prints; B: the second, photos).
    """

    name: str
    root: Path

    @property
    def splits(self) -> dict[str, Path]:
        """``{"trainA": path, "trainB": ..., "testA": ..., "testB": ...}``."""
        return {s: self.root / s for s in CYCLE_GAN_SPLITS}

    def __getitem__(self, split: str) -> Path:
        if split not in CYCLE_GAN_SPLITS:
            raise KeyError(f"Unknown split {split!r}; CycleGAN sets have {', '.join(CYCLE_GAN_SPLITS)}.")
        return self.root / split

    def __iter__(self) -> Iterator[str]:
        return iter(CYCLE_GAN_SPLITS)

    def load(
        self,
        split: str,
        *,
        size: int | tuple[int, int] | None = (256, 256),
        on_error: str = "raise",
        **kwargs: Any,
    ) -> ImageFolder:
        """Read one split's images with :func:`artgan_utils.data.load_image_folder`.

        Parameters
        ----------
        split
            ``"trainA"``, ``"trainB"``, ``"testA"`` or ``"testB"``.
        size, on_error, **kwargs
            Passed on to :func:`~artgan_utils.data.load_image_folder`; the
            default ``(256, 256)`` (the size of the CycleGAN images) gives one
            stacked uint8 array.
        """
        return load_image_folder(self[split], size=size, on_error=on_error, **kwargs)


def load_cycle_gan_archive(
    name: str,
    cache_dir: str | os.PathLike[str],
    *,
    sha256: str | None = "recorded",
    url: str | None = None,
    timeout: float = 60.0,
    progress: bool = True,
) -> CycleGanFolders:
    """Download (once), verify and extract an original CycleGAN archive; return its folders.

    The first call downloads ``<name>.zip`` into ``cache_dir`` (hundreds of MB),
    checks its SHA-256 and extracts it to ``cache_dir/<name>/``; later calls
    find the folders and touch no network. Read images with
    ``folders.load("trainA")``, or point your own pipeline at ``folders["trainA"]``.

    Parameters
    ----------
    name
        One of :data:`CYCLE_GAN_NAMES` (e.g. ``"ukiyoe2photo"``,
        ``"vangogh2photo"``), or another name together with ``url`` and ``sha256``.
    cache_dir
        Folder for the archive and the extracted set.
    sha256
        ``"recorded"`` (default): the digest TensorFlow Datasets recorded for
        this archive (:data:`CYCLE_GAN_ARCHIVES`; the publisher gives none).
        A 64-hex-digit string: that digest. ``None``: no verification (an
        :class:`UnverifiedDownloadWarning` shows the digest obtained).
    url
        Where to get the archive instead of the official server: a mirror, or
        a local copy (path or ``file://`` URL) for machines without internet.
        Default: :data:`CYCLE_GAN_URL`.
    timeout, progress
        As in :func:`download_archive`.

    Returns
    -------
    CycleGanFolders

    Raises
    ------
    DatasetUnavailableError
        Offline or download failure (see :func:`download_archive`).
    ChecksumError
        The archive differs from the expected digest.
    ArchiveError
        The archive is corrupt or lacks the ``<name>/trainA`` ... layout, or an
        incomplete ``cache_dir/<name>`` folder is in the way.
    ValueError
        Unknown ``name`` without ``url``, or ``sha256="recorded"`` for a name
        with no recorded digest.
    """
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValueError(f"Invalid CycleGAN set name {name!r}: letters, digits, '_', '-' and '.' only.")
    if name not in CYCLE_GAN_ARCHIVES and url is None:
        raise ValueError(
            f"Unknown CycleGAN set {name!r}; known: {', '.join(CYCLE_GAN_NAMES)} (or pass url= and sha256=)."
        )
    if sha256 == "recorded":
        if name not in CYCLE_GAN_ARCHIVES:
            raise ValueError(
                f"No recorded sha256 for {name!r}: pass sha256='<64 hex digits>' for the file you expect, or "
                "sha256=None to accept it unverified."
            )
        sha256 = CYCLE_GAN_ARCHIVES[name][0]
    sha256 = _check_sha256(sha256)

    cache = Path(cache_dir).expanduser()
    root = cache / name
    folders = CycleGanFolders(name, root)
    if all(p.is_dir() for p in folders.splits.values()):
        return folders
    if root.exists():
        missing = [s for s, p in folders.splits.items() if not p.is_dir()]
        raise ArchiveError(
            f"{root} exists but lacks {', '.join(missing)} (a partial copy?). Delete that folder and run again; "
            f"a verified {name}.zip in {cache} is reused without downloading."
        )

    archive = download_archive(
        url or CYCLE_GAN_URL.format(name=name),
        sha256=sha256,
        dest_dir=cache,
        filename=f"{name}.zip",
        timeout=timeout,
        progress=progress,
    )
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=cache))
    try:
        extract_archive(archive, staging)
        unpacked = staging / name
        missing = [s for s in CYCLE_GAN_SPLITS if not (unpacked / s).is_dir()]
        if missing:
            found = sorted(p.name for p in staging.iterdir())
            raise ArchiveError(
                f"{archive.name} does not have the CycleGAN layout: {name}/{', '.join(missing)} missing "
                f"(top level: {', '.join(found) or 'nothing'}). Check that it is the right archive."
            )
        os.replace(unpacked, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folders


# --------------------------------------------------------------------------- TensorFlow Datasets


def _check_split(split: str) -> None:
    parts = [p.split("[")[0].strip() for p in str(split).split("+")]
    bad = [p for p in parts if p not in CYCLE_GAN_SPLITS]
    if bad:
        raise ValueError(
            f"Unknown split {bad[0]!r} in {split!r}; cycle_gan has {', '.join(CYCLE_GAN_SPLITS)} "
            "(slices such as 'trainA[:10%]' and sums such as 'trainA+testA' work too)."
        )


def _explain_tfds_failure(
    exc: BaseException, name: str, split: str, data_dir: str | None, download: bool
) -> DatasetUnavailableError:
    full = f"cycle_gan/{name}"
    url = CYCLE_GAN_URL.format(name=name)
    where = data_dir or os.environ.get("TFDS_DATA_DIR") or "~/tensorflow_datasets"
    chain = _exception_chain(exc)
    innermost = chain[-1]
    detail = f"{type(exc).__name__}: {str(exc).strip()}"[:300]
    if innermost is not exc:
        detail += f" (caused by {type(innermost).__name__}: {str(innermost).strip()[:200]})"
    local = (
        f"or download {name}.zip elsewhere, copy it here and use "
        f"load_cycle_gan_archive({name!r}, cache_dir, url='path/to/{name}.zip')"
    )

    network = any(_is_network_error(e) for e in chain)
    missing = exc if isinstance(exc, ImportError) else (
        None if network else next((e for e in chain if isinstance(e, ImportError)), None)
    )
    if missing is not None:
        module = getattr(missing, "name", None) or str(missing)
        known = (
            " (tensorflow-datasets 4.9 imports it but declares it only for Python < 3.9: "
            "https://github.com/tensorflow/datasets/issues/11212)"
            if module == "importlib_resources" else ""
        )
        return DatasetUnavailableError(
            f"TFDS could not prepare {full!r}: the Python module {module!r} is missing{known}. "
            f"Install it (pip install {module}) and run again. [{detail}]"
        )
    if network:
        return DatasetUnavailableError(
            f"TFDS could not download {full!r} (split {split!r}) from {url}: {detail}. "
            + _offline_help(f"TFDS keeps it in {where}; {local}")
        )
    names = {type(e).__name__ for e in chain}
    if "NonMatchingChecksumError" in names:
        return DatasetUnavailableError(
            f"TFDS downloaded {url}, but its checksum does not match the one TFDS recorded: the download was "
            f"corrupted (try again) or the file on the server changed. [{detail}]"
        )
    if "DownloadError" in names:
        return DatasetUnavailableError(
            f"TFDS could not download {full!r} from {url}: the server did not deliver the file. Try again later, "
            f"{local}. [{detail}]"
        )
    if not download and isinstance(exc, AssertionError) and "could not find data" in str(exc):
        return DatasetUnavailableError(
            f"TFDS dataset {full!r} is not in the local TFDS cache ({where}) and download=False. Run once with "
            "download=True on a machine with internet (then copy the cache folder here), pass data_dir= where it "
            f"was prepared, {local}, or use artgan_utils.data. [{detail}]"
        )
    return DatasetUnavailableError(
        f"TFDS could not load {full!r} (split {split!r}; data_dir {where}): {detail}. If a download was "
        f"interrupted, delete {where}/cycle_gan/{name} and run again; or {local.removeprefix('or ')}."
    )


def _probe(name: str, split: str, timeout: float, where: str) -> None:
    """Fail fast, with the usual explanation, if the CycleGAN server cannot be reached at all.

    TFDS retries a failed connection ten times with growing pauses (minutes in
    all) before it gives up; one HEAD request with a short timeout tells the
    offline case apart at once. Any HTTP answer counts as reachable.
    """
    url = CYCLE_GAN_URL.format(name=name)
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": _USER_AGENT})
    try:
        urllib.request.urlopen(request, timeout=timeout).close()
    except urllib.error.HTTPError as exc:
        exc.close()
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        what, _ = _describe_network_error(exc, url, timeout)
        raise DatasetUnavailableError(
            f"TFDS could not download 'cycle_gan/{name}' (split {split!r}) from {url}: {what} "
            f"[{type(exc).__name__}: {getattr(exc, 'reason', exc)}]. "
            + _offline_help(
                f"TFDS keeps it in {where}; or download {name}.zip elsewhere, copy it here and use "
                f"load_cycle_gan_archive({name!r}, cache_dir, url='path/to/{name}.zip')"
            )
        ) from exc


def load_tfds_cycle_gan(
    name: str = "ukiyoe2photo",
    split: str = "trainA",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    probe_timeout: float | None = 15.0,
) -> tf.data.Dataset:
    """Load ``cycle_gan/<name>`` from TensorFlow Datasets: a ``tf.data.Dataset`` of ``(image, label)``.

    Images are uint8 (256, 256, 3) tensors. TensorFlow Datasets is imported
    only here; the first call downloads and prepares the set (hundreds of MB)
    in ``data_dir`` (default ``~/tensorflow_datasets`` or ``$TFDS_DATA_DIR``);
    later calls read that cache and need no network.

    Parameters
    ----------
    name
        One of :data:`CYCLE_GAN_NAMES`, e.g. ``"ukiyoe2photo"``, ``"vangogh2photo"``.
    split
        ``"trainA"``, ``"trainB"``, ``"testA"``, ``"testB"``, or a TFDS split
        expression such as ``"trainA[:10%]"``.
    data_dir
        TFDS data folder.
    download
        Download and prepare the set if it is not in ``data_dir``. With
        ``False``, a missing set is an error (never an empty dataset).
    probe_timeout
        Before a download, check with one HEAD request (this many seconds at
        most) that the server is reachable, so that an offline machine gets
        its explanation at once instead of after TFDS's own retries (several
        minutes). ``None`` skips the check.

    Raises
    ------
    DatasetUnavailableError
        TFDS is not installed; or the set could not be downloaded (offline:
        the message names the dataset, the URL and the underlying error, and
        what to do), or is not cached with ``download=False``, or came out
        empty. The original exception is chained (``__cause__``).
    ValueError
        Unknown ``name`` or ``split``.
    """
    if name not in CYCLE_GAN_ARCHIVES:
        raise ValueError(f"Unknown cycle_gan config {name!r}; TFDS has {', '.join(CYCLE_GAN_NAMES)}.")
    _check_split(split)
    try:
        import tensorflow_datasets as tfds
    except ImportError as exc:
        raise DatasetUnavailableError(
            f"tensorflow-datasets is not installed ({exc}). Install it with pip install -e '.[online]' (or pip "
            "install 'tensorflow-datasets==4.9.*'), or use load_cycle_gan_archive or the bundled artgan_utils.data."
        ) from exc
    data_dir_str = None if data_dir is None else os.fspath(Path(data_dir).expanduser())
    if download and probe_timeout is not None:
        try:
            prepared = tfds.builder(f"cycle_gan/{name}", data_dir=data_dir_str).is_prepared()
        except Exception:  # let tfds.load below meet and report the problem
            prepared = False
        if not prepared:
            _probe(name, split, probe_timeout,
                   data_dir_str or os.environ.get("TFDS_DATA_DIR") or "~/tensorflow_datasets")
    try:
        ds = tfds.load(f"cycle_gan/{name}", split=split, data_dir=data_dir_str, download=download, as_supervised=True)
    except Exception as exc:  # TFDS raises many types; each is classified and explained, the original chained
        raise _explain_tfds_failure(exc, name, split, data_dir_str, download) from exc
    if int(ds.cardinality()) == 0:
        raise DatasetUnavailableError(
            f"TFDS returned an empty dataset for cycle_gan/{name} split {split!r}: the cache in "
            f"{data_dir_str or '~/tensorflow_datasets'} is probably incomplete. Delete its cycle_gan/{name} folder "
            "and run again with internet."
        )
    return ds
