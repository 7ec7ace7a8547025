"""Image reading for the shared data sets: a file that cannot be decoded raises
:class:`CorruptImageError` naming the file and the fix, whichever decoder the data set uses
(PIL where the paper resizes with PIL filters, mmcv/cv2 where an OpenMMLab pipeline expects
BGR arrays)."""
from __future__ import annotations

import mmcv
import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = ['CorruptImageError', 'open_image', 'image_size', 'imread']


class CorruptImageError(ValueError):
    """An image file of a data set could not be decoded."""

    def __init__(self, path: str, reason: object = ''):
        detail = f' ({reason})' if reason else ''
        super().__init__(f'Cannot read image file {path!r}{detail}. The file is corrupt or not '
                         'an image: re-extract the data set archive or remove the file.')
        self.path = path


_PIL_ERRORS = (UnidentifiedImageError, OSError, SyntaxError)


def open_image(path: str, mode: str) -> Image.Image:
    """Open and fully decode ``path`` with PIL, converted to ``mode`` ('RGB', 'L', ...)."""
    try:
        with Image.open(path) as img:
            img.load()
            return img.convert(mode)
    except _PIL_ERRORS as err:
        raise CorruptImageError(path, err) from err


def image_size(path: str) -> tuple[int, int]:
    """(width, height) from the file header only."""
    try:
        with Image.open(path) as img:
            return img.size
    except _PIL_ERRORS as err:
        raise CorruptImageError(path, err) from err


def imread(path: str, flag: str = 'color') -> np.ndarray:
    """Decode ``path`` with mmcv's cv2 backend (BGR for colour images)."""
    try:
        img = mmcv.imread(path, flag=flag, backend='cv2')
    except Exception as err:  # mmcv raises assorted errors for unreadable files
        raise CorruptImageError(path, err) from err
    if img is None:
        raise CorruptImageError(path)
    return img
