"""PASCAL VOC 2012 with the SBD ``train_aug`` set, in the official layout, for weakly supervised
semantic / instance segmentation (PSA, IRN and the later WSSS papers).

``data_root`` is the ``VOC2012`` folder itself::

    <root>/JPEGImages/<name>.jpg
    <root>/Annotations/<name>.xml                  (image-level labels come from here)
    <root>/SegmentationClass/<name>.png            (VOC palette PNG; val / train only)
    <root>/SegmentationClassAug/<name>.png         (SBD + VOC, grey-level ids; train_aug)
    <root>/SegmentationObject/<name>.png           (instance ids; val / train only)
    <root>/ImageSets/Segmentation/{train,val,train_aug}.txt

Masks hold class ids 0 (background) .. 20 and 255 (ignore, the object borders of VOC).
A list file holds one image name per line (IRN's ``voc12/*.txt``) or PSA's
``/JPEGImages/<name>.jpg /SegmentationClassAug/<name>.png`` pairs; both are read.

Image-level labels. The official training code of PSA and IRN reads ``voc12/cls_labels.npy``
(a pickled ``{int(name without '_'): float32[20]}`` dict), which ``voc12/make_cls_labels.py``
builds from the XML annotations of ``train_aug`` + ``val``: every ``<name>`` element of the
file whose text is one of the 20 class names sets that class to 1 (``<name>`` elements of
person parts -- head, hand, foot -- are not class names and are skipped; ``difficult`` and
``truncated`` objects count). :func:`image_labels_from_xml` derives the labels the same way
from the XML files, so no pickled file is loaded.
"""
from __future__ import annotations

import os.path as osp
from xml.dom import minidom
from xml.parsers.expat import ExpatError

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import DATASETS, TRANSFORMS
from mmseg.datasets.basesegdataset import BaseSegDataset

from .io import CorruptImageError, image_size

__all__ = ['VOC_CLASSES', 'VOC_FG_CLASSES', 'voc_palette', 'voc_tree', 'read_image_list',
           'image_labels_from_xml', 'read_voc_mask', 'check_voc_mask', 'voc_instances',
           'VOCWSSSDataset', 'LoadVOCSegAnnotation']

VOC_FG_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat',
                  'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person',
                  'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
VOC_CLASSES = ('background',) + VOC_FG_CLASSES
IGNORE_INDEX = 255


def voc_palette(n: int = 256) -> list[list[int]]:
    """The VOC colour map (bit-interleaved label index), ``n`` RGB triples."""
    out = []
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        out.append([r, g, b])
    return out


def voc_tree(root: str) -> str:
    return (f'{root}/   (the VOC2012 folder of VOCdevkit, with SBD\'s SegmentationClassAug)\n'
            '  JPEGImages/<name>.jpg\n'
            '  Annotations/<name>.xml\n'
            '  SegmentationClass/<name>.png       (VOC 2012 train/val masks)\n'
            '  SegmentationClassAug/<name>.png    (SBD-augmented masks, train_aug)\n'
            '  SegmentationObject/<name>.png      (instance masks, VOC 2012 train/val)\n'
            '  ImageSets/Segmentation/train.txt, val.txt, train_aug.txt')


def read_image_list(path: str) -> list[str]:
    """Image names of a list file: ``<name>`` or ``/JPEGImages/<name>.jpg <mask>`` lines."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'image list {path!r} not found')
    names = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                first = line.split()[0]
                names.append(osp.splitext(osp.basename(first))[0] if '/' in first else first)
    return names


def image_labels_from_xml(path: str) -> np.ndarray:
    """``float32[20]`` multi-hot image label, as IRN's ``load_image_label_from_xml``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'no label entry for this image: annotation {path!r} not found')
    try:
        elems = minidom.parse(path).getElementsByTagName('name')
    except ExpatError as err:
        raise ValueError(f'annotation {path!r} is not valid XML ({err})') from err
    labels = np.zeros(len(VOC_FG_CLASSES), np.float32)
    for elem in elems:
        name = elem.firstChild.data.strip() if elem.firstChild is not None else ''
        if name in VOC_FG_CLASSES:
            labels[VOC_FG_CLASSES.index(name)] = 1.0
    return labels


