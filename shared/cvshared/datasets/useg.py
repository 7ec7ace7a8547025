"""Unsupervised semantic segmentation data (STEGO, HP, PPAP) in the official on-disk layouts.

The loaders of the official code (``dataset/data.py`` of github.com/hynnsk/HP and hynnsk/PPAP,
identical files, both from STEGO) are read exactly; every data set returns class ids
``0..C-1`` and ``255`` = ignore (the official uses -1; the metric ignores both). ``data_root``
is the ``data_path`` of the official JSON configs, i.e. the data set folder itself
(``/DATA/seg/cocostuff``; STEGO's ``pytorch_data_dir`` + ``cocostuff``)::

    COCO-Stuff-27, "curated" (official ``Coco``, dataset_name ``cocostuff27``)
    <root>/curated/train2017/Coco164kFull_Stuff_Coarse.txt     (train list, one id a line)
    <root>/curated/val2017/Coco164kFull_Stuff_Coarse_7.txt     (val list: the 2175 images)
    <root>/images/{train2017,val2017}/<id>.jpg
    <root>/annotations/{train2017,val2017}/<id>.png            (182 fine ids 0..181, 255)

    Cityscapes-27 (official ``CityscapesSeg`` over torchvision's ``Cityscapes``, fine, semantic)
    <root>/leftImg8bit/{train,val,test}/<city>/<name>_leftImg8bit.png
    <root>/gtFine/{train,val,test}/<city>/<name>_gtFine_labelIds.png   (label ids 0..33)

    Potsdam-3 (official ``Potsdam``, coarse labels)
    <root>/{labelled_train,unlabelled_train,labelled_test,all}.txt     (one id a line)
    <root>/imgs/<id>.mat      (key 'img': H x W x C, the first 3 channels are RGB)
    <root>/gt/<id>.mat        (key 'gt': H x W fine ids 0..5, 255)

    Five-crop pre-cropped training sets (official ``CroppedDataset``; written by
    ``cvshared.useg.five_crop`` / ``tools/useg_five_crop.py`` as ``dataset/crop_datasets.py``)
    <root>/cropped/<dataset_name>_<crop_type>_crop_<ratio>/img/<split>/<i>.jpg
    <root>/cropped/<dataset_name>_<crop_type>_crop_<ratio>/label/<split>/<i>.png   (class + 1;
                                                                            0 = ignore)

Image lists and label mappings (official ``ContrastiveSegDataset`` / ``Coco``):

- COCO-Stuff-27: ``cocostuff27`` without a crop reads ``Coco(subset=None)`` for train, i.e. the
  list ``Coco164kFull_Stuff_Coarse.txt``, and ``subset=7`` for val, i.e.
  ``Coco164kFull_Stuff_Coarse_7.txt`` (the official five-crop step, ``crop_datasets.py``, goes
  through the same class, so the cropped train set comes from the full curated train list and
  the cropped val set from the ``_7`` list). ``image_list=`` picks another list. Fine ids map to
  the 27 coarse classes by the official ``fine_to_coarse`` table (:data:`COCO_FINE_TO_COARSE`);
  255 is ignore.
- Cityscapes-27: ``labelId - 7`` (``first_nonvoid = 7``); ids 0..6 (void) are ignore.
- Potsdam-3: ``{0, 4} -> 0`` (roads and cars), ``{1, 5} -> 1`` (buildings and clutter),
  ``{2, 3} -> 2`` (trees and vegetation), 255 ignore. Split files: ``train`` =
  labelled_train.txt, ``unlabelled_train``, ``val`` = labelled_test.txt, ``train+val``, ``all``.
  The official trains Potsdam on these files directly (``ContrastiveSegDataset`` has no cropped
  branch for it, whatever ``crop_type`` says).
- Cropped: ``label - 1`` (0 = ignore).

Deliberate differences (also in the docs of the packages that use them):

- A raw id outside the mapping is an error naming the file (the official maps an unknown COCO or
  Potsdam id silently to class 0, and a Cityscapes id above 33 or a cropped label above C to a
  class id >= C that the metric then drops). 255 is ignore in every raw layout.
- Cityscapes cities and files are listed in sorted order (torchvision's ``os.listdir`` order is
  the file system's); this only changes the numbering of the crops.
- A Potsdam image of a labelled split without its ``gt`` file is an error (the official gives it
  an all-ignore label silently); ``unlabelled_train`` / ``all`` images may lack it (all ignore,
  as the official).
- Every listed file is checked to exist when the data set is built (the official fails at the
  first ``__getitem__`` of a missing file).

Pipelines. Images are decoded with PIL and converted to RGB, as the official does
(:class:`LoadUSegImage`; set ``bgr_to_rgb=False`` in the data preprocessor), the labels by
:class:`LoadUSegAnnotation`. The official evaluation transform ``get_transform(320, ...,
"center")`` -- ``T.Resize(320, Image.NEAREST)`` (shorter side to 320, the longer side
``int(320 * long / short)``, PIL nearest, for the image as well as the label) then
``T.CenterCrop(320)`` -- is :class:`ResizeShortSide` + mmcv's ``CenterCrop`` (same rounding of
the offsets as torchvision); :func:`useg_eval_pipeline` writes it out. The official training
transform on the crops is the same at 224 (``get_transform(224, ..., "center")``). The ImageNet
normalisation goes to the data preprocessor (``mean=[123.675, 116.28, 103.53], std=[58.395,
57.12, 57.375]``, the official ``Normalize`` on the 0..255 scale).

Config example (HP / PPAP on COCO-Stuff-27)::

    from cvshared.datasets.useg import useg_eval_pipeline
    train_dataloader = dict(batch_size=64, dataset=dict(
        type='CroppedUSegDataset', data_root='data/cocostuff', dataset_name='cocostuff27',
        crop_type='five', crop_ratio=0.5, split='train',
        pipeline=useg_eval_pipeline(224)[:-1] + [...augmentations...,
                                                 dict(type='mmseg.PackSegInputs')]))
    val_dataloader = dict(batch_size=16, dataset=dict(
        type='CocoStuff27Dataset', data_root='data/cocostuff', split='val',
        pipeline=useg_eval_pipeline(320)))
"""
from __future__ import annotations

