"""Downloading one file once, verified: URL opening, network-error explanations, progress, sha256.

:func:`download_archive` streams a file into a hidden temporary file, checks its
length and SHA-256 and only then gives it its final name, so an interrupted or
corrupt download never looks finished. Every network failure becomes a
:class:`~artgan_utils.data.online.errors.DatasetUnavailableError` that says
whether the machine looks offline and what to do (run once with internet, or
pass a local copy as ``url=``); :mod:`artgan_utils.data.online.cycle_gan` reuses
these explanations for TensorFlow Datasets. No notebook teaches this module.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import re
import socket
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path, PurePosixPath
from typing import Any

from artgan_utils.data.online.errors import (
    ChecksumError,
    DatasetUnavailableError,
    UnverifiedDownloadWarning,
    _check_disk_space,
    _mb,
)

__all__ = ["download_archive", "sha256_of"]

_CHUNK = 1 << 20
_USER_AGENT = "artgan-utils (Python urllib)"
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


# --------------------------------------------------------------------------- checksums


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


# --------------------------------------------------------------------------- network errors, explained


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
