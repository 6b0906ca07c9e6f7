"""The large online datasets, for users with internet (and their GPUs).

Nothing in the series needs these: the bundled collection (:mod:`artgan_utils.data`)
covers every notebook offline. With internet, a GPU user can train on the full
CycleGAN sets (about 1,000 ukiyo-e prints, 400 Van Gogh paintings, 6,000+ photos):

* :func:`load_tfds_cycle_gan` -- TensorFlow Datasets ``cycle_gan/ukiyoe2photo``,
  ``cycle_gan/vangogh2photo``, ... as a ``tf.data.Dataset`` (needs
  ``pip install -e ".[online]"``);
* :func:`load_cycle_gan_archive` -- the original zip archives, downloaded once
  with a verified sha256, extracted safely, their folders read with
  :func:`artgan_utils.images.load_image_folder`;
* the building blocks :func:`download_archive` (streamed, verified, atomic) and
  :func:`extract_archive` (refuses path traversal, links, device files and zip
  bombs).

Every failure says what failed and what to do, and is a
:class:`DatasetUnavailableError` (or a subclass). A failed download is never
turned into an empty dataset or a silent success: a download only appears under
its final name once it is complete and verified.

About checksums: the CycleGAN archives are published at
``https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/<name>.zip`` without
any checksum. The sha256 values in :data:`CYCLE_GAN_ARCHIVES` are the ones
TensorFlow Datasets recorded when it registered the archives
(``tensorflow_datasets/url_checksums/cycle_gan.txt`` in tensorflow-datasets
4.9; the test suite checks the copy against the installed package). They pin
the archives as TFDS saw them; if the server's files ever change, the download
fails with a :class:`ChecksumError` that says so, rather than silently
training on different data.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import re
import shutil
import socket
import ssl
import stat
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tensorflow as tf

    from artgan_utils.images import ImageFolder

__all__ = [
    "CYCLE_GAN_ARCHIVES",
    "CYCLE_GAN_NAMES",
    "CYCLE_GAN_SPLITS",
    "CYCLE_GAN_URL",
    "ArchiveError",
    "ChecksumError",
    "CycleGanFolders",
    "DatasetUnavailableError",
    "UnsafeArchiveError",
    "UnverifiedDownloadWarning",
    "download_archive",
    "extract_archive",
    "load_cycle_gan_archive",
    "load_tfds_cycle_gan",
    "sha256_of",
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
#: Default limit on the unpacked size of an archive (zip-bomb guard), 20 GiB.
MAX_EXTRACT_BYTES = 20 * 2**30

_CHUNK = 1 << 20
_USER_AGENT = "artgan-utils (Python urllib)"
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_NETWORK_CLASS_NAMES = {
    # requests / urllib3 exceptions, matched by name so neither package has to be imported
    "ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "NewConnectionError",
    "NameResolutionError", "MaxRetryError", "ProtocolError", "ProxyError", "SSLError",
    "ConnectTimeoutError", "ReadTimeoutError", "ChunkedEncodingError",
}
_NETWORK_ERRNOS = {
    getattr(errno, code)
    for code in ("ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EHOSTDOWN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT")
    if hasattr(errno, code)
}
#: tarfile's "data" extraction filter (Python >= 3.11.4) is used as a second line of defence.
_TAR_DATA_FILTER = hasattr(tarfile, "data_filter")


# --------------------------------------------------------------------------- errors


class DatasetUnavailableError(OSError):
    """An online dataset could not be obtained: offline, server error, bad download, missing package."""


class ChecksumError(DatasetUnavailableError):
    """A downloaded file's sha256 differs from the expected one (the file is not kept)."""


class ArchiveError(DatasetUnavailableError):
    """An archive cannot be extracted: not an archive, corrupt, or its files already exist."""


class UnsafeArchiveError(ValueError):
    """An archive member would be written outside the destination, or is a link or device file,
    or the archive unpacks to more than the allowed size."""


class UnverifiedDownloadWarning(UserWarning):
    """A file was downloaded or reused with ``sha256=None``, so nothing vouches for its content."""


# --------------------------------------------------------------------------- helpers


def sha256_of(path: str | os.PathLike[str], chunk: int = _CHUNK) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _check_sha256(sha256: str | None) -> str | None:
    if sha256 is None:
        return None
    if isinstance(sha256, str):
        value = sha256.strip().lower()
        if re.fullmatch(r"[0-9a-f]{64}", value):
            return value
    raise ValueError(
        f"sha256 must be the file's SHA-256 as 64 hexadecimal digits, or None to skip verification; got {sha256!r}."
    )