import functools
import os
import os.path as osp

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import DATASETS, TRANSFORMS
from mmseg.datasets.basesegdataset import BaseSegDataset
from PIL import Image

from .io import CorruptImageError, open_image

__all__ = ['IGNORE_INDEX', 'COCOSTUFF27_CLASSES', 'CITYSCAPES27_CLASSES', 'POTSDAM3_CLASSES',
           'COCO_FINE_TO_COARSE', 'POTSDAM_FINE_TO_COARSE', 'CITYSCAPES_FIRST_NONVOID',
           'label_lut', 'map_labels', 'read_id_list', 'cropped_dir', 'read_useg_image',
           'read_useg_label', 'CocoStuff27Dataset', 'Cityscapes27Dataset', 'Potsdam3Dataset',
           'CroppedUSegDataset', 'LoadUSegImage', 'LoadUSegAnnotation', 'ResizeShortSide',
           'useg_eval_pipeline', 'coco_tree', 'cityscapes_tree', 'potsdam_tree',
           'cropped_tree']

IGNORE_INDEX = 255

#: official ``get_class_labels("cocostuff27")``
COCOSTUFF27_CLASSES = (
    'electronic', 'appliance', 'food', 'furniture', 'indoor', 'kitchen', 'accessory', 'animal',
    'outdoor', 'person', 'sports', 'vehicle', 'ceiling', 'floor', 'food', 'furniture',
    'rawmaterial', 'textile', 'wall', 'window', 'building', 'ground', 'plant', 'sky', 'solid',
    'structural', 'water')
#: official ``get_class_labels("cityscapes")``: label ids 7..33 of the Cityscapes scripts
CITYSCAPES27_CLASSES = (
    'road', 'sidewalk', 'parking', 'rail track', 'building', 'wall', 'fence', 'guard rail',
    'bridge', 'tunnel', 'pole', 'polegroup', 'traffic light', 'traffic sign', 'vegetation',
    'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'caravan', 'trailer', 'train',
    'motorcycle', 'bicycle')
POTSDAM3_CLASSES = ('roads and cars', 'buildings and clutter', 'trees and vegetation')

