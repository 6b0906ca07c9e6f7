"""Online datasets, tested offline.

Everything runs on this machine: a local HTTP server on 127.0.0.1 (in a
thread), archives crafted in tmp_path, and TFDS failures that are either
simulated or produced by the real TFDS code with name resolution blocked inside
this process, so no test touches the internet.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib.util
import io
import socket
import stat
import sys
import tarfile
import threading
import time
import urllib.error
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artgan_utils.data import online
from artgan_utils.data.online import (
    CYCLE_GAN_ARCHIVES,
    ArchiveError,
    ChecksumError,
    CycleGanFolders,
    DatasetUnavailableError,
    UnsafeArchiveError,
    UnverifiedDownloadWarning,
    download_archive,
    extract_archive,
    load_cycle_gan_archive,
    load_tfds_cycle_gan,
)

# ---------------------------------------------------------------- a local HTTP server


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder, plus two misbehaving URLs: /short.zip (closes early) and /slow.zip (never answers in time)."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/short.zip":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"PK\x03\x04 only the beginning")
            self.close_connection = True
            return
        if self.path == "/slow.zip":
            time.sleep(1.5)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1 (a free port); yields (folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    httpd = _Server(("127.0.0.1", 0), functools.partial(_Handler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the with-block ends: nothing listens there


@pytest.fixture(autouse=True)
def no_dns(monkeypatch):
    """Name resolution fails inside this process, as on a machine without network; records the hosts asked for.

    Used by every test here (autouse), so that none can reach the internet even by mistake.
    """
    asked: list[str] = []
    real = socket.getaddrinfo

    def offline(host, *args, **kwargs):
        if host in ("127.0.0.1", "localhost"):
            return real(host, *args, **kwargs)
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    return asked


def _png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((12, 10, 3), 200, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _cycle_zip(path: Path, name: str = "tiny2photo") -> str:
    """A miniature CycleGAN archive (one image per split, one broken file, macOS junk); returns its sha256."""
    with zipfile.ZipFile(path, "w") as zf:
        for split in ("trainA", "trainB", "testA", "testB"):
            zf.writestr(f"{name}/{split}/img0.png", _png())
        zf.writestr(f"{name}/trainA/broken.jpg", b"\xff\xd8\xff garbage")
        zf.writestr(f"__MACOSX/{name}/._img0.png", b"\x00\x05\x16\x07")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------- download_archive


def test_download_verifies_checksum_and_then_reuses_the_file(server, tmp_path):
    www, base = server
    digest = _cycle_zip(www / "tiny2photo.zip")
    path = download_archive(f"{base}/tiny2photo.zip", sha256=digest.upper(), dest_dir=tmp_path / "cache", progress=False)
    assert path == tmp_path / "cache" / "tiny2photo.zip" and online.sha256_of(path) == digest
    assert _leftovers(tmp_path / "cache") == ["tiny2photo.zip"], "no partial file left behind"
    (www / "tiny2photo.zip").unlink()  # a second call must not need the server
    assert download_archive(f"{base}/tiny2photo.zip", sha256=digest, dest_dir=tmp_path / "cache") == path


def test_stale_file_is_replaced_by_a_verified_download(server, tmp_path):
    www, base = server
    (www / "f.zip").write_bytes(b"new content")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "f.zip").write_bytes(b"old, half-written content")
    path = download_archive(f"{base}/f.zip", sha256=hashlib.sha256(b"new content").hexdigest(),
                            dest_dir=tmp_path / "c", progress=False)
    assert path.read_bytes() == b"new content"


def test_wrong_checksum_raises_and_leaves_nothing(server, tmp_path):
    www, base = server
    (www / "f.zip").write_bytes(b"abc")
    with pytest.raises(ChecksumError, match=r"f\.zip from http://127\.0\.0\.1:\d+/f\.zip has sha256 ba7816bf.* but 0{64} "
                                            r"was expected\. The file was deleted") as info:
        download_archive(f"{base}/f.zip", sha256="0" * 64, dest_dir=tmp_path / "c", progress=False)
    assert isinstance(info.value, DatasetUnavailableError) and isinstance(info.value, OSError)
    assert _leftovers(tmp_path / "c") == []


def test_unverified_download_warns_with_the_digest_to_pin(server, tmp_path):
    www, base = server
    (www / "f.zip").write_bytes(b"abc")
    digest = hashlib.sha256(b"abc").hexdigest()
    with pytest.warns(UnverifiedDownloadWarning, match=f"Downloaded f.zip without verifying it: sha256='{digest}'"):
        download_archive(f"{base}/f.zip", sha256=None, dest_dir=tmp_path / "c", progress=False)
    (www / "f.zip").unlink()
    with pytest.warns(UnverifiedDownloadWarning, match=f"Using the existing f.zip .* sha256='{digest}'"):
        download_archive(f"{base}/f.zip", sha256=None, dest_dir=tmp_path / "c", progress=False)


def test_connection_closed_early_is_never_a_success(server, tmp_path):
    _, base = server
    with pytest.raises(DatasetUnavailableError, match=r"incomplete: 23 of 100000 bytes arrived"):
        download_archive(f"{base}/short.zip", sha256=None, dest_dir=tmp_path / "c", progress=False)
    assert _leftovers(tmp_path / "c") == []


def test_missing_file_on_server(server, tmp_path):
    _, base = server
    with pytest.raises(DatasetUnavailableError, match=r"nothing\.zip: the server answered HTTP 404 \(File not found\).*moved"):
        download_archive(f"{base}/nothing.zip", sha256=None, dest_dir=tmp_path, progress=False)


def test_closed_port_is_explained_as_offline(tmp_path, closed_port):
    url = f"http://127.0.0.1:{closed_port}/x.zip"
    with pytest.raises(DatasetUnavailableError, match=rf"^Could not download {url}: the connection to 127\.0\.0\.1:"
                                                       rf"{closed_port} was refused.*seems to be offline.*artgan_utils\.data"):
        download_archive(url, sha256=None, dest_dir=tmp_path / "c", timeout=2, progress=False)
    assert _leftovers(tmp_path / "c") == []


def test_unresolvable_host_is_explained_as_offline(tmp_path, no_dns):
    url = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/ukiyoe2photo.zip"
    with pytest.raises(DatasetUnavailableError) as info:
        download_archive(url, sha256=None, dest_dir=tmp_path, timeout=2, progress=False)
    message = str(info.value)
    assert message.startswith(f"Could not download {url}: the host name 'efrosgans.eecs.berkeley.edu' cannot be resolved")
    assert "seems to be offline" in message and "file:// URL" in message and "artgan_utils.data" in message
    assert isinstance(info.value.__cause__, urllib.error.URLError)
    assert no_dns == ["efrosgans.eecs.berkeley.edu"]


def test_server_that_does_not_answer_times_out(server, tmp_path):
    _, base = server
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailableError, match=r"did not answer within 0\.3 s"):
        download_archive(f"{base}/slow.zip", sha256=None, dest_dir=tmp_path, timeout=0.3, progress=False)
    assert time.perf_counter() - start < 1.4


def test_local_copy_by_path_or_file_url(tmp_path):
    local = tmp_path / "usb" / "set.zip"
    local.parent.mkdir()
    local.write_bytes(b"archive bytes")
    digest = hashlib.sha256(b"archive bytes").hexdigest()
    got = download_archive(str(local), sha256=digest, dest_dir=tmp_path / "cache", progress=False)
    assert got.read_bytes() == b"archive bytes" and got.parent == tmp_path / "cache"
    got.unlink()
    assert download_archive(local.as_uri(), sha256=digest, dest_dir=tmp_path / "cache").read_bytes() == b"archive bytes"
    with pytest.raises(DatasetUnavailableError, match="Could not read the local copy"):
        download_archive(str(tmp_path / "nope.zip"), sha256=digest, dest_dir=tmp_path / "cache")


@pytest.mark.parametrize("kwargs, message", [
    ({"sha256": "abc"}, "64 hexadecimal digits"),
    ({"sha256": "0" * 64, "filename": "../escape.zip"}, "plain name"),
    ({"sha256": "0" * 64, "url": "ftp://example.org/x.zip"}, "Unsupported URL scheme 'ftp'"),
])
def test_bad_arguments_fail_before_any_network(tmp_path, closed_port, kwargs, message):
    kwargs = {"url": f"http://127.0.0.1:{closed_port}/x.zip", "dest_dir": tmp_path, **kwargs}
    with pytest.raises(ValueError, match=message):
        download_archive(kwargs.pop("url"), **kwargs)


def test_not_enough_disk_space(server, tmp_path, monkeypatch):
    www, base = server
    (www / "big.zip").write_bytes(b"x" * 1000)
    real = online.errors.shutil.disk_usage  # looked up by errors._check_disk_space
    monkeypatch.setattr(online.errors.shutil, "disk_usage", lambda p: real(p)._replace(free=1000))
    with pytest.raises(DatasetUnavailableError, match=r"Not enough disk space for big\.zip"):
        download_archive(f"{base}/big.zip", sha256=None, dest_dir=tmp_path / "c", progress=False)
    assert _leftovers(tmp_path / "c") == []


# ---------------------------------------------------------------- extract_archive


def _zip_with(path: Path, name: str, data: bytes = b"x", mode: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.external_attr = mode << 16
        zf.writestr(info, data)
    return path


@pytest.mark.parametrize("member, mode, message", [
    ("../evil.txt", None, r"'\.\./evil\.txt' points outside the destination"),
    ("ok/../../evil.txt", None, "points outside the destination"),
    ("/abs/evil.txt", None, "'/abs/evil.txt' has an absolute path"),
    ("C:\\evil.txt", None, "absolute path"),
    ("link", stat.S_IFLNK | 0o777, "'link' is a symbolic link"),
    ("dev", stat.S_IFCHR | 0o600, "'dev' is a device"),
])
def test_malicious_zip_is_rejected_before_anything_is_written(tmp_path, member, mode, message):
    bad = _zip_with(tmp_path / "bad.zip", member, b"/etc/passwd", mode)
    with pytest.raises(UnsafeArchiveError, match=message):
        extract_archive(bad, tmp_path / "out")
    assert _leftovers(tmp_path / "out") == []
    assert not (tmp_path / "evil.txt").exists() and not Path("/abs/evil.txt").exists()


def _tar_with(path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    member.size = len(data)
    with tarfile.open(path, "w:gz") as tf:
        tf.addfile(member, io.BytesIO(data) if data else None)
    return path


def _tarinfo(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


@pytest.mark.parametrize("info, data, message", [
    (_tarinfo("../../evil.txt"), b"x", r"'\.\./\.\./evil\.txt' points outside"),
    (_tarinfo("/tmp/evil.txt"), b"x", "absolute path"),
    (_tarinfo("innocent", tarfile.SYMTYPE, "/etc/passwd"), b"", r"'innocent' is a symbolic link to '/etc/passwd', which points outside"),
    (_tarinfo("sub/up", tarfile.SYMTYPE, "../../etc"), b"", "symbolic link to '../../etc', which points outside"),
    (_tarinfo("hard", tarfile.LNKTYPE, "../outside"), b"", "'hard' is a hard link to '../outside', which points outside"),
    (_tarinfo("inside", tarfile.SYMTYPE, "folder/file.txt"), b"", r"symbolic link to 'folder/file\.txt'; links are not extracted"),
    (_tarinfo("dev", tarfile.CHRTYPE), b"", "'dev' is a device file or FIFO"),
    (_tarinfo("pipe", tarfile.FIFOTYPE), b"", "'pipe' is a device file or FIFO"),
])
def test_malicious_tar_is_rejected(tmp_path, info, data, message):
    bad = _tar_with(tmp_path / "bad.tgz", info, data)
    with pytest.raises(UnsafeArchiveError, match=message):
        extract_archive(bad, tmp_path / "out")
    assert _leftovers(tmp_path / "out") == []
    assert not (tmp_path / "evil.txt").exists()


def test_safe_archives_extract_and_leave_no_staging_folder(tmp_path):
    ok = _tar_with(tmp_path / "ok.tar.gz", _tarinfo("folder/file.txt"), b"hi")
    assert extract_archive(ok, tmp_path / "out") == (tmp_path / "out").resolve()
    assert (tmp_path / "out/folder/file.txt").read_bytes() == b"hi"
    _zip_with(tmp_path / "ok.zip", "other/deep/a.txt", b"zip")
    extract_archive(tmp_path / "ok.zip", tmp_path / "out")
    assert (tmp_path / "out/other/deep/a.txt").read_bytes() == b"zip"
    assert _leftovers(tmp_path / "out") == ["folder", "other"]


def test_existing_entries_are_not_overwritten_unless_asked(tmp_path):
    _zip_with(tmp_path / "v2.zip", "data/a.txt", b"version 2")
    (tmp_path / "out" / "data").mkdir(parents=True)
    (tmp_path / "out" / "data" / "a.txt").write_bytes(b"version 1, maybe half-extracted")
    with pytest.raises(ArchiveError, match=r"data already exist\(s\) in .*overwrite=True"):
        extract_archive(tmp_path / "v2.zip", tmp_path / "out")
    assert (tmp_path / "out/data/a.txt").read_bytes().startswith(b"version 1")
    extract_archive(tmp_path / "v2.zip", tmp_path / "out", overwrite=True)
    assert (tmp_path / "out/data/a.txt").read_bytes() == b"version 2"


def test_zip_bomb_is_refused_from_the_headers(tmp_path):
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\x00" * 3_000_000)
    assert (tmp_path / "bomb.zip").stat().st_size < 20_000
    with pytest.raises(UnsafeArchiveError, match=r"would unpack to 3\.0 MB, more than max_bytes=1000000"):
        extract_archive(tmp_path / "bomb.zip", tmp_path / "out", max_bytes=1_000_000)
    assert _leftovers(tmp_path / "out") == []


def test_corrupt_and_non_archives(tmp_path):
    (tmp_path / "page.zip").write_bytes(b"<html><body>Proxy error</body></html>")
    with pytest.raises(ArchiveError, match=r"page\.zip is neither a zip nor a tar archive.*HTML page"):
        extract_archive(tmp_path / "page.zip", tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "crc.zip", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("data/a.txt", b"A" * 1000)
    raw = bytearray((tmp_path / "crc.zip").read_bytes())
    raw[raw.index(b"A" * 100) + 10] = ord("B")  # flip one stored byte: the CRC no longer matches
    (tmp_path / "crc.zip").write_bytes(bytes(raw))
    with pytest.raises(ArchiveError, match=r"crc\.zip is corrupt or truncated \(BadZipFile: Bad CRC-32"):
        extract_archive(tmp_path / "crc.zip", tmp_path / "out")
    assert _leftovers(tmp_path / "out") == [], "nothing half-extracted under the final names"
    with pytest.raises(ArchiveError, match="No archive file"):
        extract_archive(tmp_path / "missing.zip", tmp_path / "out")


# ---------------------------------------------------------------- CycleGAN archives


def test_load_cycle_gan_archive_end_to_end(server, tmp_path):
    www, base = server
    digest = _cycle_zip(www / "tiny2photo.zip")
    cache = tmp_path / "cache"
    folders = load_cycle_gan_archive("tiny2photo", cache, sha256=digest, url=f"{base}/tiny2photo.zip", progress=False)
    assert isinstance(folders, CycleGanFolders) and folders.root == cache / "tiny2photo"
    assert list(folders) == ["trainA", "trainB", "testA", "testB"]
    assert folders["testB"] == cache / "tiny2photo" / "testB" and folders.splits["testB"].is_dir()
    train_a = folders.load("trainA", size=(8, 8), on_error="skip")
    assert train_a.images.shape == (1, 8, 8, 3) and train_a.paths == ["img0.png"]
    assert [f for f, _ in train_a.skipped] == ["broken.jpg"]
    assert folders.load("testA").images.shape == (1, 256, 256, 3)
    assert _leftovers(cache) == ["tiny2photo", "tiny2photo.zip"], "no staging folder, no macOS junk"
    (www / "tiny2photo.zip").unlink()
    again = load_cycle_gan_archive("tiny2photo", cache, sha256=digest, url=f"{base}/tiny2photo.zip")
    assert again == folders  # found on disk: no download
    with pytest.raises(KeyError, match="Unknown split 'trainC'"):
        folders["trainC"]


def test_recorded_checksum_is_the_default_and_is_enforced(server, tmp_path):
    """A file served under an official name that is not the official archive is refused."""
    www, base = server
    _cycle_zip(www / "ukiyoe2photo.zip", name="ukiyoe2photo")
    recorded = CYCLE_GAN_ARCHIVES["ukiyoe2photo"][0]
    with pytest.raises(ChecksumError, match=f"but {recorded} was expected"):
        load_cycle_gan_archive("ukiyoe2photo", tmp_path / "cache", url=f"{base}/ukiyoe2photo.zip", progress=False)
    assert _leftovers(tmp_path / "cache") == []


def test_cycle_gan_archive_argument_checks(tmp_path):
    with pytest.raises(ValueError, match="Unknown CycleGAN set 'nope'"):
        load_cycle_gan_archive("nope", tmp_path, sha256=None)
    with pytest.raises(ValueError, match="Invalid CycleGAN set name"):
        load_cycle_gan_archive("../../etc", tmp_path, url="http://127.0.0.1:9/x.zip", sha256=None)
    with pytest.raises(ValueError, match=r"No recorded sha256 for 'mine2photo'.*sha256=None"):
        load_cycle_gan_archive("mine2photo", tmp_path, url="http://127.0.0.1:9/x.zip")


def test_archive_without_cycle_gan_layout(server, tmp_path):
    www, base = server
    _zip_with(www / "odd.zip", "something/else.txt", b"x")
    digest = hashlib.sha256((www / "odd.zip").read_bytes()).hexdigest()
    with pytest.raises(ArchiveError, match=r"odd\.zip does not have the CycleGAN layout: odd/trainA, trainB, testA, "
                                           r"testB missing \(top level: something\)"):
        load_cycle_gan_archive("odd", tmp_path / "cache", sha256=digest, url=f"{base}/odd.zip", progress=False)
    assert _leftovers(tmp_path / "cache") == ["odd.zip"]


def test_partial_folder_in_the_way_is_reported(tmp_path):
    (tmp_path / "tiny2photo" / "trainA").mkdir(parents=True)
    with pytest.raises(ArchiveError, match=r"tiny2photo exists but lacks trainB, testA, testB.*Delete that folder"):
        load_cycle_gan_archive("tiny2photo", tmp_path, sha256=None, url="http://127.0.0.1:9/x.zip")


def test_recorded_checksums_match_tensorflow_datasets():
    spec = importlib.util.find_spec("tensorflow_datasets")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("tensorflow-datasets is not installed")
    table = Path(spec.submodule_search_locations[0]) / "url_checksums" / "cycle_gan.txt"
    recorded = {}
    for line in table.read_text().splitlines():
        url, size, sha, _ = line.split("\t")
        recorded[url.rsplit("/", 1)[1].removesuffix(".zip")] = (sha, int(size))
    assert {k: v for k, v in recorded.items() if k in CYCLE_GAN_ARCHIVES} == CYCLE_GAN_ARCHIVES
    assert set(CYCLE_GAN_ARCHIVES) <= set(recorded)
    for name in CYCLE_GAN_ARCHIVES:
        assert online.CYCLE_GAN_URL.format(name=name) in table.read_text()


# ---------------------------------------------------------------- TensorFlow Datasets


@pytest.fixture
def tfds():
    return pytest.importorskip("tensorflow_datasets")


@pytest.fixture
def tfds_offline(monkeypatch, tfds, no_dns):
    """The real TFDS download code on a machine whose name resolution fails, with TFDS's retries off.

    (TFDS retries a failed connection ten times with backoff, which takes minutes.)
    """
    import importlib.resources
    import importlib.resources.abc

    from tensorflow_datasets.core.download import downloader

    # tensorflow-datasets 4.9 imports importlib_resources without declaring it (tensorflow/datasets#11212)
    if importlib.util.find_spec("importlib_resources") is None:
        monkeypatch.setitem(sys.modules, "importlib_resources", importlib.resources)
    monkeypatch.setattr(downloader, "MAX_RETRIES", 0)
    return no_dns


@pytest.mark.parametrize("error", [
    urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution")),
    ConnectionRefusedError(111, "Connection refused"),
    TimeoutError("timed out"),
])
def test_tfds_network_failure_is_explained(monkeypatch, tmp_path, tfds, error):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(tfds, "load", fail)
    with pytest.raises(DatasetUnavailableError) as info:
        load_tfds_cycle_gan("ukiyoe2photo", data_dir=tmp_path, probe_timeout=None)
    message = str(info.value)
    assert message.startswith("TFDS could not download 'cycle_gan/ukiyoe2photo' (split 'trainA') from "
                              "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/ukiyoe2photo.zip: ")
    assert type(error).__name__ in message and "seems to be offline" in message
    assert "load_cycle_gan_archive('ukiyoe2photo', cache_dir, url='path/to/ukiyoe2photo.zip')" in message
    assert info.value.__cause__ is error


def test_tfds_requests_failure_chain_is_recognised(monkeypatch, tmp_path, tfds):
    """The exception TFDS really raises offline: requests' ConnectionError caused by a DNS failure."""
    requests = pytest.importorskip("requests")

    def fail(*args, **kwargs):
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as dns:
            raise requests.exceptions.ConnectionError(
                "HTTPSConnectionPool(host='efrosgans.eecs.berkeley.edu', port=443): Max retries exceeded"
            ) from dns

    monkeypatch.setattr(tfds, "load", fail)
    with pytest.raises(DatasetUnavailableError, match=r"ConnectionError: HTTPSConnectionPool.*\(caused by gaierror: "
                                                      r"\[Errno -2\] Name or service not known\).*offline"):
        load_tfds_cycle_gan("vangogh2photo", "testB", data_dir=tmp_path, probe_timeout=None)


