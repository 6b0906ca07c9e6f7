"""What can go wrong with an online dataset: the error classes, the warning, and the disk-space check.

Every failure in :mod:`artgan_utils.data.online` is a
:class:`DatasetUnavailableError` (or a subclass) whose message says what failed
and what to do; :class:`UnsafeArchiveError` is a ``ValueError`` because the
archive itself, not the network, is at fault. No notebook teaches this module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = [
    "ArchiveError",
    "ChecksumError",
    "DatasetUnavailableError",
    "UnsafeArchiveError",
    "UnverifiedDownloadWarning",
]


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


# --------------------------------------------------------------------------- shared by download and extraction


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