#: ``Coco.fine_to_coarse`` of the official ``dataset/data.py`` (182 fine ids -> 27 classes)
COCO_FINE_TO_COARSE = {
    0: 9, 1: 11, 2: 11, 3: 11, 4: 11, 5: 11, 6: 11, 7: 11, 8: 11, 9: 8, 10: 8, 11: 8, 12: 8,
    13: 8, 14: 8, 15: 7, 16: 7, 17: 7, 18: 7, 19: 7, 20: 7, 21: 7, 22: 7, 23: 7, 24: 7,
    25: 6, 26: 6, 27: 6, 28: 6, 29: 6, 30: 6, 31: 6, 32: 6, 33: 10, 34: 10, 35: 10, 36: 10,
    37: 10, 38: 10, 39: 10, 40: 10, 41: 10, 42: 10, 43: 5, 44: 5, 45: 5, 46: 5, 47: 5, 48: 5,
    49: 5, 50: 5, 51: 2, 52: 2, 53: 2, 54: 2, 55: 2, 56: 2, 57: 2, 58: 2, 59: 2, 60: 2,
    61: 3, 62: 3, 63: 3, 64: 3, 65: 3, 66: 3, 67: 3, 68: 3, 69: 3, 70: 3, 71: 0, 72: 0,
    73: 0, 74: 0, 75: 0, 76: 0, 77: 1, 78: 1, 79: 1, 80: 1, 81: 1, 82: 1, 83: 4, 84: 4,
    85: 4, 86: 4, 87: 4, 88: 4, 89: 4, 90: 4, 91: 17, 92: 17, 93: 22, 94: 20, 95: 20, 96: 22,
    97: 15, 98: 25, 99: 16, 100: 13, 101: 12, 102: 12, 103: 17, 104: 17, 105: 23, 106: 15,
    107: 15, 108: 17, 109: 15, 110: 21, 111: 15, 112: 25, 113: 13, 114: 13, 115: 13, 116: 13,
    117: 13, 118: 22, 119: 26, 120: 14, 121: 14, 122: 15, 123: 22, 124: 21, 125: 21, 126: 24,
    127: 20, 128: 22, 129: 15, 130: 17, 131: 16, 132: 15, 133: 22, 134: 24, 135: 21, 136: 17,
    137: 25, 138: 16, 139: 21, 140: 17, 141: 22, 142: 16, 143: 21, 144: 21, 145: 25, 146: 21,
    147: 26, 148: 21, 149: 24, 150: 20, 151: 17, 152: 14, 153: 21, 154: 26, 155: 15, 156: 23,
    157: 20, 158: 21, 159: 24, 160: 15, 161: 24, 162: 22, 163: 25, 164: 15, 165: 20, 166: 17,
    167: 17, 168: 22, 169: 14, 170: 18, 171: 18, 172: 18, 173: 18, 174: 18, 175: 18, 176: 18,
    177: 26, 178: 26, 179: 19, 180: 19, 181: 24}
#: ``Potsdam.fine_to_coarse`` (255 -> ignore)
POTSDAM_FINE_TO_COARSE = {0: 0, 4: 0, 1: 1, 5: 1, 2: 2, 3: 2}
#: ``CityscapesSeg.first_nonvoid``: class = labelId - 7
CITYSCAPES_FIRST_NONVOID = 7
CITYSCAPES_MAX_ID = 33

COCO_LIST_TRAIN = 'Coco164kFull_Stuff_Coarse.txt'
COCO_LIST_VAL = 'Coco164kFull_Stuff_Coarse_7.txt'
COCO_SPLIT_DIRS = {'train': ('train2017',), 'val': ('val2017',),
                   'train+val': ('train2017', 'val2017')}
POTSDAM_SPLIT_FILES = {'train': ('labelled_train.txt',),
                       'unlabelled_train': ('unlabelled_train.txt',),
                       'val': ('labelled_test.txt',),
                       'train+val': ('labelled_train.txt', 'labelled_test.txt'),
                       'all': ('all.txt',)}
POTSDAM_UNLABELLED_SPLITS = ('unlabelled_train', 'all')

_INVALID = -1


# ------------------------------------------------------------------------------------------
# label mappings

