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


def make_synthetic(root: str, num_train: int = 240, num_val: int = 150, size: int = 40,
                   seed: int = 0) -> None:
    """Write ``<root>/{train,val}/<i>.png``, ``list_nn.pkl``, ``dist_nn.pkl`` and
    ``dist_pose_val.mat`` (the official layout)."""
    from scipy.io import savemat
    rng = np.random.default_rng(seed)
    lists, dists, poses = {}, {}, {}
    for split, key, n in (('train', 'trn', num_train), ('val', 'val', num_val)):
        folder = osp.join(root, split)
        os.makedirs(folder, exist_ok=True)
        pts = np.stack([joints(random_angles(rng), size) for _ in range(n)])
        for i, p in enumerate(pts):
            Image.fromarray(render(p, size, rng)).save(osp.join(folder, f'{i:05d}.png'))
        d = pose_distances(pts, pts)
        lists[key], dists[key] = neighbour_lists(d)
        poses[key] = d
    with open(osp.join(root, 'list_nn.pkl'), 'wb') as f:
        pickle.dump(lists, f)
    with open(osp.join(root, 'dist_nn.pkl'), 'wb') as f:
        pickle.dump(dists, f)
    savemat(osp.join(root, 'dist_pose_val.mat'), {'dist_pose_val': poses['val']})