def test_real_tfds_download_while_offline(tmp_path, tfds_offline):
    """TFDS's own download code meets the failed name resolution; its exception chain is recognised."""
    with pytest.raises(DatasetUnavailableError) as info:
        load_tfds_cycle_gan("ukiyoe2photo", data_dir=tmp_path, download=True, probe_timeout=None)
    message = str(info.value)
    assert "TFDS could not download 'cycle_gan/ukiyoe2photo'" in message
    assert "Name or service not known" in message and "seems to be offline" in message
    assert "efrosgans.eecs.berkeley.edu" in tfds_offline, "the real download was attempted (and stopped in-process)"


def test_offline_is_detected_before_tfds_starts_retrying(tmp_path, tfds, no_dns):
    """With the default probe, no TFDS download starts (its retries would take minutes): one quick check fails."""
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailableError, match=r"^TFDS could not download 'cycle_gan/vangogh2photo' \(split "
                                                      r"'trainB'\) from https://efrosgans.*vangogh2photo\.zip: the host "
                                                      r"name 'efrosgans.eecs.berkeley.edu' cannot be resolved.*offline") as info:
        load_tfds_cycle_gan("vangogh2photo", "trainB", data_dir=tmp_path, download=True)
    assert time.perf_counter() - start < 5
    assert isinstance(info.value.__cause__, urllib.error.URLError)
    assert no_dns == ["efrosgans.eecs.berkeley.edu"]
    assert not (tmp_path / "downloads").exists(), "TFDS was not asked to download"