@functools.cache
def label_lut(mapping: str) -> np.ndarray:
    """``int16[256]``: raw id -> class id (``255`` ignore, ``-1`` not a valid raw id).

    ``mapping``: ``'cocostuff27'``, ``'cityscapes27'``, ``'potsdam3'`` or ``'cropped:<C>'``
    (``C`` classes stored as class + 1, 0 = ignore). Read-only (shared between calls).
    """
    lut = np.full(256, _INVALID, np.int16)
    if mapping == 'cocostuff27':
        for fine, coarse in COCO_FINE_TO_COARSE.items():
            lut[fine] = coarse
        lut[255] = IGNORE_INDEX
    elif mapping == 'cityscapes27':
        lut[:CITYSCAPES_FIRST_NONVOID] = IGNORE_INDEX
        lut[CITYSCAPES_FIRST_NONVOID:CITYSCAPES_MAX_ID + 1] = np.arange(
            CITYSCAPES_MAX_ID + 1 - CITYSCAPES_FIRST_NONVOID)
        lut[255] = IGNORE_INDEX
    elif mapping == 'potsdam3':
        for fine, coarse in POTSDAM_FINE_TO_COARSE.items():
            lut[fine] = coarse
        lut[255] = IGNORE_INDEX
    elif mapping.startswith('cropped:'):
        n = int(mapping.split(':', 1)[1])
        if not 0 < n < 255:
            raise ValueError(f'cropped labels hold 1..C (C < 255), got C = {n}')
        lut[0] = IGNORE_INDEX
        lut[1:n + 1] = np.arange(n)
    else:
        raise ValueError(f'unknown label mapping {mapping!r}; expected cocostuff27, '
                         'cityscapes27, potsdam3 or cropped:<num_classes>')
    lut.setflags(write=False)
    return lut


_MAPPING_HELP = {
    'cocostuff27': 'COCO-Stuff fine ids 0..181 and 255 (ignore)',
    'cityscapes27': 'Cityscapes label ids 0..33 (gtFine_labelIds.png) and 255 (ignore)',
    'potsdam3': 'Potsdam ids 0..5 and 255 (ignore)',
}


def map_labels(raw: np.ndarray, mapping: str, path: str = '<array>') -> np.ndarray:
    """Raw ids -> ``uint8`` class ids (255 ignore) by :func:`label_lut`.

    Raises ``ValueError`` naming ``path`` and the offending ids if any id is outside the
    mapping.
    """
    raw = np.asarray(raw)
    if raw.dtype.kind not in 'iub':
        if raw.dtype.kind == 'f' and np.all(raw == np.round(raw)):
            raw = raw.astype(np.int64)
        else:
            raise ValueError(f'label map {path!r} holds non-integer values ({raw.dtype})')
    lut = label_lut(mapping)
    ids = raw.astype(np.int64)
    bad = np.unique(ids[(ids < 0) | (ids > 255)])
    if bad.size == 0:
        out = lut[ids]
        bad = np.unique(ids[out == _INVALID])
    if bad.size:
        expected = _MAPPING_HELP.get(mapping) or (
            f'1..{mapping.split(":")[1]} (class + 1) and 0 (ignore), as the five-crop step '
            'writes them')
        raise ValueError(f'label map {path!r} holds ids {bad.tolist()[:10]} outside the '
                         f'{mapping} mapping (expected {expected}). Is it a label map of '
                         'another data set, or an RGB colour rendering?')
    return out.astype(np.uint8)


# ------------------------------------------------------------------------------------------
# file reading

