"""The five-crop pre-cropping step of STEGO / HP / PPAP (official ``dataset/crop_datasets.py``).

For every image of a data set (in the data set's order; image ``k``), the official
``RandomCropComputer`` with ``crop_type="five"``:

1. reads the image (``T.ToTensor()`` of the RGB image, no resize) and its label map (the data
   set's class ids, -1 = ignore);
2. takes the crop size ``[int(H * crop_ratio), int(W * crop_ratio)]`` and torchvision's
   ``five_crop`` (top-left, top-right, bottom-left, bottom-right, centre; centre offsets
   ``int(round((H - h) / 2))``, ``int(round((W - w) / 2))``);
3. writes crop ``j`` as ``img/<split>/<5k + j>.jpg`` (PIL JPEG at its default quality, 75;
   the tensor goes back to ``uint8`` by ``x * 255 + 0.5``, which returns the original values)
   and ``label/<split>/<5k + j>.png`` (``uint8`` label + 1: 0 = ignore)

under ``<data_root>/cropped/<dataset_name>_five_crop_<crop_ratio>/``, which
:class:`cvshared.datasets.useg.CroppedUSegDataset` reads. The official run crops
``cocostuff27`` (ratios 0.5 and 0.7) and ``cityscapes`` (0.5), splits ``train`` and ``val``;
the configs train on ratio 0.5. Only ``crop_type="five"`` is written here (the official
``"random"`` variant draws offsets from Python's ``hash`` and is used by no config).

Official bug: HP's and PPAP's ``crop_datasets.py`` call ``ContrastiveSegDataset`` with STEGO's
argument list, which lacks the ``model_type`` argument their ``ContrastiveSegDataset`` added, so
the script stops with a ``TypeError`` as published (the crops must come from STEGO's script or
a patched copy). With ``model_type`` inserted, its files are byte-identical to ours on synthetic
COCO-Stuff trees, and on Cityscapes up to the image order (it lists files in ``os.listdir``
order, we sort): ``shared/tests/useg/data/check_official_loaders.py``.
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import numpy as np
from PIL import Image

from cvshared.datasets.useg import (
    IGNORE_INDEX,
    Cityscapes27Dataset,
    CocoStuff27Dataset,
    Potsdam3Dataset,
    cropped_dir,
    read_useg_image,
    read_useg_label,
)

__all__ = ['crop_size', 'five_crop_boxes', 'five_crop', 'five_crop_dataset', 'DATASETS_BY_NAME',
           'build_source_dataset', 'five_crop_official']

#: official dataset names -> the data set class of the uncropped images
DATASETS_BY_NAME = {'cocostuff27': CocoStuff27Dataset, 'cityscapes': Cityscapes27Dataset,
                    'potsdam': Potsdam3Dataset}


def crop_size(h: int, w: int, crop_ratio: float) -> tuple[int, int]:
    """``(int(h * ratio), int(w * ratio))`` (official ``_get_size``)."""
    ch, cw = int(h * crop_ratio), int(w * crop_ratio)
    if not (0 < ch <= h and 0 < cw <= w):
        raise ValueError(f'crop ratio {crop_ratio} of a {h} x {w} image gives a {ch} x {cw} '
                         'crop; the ratio must lie in (0, 1] and the crop be at least 1 pixel')
    return ch, cw


def five_crop_boxes(h: int, w: int, ch: int, cw: int) -> list[tuple[int, int]]:
    """Top-left corners ``(top, left)`` of torchvision's ``five_crop`` (tl, tr, bl, br, centre)."""
    return [(0, 0), (0, w - cw), (h - ch, 0), (h - ch, w - cw),
            (int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)))]


def five_crop(arr: np.ndarray, crop_ratio: float = 0.5) -> list[np.ndarray]:
    """The five crops of an ``H x W [x C]`` array, in torchvision's order."""
    h, w = arr.shape[:2]
    ch, cw = crop_size(h, w, crop_ratio)
    return [arr[t:t + ch, left:left + cw] for t, left in five_crop_boxes(h, w, ch, cw)]


def build_source_dataset(dataset_name: str, data_root: str, split: str):
    """The uncropped data set the official crops (``cocostuff27``: the full curated train list /
    the ``_7`` val list; ``cityscapes``: fine train / val; ``potsdam``: its split files)."""
    if dataset_name not in DATASETS_BY_NAME:
        raise ValueError(f'dataset {dataset_name!r}: expected one of {sorted(DATASETS_BY_NAME)} '
                         '(or pass your own data set to five_crop_dataset)')
    # serialize_data=False: a one-pass read needs no shared-memory data list (and skips
    # mmengine's gc.collect())
    return DATASETS_BY_NAME[dataset_name](data_root=data_root, split=split,
                                          serialize_data=False)


def five_crop_dataset(dataset, out_dir: str, split: str, crop_ratio: float = 0.5,
                      indices: Sequence[int] | None = None) -> int:
    """Write the five crops of every sample of ``dataset`` to ``out_dir/{img,label}/<split>/``.

    ``dataset``: one of :mod:`cvshared.datasets.useg`'s data sets (samples with ``img_path``,
    ``seg_map_path``, ``label_mapping``). ``out_dir``: the ``cropped/<name>_five_crop_<ratio>``
    folder (:func:`cvshared.datasets.useg.cropped_dir`). ``indices``: a subset of samples (the
    crops keep the numbering ``5k + j`` of sample ``k``; default all). Returns the number of
    crops written.
    """
    img_dir, seg_dir = osp.join(out_dir, 'img', split), osp.join(out_dir, 'label', split)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(seg_dir, exist_ok=True)
    n = 0
    for k in (range(len(dataset)) if indices is None else indices):
        info = dataset.get_data_info(k)
        img = read_useg_image(info['img_path'])
        if info.get('seg_map_path') is None:
            seg = np.full(img.shape[:2], IGNORE_INDEX, np.uint8)
        else:
            seg = read_useg_label(info['seg_map_path'], info['label_mapping'])
        if seg.shape != img.shape[:2]:
            raise ValueError(f"label map {info['seg_map_path']} is {seg.shape[::-1]} (W, H) but "
                             f"its image {info['img_path']} is {img.shape[1::-1]}")
        stored = np.where(seg == IGNORE_INDEX, 0, seg.astype(np.int64) + 1).astype(np.uint8)
        for j, (ic, sc) in enumerate(zip(five_crop(img, crop_ratio),
                                         five_crop(stored, crop_ratio))):
            i = 5 * k + j
            Image.fromarray(np.ascontiguousarray(ic)).save(osp.join(img_dir, f'{i}.jpg'), 'JPEG')
            Image.fromarray(np.ascontiguousarray(sc)).save(osp.join(seg_dir, f'{i}.png'), 'PNG')
            n += 1
    return n


def five_crop_official(dataset_name: str, data_root: str, splits=('train', 'val'),
                       crop_ratio: float = 0.5) -> dict[str, str]:
    """Crop ``dataset_name`` under ``data_root`` as the official script does; returns
    ``{split: folder}``."""
    out = cropped_dir(data_root, dataset_name, 'five', crop_ratio)
    for split in splits:
        five_crop_dataset(build_source_dataset(dataset_name, data_root, split), out, split,
                          crop_ratio)
    return {split: out for split in splits}
