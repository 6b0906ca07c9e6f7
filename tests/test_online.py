"""Online datasets, tested offline: a local HTTP server, crafted archives, a simulated TFDS failure."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import socket
import tarfile
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from artgan_utils import online
from artgan_utils.online import (
    ChecksumError,
    DatasetUnavailableError,
    UnsafeArchiveError,
    download_archive,
    extract_archive,
    load_cycle_gan_archive,
    load_tfds_cycle_gan,
)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((12, 10, 3), 200, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1 (a random free port)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _cycle_zip(path, name="tiny2photo"):
    with zipfile.ZipFile(path, "w") as zf:
        for split in ("trainA", "trainB", "testA", "testB"):
            zf.writestr(f"{name}/{split}/img0.png", _png())
        zf.writestr(f"{name}/trainA/broken.jpg", b"\xff\xd8\xff garbage")


def test_download_verifies_checksum_and_reuses_file(server, tmp_path):
    www, base = server
    _cycle_zip(www / "tiny2photo.zip")
    digest = hashlib.sha256((www / "tiny2photo.zip").read_bytes()).hexdigest()
    path = download_archive(f"{base}/tiny2photo.zip", sha256=digest, dest_dir=tmp_path / "cache", progress=False)
    assert path.name == "tiny2photo.zip" and online.sha256_of(path) == digest
    (www / "tiny2photo.zip").unlink()  # a second call must not need the server
    assert download_archive(f"{base}/tiny2photo.zip", sha256=digest, dest_dir=tmp_path / "cache") == path


def test_wrong_checksum_raises_and_leaves_nothing(server, tmp_path):
    www, base = server
    (www / "f.zip").write_bytes(b"abc")
    with pytest.raises(ChecksumError, match="f.zip from http://127.0.0.1:.* has sha256 .*expected 000"):
        download_archive(f"{base}/f.zip", sha256="0" * 64, dest_dir=tmp_path / "c", progress=False)
    assert list((tmp_path / "c").iterdir()) == []


def test_unverified_download_prints_digest(server, tmp_path, capsys):
    www, base = server
    (www / "f.zip").write_bytes(b"abc")
    download_archive(f"{base}/f.zip", sha256=None, dest_dir=tmp_path / "c", progress=False)
    assert hashlib.sha256(b"abc").hexdigest() in capsys.readouterr().out


def test_unreachable_server_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the with-block ends: nothing listens there
    with pytest.raises(DatasetUnavailableError, match=rf"Could not download http://127.0.0.1:{port}/x.zip: .*offline"):
        download_archive(f"http://127.0.0.1:{port}/x.zip", sha256=None, dest_dir=tmp_path, timeout=2, progress=False)
    assert [p for p in tmp_path.iterdir() if p.suffix == ".part"] == []
    with pytest.raises(DatasetUnavailableError, match="Could not download http://no-such-host.invalid/x.zip"):
        download_archive("http://no-such-host.invalid/x.zip", sha256=None, dest_dir=tmp_path, timeout=2, progress=False)


def test_missing_file_on_server(server, tmp_path):
    _, base = server
    with pytest.raises(DatasetUnavailableError, match="HTTP 404 .*moved"):
        download_archive(f"{base}/nothing.zip", sha256=None, dest_dir=tmp_path, progress=False)


def test_load_cycle_gan_archive_end_to_end(server, tmp_path):
    www, base = server
    _cycle_zip(www / "tiny2photo.zip")
    digest = hashlib.sha256((www / "tiny2photo.zip").read_bytes()).hexdigest()
    sets = load_cycle_gan_archive("tiny2photo", tmp_path / "cache", sha256=digest, size=8,
                                  url=f"{base}/tiny2photo.zip")
    assert set(sets) == {"trainA", "trainB", "testA", "testB"}
    assert sets["trainA"].images.shape == (1, 8, 8, 3)
    assert [f for f, _ in sets["trainA"].skipped] == ["broken.jpg"]
    with pytest.raises(ValueError, match="Unknown CycleGAN set"):
        load_cycle_gan_archive("nope", tmp_path, sha256=None)


def _zip_with(path, name, data=b"x", symlink=False):
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo(name)
        if symlink:
            info.external_attr = (0o120777 << 16)
        zf.writestr(info, data)


@pytest.mark.parametrize("member, symlink, message", [
    ("../evil.txt", False, r"'\.\./evil\.txt' points outside"),
    ("/abs/evil.txt", False, "absolute path"),
    ("link", True, "symbolic link"),
])
def test_malicious_zip_rejected(tmp_path, member, symlink, message):
    _zip_with(tmp_path / "bad.zip", member, b"/etc/passwd" if symlink else b"x", symlink)
    with pytest.raises(UnsafeArchiveError, match=message):
        extract_archive(tmp_path / "bad.zip", tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def _tar_with(path, member: tarfile.TarInfo, data=b""):
    with tarfile.open(path, "w:gz") as tf:
        tf.addfile(member, io.BytesIO(data) if data else None)


def test_malicious_tar_rejected(tmp_path):
    up = tarfile.TarInfo("../../evil.txt")
    up.size = 1
    _tar_with(tmp_path / "a.tgz", up, b"x")
    with pytest.raises(UnsafeArchiveError, match="outside"):
        extract_archive(tmp_path / "a.tgz", tmp_path / "out")
    link = tarfile.TarInfo("innocent")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    _tar_with(tmp_path / "b.tgz", link)
    with pytest.raises(UnsafeArchiveError, match="'innocent' is a link"):
        extract_archive(tmp_path / "b.tgz", tmp_path / "out")
    dev = tarfile.TarInfo("dev")
    dev.type = tarfile.CHRTYPE
    _tar_with(tmp_path / "c.tgz", dev)
    with pytest.raises(UnsafeArchiveError, match="device"):
        extract_archive(tmp_path / "c.tgz", tmp_path / "out")


def test_safe_tar_and_non_archive(tmp_path):
    ok = tarfile.TarInfo("folder/file.txt")
    ok.size = 2
    _tar_with(tmp_path / "ok.tgz", ok, b"hi")
    extract_archive(tmp_path / "ok.tgz", tmp_path / "out")
    assert (tmp_path / "out/folder/file.txt").read_bytes() == b"hi"
    (tmp_path / "junk.zip").write_bytes(b"<html>proxy error</html>")
    with pytest.raises(DatasetUnavailableError, match="neither a zip nor a tar"):
        extract_archive(tmp_path / "junk.zip", tmp_path / "out")


def test_tfds_offline_failure_is_explained(monkeypatch, tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    import urllib.error

    def fail(*args, **kwargs):
        raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(tfds, "load", fail)
    with pytest.raises(DatasetUnavailableError, match=r"'cycle_gan/ukiyoe2photo' \(split 'trainA'\) could not be downloaded.*URLError.*offline"):
        load_tfds_cycle_gan("ukiyoe2photo", data_dir=tmp_path)


def test_tfds_real_builder_without_cache_and_no_download(tmp_path):
    """A real TFDS call: nothing cached and download=False must fail clearly, not return an empty set."""
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(DatasetUnavailableError, match="not in the local TFDS cache and download=False"):
        load_tfds_cycle_gan("ukiyoe2photo", data_dir=tmp_path, download=False)