def _mb(n: float) -> str:
    """A byte count for people: 23 bytes, 4.2 kB, 292.9 MB, 1.48 GB."""
    if n >= 1e9:
        return f"{n / 1e9:.2f} GB"
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n:.0f} bytes"


def _check_disk_space(folder: Path, needed: int, what: str, hint: str) -> None:
    free = shutil.disk_usage(folder).free
    if needed + 16 * 2**20 > free:
        raise DatasetUnavailableError(
            f"Not enough disk space for {what}: it needs {_mb(needed)}, and {_mb(free)} are free in {folder}. {hint}"
        )


def _offline_help(local_hint: str) -> str:
    return (
        "This machine seems to be offline, or the server is unreachable. What you can do: run this once "
        "with internet access (the result is cached and reused offline afterwards); " + local_hint
        + "; or use the bundled paintings and photos in artgan_utils.data, which need no network."
    )


_LOCAL_COPY_HINT = (
    "or copy the archive onto this machine and pass its path (or a file:// URL) as url= to "
    "download_archive or load_cycle_gan_archive, which verify it the same way"
)


def _source(url: str) -> tuple[str, str]:
    """(URL to open, scheme). A plain local path becomes a file:// URL."""
    parsed = urllib.parse.urlparse(url)
    if len(parsed.scheme) <= 1:  # no scheme, or a Windows drive letter
        return Path(url).expanduser().absolute().as_uri(), "file"
    if parsed.scheme not in ("http", "https", "file"):
        raise ValueError(
            f"Unsupported URL scheme {parsed.scheme!r} in {url!r}: use http(s)://, file:// or a local path."
        )
    return url, parsed.scheme


def _filename_for(url: str, filename: str | None) -> str:
    if filename is None:
        name = urllib.parse.unquote(PurePosixPath(urllib.parse.urlparse(url).path).name)
    else:
        name = filename
    if not name or name in (".", "..") or any(c in name for c in "/\\\x00"):
        raise ValueError(
            f"Cannot use {name!r} as the file name for {url!r}: pass filename='something.zip' "
            "(a plain name, no folders)."
        )
    return name


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain and len(chain) < 20:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    return chain


def _is_network_error(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):  # the server answered
        return False
    if isinstance(exc, (socket.gaierror, ConnectionError, TimeoutError, urllib.error.URLError, ssl.SSLError,
                        http.client.HTTPException)):
        return True
    if isinstance(exc, OSError) and exc.errno is not None and exc.errno in _NETWORK_ERRNOS:
        return True
    module = type(exc).__module__.split(".")[0]
    return module in ("requests", "urllib3") and type(exc).__name__ in _NETWORK_CLASS_NAMES


def _describe_network_error(exc: BaseException, url: str, timeout: float) -> tuple[str, bool]:
    """(what happened, whether it looks like being offline)."""
    reason: Any = getattr(exc, "reason", exc) if isinstance(exc, urllib.error.URLError) else exc
    host = urllib.parse.urlparse(url).hostname or "?"
    port = urllib.parse.urlparse(url).port
    where = f"{host}:{port}" if port else host
    if isinstance(reason, socket.gaierror):
        return f"the host name {host!r} cannot be resolved ({reason.strerror or reason})", True
    if isinstance(reason, ConnectionRefusedError):
        return f"the connection to {where} was refused (nothing answers there)", True
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"{where} did not answer within {timeout:g} s", True
    if isinstance(reason, ssl.SSLCertVerificationError):
        return (
            f"the TLS certificate of {host} could not be verified ({reason.verify_message}); a proxy or an "
            "outdated certificate store is the usual cause", False,
        )
    if isinstance(reason, BaseException):
        return f"{type(reason).__name__}: {reason}", True
    return str(reason), True


# --------------------------------------------------------------------------- download


def _progress_bar(total: int | None, name: str, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # progress is optional
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name, leave=False)


