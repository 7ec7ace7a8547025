"""The human-pose retrieval data in the official released layout (the ``fullbody`` folder of
the authors' Google Drive zip, read by ``main.py`` / ``Dense_PairDataset.py`` /
``EvalDataset.py`` / ``utils.py::eval_retrieval``)::

    <data_root>/                     (official: ./data/fullbody)
      <train folder>/*.jpg           the FIRST sub-folder in sorted order: training images
                                     (torchvision ImageFolder class 0; 12,366 in the paper)
      <val folder>/*.jpg             the SECOND: test images (class 1; 9,919), the first 1,919
                                     (sorted by file name) are the queries, the rest the gallery
      list_nn.pkl                    {'trn': (N_trn, >=N_trn-1) int, 'val': (N_val, ...)}:
                                     row a = the other images of the split sorted by label
                                     (pose) distance to a, nearest first, 0-based
      dist_nn.pkl                    {'trn': ..., 'val': ...}: the matching label distances
      dist_pose_val.mat              'dist_pose_val': (N_val, N_val) label distances of the
                                     test images (the evaluation's ground truth)

Images are 288 x 288 (the official crops start at pixel 33 and are 224 wide). Images are read
in ImageFolder order (sorted file names), which is the order the lists index.

What the released files hold, as far as the official code pins it down (the zip itself could
not be downloaded here; README, Data):

* ``list_nn.pkl`` / ``dist_nn.pkl``: a pickle of a dict (``Dense_PairDataset.load_nn`` calls
  ``pickle.load`` without an encoding, so a Python-3 one; we also read Python-2 ones) whose
  ``'trn'`` / ``'val'`` values are indexed ``value[anchor][ranks]`` with a NumPy rank array:
  a 2-D NumPy array or a sequence of 1-D rows. Row ``a`` holds the N-1 other images of the
  split (the sampler draws ranks up to N-2; a third-party fork rebuilds the full N x N matrix
  by inserting 0 at column ``a``), 0-based (the official ``# python base 0`` comment),
  nearest first.
* ``dist_pose_val.mat``: a MAT file ``scipy.io.loadmat`` reads (v4-v7, not v7.3 / HDF5) with
  the variable ``dist_pose_val``; ``eval_retrieval`` only reads its block
  ``[:1919, 1919:9919]``, so a wider matrix is allowed (its leading N x N block is used).
  A third-party write-up of the earlier Torch7 / Matlab pose-retrieval code prints its corner
  symmetric with a zero diagonal and values of 14-37, pixels of the 288-pixel images (hence
  the official ``224 / 288`` factor).

The writer of this format for tests and the synthetic set: ``.synthetic.write_pose_layout``.
"""
from __future__ import annotations

import os
import os.path as osp
import pickle

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from PIL import Image

from ..registry import DATASETS, TRANSFORMS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')
TREE = """<data_root>/            (the official fullbody folder)
  <train folder>/*.jpg   first sub-folder in sorted order: training images
  <val folder>/*.jpg     second sub-folder: test images (the first num_query are queries)
  list_nn.pkl            {'trn': (N_trn, >= N_trn-1) ints, 'val': (N_val, >= N_val-1) ints}
  dist_nn.pkl            {'trn': ..., 'val': ...} label distances, ascending per row
  dist_pose_val.mat      'dist_pose_val': (N_val, N_val)"""
SPLIT_KEYS = {'train': 'trn', 'val': 'val'}


def _missing(path: str, what: str) -> FileNotFoundError:
    return FileNotFoundError(
        f'logratio pose-retrieval data: {path} is missing ({what}). Expected:\n{TREE}\n'
        f'(set DATA_ROOT to the unzipped fullbody folder, or run without it for the synthetic '
        f'set)')


