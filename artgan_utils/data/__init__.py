"""Data for the series: the bundled collection, training streams, a user's own images, online sets.

One module per job, and the notebook that teaches it:

``collection``
    The bundled paintings and photos in ``data/`` and their provenance:
    ``catalogue``, ``load_artworks``, ``verify``, ``thumbnail`` (notebook 00,
    "The bundled art collection").
``streams``
    Random patches, the [-1, 1] value range and the step-indexed ``tf.data``
    streams that training reads, and the digits warm-up set (notebook 04,
    sections 2 and 4; patches and value ranges first in notebook 00).
``image_files``
    A user's own image files and folders: ``load_image``, ``load_image_folder``
    (notebook 00, "Bringing your own images").
``image_checks``
    What the image loader raises and how it judges and converts a file: error
    classes, the pixel limit, format sniffing, 8-bit RGB conversion.
``online``
    Large online sets (TFDS, the CycleGAN archives) for GPU users with internet;
    nothing offline needs it, so it is not imported here:
    ``from artgan_utils.data import online`` (notebook 06, the trainer's ``--data tfds:``).

Everything public in ``collection``, ``streams``, ``image_files`` and
``image_checks`` is importable from here::

    from artgan_utils import data
    works = data.catalogue(style="ukiyo-e")            # list[Artwork]
    images = data.load_artworks(works)                   # list of uint8 arrays
    patches = data.random_patches(images, n=256, size=64, seed=0)
    ds = data.array_dataset(patches, batch_size=32)      # tf.data, float32 in [-1, 1]
    mine = data.load_image_folder("my_paintings", size=128, on_error="skip")

Importing this package loads NumPy and Pillow; TensorFlow, scikit-learn and the
online modules are imported only by the functions that need them.
"""

from __future__ import annotations

from artgan_utils.data.collection import (
    DATA_ENV_VAR,
    MANIFEST_COLUMNS,
    Artwork,
    DataError,
    catalogue,
    data_dir,
    load_artworks,
    load_manifest,
    summary,
    thumbnail,
    verify,
)
from artgan_utils.data.image_checks import (
    IMAGE_FORMATS,
    MAX_PIXELS,
    ImageFolderNotFoundError,
    ImageLoadError,
    ImageTooLargeError,
    NoImagesFoundError,
)
from artgan_utils.data.image_files import (
    IMAGE_EXTENSIONS,
    ImageFolder,
    load_image,
    load_image_folder,
)
from artgan_utils.data.streams import (
    array_dataset,
    labelled_patch_dataset,
    load_digits,
    patch_dataset,
    random_patches,
    to_model_range,
    to_uint8,
)

__all__ = [
    "DATA_ENV_VAR",
    "IMAGE_EXTENSIONS",
    "IMAGE_FORMATS",
    "MANIFEST_COLUMNS",
    "MAX_PIXELS",
    "Artwork",
    "DataError",
    "ImageFolder",
    "ImageFolderNotFoundError",
    "ImageLoadError",
    "ImageTooLargeError",
    "NoImagesFoundError",
    "array_dataset",
    "labelled_patch_dataset",
    "catalogue",
    "data_dir",
    "load_artworks",
    "load_digits",
    "load_image",
    "load_image_folder",
    "load_manifest",
    "patch_dataset",
    "random_patches",
    "summary",
    "thumbnail",
    "to_model_range",
    "to_uint8",
    "verify",
]