def _open_url(url: str, source: str, scheme: str, timeout: float) -> Any:
    """``urlopen`` with every failure turned into a :class:`DatasetUnavailableError` that says what to do."""
    request = urllib.request.Request(source, headers={"User-Agent": _USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DatasetUnavailableError(
            f"Could not download {url}: the server answered HTTP {exc.code} ({exc.reason}). The file may have "
            f"moved or the server may be down; check the URL in a browser, try again later, {_LOCAL_COPY_HINT}."
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        if scheme == "file":
            raise DatasetUnavailableError(
                f"Could not read the local copy {url}: {getattr(exc, 'reason', exc)}. Check the path."
            ) from exc
        what, offline = _describe_network_error(exc, source, timeout)
        todo = _offline_help(_LOCAL_COPY_HINT) if offline else (
            f"Check the network settings (proxy, certificates), {_LOCAL_COPY_HINT}."
        )
        raise DatasetUnavailableError(f"Could not download {url}: {what}. {todo}") from exc


def _stream(
    response: Any, out: Any, url: str, total: int | None, name: str, timeout: float, progress: bool
) -> tuple[str, int]:
    """Copy the response into ``out`` in chunks; return (sha256, bytes received)."""
    digest = hashlib.sha256()
    received = 0
    bar = _progress_bar(total, name, progress)
    try:
        while True:
            try:
                block = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                what, _ = _describe_network_error(exc, url, timeout)
                of_total = f" of {_mb(total)}" if total else ""
                raise DatasetUnavailableError(
                    f"The download of {url} was interrupted after {_mb(received)}{of_total}: {what}. Nothing was "
                    f"kept; try again, {_LOCAL_COPY_HINT}."
                ) from exc
            if not block:
                return digest.hexdigest(), received
            try:
                out.write(block)
            except OSError as exc:
                raise DatasetUnavailableError(
                    f"Could not write {name}: {exc.strerror or exc}. Free some disk space or choose another folder."
                ) from exc
            digest.update(block)
            received += len(block)
            if bar is not None:
                bar.update(len(block))
    finally:
        if bar is not None:
            bar.close()


def download_archive(
    url: str,
    *,
    sha256: str | None,
    dest_dir: str | os.PathLike[str],
    filename: str | None = None,
    timeout: float = 60.0,
    progress: bool = True,
) -> Path:
    """Download ``url`` into ``dest_dir`` once, verifying its SHA-256.

    The file is streamed to a hidden temporary file in ``dest_dir`` and renamed
    to its final name only when it is complete (as long as the server's
    ``Content-Length``) and its checksum matches, so an interrupted or corrupt
    download never looks finished; on any failure the partial file is deleted.
    A file already present under the final name is reused without any network
    access when its checksum matches.

    Parameters
    ----------
    url
        ``http(s)://`` URL, or a local copy: a path or a ``file://`` URL (the
        file is copied and verified the same way; useful offline).
    sha256
        The expected SHA-256 (64 hex digits). Required: pass ``None``
        explicitly to accept the file unverified, for sources that publish no
        checksum; an :class:`UnverifiedDownloadWarning` then gives the digest
        obtained, to pin next time. With ``None`` an existing file is reused
        as it is (with the same warning).
    dest_dir
        Folder for the file (created if needed).
    filename
        Name of the file in ``dest_dir`` (default: the last part of the URL).
    timeout
        Seconds to wait for the server to connect or send data (not for the
        whole download).
    progress
        Show a tqdm progress bar (if tqdm is installed).

    Returns
    -------
    pathlib.Path
        The verified file.

    Raises
    ------
    DatasetUnavailableError
        Network failure (the message names the URL, the reason, and says what
        to do when offline), HTTP error status, incomplete download, or no
        disk space.
    ChecksumError
        The downloaded file's SHA-256 is not ``sha256`` (nothing is kept).
    ValueError
        ``sha256`` is malformed, the URL scheme is unsupported, or no usable
        file name.
    """
    expected = _check_sha256(sha256)
    source, scheme = _source(url)
    name = _filename_for(source, filename)
    dest = Path(dest_dir).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / name
    if target.exists() and not target.is_file():
        raise DatasetUnavailableError(
            f"{target} exists and is not a file, so the download cannot be saved there: move it away or pass filename=."
        )

    if target.is_file():
        digest = sha256_of(target)
        if expected is None:
            warnings.warn(
                f"Using the existing {name} in {dest} without verifying it: sha256={digest!r}. "
                f"Pass sha256={digest!r} to pin this content.",
                UnverifiedDownloadWarning,
                stacklevel=2,
            )
            return target
        if digest == expected:
            return target
        # A stale or foreign file: download again; the old one is only replaced by a verified file.

    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, _open_url(url, source, scheme, timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if total is not None:
                _check_disk_space(dest, total, name, "Free some space or pass another folder.")
            digest, received = _stream(response, out, url, total, name, timeout, progress)
        if total is not None and received != total:
            raise DatasetUnavailableError(
                f"The download of {url} is incomplete: {received} of {total} bytes arrived (the connection was "
                "closed early). Nothing was kept; try again."
            )
        if expected is not None and digest != expected:
            raise ChecksumError(
                f"{name} from {url} has sha256 {digest} ({received} bytes), but {expected} was expected. "
                "The file was deleted. Either the download was corrupted (try again) or the file on the server "
                "changed; if it persists and you trust the new file, pass its sha256, or sha256=None."
            )
        if expected is None:
            warnings.warn(
                f"Downloaded {name} without verifying it: sha256={digest!r} ({received} bytes). "
                f"Pass sha256={digest!r} to pin this content.",
                UnverifiedDownloadWarning,
                stacklevel=2,
            )
        os.replace(tmp, target)
        return target
    finally:
        if tmp.exists():
            tmp.unlink()


# --------------------------------------------------------------------------- extraction


@dataclass(frozen=True)
class _Member:
    name: str
    parts: tuple[str, ...]
    size: int


def _safe_parts(name: str) -> tuple[str, ...]:
    """The member's path components, or raise if it is absolute or climbs out with ``..``."""
    posix = name.replace("\\", "/")
    pure = PurePosixPath(posix)
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        raise UnsafeArchiveError(f"Archive member {name!r} has an absolute path; refusing to extract the archive.")
    if ".." in pure.parts:
        raise UnsafeArchiveError(
            f"Archive member {name!r} points outside the destination ('..'); refusing to extract the archive."
        )
    return tuple(p for p in pure.parts if p not in ("", "."))


def _zip_members(zf: zipfile.ZipFile) -> list[_Member]:
    members = []
    for info in zf.infolist():
        parts = _safe_parts(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeArchiveError(
                f"Archive member {info.filename!r} is a symbolic link; links are not extracted, refusing the archive."
            )
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            raise UnsafeArchiveError(
                f"Archive member {info.filename!r} is a device, FIFO or socket; refusing to extract the archive."
            )
        if info.flag_bits & 0x1:
            raise ArchiveError(f"Archive member {info.filename!r} is password-protected; extract it by hand.")
        if parts:
            members.append(_Member(info.filename, parts, 0 if info.is_dir() else info.file_size))
    return members


def _tar_members(tf: tarfile.TarFile) -> list[_Member]:
    members = []
    for m in tf.getmembers():
        parts = _safe_parts(m.name)
        if m.issym() or m.islnk():
            kind = "symbolic link" if m.issym() else "hard link"
            target = m.linkname
            base = PurePosixPath(*parts[:-1]) if m.issym() else PurePosixPath()
            outside = target.startswith("/") or os.path.normpath(str(base / target)).split(os.sep)[0] == ".."
            raise UnsafeArchiveError(
                f"Archive member {m.name!r} is a {kind} to {target!r}"
                + (", which points outside the destination" if outside else "")
                + "; links are not extracted, refusing the archive."
            )
        if m.isdev() or m.isfifo():
            raise UnsafeArchiveError(
                f"Archive member {m.name!r} is a device file or FIFO; refusing to extract the archive."
            )
        if not (m.isfile() or m.isdir()):
            raise UnsafeArchiveError(
                f"Archive member {m.name!r} has an unsupported type; refusing to extract the archive."
            )
        if parts:
            members.append(_Member(m.name, parts, m.size if m.isfile() else 0))
    return members


def _archive_kind(path: Path) -> str | None:
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except (OSError, EOFError, zlib.error):
        pass
    return None


def _not_an_archive(path: Path) -> ArchiveError:
    with open(path, "rb") as fh:
        head = fh.read(512).lstrip().lower()
    looks = ""
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        looks = " It is an HTML page: probably an error or login page saved instead of the file."
    elif not head:
        looks = " It is empty."
    return ArchiveError(
        f"{path.name} is neither a zip nor a tar archive (.tar, .tar.gz, .tgz, .tar.bz2, .tar.xz).{looks} "
        "Delete it and download it again."
    )


def extract_archive(
    archive: str | os.PathLike[str],
    dest_dir: str | os.PathLike[str],
    *,
    max_bytes: int | None = MAX_EXTRACT_BYTES,
    overwrite: bool = False,
) -> Path:
    """Extract a .zip or .tar(.gz/.bz2/.xz) archive safely into ``dest_dir``.

    Every member is checked before anything is written. Refused, with an
    :class:`UnsafeArchiveError` naming the offending member: absolute paths
    (``/etc/x``, ``C:\\x``), ``..`` components, symbolic and hard links (they
    are never extracted, wherever they point), device files, FIFOs and sockets,
    and archives that would unpack to more than ``max_bytes``.

    The archive is unpacked into a hidden temporary folder inside ``dest_dir``
    and its top-level entries are then moved into place, so an interrupted or
    failed extraction leaves nothing half-written under the final names.

    Parameters
    ----------
    archive
        The archive file; its type is detected from its content, not its name.
    dest_dir
        Destination folder (created if needed).
    max_bytes
        Refuse archives whose members add up to more than this (zip-bomb
        guard; default 20 GiB). ``None``: no limit (free disk space is still
        checked).
    overwrite
        Replace top-level files or folders that already exist in ``dest_dir``.
        By default an existing one is an :class:`ArchiveError`.

    Returns
    -------
    pathlib.Path
        ``dest_dir`` (resolved).

    Raises
    ------
    UnsafeArchiveError
        A dangerous member, or too large when unpacked.
    ArchiveError
        Not an archive, corrupt, password-protected, or its top-level entries
        already exist (and ``overwrite`` is false).
    DatasetUnavailableError
        Not enough free disk space.
    """
    archive = Path(archive).expanduser()
    if not archive.is_file():
        raise ArchiveError(f"No archive file {os.fspath(archive)!r}: check the path.")
    dest = Path(dest_dir).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    kind = _archive_kind(archive)
    if kind is None:
        raise _not_an_archive(archive)

    corrupt = (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, EOFError, zlib.error, RuntimeError,
               NotImplementedError, ValueError)
    try:
        with zipfile.ZipFile(archive) if kind == "zip" else tarfile.open(archive) as handle:
            members = _zip_members(handle) if kind == "zip" else _tar_members(handle)
            total = sum(m.size for m in members)
            if max_bytes is not None and total > max_bytes:
                raise UnsafeArchiveError(
                    f"{archive.name} would unpack to {_mb(total)}, more than max_bytes={max_bytes} ({_mb(max_bytes)}); "
                    "refusing to extract it (a zip bomb?). If you trust the archive, pass a larger max_bytes."
                )
            _check_disk_space(dest, total, f"unpacking {archive.name}", "Free some space or choose another folder.")
            tops = sorted({m.parts[0] for m in members})
            existing = [t for t in tops if (dest / t).exists() or (dest / t).is_symlink()]
            if existing and not overwrite:
                raise ArchiveError(
                    f"Cannot extract {archive.name}: {', '.join(existing)} already exist(s) in {dest}. Delete "
                    f"{'it' if len(existing) == 1 else 'them'} (an earlier extraction may have been interrupted) "
                    "or pass overwrite=True."
                )
            staging = Path(tempfile.mkdtemp(prefix=f".extracting-{archive.name}-", dir=dest))
            try:
                if kind == "zip":
                    handle.extractall(staging)
                elif _TAR_DATA_FILTER:
                    handle.extractall(staging, filter="data")
                else:  # Python < 3.11.4: the checks above already refused links, devices and escapes
                    handle.extractall(staging)
                for t in tops:
                    final = dest / t
                    if final.is_dir() and not final.is_symlink():
                        shutil.rmtree(final)
                    elif final.exists() or final.is_symlink():
                        final.unlink()
                    os.replace(staging / t, final)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except (UnsafeArchiveError, DatasetUnavailableError):
        raise
    except getattr(tarfile, "FilterError", ()) as exc:  # the data filter's second opinion
        raise UnsafeArchiveError(
            f"Archive member {getattr(exc, 'tarinfo', None) and exc.tarinfo.name!r} was refused by tarfile's "
            f"safety filter ({exc}); refusing to extract the archive."
        ) from exc
    except corrupt as exc:
        raise ArchiveError(
            f"{archive.name} is corrupt or truncated ({type(exc).__name__}: {exc}). Nothing was extracted under "
            "its final names. Delete the archive and download it again."
        ) from exc
    except OSError as exc:
        raise ArchiveError(
            f"Could not extract {archive.name} into {dest}: {exc.strerror or exc}. Check the free space and the "
            "folder's permissions."
        ) from exc
    return dest


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
        """Read one split's images with :func:`artgan_utils.images.load_image_folder`.

        Parameters
        ----------
        split
            ``"trainA"``, ``"trainB"``, ``"testA"`` or ``"testB"``.
        size, on_error, **kwargs
            Passed on to :func:`~artgan_utils.images.load_image_folder`; the
            default ``(256, 256)`` (the size of the CycleGAN images) gives one
            stacked uint8 array.
        """
        from artgan_utils.images import load_image_folder

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