def split_folders(data_root: str) -> tuple[str, str]:
    """The (train, val) image folders: the first two sub-folders in sorted order, as
    torchvision's ImageFolder numbers them in the official code."""
    if not osp.isdir(data_root):
        raise _missing(data_root, 'the data root')
    subdirs = sorted(d for d in os.listdir(data_root) if osp.isdir(osp.join(data_root, d)))
    if len(subdirs) < 2:
        raise _missing(osp.join(data_root, '<val folder>' if subdirs else '<train folder>'),
                       f'two image sub-folders needed, found {subdirs}')
    return osp.join(data_root, subdirs[0]), osp.join(data_root, subdirs[1])


def image_list(data_root: str, split: str) -> list[str]:
    """Image paths of ``split`` ('train' or 'val') in the official order."""
    if split not in SPLIT_KEYS:
        raise ValueError(f"split must be 'train' or 'val', not {split!r}")
    folder = split_folders(data_root)[split == 'val']
    files = []
    for dirpath, _, names in sorted(os.walk(folder, followlinks=True)):
        files += [osp.join(dirpath, n) for n in sorted(names)
                  if n.lower().endswith(IMG_EXTENSIONS)]
    if not files:
        raise _missing(osp.join(folder, '*.jpg'), f'no images in the {split} folder')
    return files


def check_layout(data_root: str) -> None:
    """Raise ``FileNotFoundError`` naming the first missing piece and showing the tree."""
    split_folders(data_root)
    for name in ('list_nn.pkl', 'dist_nn.pkl', 'dist_pose_val.mat'):
        if not osp.isfile(osp.join(data_root, name)):
            raise _missing(osp.join(data_root, name), 'released with the images')


def _load_pickle(path: str) -> dict:
    if not osp.isfile(path):
        raise _missing(path, 'the neighbour lists / distances of each split')
    with open(path, 'rb') as f:
        try:
            data = pickle.load(f, encoding='latin1')  # also reads Python 2 pickles
        except Exception as err:  # noqa: BLE001  (any unpickling failure: name the file)
            raise ValueError(f'{path}: not a readable pickle ({err})') from err
    if not isinstance(data, dict) or not {'trn', 'val'} <= set(data):
        raise ValueError(f"{path}: expected a dict with keys 'trn' and 'val', got "
                         f"{type(data).__name__} {sorted(data) if isinstance(data, dict) else ''}")
    return data


CHUNK = 1024  # rows checked at a time: the real lists are 12,366 x 12,365 (1.2 GB as int64)