def read_voc_mask(path: str, num_classes: int = len(VOC_CLASSES)) -> np.ndarray:
    """Class-id mask (``uint8``, palette indices of a 'P' PNG or grey levels of an 'L' one).

    Raises ``ValueError`` naming the file if it holds ids outside ``0..num_classes-1`` and 255.
    """
    mask = np.asarray(_open_indices(path))
    bad = np.setdiff1d(np.unique(mask), np.r_[np.arange(num_classes), IGNORE_INDEX])
    if bad.size:
        raise ValueError(f'mask {path!r} holds class ids {bad.tolist()[:10]} outside 0..'
                         f'{num_classes - 1} (and 255 = ignore). Is it an RGB colour mask '
                         'instead of an index PNG, or a mask of another data set?')
    return mask


def _open_indices(path: str):
    from PIL import Image
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ('P', 'L', 'I', 'I;16'):
                return img.copy()
            raise ValueError(f'mask {path!r} is a {img.mode!r} image; a VOC mask is an index '
                             "PNG ('P' palette or 'L' grey levels)")
    except (OSError, SyntaxError) as err:
        raise CorruptImageError(path, err) from err


def check_voc_mask(mask_path: str, img_path: str) -> np.ndarray:
    """Read ``mask_path`` (class ids checked) and check it has the size of ``img_path``."""
    mask = read_voc_mask(mask_path)
    w, h = image_size(img_path)
    if mask.shape != (h, w):
        raise ValueError(f'mask {mask_path} is {mask.shape[1]} x {mask.shape[0]} (W x H) but '
                         f'its image {img_path} is {w} x {h}; they must match')
    return mask


