"""Synthetic PASCAL VOC-layout data for weakly supervised segmentation tests and smoke runs.

Each image shows 1..``max_objects`` filled shapes on a smooth random colour texture. The
class of an object fixes its shape and its colour tint (class ``k`` of ``classes``: shape
``SHAPES[k % 4]``, tint ``TINTS[k % 6]``), so image-level labels are learnable and CAMs
localise. Files are written exactly as VOC 2012 + SBD lay them out (see
:mod:`cvshared.datasets.voc`): JPEG images, XML annotations (one ``<object>`` per visible
instance, with its box), ``SegmentationClass`` (palette PNG), ``SegmentationClassAug``
(grey-level PNG, same ids), ``SegmentationObject`` (palette PNG, instance ids 1..K), with a
255 border ``border`` pixels wide around every object as VOC has, and
``ImageSets/Segmentation/{train,val,train_aug}.txt``. Everything derives from ``seed``.

Two options change the pictures (both off by default; the default output is byte-identical to
the generator's before they existed):

- ``radius_range=(lo, hi)``: object radii drawn uniformly from ``lo * min(H, W)`` to
  ``hi * min(H, W)`` (inclusive, in pixels) instead of the default ``min(H, W) // 8 + 2`` to
  ``min(H, W) // 4 + 2``: e.g. small objects against a CAM net's receptive field.
- ``mark=f`` (the "marked" style, for methods that propagate CAMs, e.g. PSA / IRN): each object
  is a *body* of a random shape (drawn independently of the class) painted in one dark flat
  colour (per object, each channel uniform in 15..55, so it stands out against the 60..200
  background texture and is the same over the whole object), with a small disc of the class
  tint (``TINTS[k % 6]``) of radius ``max(2, round(f * r))`` at the body's centre, on a
  grey-ish background (the texture at 30 % saturation: the tints are the only vivid colours):
  the tint is the only class evidence, so a classifier's CAM fires on the mark, while the mask
  (and the box) is the whole body. Objects do not overlap in this style (a placement that
  would touch an earlier object, dilated by 2 pixels, is redrawn up to 50 times, then the
  object is left out), so every labelled object shows its mark.

``make_voc_synthetic(num_empty=n)`` adds ``n`` background-only images, listed only in
``ImageSets/Segmentation/train_cam.txt`` (off by default; the other files do not change).
"""
from __future__ import annotations

import os
import os.path as osp
import xml.etree.ElementTree as ET

import cv2
import numpy as np
from PIL import Image

from .voc import IGNORE_INDEX, VOC_CLASSES, voc_palette

__all__ = ['SHAPES', 'CAM_TRAIN_LIST', 'render_image', 'make_voc_synthetic']

SHAPES = ('ellipse', 'rectangle', 'triangle', 'cross')
TINTS = ((230, 40, 40), (40, 200, 40), (40, 60, 230), (230, 220, 40), (210, 40, 210),
         (40, 210, 210))
DEFAULT_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat')
#: the image list ``make_voc_synthetic(num_empty=...)`` writes: train + the background-only images
CAM_TRAIN_LIST = 'ImageSets/Segmentation/train_cam.txt'


