"""The large online datasets, for GPU users with internet.

Nothing in the offline series needs this package: the bundled collection
(:mod:`artgan_utils.data`) covers every notebook without a network. It serves
GPU users with internet: notebook 06's trainer option
``--data tfds:cycle_gan/ukiyoe2photo/trainA`` (section 2 and "More exercises"),
and the TFDS option of the CycleGAN notebook 09 (planned, issue 13). With it a
GPU user can train on the full CycleGAN sets (about 1,000 ukiyo-e prints, 400
Van Gogh paintings, 6,000+ photos).

One module per job:

``cycle_gan``
    :func:`load_tfds_cycle_gan` -- TensorFlow Datasets ``cycle_gan/ukiyoe2photo``,
    ``cycle_gan/vangogh2photo``, ... as a ``tf.data.Dataset`` (needs
    ``pip install -e ".[online]"``); :func:`load_cycle_gan_archive` -- the
    original zip archives, downloaded once with a verified sha256, extracted
    safely, their folders read with :func:`artgan_utils.data.load_image_folder`.
``download``
    :func:`download_archive` (streamed, verified, atomic), :func:`sha256_of`,
    and the explanations of network failures.
``archives``
    :func:`extract_archive` (refuses path traversal, links, device files and
    zip bombs).
``errors``
    The error classes and warning below, shared by the three.

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

from artgan_utils.data.online.archives import MAX_EXTRACT_BYTES, extract_archive
from artgan_utils.data.online.cycle_gan import (
    CYCLE_GAN_ARCHIVES,
    CYCLE_GAN_NAMES,
    CYCLE_GAN_SPLITS,
    CYCLE_GAN_URL,
    CycleGanFolders,
    load_cycle_gan_archive,
    load_tfds_cycle_gan,
)
from artgan_utils.data.online.download import download_archive, sha256_of
from artgan_utils.data.online.errors import (
    ArchiveError,
    ChecksumError,
    DatasetUnavailableError,
    UnsafeArchiveError,
    UnverifiedDownloadWarning,
)

__all__ = [
    "CYCLE_GAN_ARCHIVES",
    "CYCLE_GAN_NAMES",
    "CYCLE_GAN_SPLITS",
    "CYCLE_GAN_URL",
    "MAX_EXTRACT_BYTES",
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