def test_tfds_missing_dependency_is_named(monkeypatch, tmp_path, tfds):
    """What pip's TFDS 4.9 raises on Python >= 3.9 at the first download (observed here, on Python 3.11)."""
    def fail(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'importlib_resources'", name="importlib_resources")

    monkeypatch.setattr(tfds, "load", fail)
    with pytest.raises(DatasetUnavailableError, match=r"the Python module 'importlib_resources' is missing.*"
                                                      r"issues/11212.*pip install importlib_resources"):
        load_tfds_cycle_gan("ukiyoe2photo", data_dir=tmp_path, probe_timeout=None)


def test_real_tfds_without_cache_and_no_download(tmp_path, tfds):
    """Nothing cached and download=False must fail clearly, not return an empty set."""
    with pytest.raises(DatasetUnavailableError, match=rf"'cycle_gan/ukiyoe2photo' is not in the local TFDS cache "
                                                      rf"\({tmp_path}\) and download=False"):
        load_tfds_cycle_gan("ukiyoe2photo", data_dir=tmp_path, download=False)


def test_tfds_empty_result_is_an_error(monkeypatch, tmp_path, tfds):
    class EmptyDataset:  # stands in for tf.data.Dataset, whose cardinality() is a scalar tensor
        def cardinality(self):
            return np.int64(0)

    monkeypatch.setattr(tfds, "load", lambda *a, **k: EmptyDataset())
    with pytest.raises(DatasetUnavailableError, match="empty dataset"):
        load_tfds_cycle_gan("ukiyoe2photo", data_dir=tmp_path, probe_timeout=None)


def test_tfds_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(DatasetUnavailableError, match=r"tensorflow-datasets is not installed .*pip install -e '\.\[online\]'"):
        load_tfds_cycle_gan()


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "ukiyoe"}, "Unknown cycle_gan config 'ukiyoe'"),
    ({"split": "train"}, "Unknown split 'train'"),
    ({"split": "trainA+valA"}, "Unknown split 'valA'"),
])
def test_tfds_argument_checks(monkeypatch, kwargs, message):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # checked before TFDS is even imported
    with pytest.raises(ValueError, match=message):
        load_tfds_cycle_gan(**kwargs)