def _shape_mask(shape: str, h: int, w: int, cy: int, cx: int, r: int) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    if shape == 'ellipse':
        cv2.ellipse(m, (cx, cy), (r, int(r * 0.7)), 0, 0, 360, 1, -1)
    elif shape == 'rectangle':
        cv2.rectangle(m, (cx - r, cy - r // 2), (cx + r, cy + r // 2), 1, -1)
    elif shape == 'triangle':
        pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]], np.int32)
        cv2.fillPoly(m, [pts], 1)
    else:
        t = max(r // 3, 1)
        cv2.rectangle(m, (cx - r, cy - t), (cx + r, cy + t), 1, -1)
        cv2.rectangle(m, (cx - t, cy - r), (cx + t, cy + r), 1, -1)
    return m.astype(bool)


def _radius(rng: np.random.Generator, h: int, w: int, radius_range) -> int:
    if radius_range is None:
        return int(rng.integers(min(h, w) // 8 + 2, min(h, w) // 4 + 3))
    lo, hi = (int(round(f * min(h, w))) for f in radius_range)
    if not 2 <= lo <= hi or 2 * hi >= min(h, w):
        raise ValueError(f'radius_range={tuple(radius_range)} gives radii {lo}..{hi} px for a '
                         f'{h} x {w} image: need 2 <= lo <= hi < min(H, W) / 2')
    return int(rng.integers(lo, hi + 1))


def _background(rng: np.random.Generator, h: int, w: int, grey: bool) -> np.ndarray:
    """The smooth random colour texture (float32 H x W x 3); ``grey``: at 30 % saturation (the
    marked style's background: the class tints are the only vivid colours)."""
    coarse = rng.uniform(60, 200, size=(4, 4, 3)).astype(np.float32)
    img = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    img += rng.normal(0, 10, size=(h, w, 3)).astype(np.float32)
    if grey:
        img = 0.7 * img.mean(-1, keepdims=True) + 0.3 * img
    return img


def render_image(rng: np.random.Generator, size: tuple[int, int], num_classes: int,
                 max_objects: int = 3, border: int = 1, radius_range=None,
                 mark: float | None = None):
    """One image: ``(rgb uint8 H x W x 3, class ids H x W, instance ids H x W,
    [(class index 0..num_classes-1, visible mask)])``. Later objects occlude earlier ones;
    an object that ends up with under 20 visible pixels is dropped. ``radius_range`` and
    ``mark``: the module docstring (``None`` = the default pictures, same random draws)."""
    h, w = size
    if mark is not None and not 0 < mark < 1:
        raise ValueError(f'mark={mark}: the mark radius is a fraction of the object radius, '
                         'in (0, 1)')
    img = _background(rng, h, w, grey=mark is not None)
    owner = np.zeros((h, w), np.int32)  # 0 background, i + 1 = object i
    objects = []
    for i in range(int(rng.integers(1, max_objects + 1))):
        k = int(rng.integers(num_classes))
        r = _radius(rng, h, w, radius_range)
        tint = np.asarray(TINTS[k % len(TINTS)], np.float32)
        if mark is None:
            cy, cx = int(rng.integers(r, h - r)), int(rng.integers(r, w - r))
            m = _shape_mask(SHAPES[k % len(SHAPES)], h, w, cy, cx, r)
            owner[m] = i + 1
            img[m] = 0.75 * tint + 0.25 * img[m]
            objects.append(k)
            continue
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        taken = cv2.dilate((owner > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        for _ in range(50):
            cy, cx = int(rng.integers(r, h - r)), int(rng.integers(r, w - r))
            m = _shape_mask(shape, h, w, cy, cx, r)
            if not (m & taken).any():
                break
        else:
            objects.append(None)    # no room: left out
            continue
        body = rng.uniform(15, 55, size=3).astype(np.float32)
        img[m] = 0.85 * body + 0.15 * img[m]
        disc = np.zeros((h, w), np.uint8)
        cv2.circle(disc, (cx, cy), max(2, int(round(mark * r))), 1, -1)
        d = disc.astype(bool) & m
        img[d] = 0.75 * tint + 0.25 * img[d]
        owner[m] = i + 1
        objects.append(k)
    cls_map = np.zeros((h, w), np.uint8)
    inst_map = np.zeros((h, w), np.uint8)
    kept = []
    for i, k in enumerate(objects):
        m = owner == i + 1
        if k is None or m.sum() < 20:
            continue
        kept.append((k, m))
        cls_map[m] = k + 1
        inst_map[m] = len(kept)
    if border > 0:
        kernel = np.ones((2 * border + 1, 2 * border + 1), np.uint8)
        edge = np.zeros((h, w), bool)
        for _, m in kept:
            mu = m.astype(np.uint8)
            edge |= (cv2.dilate(mu, kernel) - cv2.erode(mu, kernel)).astype(bool)
        cls_map[edge] = IGNORE_INDEX
        inst_map[edge] = IGNORE_INDEX
    return np.clip(img, 0, 255).astype(np.uint8), cls_map, inst_map, kept


def _xml(name: str, size: tuple[int, int], objects, class_names) -> bytes:
    ann = ET.Element('annotation')
    ET.SubElement(ann, 'folder').text = 'VOC2012'
    ET.SubElement(ann, 'filename').text = name + '.jpg'
    s = ET.SubElement(ann, 'size')
    for tag, v in (('width', size[1]), ('height', size[0]), ('depth', 3)):
        ET.SubElement(s, tag).text = str(v)
    ET.SubElement(ann, 'segmented').text = '1'
    for k, m in objects:
        o = ET.SubElement(ann, 'object')
        ET.SubElement(o, 'name').text = class_names[k]
        ET.SubElement(o, 'pose').text = 'Unspecified'
        ET.SubElement(o, 'truncated').text = '0'
        ET.SubElement(o, 'difficult').text = '0'
        ys, xs = np.nonzero(m)
        b = ET.SubElement(o, 'bndbox')
        for tag, v in (('xmin', xs.min() + 1), ('ymin', ys.min() + 1), ('xmax', xs.max() + 1),
                       ('ymax', ys.max() + 1)):
            ET.SubElement(b, tag).text = str(int(v))
    return ET.tostring(ann)


def _png(path: str, arr: np.ndarray, palette: bool) -> None:
    img = Image.fromarray(arr, mode='P' if palette else 'L')
    if palette:
        img.putpalette([c for rgb in voc_palette(256) for c in rgb])
    img.save(path)


def make_voc_synthetic(root: str, num_train: int = 4, num_val: int = 2,
                       size: tuple[int, int] = (64, 80), classes=DEFAULT_CLASSES,
                       max_objects: int = 3, border: int = 1, seed: int = 0,
                       radius_range=None, mark: float | None = None,
                       num_empty: int | None = None) -> str:
    """Write the data set under ``root`` (= the ``VOC2012`` folder); returns ``root``.

    ``classes`` are VOC foreground class names (their VOC ids are used in the masks, so the
    files read as real VOC). ``train`` and ``val`` get all annotations; ``train_aug`` is
    ``train`` (the synthetic SBD part is empty). ``radius_range`` (object radii as fractions of
    the image side) and ``mark`` (class evidence only in a small mark on a class-agnostic
    body): the module docstring; ``None`` keeps the default pictures byte-identical.

    ``num_empty`` (default ``None``: nothing more is written): that many background-only
    images (the pictures' background texture, grey-ish with ``mark``; no object: an
    annotation without ``<object>``, so an all-zero image label, and an all-background mask),
    named ``2000_9xxxxx`` and listed only in ``ImageSets/Segmentation/train_cam.txt``
    (``CAM_TRAIN_LIST`` = ``train`` then them; written for any ``num_empty >= 0``), for a CAM
    net's training list. They are drawn from a stream apart from the pictures' (``[seed, 9]``),
    so every other file is byte-identical to the set without them. Why: with few classes and
    every image holding an object, "class A = no mark of class B anywhere" fits the image
    labels, and a small CAM net can learn that shortcut for a class (its CAM then fires on the
    background); an image without any object labels that shortcut wrong (psa's and irn's
    READMEs, Results). Real VOC has no such image but 20 classes.
    """
    unknown = [c for c in classes if c not in VOC_CLASSES[1:]]
    if unknown:
        raise ValueError(f'unknown VOC class names {unknown}')
    if num_empty is not None and int(num_empty) < 0:
        raise ValueError(f'num_empty={num_empty}: the number of background-only images must be '
                         '>= 0 (or None for none and no train_cam.txt)')
    ids = [VOC_CLASSES.index(c) for c in classes]
    rng = np.random.default_rng(seed)
    dirs = ('JPEGImages', 'Annotations', 'SegmentationClass', 'SegmentationClassAug',
            'SegmentationObject', 'ImageSets/Segmentation')
    for d in dirs:
        os.makedirs(osp.join(root, d), exist_ok=True)
    splits = {'train': [], 'val': []}
    for split, n in (('train', num_train), ('val', num_val)):
        for i in range(n):
            name = f'2000_{(0 if split == "train" else 500000) + i:06d}'
            img, cls_local, inst, objs = render_image(rng, size, len(classes), max_objects,
                                                      border, radius_range, mark)
            lut = np.full(256, IGNORE_INDEX, np.uint8)
            lut[0] = 0
            lut[1:len(ids) + 1] = ids
            cls_map = lut[cls_local]
            cv2.imwrite(osp.join(root, 'JPEGImages', name + '.jpg'), img[..., ::-1],
                        [cv2.IMWRITE_JPEG_QUALITY, 95])
            with open(osp.join(root, 'Annotations', name + '.xml'), 'wb') as f:
                f.write(_xml(name, size, [(ids[k] - 1, m) for k, m in objs], VOC_CLASSES[1:]))
            _png(osp.join(root, 'SegmentationClass', name + '.png'), cls_map, True)
            _png(osp.join(root, 'SegmentationClassAug', name + '.png'), cls_map, False)
            _png(osp.join(root, 'SegmentationObject', name + '.png'), inst, True)
            splits[split].append(name)
    splits['train_aug'] = splits['train']
    for split, names in splits.items():
        with open(osp.join(root, 'ImageSets/Segmentation', f'{split}.txt'), 'w') as f:
            f.write(''.join(n + '\n' for n in names))
    if num_empty is not None:
        empty = _write_empty(root, int(num_empty), size, seed, grey=mark is not None)
        with open(osp.join(root, CAM_TRAIN_LIST), 'w') as f:
            f.write(''.join(n + '\n' for n in splits['train'] + empty))
    return root


def _write_empty(root: str, num: int, size: tuple[int, int], seed: int, grey: bool) -> list:
    """``num`` background-only images (``make_voc_synthetic``'s ``num_empty``); their names."""
    h, w = size
    rng = np.random.default_rng([seed, 9])  # apart from the pictures' stream
    names = []
    for i in range(num):
        name = f'2000_{900000 + i:06d}'
        img = np.clip(_background(rng, h, w, grey), 0, 255).astype(np.uint8)
        cv2.imwrite(osp.join(root, 'JPEGImages', name + '.jpg'), img[..., ::-1],
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        with open(osp.join(root, 'Annotations', name + '.xml'), 'wb') as f:
            f.write(_xml(name, size, [], VOC_CLASSES[1:]))
        zeros = np.zeros((h, w), np.uint8)
        _png(osp.join(root, 'SegmentationClass', name + '.png'), zeros, True)
        _png(osp.join(root, 'SegmentationClassAug', name + '.png'), zeros, False)
        _png(osp.join(root, 'SegmentationObject', name + '.png'), zeros, True)
        names.append(name)
    return names
