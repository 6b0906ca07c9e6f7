"""Read a PyTorch ``.pth`` state dict into numpy arrays without PyTorch, and without running its pickle's code.

Taught in notebook 07 (why a model file is a program, and how to read one safely);
used by :mod:`artgan_utils.pretrained.effnet`.

A ``.pth`` file is a Python pickle, and unpickling can call any importable
function (``os.system`` included). Two defences, in this order:

1. the caller checks the file's sha256 against a recorded value first
   (:meth:`artgan_utils.pretrained.PretrainedRecord.weights_path`);
2. :class:`RestrictedUnpickler` admits only the exact globals a tensor state
   dict needs (:data:`ALLOWED`), each replaced by a numpy stand-in, and raises
   :class:`UnsafePickleError` for any other global *when the pickle names it*,
   i.e. before anything it names could be called.

Both container formats are read: the zip format of ``torch.save`` since
PyTorch 1.6 (``archive/data.pkl`` + ``archive/data/<key>``) and the legacy
format (magic number, protocol, system info, the object pickle, the storage
keys, then each storage as an int64 element count followed by its raw
little-endian data). The legacy tar format (PyTorch < 0.4) is refused.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global that a plain tensor state dict does not need."""


class _StorageType:
    """Stand-in for ``torch.FloatStorage`` etc.: only carries the numpy dtype."""

    def __init__(self, name: str):
        self.name, self.dtype = name, np.dtype(_DTYPES[name])


class _LazyTensor:
    """A tensor's place in its storage; materialised once every storage has been read (legacy files)."""

    def __init__(self, storage: np.ndarray, offset: int, size: tuple, stride: tuple):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def numpy(self) -> np.ndarray:
        if not self.size:
            return np.array(self.storage[self.offset])
        need = self.offset + 1 + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if need > self.storage.size or min(self.stride) < 0:
            raise pickle.UnpicklingError(f"tensor of size {self.size} does not fit its storage.")
        item = self.storage.itemsize
        view = np.lib.stride_tricks.as_strided(self.storage[self.offset:], shape=self.size,
                                               strides=tuple(s * item for s in self.stride), writeable=False)
        return np.array(view)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: records where the tensor lies in its storage."""
    return _LazyTensor(storage, int(storage_offset), tuple(int(s) for s in size), tuple(int(s) for s in stride))


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    return data


#: (module, name) -> stand-in. Nothing else can be named by an admitted pickle.
ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): _StorageType(name) for name in _DTYPES},
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves storages through ``load_storage(type, key, numel)`` and admits only :data:`ALLOWED`."""

    def __init__(self, file, load_storage):
        super().__init__(file)
        self._load_storage = load_storage
        self._storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to load {module}.{name}: a weights file should only hold tensors, and this pickle "
                "names other code (possibly malicious). Nothing from it was run."
            ) from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise UnsafePickleError(f"unexpected persistent id {pid!r:.80} in a tensor pickle.")
        storage_type, key, numel = pid[1], str(pid[2]), int(pid[4])
        if key not in self._storages:
            self._storages[key] = self._load_storage(storage_type, key, numel)
        return self._storages[key]


def _load_zip(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        pkl = next((n for n in names if n.endswith("/data.pkl") or n == "data.pkl"), None)
        if pkl is None:
            raise pickle.UnpicklingError(f"{path}: a zip file without data.pkl is not a PyTorch checkpoint.")
        prefix = pkl[: -len("data.pkl")]

        def load_storage(st: _StorageType, key: str, numel: int) -> np.ndarray:
            raw = zf.read(f"{prefix}data/{key}")
            return np.frombuffer(raw, dtype=st.dtype.newbyteorder("<"), count=numel).astype(st.dtype)

        return RestrictedUnpickler(io.BytesIO(zf.read(pkl)), load_storage).load()


def _load_legacy(path: Path) -> dict:
    with open(path, "rb") as fh:
        data = fh.read()
    stream = io.BytesIO(data)

    def plain(what: str):
        return RestrictedUnpickler(stream, lambda *a: (_ for _ in ()).throw(UnsafePickleError(what))).load()

    if plain("magic") != LEGACY_MAGIC:
        raise pickle.UnpicklingError(f"{path}: not a PyTorch checkpoint (wrong magic number).")
    if plain("protocol") != 1001:
        raise pickle.UnpicklingError(f"{path}: unsupported legacy PyTorch protocol.")
    info = plain("sys_info")
    if not info.get("little_endian", True):
        raise pickle.UnpicklingError(f"{path}: big-endian checkpoints are not supported.")
    pending: dict[str, tuple[_StorageType, int]] = {}
    arrays: dict[str, np.ndarray] = {}

    def load_storage(st: _StorageType, key: str, numel: int) -> np.ndarray:
        arrays[key] = np.zeros(numel, dtype=st.dtype)  # filled below, in place, once offsets are known
        pending[key] = (st, numel)
        return arrays[key]

    obj = RestrictedUnpickler(stream, load_storage).load()
    keys = plain("storage keys")
    offset = stream.tell()
    for key in keys:
        (numel,) = struct.unpack_from("<q", data, offset)
        st, expected = pending.get(key, (None, numel))
        if st is None or numel != expected:
            raise pickle.UnpicklingError(f"{path}: storage {key} is inconsistent ({numel} vs {expected} elements).")
        offset += 8
        nbytes = numel * st.dtype.itemsize
        arrays[key][:] = np.frombuffer(data, dtype=st.dtype.newbyteorder("<"), count=numel, offset=offset)
        offset += nbytes
    return obj


def load_state_dict(path: str | Path) -> OrderedDict[str, np.ndarray]:
    """A ``.pth`` state dict as ``{name: numpy array}``, read with :class:`RestrictedUnpickler`.

    Check the file's sha256 *before* calling this. Raises :class:`UnsafePickleError`
    for a pickle that names anything but tensor-rebuilding globals.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(4)
    state = _load_zip(path) if head == b"PK\x03\x04" else _load_legacy(path)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise pickle.UnpicklingError(f"{path}: expected a state dict, got {type(state).__name__}.")
    return OrderedDict((k, v.numpy() if isinstance(v, _LazyTensor) else np.asarray(v)) for k, v in state.items())