def voc_instances(cls_path: str, obj_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Instances of a VOC image: ``(masks bool K x H x W, labels int64 K)``, labels 0..19.

    ``SegmentationObject`` holds instance ids 1..K (0 background, 255 borders); each instance's
    class is the ``SegmentationClass`` id under it (exactly one foreground id, else an error).
    """
    cls_map = read_voc_mask(cls_path)
    obj = np.asarray(_open_indices(obj_path))
    if obj.shape != cls_map.shape:
        raise ValueError(f'instance mask {obj_path} is {obj.shape[::-1]} (W, H) but its class '
                         f'mask {cls_path} is {cls_map.shape[::-1]}; they must match')
    masks, labels = [], []
    for inst in np.unique(obj):
        if inst in (0, IGNORE_INDEX):
            continue
        m = obj == inst
        ids = np.setdiff1d(np.unique(cls_map[m]), [0, IGNORE_INDEX])
        if ids.size != 1:
            raise ValueError(f'instance {int(inst)} of {obj_path} covers class ids '
                             f'{ids.tolist()} in {cls_path}; expected exactly one')
        masks.append(m)
        labels.append(int(ids[0]) - 1)
    h, w = obj.shape
    return (np.stack(masks) if masks else np.zeros((0, h, w), bool),
            np.asarray(labels, np.int64))


@DATASETS.register_module()
class VOCWSSSDataset(BaseSegDataset):
    """VOC 2012 (+ SBD) samples with their image-level labels (see the module docstring).

    Each sample has ``img_path``, ``img_name``, ``img_labels`` (``float32[20]``, from the XML),
    ``seg_map_path`` (when ``seg_map_path`` is in ``data_prefix``) and ``inst_map_path``
    (``SegmentationObject``, when ``with_instances``).

    Args:
        data_root: the ``VOC2012`` folder.
        ann_file: list file relative to ``data_root``
            (``ImageSets/Segmentation/train_aug.txt`` or ``val.txt``).
        data_prefix: ``img_path``, ``seg_map_path`` ('' for no masks, e.g. CAM training),
            ``xml_path``, ``inst_path``.
        with_image_labels: read each image's XML (an image without one is an error).
        with_instances: add the instance mask path (VOC 2012 train / val only).
    """

    METAINFO = dict(classes=VOC_CLASSES, palette=voc_palette(len(VOC_CLASSES)))

    def __init__(self, data_root: str = '', ann_file: str = 'ImageSets/Segmentation/train_aug.txt',
                 data_prefix: dict | None = None, with_image_labels: bool = True,
                 with_instances: bool = False, **kwargs):
        prefix = dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug',
                      xml_path='Annotations', inst_path='SegmentationObject')
        prefix.update(data_prefix or {})
        self._has_masks = bool(prefix.get('seg_map_path'))
        prefix['seg_map_path'] = prefix.get('seg_map_path') or ''
        self.with_image_labels = with_image_labels
        self.with_instances = with_instances
        kwargs.setdefault('img_suffix', '.jpg')
        kwargs.setdefault('seg_map_suffix', '.png')
        super().__init__(data_root=data_root, ann_file=ann_file, data_prefix=prefix, **kwargs)

    def load_data_list(self) -> list[dict]:
        p = self.data_prefix
        if not osp.isdir(self.data_root or '.') or not osp.isdir(p['img_path']):
            raise FileNotFoundError(f'PASCAL VOC 2012 not found at {self.data_root!r} (no '
                                    f'{p["img_path"]!r}). Expected:\n{voc_tree(self.data_root)}')
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'image list {self.ann_file!r} not found. '
                                    f'Expected:\n{voc_tree(self.data_root)}')
        data_list = []
        for name in read_image_list(self.ann_file):
            img_path = osp.join(p['img_path'], name + self.img_suffix)
            if not osp.isfile(img_path):
                raise FileNotFoundError(f'{self.ann_file}: image {name!r} listed but '
                                        f'{img_path!r} not found')
            info = dict(img_path=img_path, img_name=name, label_map=self.label_map,
                        reduce_zero_label=self.reduce_zero_label, seg_fields=[],
                        seg_map_path=None)
            if self.with_image_labels:
                xml = osp.join(p['xml_path'], name + '.xml')
                if not osp.isfile(xml):
                    raise FileNotFoundError(f'image {img_path} has no label entry: {xml!r} not '
                                            'found (image-level labels come from the XML '
                                            'annotations)')
                info['img_labels'] = image_labels_from_xml(xml)
            if self._has_masks:
                seg = osp.join(p['seg_map_path'], name + self.seg_map_suffix)
                if not osp.isfile(seg):
                    raise FileNotFoundError(f'image {img_path} has no mask {seg!r}')
                info['seg_map_path'] = seg
            if self.with_instances:
                inst = osp.join(p['inst_path'], name + self.seg_map_suffix)
                if not osp.isfile(inst):
                    raise FileNotFoundError(f'image {img_path} has no instance mask {inst!r} '
                                            '(SegmentationObject exists for VOC 2012 '
                                            'train / val only)')
                info['inst_map_path'] = inst
            data_list.append(info)
        return data_list


@TRANSFORMS.register_module()
class LoadVOCSegAnnotation(BaseTransform):
    """Load a VOC class-id mask as ``gt_seg_map``, checking its ids and its size.

    Ids outside 0..20 (255 = ignore is valid) and a mask whose size differs from the image's
    (``ori_shape``, or the image file's header when no image is loaded yet) are errors naming
    the files.
    """

    def transform(self, results: dict) -> dict:
        path = results.get('seg_map_path')
        if not path:
            raise ValueError(f"image {results.get('img_path')} has no mask; use a pipeline "
                             'without LoadVOCSegAnnotation')
        mask = read_voc_mask(path)
        shape = results.get('ori_shape')
        if shape is None:
            w, h = image_size(results['img_path'])
            shape = (h, w)
        if tuple(mask.shape) != tuple(shape[:2]):
            raise ValueError(f'mask {path} is {mask.shape[1]} x {mask.shape[0]} (W x H) but its '
                             f"image {results.get('img_path')} is {shape[1]} x {shape[0]}; they "
                             'must match')
        results['gt_seg_map'] = mask.copy()
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

