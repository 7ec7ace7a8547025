"""Synthetic pose-retrieval set in the official layout (:mod:`.pose`): each image is a
rendered stick figure whose continuous label is its 11 joint positions (torso lean, two arms
and two legs of two segments each, random angles); the label distance of two images is the
mean Euclidean distance of their joints, in pixels of the ``size`` x ``size`` image.
Deterministic per seed."""
from __future__ import annotations

import os
import os.path as osp
import pickle

import numpy as np
from PIL import Image, ImageDraw

# (parent joint, child joint) of each drawn segment; joint order in :func:`joints`
BONES = ((0, 1), (1, 2), (1, 3), (3, 4), (1, 5), (5, 6), (2, 7), (7, 8), (2, 9), (9, 10))
NUM_JOINTS = 11


def joints(angles: np.ndarray, size: int) -> np.ndarray:
    """``(11, 2)`` pixel positions (head, neck, pelvis, l-elbow, l-hand, r-elbow, r-hand,
    l-knee, l-foot, r-knee, r-foot) from 9 angles (lean, then shoulder/elbow and hip/knee
    pairs, radians; 0 = hanging down)."""
    unit = size / 8.0
    lean, a = angles[0], angles[1:]
    centre = np.array([size / 2, size / 2 + 0.3 * unit])

    def direction(theta):  # theta from straight down, counter-clockwise in the image
        return np.array([np.sin(theta), np.cos(theta)])

    neck = centre - 1.2 * unit * direction(lean)
    pelvis = centre + 1.0 * unit * direction(lean)
    head = neck - 0.8 * unit * direction(lean)
    out = [head, neck, pelvis]
    for base, (first, second), length in ((neck, a[0:2], 1.1), (neck, a[2:4], 1.1),
                                          (pelvis, a[4:6], 1.3), (pelvis, a[6:8], 1.3)):
        mid = base + length * unit * direction(lean + first)
        out += [mid, mid + length * unit * direction(lean + first + second)]
    return np.stack(out)


def random_angles(rng: np.random.Generator) -> np.ndarray:
    lean = rng.uniform(-0.4, 0.4)
    arms = rng.uniform([-2.6, -1.5, -2.6, -1.5], [2.6, 1.5, 2.6, 1.5])
    arms[2] = -arms[2]  # mirror the right arm's range so both arms cover the same poses
    legs = rng.uniform([-0.2, -1.2, -1.0, -1.2], [1.0, 1.2, 0.2, 1.2])
    return np.concatenate([[lean], arms, legs])


def render(points: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """The figure as an H x W x 3 uint8 image on a noisy background."""
    image = Image.fromarray((rng.uniform(0, 60, (size, size, 3))).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    width = max(1, size // 20)
    for (i, j), color in zip(BONES, ((255, 230, 80),) + ((230, 230, 230),) * 9):
        draw.line([tuple(points[i]), tuple(points[j])], fill=color, width=width)
    r = max(1, size // 16)
    x, y = points[0]
    draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 230, 80))
    return np.asarray(image)


def pose_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean joint distance of every pair: ``(Na, J, 2), (Nb, J, 2) -> (Na, Nb)``."""
    return np.linalg.norm(a[:, None] - b[None], axis=-1).mean(-1)


def neighbour_lists(dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the other items sorted by distance (``list_nn``) and those distances."""
    n = dist.shape[0]
    masked = dist + np.diag(np.full(n, np.inf))
    order = np.argsort(masked, axis=1, kind='stable')[:, :n - 1]
    return order, np.take_along_axis(dist, order, axis=1)


def write_pose_layout(root: str, images: dict, list_nn: dict, dist_nn: dict,
                      dist_pose_val: np.ndarray, *, folders: tuple[str, str] = ('train', 'val'),
                      ext: str = '.png', rows: str = 'array',
                      pickle_protocol: int = pickle.DEFAULT_PROTOCOL,
                      mat_dtype=None, mat_extra: dict | None = None) -> None:
    """Write the released pose-retrieval format (:mod:`.pose`) from arrays: ``images``
    ``{'trn': [H x W x 3 uint8, ...], 'val': [...]}`` into ``<root>/<folders[0 / 1]>/
    <i:05d><ext>`` (sorted names = list order), ``list_nn.pkl`` / ``dist_nn.pkl``
    (``{'trn': (N, N-1), 'val': ...}``) and ``dist_pose_val.mat`` (``'dist_pose_val'``, plus any
    ``mat_extra`` variables).

    The options write the variants the official loaders accept alike, for the reader's tests:
    ``rows='list'`` stores each split as a list of 1-D row arrays instead of a 2-D array,
    ``pickle_protocol=2`` a Python-2-era pickle, ``mat_dtype=np.float32`` a single-precision
    matrix (MAT v5 either way; the official ``scipy.io.loadmat`` reads no v7.3)."""
    from scipy.io import savemat
    if rows not in ('array', 'list'):
        raise ValueError(f"rows must be 'array' or 'list', not {rows!r}")
    for key, folder in zip(('trn', 'val'), folders):
        os.makedirs(osp.join(root, folder), exist_ok=True)
        for i, image in enumerate(images.get(key, ())):
            Image.fromarray(np.asarray(image, np.uint8)).save(
                osp.join(root, folder, f'{i:05d}{ext}'))
    for name, data in (('list_nn.pkl', list_nn), ('dist_nn.pkl', dist_nn)):
        value = {k: list(np.asarray(v)) if rows == 'list' else np.asarray(v)
                 for k, v in data.items()}
        with open(osp.join(root, name), 'wb') as f:
            pickle.dump(value, f, protocol=pickle_protocol)
    dist = np.asarray(dist_pose_val, mat_dtype)
    savemat(osp.join(root, 'dist_pose_val.mat'), {'dist_pose_val': dist, **(mat_extra or {})})


def make_synthetic(root: str, num_train: int = 240, num_val: int = 150, size: int = 40,
                   seed: int = 0) -> None:
    """Write ``<root>/{train,val}/<i>.png``, ``list_nn.pkl``, ``dist_nn.pkl`` and
    ``dist_pose_val.mat`` (the official layout, :func:`write_pose_layout`)."""
    rng = np.random.default_rng(seed)
    images, lists, dists, poses = {}, {}, {}, {}
    for key, n in (('trn', num_train), ('val', num_val)):
        pts = np.stack([joints(random_angles(rng), size) for _ in range(n)])
        images[key] = [render(p, size, rng) for p in pts]
        d = pose_distances(pts, pts)
        lists[key], dists[key] = neighbour_lists(d)
        poses[key] = d
    write_pose_layout(root, images, lists, dists, poses['val'])