def read_id_list(path: str) -> list[str]:
    """Ids of an image list file, one a line (``rstrip``-ed as the official; blank lines
    skipped)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'image list {path!r} not found')
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def _loadmat(path: str, key: str) -> np.ndarray:
    from scipy.io import loadmat
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path!r} not found')
    try:
        mat = loadmat(path)
    except Exception as err:  # scipy raises assorted errors for a bad file
        raise CorruptImageError(path, err) from err
    if key not in mat:
        keys = sorted(k for k in mat if not k.startswith('__'))
        raise ValueError(f'{path!r} has no key {key!r} (keys: {keys}); Potsdam .mat files hold '
                         "'img' (imgs/) and 'gt' (gt/)")
    return np.asarray(mat[key])


def read_useg_image(path: str) -> np.ndarray:
    """RGB ``uint8`` H x W x 3 as the official reads it: PIL ``.convert('RGB')``; a Potsdam
    ``.mat`` (key ``'img'``): its first 3 channels, a float array taken as 0..1 and scaled by
    255 then truncated, as ``to_pil_image`` does."""
    if path.endswith('.mat'):
        img = _loadmat(path, 'img')
        if img.ndim != 3 or img.shape[2] < 3:
            raise ValueError(f'{path!r}: image of shape {img.shape}; expected H x W x C, C >= 3')
        img = img[:, :, :3]
        if img.dtype.kind == 'f':
            img = (img * 255).astype(np.uint8)
        elif img.dtype != np.uint8:
            if img.min() < 0 or img.max() > 255:
                raise ValueError(f'{path!r}: integer image values {img.min()}..{img.max()} '
                                 'outside 0..255')
            img = img.astype(np.uint8)
        return np.ascontiguousarray(img)
    return np.asarray(open_image(path, 'RGB'))


def read_useg_label(path: str, mapping: str) -> np.ndarray:
    """Class ids (``uint8``, 255 ignore) of a label file: a PNG's indices / grey levels, or a
    Potsdam ``.mat`` (key ``'gt'``), mapped by ``mapping`` (:func:`label_lut`)."""
    if path.endswith('.mat'):
        raw = _loadmat(path, 'gt')
        if raw.ndim == 3 and raw.shape[2] == 1:
            raw = raw[:, :, 0]
    else:
        if not osp.isfile(path):
            raise FileNotFoundError(f'label map {path!r} not found')
        try:
            with Image.open(path) as img:
                img.load()
                if img.mode not in ('P', 'L', 'I', 'I;16'):
                    raise ValueError(f'label map {path!r} is a {img.mode!r} image; expected an '
                                     "index PNG ('L' grey levels or 'P' palette indices)")
                raw = np.asarray(img)
        except (OSError, SyntaxError) as err:
            raise CorruptImageError(path, err) from err
    if raw.ndim != 2:
        raise ValueError(f'label map {path!r} has shape {raw.shape}; expected H x W')
    return map_labels(raw, mapping, path)


# ------------------------------------------------------------------------------------------
# expected trees (error messages)

def coco_tree(root: str) -> str:
    return (f'{root}/   (the curated COCO-Stuff of STEGO: data_path of the official config)\n'
            f'  curated/train2017/{COCO_LIST_TRAIN}, curated/val2017/{COCO_LIST_VAL}\n'
            '  images/{train2017,val2017}/<id>.jpg\n'
            '  annotations/{train2017,val2017}/<id>.png   (fine ids 0..181, 255 = ignore)')


def cityscapes_tree(root: str) -> str:
    return (f'{root}/   (the Cityscapes download, as torchvision.datasets.Cityscapes reads it)\n'
            '  leftImg8bit/{train,val,test}/<city>/<name>_leftImg8bit.png\n'
            '  gtFine/{train,val,test}/<city>/<name>_gtFine_labelIds.png')


def potsdam_tree(root: str) -> str:
    return (f'{root}/   (STEGO\'s potsdam folder)\n'
            '  labelled_train.txt, unlabelled_train.txt, labelled_test.txt, all.txt\n'
            "  imgs/<id>.mat   (key 'img', H x W x C)\n"
            "  gt/<id>.mat     (key 'gt', H x W, ids 0..5, 255 = ignore)")


def cropped_dir(data_root: str, dataset_name: str, crop_type: str = 'five',
                crop_ratio: float = 0.5) -> str:
    """``<root>/cropped/<dataset_name>_<crop_type>_crop_<ratio>`` (official naming, the ratio
    as Python prints it: ``0.5``)."""
    return osp.join(data_root, 'cropped', f'{dataset_name}_{crop_type}_crop_{crop_ratio}')


def cropped_tree(folder: str) -> str:
    return (f'{folder}/   (written by tools/useg_five_crop.py, as crop_datasets.py)\n'
            '  img/<split>/<i>.jpg     i = 0..n-1 (five crops of image k: 5k..5k+4)\n'
            '  label/<split>/<i>.png   (class + 1, 0 = ignore)')


# ------------------------------------------------------------------------------------------
# data sets

class _USegDataset(BaseSegDataset):
    """Common part: samples carry ``img_path``, ``seg_map_path`` (or ``None``: all ignore),
    ``label_mapping`` (for :class:`LoadUSegAnnotation`) and ``img_id``."""

    MAPPING = ''

    def __init__(self, data_root: str = '', split: str = 'val', **kwargs):
        self.split = split
        kwargs.setdefault('data_prefix', dict(img_path='', seg_map_path=''))
        super().__init__(data_root=data_root, **kwargs)

    def _info(self, img_path: str, seg_path: str | None, img_id: str) -> dict:
        return dict(img_path=img_path, seg_map_path=seg_path, img_id=img_id,
                    label_mapping=self.MAPPING, label_map=self.label_map,
                    reduce_zero_label=False, seg_fields=[])


@DATASETS.register_module()
class CocoStuff27Dataset(_USegDataset):
    """COCO-Stuff-27, curated image lists (official ``Coco`` with ``coarse_labels=False,
    exclude_things=False``; see the module docstring).

    Args:
        data_root: the COCO-Stuff folder (``curated/``, ``images/``, ``annotations/``).
        split: ``'train'``, ``'val'`` or ``'train+val'``.
        image_list: list file name in ``curated/<split dir>/``; default the official one
            (train: ``Coco164kFull_Stuff_Coarse.txt``, val: ``..._Coarse_7.txt``).
    """

    METAINFO = dict(classes=COCOSTUFF27_CLASSES)
    MAPPING = 'cocostuff27'

    def __init__(self, data_root: str = '', split: str = 'val', image_list: str | None = None,
                 **kwargs):
        if split not in COCO_SPLIT_DIRS:
            raise ValueError(f'split {split!r}: expected one of {sorted(COCO_SPLIT_DIRS)}')
        self.image_list = image_list or (COCO_LIST_VAL if split == 'val' else COCO_LIST_TRAIN)
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_data_list(self) -> list[dict]:
        root = self.data_root
        if not osp.isdir(osp.join(root, 'curated')):
            raise FileNotFoundError(f'COCO-Stuff not found at {root!r} (no curated/). '
                                    f'Expected:\n{coco_tree(root)}')
        out = []
        for split_dir in COCO_SPLIT_DIRS[self.split]:
            lst = osp.join(root, 'curated', split_dir, self.image_list)
            if not osp.isfile(lst):
                raise FileNotFoundError(f'image list {lst!r} not found. Expected:\n'
                                        f'{coco_tree(root)}')
            for line_no, img_id in enumerate(read_id_list(lst), 1):
                img = osp.join(root, 'images', split_dir, img_id + '.jpg')
                seg = osp.join(root, 'annotations', split_dir, img_id + '.png')
                for path, what in ((img, 'image'), (seg, 'label map')):
                    if not osp.isfile(path):
                        raise FileNotFoundError(f'{lst}, line {line_no}: {what} of {img_id!r} '
                                                f'not found: {path!r}')
                out.append(self._info(img, seg, img_id))
        return out


@DATASETS.register_module()
class Cityscapes27Dataset(_USegDataset):
    """Cityscapes-27 (official ``CityscapesSeg``: torchvision ``Cityscapes(split,
    mode='fine', target_type='semantic')``, class = labelId - 7, void ignored).

    Args:
        data_root: the Cityscapes folder (``leftImg8bit/``, ``gtFine/``).
        split: ``'train'``, ``'val'`` or ``'test'`` (folders of ``leftImg8bit``).
    """

    METAINFO = dict(classes=CITYSCAPES27_CLASSES)
    MAPPING = 'cityscapes27'

    def load_data_list(self) -> list[dict]:
        root = self.data_root
        img_dir = osp.join(root, 'leftImg8bit', self.split)
        seg_dir = osp.join(root, 'gtFine', self.split)
        if not osp.isdir(img_dir) or not osp.isdir(seg_dir):
            raise FileNotFoundError(f'Cityscapes split {self.split!r} not found at {root!r} '
                                    f'(need {img_dir!r} and {seg_dir!r}). Expected:\n'
                                    f'{cityscapes_tree(root)}')
        out = []
        for city in sorted(os.listdir(img_dir)):
            if not osp.isdir(osp.join(img_dir, city)):
                continue
            for name in sorted(os.listdir(osp.join(img_dir, city))):
                if not name.endswith('_leftImg8bit.png'):
                    continue
                base = name.split('_leftImg8bit')[0]
                seg = osp.join(seg_dir, city, f'{base}_gtFine_labelIds.png')
                if not osp.isfile(seg):
                    raise FileNotFoundError(f'image {osp.join(img_dir, city, name)!r} has no '
                                            f'label map {seg!r}')
                out.append(self._info(osp.join(img_dir, city, name), seg, base))
        if not out:
            raise FileNotFoundError(f'no *_leftImg8bit.png under {img_dir!r}. Expected:\n'
                                    f'{cityscapes_tree(root)}')
        return out


@DATASETS.register_module()
class Potsdam3Dataset(_USegDataset):
    """Potsdam-3 (official ``Potsdam`` with ``coarse_labels=True``).

    Args:
        data_root: the potsdam folder (split files, ``imgs/``, ``gt/``).
        split: ``'train'`` (labelled_train.txt), ``'unlabelled_train'``, ``'val'``
            (labelled_test.txt), ``'train+val'`` or ``'all'``.
    """

    METAINFO = dict(classes=POTSDAM3_CLASSES)
    MAPPING = 'potsdam3'

    def load_data_list(self) -> list[dict]:
        root = self.data_root
        if self.split not in POTSDAM_SPLIT_FILES:
            raise ValueError(f'split {self.split!r}: expected one of '
                             f'{sorted(POTSDAM_SPLIT_FILES)}')
        out = []
        for name in POTSDAM_SPLIT_FILES[self.split]:
            lst = osp.join(root, name)
            if not osp.isfile(lst):
                raise FileNotFoundError(f'Potsdam split file {lst!r} not found. Expected:\n'
                                        f'{potsdam_tree(root)}')
            for line_no, img_id in enumerate(read_id_list(lst), 1):
                img = osp.join(root, 'imgs', img_id + '.mat')
                seg = osp.join(root, 'gt', img_id + '.mat')
                if not osp.isfile(img):
                    raise FileNotFoundError(f'{lst}, line {line_no}: image {img!r} not found')
                if not osp.isfile(seg):
                    if self.split not in POTSDAM_UNLABELLED_SPLITS:
                        raise FileNotFoundError(f'{lst}, line {line_no}: label {seg!r} not '
                                                f'found (split {self.split!r} is labelled)')
                    seg = None
                out.append(self._info(img, seg, img_id))
        return out


@DATASETS.register_module()
class CroppedUSegDataset(_USegDataset):
    """The five-crop pre-cropped training layout (official ``CroppedDataset``).

    Args:
        data_root: the data set folder holding ``cropped/``.
        dataset_name: ``'cocostuff27'``, ``'cityscapes'`` (27 classes) or any name (give
            ``metainfo=dict(classes=...)``).
        crop_type, crop_ratio: the folder name parts (official: ``'five'``, ``0.5``).
        split: ``'train'`` or ``'val'``.
    """

    KNOWN = {'cocostuff27': COCOSTUFF27_CLASSES, 'cityscapes': CITYSCAPES27_CLASSES,
             'potsdam': POTSDAM3_CLASSES}

    def __init__(self, data_root: str = '', dataset_name: str = 'cocostuff27',
                 crop_type: str = 'five', crop_ratio: float = 0.5, split: str = 'train',
                 metainfo: dict | None = None, **kwargs):
        self.dataset_name = dataset_name
        self.crop_type = crop_type
        self.crop_ratio = crop_ratio
        metainfo = dict(metainfo or {})
        if 'classes' not in metainfo:
            if dataset_name not in self.KNOWN:
                raise ValueError(f'dataset_name {dataset_name!r} is not one of '
                                 f'{sorted(self.KNOWN)}: pass metainfo=dict(classes=...)')
            metainfo['classes'] = self.KNOWN[dataset_name]
        self.MAPPING = f'cropped:{len(metainfo["classes"])}'
        super().__init__(data_root=data_root, split=split, metainfo=metainfo, **kwargs)

    def load_data_list(self) -> list[dict]:
        folder = cropped_dir(self.data_root, self.dataset_name, self.crop_type, self.crop_ratio)
        img_dir = osp.join(folder, 'img', self.split)
        seg_dir = osp.join(folder, 'label', self.split)
        if not osp.isdir(img_dir) or not osp.isdir(seg_dir):
            raise FileNotFoundError(f'cropped set not found (need {img_dir!r} and {seg_dir!r}); '
                                    'run tools/useg_five_crop.py first. Expected:\n'
                                    f'{cropped_tree(folder)}')
        n_img, n_seg = len(os.listdir(img_dir)), len(os.listdir(seg_dir))
        if n_img != n_seg:
            raise ValueError(f'{img_dir!r} holds {n_img} files but {seg_dir!r} {n_seg}; the '
                             'official loader needs one label per crop')
        if n_img == 0:
            raise FileNotFoundError(f'{img_dir!r} is empty. Expected:\n{cropped_tree(folder)}')
        out = []
        for i in range(n_img):
            img, seg = osp.join(img_dir, f'{i}.jpg'), osp.join(seg_dir, f'{i}.png')
            for path in (img, seg):
                if not osp.isfile(path):
                    raise FileNotFoundError(f'{path!r} not found: the crops must be numbered '
                                            f'0..{n_img - 1} (the official reads <i>.jpg / '
                                            '<i>.png for i < the number of files)')
            out.append(self._info(img, seg, str(i)))
        return out


# ------------------------------------------------------------------------------------------
# transforms

@TRANSFORMS.register_module()
class LoadUSegImage(BaseTransform):
    """``img`` (RGB ``uint8``, PIL decoding as the official; Potsdam ``.mat`` too),
    ``img_shape``, ``ori_shape``."""

    def transform(self, results: dict) -> dict:
        img = read_useg_image(results['img_path'])
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadUSegAnnotation(BaseTransform):
    """``gt_seg_map`` (``uint8`` class ids, 255 ignore) by the sample's ``label_mapping``;
    a sample without a label file (Potsdam unlabelled) gets an all-ignore map. A map whose
    size differs from the image's (``ori_shape``) is an error naming both files."""

    def transform(self, results: dict) -> dict:
        path = results.get('seg_map_path')
        shape = results.get('ori_shape')
        if path is None:
            if shape is None:
                raise ValueError(f"{results.get('img_path')}: no label file; load the image "
                                 'first (LoadUSegImage) to know the size of the all-ignore map')
            seg = np.full(shape[:2], IGNORE_INDEX, np.uint8)
        else:
            seg = read_useg_label(path, results['label_mapping'])
            if shape is not None and tuple(seg.shape) != tuple(shape[:2]):
                raise ValueError(f'label map {path} is {seg.shape[1]} x {seg.shape[0]} (W x H) '
                                 f"but its image {results.get('img_path')} is {shape[1]} x "
                                 f'{shape[0]}; they must match')
        results['gt_seg_map'] = seg
        fields = list(results.get('seg_fields', []))    # a copy: never the data info's list
        results['seg_fields'] = fields + ['gt_seg_map'] * ('gt_seg_map' not in fields)
        return results


