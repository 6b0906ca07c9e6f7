"""Extracting a .zip or .tar archive safely: every member checked before anything is written.

:func:`extract_archive` refuses absolute paths, ``..`` components, links,
device files and archives that unpack to more than ``max_bytes`` (zip bombs),
unpacks into a hidden temporary folder and only then moves the top-level
entries into place. No notebook teaches this module.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from artgan_utils.data.online.errors import (
    ArchiveError,
    DatasetUnavailableError,
    UnsafeArchiveError,
    _check_disk_space,
    _mb,
)

__all__ = ["MAX_EXTRACT_BYTES", "extract_archive"]

#: Default limit on the unpacked size of an archive (zip-bomb guard), 20 GiB.
MAX_EXTRACT_BYTES = 20 * 2**30

#: tarfile's "data" extraction filter (Python >= 3.11.4) is used as a second line of defence.
_TAR_DATA_FILTER = hasattr(tarfile, "data_filter")


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