def _as_matrix(value, where: str) -> np.ndarray:
    """A 2-D array from what the official indexing ``value[anchor][ranks]`` accepts: a 2-D
    array, or a sequence of equal-length 1-D rows (a list of arrays)."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        return value
    try:
        lengths = [len(row) for row in value]
    except TypeError as err:
        raise ValueError(f'{where}: expected a 2-D array or a list of 1-D rows, got '
                         f'{type(value).__name__}') from err
    if len(set(lengths)) > 1:
        first = next(i for i, n in enumerate(lengths) if n != lengths[0])
        raise ValueError(f'{where}: row {first} has {lengths[first]} entries, row 0 has '
                         f'{lengths[0]}: every row must list the same number of neighbours')
    return np.asarray([np.asarray(row) for row in value]) if lengths else np.zeros((0, 0))


def load_neighbours(data_root: str, split: str, num_images: int) -> tuple[np.ndarray, np.ndarray]:
    """``(list_nn, dist_nn)`` of ``split``, checked: shapes ``(num_images, >= num_images-1)``,
    integer indices in range, no anchor among its own neighbours, ascending distances. Rows
    may be stored as a 2-D array or a list of 1-D arrays; the distances keep their stored
    floating dtype (no float64 copy of the real 12,366-row matrix)."""
    key = SPLIT_KEYS[split]
    list_path = osp.join(data_root, 'list_nn.pkl')
    dist_path = osp.join(data_root, 'dist_nn.pkl')
    lists = _load_pickle(list_path)
    dists = _load_pickle(dist_path)
    where = f"{list_path}['{key}']"
    dwhere = f"{dist_path}['{key}']"
    list_nn = _as_matrix(lists[key], where)
    dist_nn = _as_matrix(dists[key], dwhere)
    if not np.issubdtype(dist_nn.dtype, np.floating):
        if not np.issubdtype(dist_nn.dtype, np.number) or dist_nn.dtype == bool:
            raise ValueError(f'{dwhere}: label distances must be numbers, got {dist_nn.dtype}')
        dist_nn = dist_nn.astype(np.float64)
    if list_nn.ndim != 2 or list_nn.shape[0] != num_images or list_nn.shape[1] < num_images - 1:
        raise ValueError(f'{where}: shape {list_nn.shape}, expected ({num_images}, >= '
                         f'{num_images - 1}) for the {num_images} images of the {split} folder')
    if dist_nn.shape != list_nn.shape:
        raise ValueError(f'{dwhere}: shape {dist_nn.shape} differs from list_nn '
                         f'{list_nn.shape}')
    if not np.issubdtype(list_nn.dtype, np.integer):
        raise ValueError(f'{where}: neighbour indices must be integers, got {list_nn.dtype}')
    if list_nn.min() < 0 or list_nn.max() >= num_images:
        raise ValueError(f'{where}: indices must be 0-based in [0, {num_images}), got '
                         f'[{list_nn.min()}, {list_nn.max()}] (1-based Lua indices? subtract 1)')
    cols = num_images - 1
    for lo in range(0, num_images, CHUNK):
        hi = min(lo + CHUNK, num_images)
        self_rows = np.nonzero((list_nn[lo:hi, :cols] == np.arange(lo, hi)[:, None]).any(1))[0]
        if len(self_rows):
            raise ValueError(f'{where}: row {lo + self_rows[0]} lists the anchor itself among '
                             f'its neighbours; rows must exclude the anchor')
        bad = np.nonzero((np.diff(dist_nn[lo:hi, :cols], axis=1) < 0).any(1))[0]
        if len(bad):
            raise ValueError(f'{dwhere}: row {lo + bad[0]} is not in ascending distance '
                             f'(nearest first)')
    return list_nn, dist_nn


def load_val_distances(data_root: str, num_images: int | None = None) -> np.ndarray:
    """``dist_pose_val`` of ``dist_pose_val.mat``: the whole (square) matrix, or with
    ``num_images`` its leading ``num_images`` x ``num_images`` block (the official
    ``eval_retrieval`` slices it the same way; a larger matrix is logged)."""
    from scipy.io import loadmat
    path = osp.join(data_root, 'dist_pose_val.mat')
    if not osp.isfile(path):
        raise _missing(path, 'label distances of the test images')
    try:
        mat = loadmat(path)
    except NotImplementedError as err:  # scipy's answer to a v7.3 (HDF5) file
        raise ValueError(f'{path}: a MATLAB v7.3 (HDF5) file, which scipy.io.loadmat (and so '
                         f'the official code) cannot read: re-save it in MATLAB with '
                         f"save(..., '-v7')") from err
    except Exception as err:  # noqa: BLE001  (any parse failure: name the file)
        raise ValueError(f'{path}: not a readable MAT file ({err})') from err
    if 'dist_pose_val' not in mat:
        raise ValueError(f"{path}: no variable 'dist_pose_val' (has "
                         f"{sorted(k for k in mat if not k.startswith('__'))})")
    dist = np.asarray(mat['dist_pose_val'], dtype=np.float64)
    if num_images is None:
        if dist.ndim != 2 or dist.shape[0] != dist.shape[1]:
            raise ValueError(f'{path}: dist_pose_val has shape {dist.shape}, expected a '
                             f'square matrix over the test images')
        return dist
    if dist.ndim != 2 or dist.shape[0] < num_images or dist.shape[1] < num_images:
        raise ValueError(f'{path}: dist_pose_val has shape {dist.shape}, expected at least '
                         f'({num_images}, {num_images}) for the {num_images} test images')
    if dist.shape != (num_images, num_images):
        print_log(f'{path}: dist_pose_val is {dist.shape[0]} x {dist.shape[1]}; using its '
                  f'leading {num_images} x {num_images} block (the {num_images} test images),'
                  f' as the official eval_retrieval does', logger='current', level=30)
    return dist[:num_images, :num_images]


@DATASETS.register_module()
class PoseRetrievalDataset(BaseDataset):
    """One sample per image of a split, in the official order (``sample_idx`` = row of the
    neighbour lists and of ``dist_pose_val``)."""

    def __init__(self, data_root: str, split: str = 'val', **kwargs):
        self.split = split
        super().__init__(data_root=data_root, serialize_data=False, **kwargs)

    def load_data_list(self):
        return [dict(img_path=p, sample_idx=i)
                for i, p in enumerate(image_list(self.data_root, self.split))]


@TRANSFORMS.register_module()
class PoseTranslation(BaseTransform):
    """The official crops (``transformation.py``): ``jitter=False`` is ``CenterTranslation``
    (the ``size_crop`` square from pixel ``(size_input - size_crop) // 2 + 1``, 33 for 288 /
    224); ``jitter=True`` is ``RandTranslation`` + ``Scale``: that box grown or shrunk by
    ``ceil(U(-s, s))`` pixels each side (``s = ceil(s_ratio * size_crop)``), shifted by
    ``ceil(U(..))`` within ``t = ceil(t_ratio * size_crop)`` (and the image), cropped (zero
    outside the image, as PIL does) and resized bilinearly (PIL) to ``size_crop``.
    Works on ``results['img']`` (H x W x C uint8)."""

    def __init__(self, size_input: int = 288, size_crop: int = 224, jitter: bool = False,
                 s_ratio: float = 0.05, t_ratio: float = 0.03):
        self.size_input, self.size_crop, self.jitter = size_input, size_crop, jitter
        self.s_ratio, self.t_ratio = s_ratio, t_ratio

    def box(self, rng=np.random) -> tuple[int, int, int, int]:
        start = (self.size_input - self.size_crop) // 2 + 1
        xmin = ymin = start
        xmax = ymax = start + self.size_crop
        if not self.jitter:
            return xmin, ymin, xmax, ymax
        s_max = int(np.ceil(self.s_ratio * self.size_crop))
        t_max = int(np.ceil(self.t_ratio * self.size_crop))
        s = int(np.ceil(rng.uniform(-s_max, s_max)))
        xmin, ymin, xmax, ymax = xmin - s, ymin - s, xmax + s, ymax + s
        tx = int(np.ceil(rng.uniform(max(1 - xmin, -t_max), min(self.size_input - xmax, t_max))))
        ty = int(np.ceil(rng.uniform(max(1 - ymin, -t_max), min(self.size_input - ymax, t_max))))
        return xmin + tx, ymin + ty, xmax + tx, ymax + ty

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        if (h, w) != (self.size_input, self.size_input):
            raise ValueError(f"{results.get('img_path', 'image')}: {w} x {h}, expected "
                             f'{self.size_input} x {self.size_input} (the released crops; set '
                             f'size_input for other data)')
        x0, y0, x1, y1 = self.box()
        out = np.zeros((y1 - y0, x1 - x0) + img.shape[2:], img.dtype)
        sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = img[sy0:sy1, sx0:sx1]
        if out.shape[:2] != (self.size_crop, self.size_crop):
            out = np.asarray(Image.fromarray(out).resize((self.size_crop, self.size_crop),
                                                         Image.BILINEAR))
        results['img'] = out
        results['img_shape'] = out.shape[:2]
        return results


@TRANSFORMS.register_module()
class PosePackInputs(BaseTransform):
    """``dict(inputs=(C, H, W) uint8 tensor, data_samples=BaseDataElement(sample_idx,
    img_path))`` (BGR as ``LoadImageFromFile`` reads it: the official code converts to BGR
    too)."""

    def transform(self, results: dict) -> dict:
        img = torch.from_numpy(np.ascontiguousarray(results['img'].transpose(2, 0, 1)))
        return dict(inputs=img, data_samples=BaseDataElement(
            sample_idx=results.get('sample_idx', -1), img_path=results.get('img_path')))