def short_side_size(h: int, w: int, scale: int) -> tuple[int, int]:
    """(new_h, new_w) of torchvision's ``Resize(scale)``: the shorter side becomes ``scale``,
    the longer ``int(scale * long / short)`` (truncated)."""
    if w <= h:
        return int(scale * h / w), scale
    return scale, int(scale * w / h)


@TRANSFORMS.register_module()
class ResizeShortSide(BaseTransform):
    """torchvision ``T.Resize(scale, interpolation)`` on ``img`` and (nearest) ``gt_seg_map``.

    No mmcv / mmseg transform has this size rule: mmcv's ``Resize(keep_ratio=True)`` and
    mmseg's ``ResizeShortestEdge`` round the longer side (``int(x + 0.5)``), torchvision
    truncates it (e.g. 640 x 427 -> 479 x 320, not 480), and mmpretrain's ``ResizeEdge``
    resizes no label map. The resampling is mmcv's ``imresize(backend='pillow')``, the PIL
    resize the official applies. ``interpolation``: the image's (official: ``'nearest'`` for
    images too, ``get_transform``); labels always nearest. Sets ``img_shape`` and
    ``scale_factor`` (w, h).
    """

    def __init__(self, scale: int = 320, interpolation: str = 'nearest'):
        if int(scale) != scale or scale <= 0:
            raise ValueError(f'scale must be a positive integer (the shorter side), got {scale}')
        self.scale = int(scale)
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        import mmcv
        h, w = results['img'].shape[:2]
        nh, nw = short_side_size(h, w, self.scale)
        results['img'] = mmcv.imresize(results['img'], (nw, nh),
                                       interpolation=self.interpolation, backend='pillow')
        for key in results.get('seg_fields', []):
            if key not in results:
                continue
            results[key] = mmcv.imresize(results[key], (nw, nh), interpolation='nearest',
                                         backend='pillow')
        results['img_shape'] = (nh, nw)
        results['scale_factor'] = (nw / w, nh / h)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'interpolation={self.interpolation!r})')


def useg_eval_pipeline(res: int = 320, with_label: bool = True,
                       interpolation: str = 'nearest') -> list[dict]:
    """The official evaluation transform as a pipeline: shorter side to ``res`` (PIL
    nearest, also for the image), centre crop ``res`` x ``res``, then ``PackSegInputs``.
    ``res=224`` is the official training transform of the crops (before its augmentations)."""
    pipe = [dict(type='LoadUSegImage')]
    if with_label:
        pipe.append(dict(type='LoadUSegAnnotation'))
    pipe += [dict(type='ResizeShortSide', scale=res, interpolation=interpolation),
             dict(type='CenterCrop', crop_size=res),
             dict(type='mmseg.PackSegInputs',
                  meta_keys=('img_path', 'seg_map_path', 'img_id', 'ori_shape', 'img_shape',
                             'scale_factor'))]
    return pipe
