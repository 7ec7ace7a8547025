"""Deep-metric-learning retrieval benchmarks in their official layouts, as mmpretrain datasets
(registered in mmengine's root ``DATASETS``; pipelines are built from mmpretrain's
``TRANSFORMS``, e.g. ``LoadImageFromFile``, ``RandomResizedCrop``, ``PackInputs``).

The split is the *zero-shot* one of the DML papers (Proxy Anchor, AntiCo, ...): training
classes and test classes are disjoint. Every data info holds ``img_path``, ``gt_label`` (the
class index *within the split*, ``0 .. C_split - 1``, in ascending order of the original class
id; the head's proxies have ``C_train`` rows), ``class_id`` (the original id) and, for In-Shop's
test split, ``is_query``. ``metainfo['classes']`` are the split's class names.

====================  ==========================================================================
data set              layout (``data_root`` = the folder shown) and split
====================  ==========================================================================
``CUBRetrieval``      ``CUB_200_2011/{images.txt, image_class_labels.txt, classes.txt,
                      images/<class>/<file>.jpg}``; classes sorted by id, the first
                      ``num_train_classes`` (default half: 100) train, the rest test.
                      ``train_test_split.txt`` (the classification split) is NOT used.
``Cars196Retrieval``  ``cars196/{cars_annos.mat, car_ims/*.jpg}`` (``annotations``: struct array
                      with ``relative_im_path`` and ``class`` 1..196; ``class_names``); classes
                      1-98 train, 99-196 test. The ``test`` flag (classification split) is not
                      used.
``SOPRetrieval``      ``Stanford_Online_Products/{Ebay_train.txt, Ebay_test.txt,
                      <super>_final/<file>.JPG}``; lines ``image_id class_id super_class_id
                      path`` after a header; train = Ebay_train (11,318 classes), test =
                      Ebay_test (11,316).
``InShopRetrieval``   ``Inshop_Clothes/{Eval/list_eval_partition.txt, Img/img/...}``; line 1 the
                      count, line 2 the header ``image_name item_id evaluation_status``, then
                      ``img/.../x.jpg id_00000001 train|query|gallery``; ``split='train'``, or
                      ``'test'`` = query + gallery (``is_query`` True / False; labels shared by
                      query and gallery, ``int(item_id[3:])`` order as the official code),
                      ``'query'`` / ``'gallery'`` alone.
====================  ==========================================================================

Any class names work (user data in the same layout); the benchmark's class count is not
assumed. A missing root or list file raises ``FileNotFoundError`` with the expected tree; a
malformed line, an id that another file lacks, or a listed image that does not exist raises
``ValueError`` / ``FileNotFoundError`` naming the file and line (``check_files=True``, the
default, stats every image when the data set is built: about 0.1 s per 10,000 images).

mmpretrain's own ``CUB`` class does not fit: it reads ``train_test_split.txt`` (the
classification split, all 200 classes in train and test), hard-codes the 200 CUB names, and
checks ids with a bare ``assert``; the classes here subclass mmpretrain's ``BaseDataset``.
"""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

from mmengine.registry import DATASETS
from mmpretrain.datasets import BaseDataset

__all__ = ['CUBRetrieval', 'Cars196Retrieval', 'SOPRetrieval', 'InShopRetrieval',
           'write_cub_fixture', 'write_cars196_fixture', 'write_sop_fixture',
           'write_inshop_fixture']


def _read_lines(path: str, expected_tree: str, name: str) -> list[str]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{name}: missing {path!r}. Expected layout:\n{expected_tree}')
    with open(path, encoding='utf-8') as f:
        return f.read().splitlines()


def _id_file(path: str, tree: str, name: str) -> dict[int, tuple[str, int]]:
    """``<int id> <value>`` lines -> {id: (value, line)}; errors name the file and line."""
    out: dict[int, tuple[str, int]] = {}
    for ln, line in enumerate(_read_lines(path, tree, name), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or not parts[0].isdigit():
            raise ValueError(f'{path}:{ln}: expected "<id> <value>", got {line!r}')
        key = int(parts[0])
        if key in out:
            raise ValueError(f'{path}:{ln}: id {key} repeated (first at line {out[key][1]})')
        out[key] = (parts[1].strip(), ln)
    return out


class _RetrievalDataset(BaseDataset):
    """Shared logic: subclasses implement :meth:`records` (all images of the chosen split as
    ``(rel_path, class_key, file, line, extra)``) and :meth:`class_names`."""

    NAME = ''
    SPLITS: tuple[str, ...] = ('train', 'test')
    IMG_PREFIX = ''

    def __init__(self, data_root: str, split: str = 'train', pipeline: Sequence = (),
                 check_files: bool = True, num_train_classes: int | None = None, **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'{self.NAME}: split must be one of {self.SPLITS}, got {split!r}')
        self.split = split
        self.check_files = check_files
        self.num_train_classes = num_train_classes
        if not osp.isdir(data_root):
            raise FileNotFoundError(f'{self.NAME}: data_root {data_root!r} does not exist. '
                                    f'Expected layout:\n{self.expected_tree(data_root)}')
        kwargs.setdefault('test_mode', split != 'train')
        super().__init__(ann_file='', data_root=data_root, data_prefix=self.IMG_PREFIX,
                         pipeline=pipeline, **kwargs)

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        raise NotImplementedError

    def records(self) -> tuple[list[tuple], dict]:
        """(records of the split, {class_key: class name})."""
        raise NotImplementedError

    def _class_split(self, keys: Sequence[int], src: str) -> set:
        """The class ids of this split: first ``num_train_classes`` (default half) train."""
        keys = sorted(set(keys))
        n_train = self.num_train_classes if self.num_train_classes is not None else len(keys) // 2
        if not 0 < n_train < len(keys):
            raise ValueError(f'{self.NAME}: num_train_classes={n_train} must leave classes for '
                             f'both splits; {src} has {len(keys)} classes')
        return set(keys[:n_train] if self.split == 'train' else keys[n_train:])

    def load_data_list(self) -> list[dict]:
        recs, names = self.records()
        prefix = self.img_prefix
        keys = sorted({r[1] for r in recs})
        label_of = {k: i for i, k in enumerate(keys)}
        data_list = []
        for rel, key, src, ln, extra in recs:
            path = osp.join(prefix, rel)
            if self.check_files and not osp.isfile(path):
                raise FileNotFoundError(
                    f'{src}:{ln}: lists image {rel!r}, but {path!r} does not exist. Re-extract '
                    f'the {self.NAME} archive or remove the line.')
            data_list.append(dict(img_path=path, gt_label=label_of[key], class_id=key, **extra))
        if not data_list:
            raise ValueError(f'{self.NAME}: split {self.split!r} is empty under '
                             f'{self.data_root!r}')
        self._metainfo['classes'] = tuple(str(names.get(k, k)) for k in keys)
        return data_list

    def extra_repr(self) -> list[str]:
        return [f'Root of dataset: \t{self.data_root}', f'Split: \t{self.split}',
                f'Number of classes: \t{len(self.CLASSES or ())}']


@DATASETS.register_module()
class CUBRetrieval(_RetrievalDataset):
    """CUB-200-2011, zero-shot split (first half of the classes train); see module docstring."""

    NAME = 'CUB-200-2011'
    IMG_PREFIX = 'images'

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/\n  images.txt              "<image id> <class>/<file>.jpg"\n'
                '  image_class_labels.txt  "<image id> <class id>"\n'
                '  classes.txt             "<class id> <class name>"\n'
                '  images/<class>/<file>.jpg')

    def records(self):
        tree = self.expected_tree(self.data_root)
        f_img = osp.join(self.data_root, 'images.txt')
        f_lab = osp.join(self.data_root, 'image_class_labels.txt')
        f_cls = osp.join(self.data_root, 'classes.txt')
        images = _id_file(f_img, tree, self.NAME)
        labels = _id_file(f_lab, tree, self.NAME)
        classes = _id_file(f_cls, tree, self.NAME)
        for img_id, (_, ln) in images.items():
            if img_id not in labels:
                raise ValueError(f'{f_img}:{ln}: image id {img_id} has no line in {f_lab}')
        class_of = {}
        for img_id, (val, ln) in labels.items():
            if not val.isdigit():
                raise ValueError(f'{f_lab}:{ln}: class id must be an integer, got {val!r}')
            if img_id not in images:
                raise ValueError(f'{f_lab}:{ln}: image id {img_id} is not in {f_img}')
            if int(val) not in classes:
                raise ValueError(f'{f_lab}:{ln}: class id {val} is not in {f_cls}')
            class_of[img_id] = int(val)
        chosen = self._class_split(list(classes), f_cls)
        recs = [(rel, class_of[i], f_img, ln, {}) for i, (rel, ln) in sorted(images.items())
                if class_of[i] in chosen]
        return recs, {k: v for k, (v, _) in classes.items()}


@DATASETS.register_module()
class Cars196Retrieval(_RetrievalDataset):
    """Cars-196 from the official ``cars_annos.mat``; classes 1-98 train, 99-196 test."""

    NAME = 'Cars-196'
    ANN_FILE = 'cars_annos.mat'

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/\n  cars_annos.mat   (annotations: relative_im_path, bbox_*, '
                'class, test; class_names)\n  car_ims/000001.jpg ...')

    def records(self):
        import numpy as np
        from scipy.io import loadmat
        path = osp.join(self.data_root, self.ANN_FILE)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{self.NAME}: missing {path!r}. Expected layout:\n'
                                    f'{self.expected_tree(self.data_root)}')
        mat = loadmat(path)
        if 'annotations' not in mat:
            raise ValueError(f'{path}: no "annotations" variable (found {sorted(mat)})')
        ann = mat['annotations'].reshape(-1)
        fields = ann.dtype.names or ()
        for need in ('relative_im_path', 'class'):
            if need not in fields:
                raise ValueError(f'{path}: annotations lack the field {need!r} (fields: '
                                 f'{fields})')
        names = {}
        if 'class_names' in mat:
            names = {i + 1: str(np.asarray(n).reshape(-1)[0])
                     for i, n in enumerate(mat['class_names'].reshape(-1))}
        items = []
        for i, a in enumerate(ann):
            rel = str(np.asarray(a['relative_im_path']).reshape(-1)[0])
            cls = int(np.asarray(a['class']).reshape(-1)[0])
            items.append((rel, cls, path, f'annotations[{i}]', {}))
        chosen = self._class_split([r[1] for r in items], path)
        return [r for r in items if r[1] in chosen], names


@DATASETS.register_module()
class SOPRetrieval(_RetrievalDataset):
    """Stanford Online Products: ``Ebay_train.txt`` train, ``Ebay_test.txt`` test."""

    NAME = 'Stanford Online Products'

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/\n  Ebay_train.txt   "image_id class_id super_class_id path" '
                '(header line, then one image per line)\n  Ebay_test.txt\n'
                '  bicycle_final/111085122871_0.JPG ...')

    def records(self):
        path = osp.join(self.data_root, 'Ebay_train.txt' if self.split == 'train'
                        else 'Ebay_test.txt')
        lines = _read_lines(path, self.expected_tree(self.data_root), self.NAME)
        recs = []
        for ln, line in enumerate(lines, 1):
            parts = line.split()
            if not parts or (ln == 1 and parts[0] == 'image_id'):
                continue
            if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
                raise ValueError(f'{path}:{ln}: expected "image_id class_id super_class_id '
                                 f'path", got {line!r}')
            recs.append((parts[3], int(parts[1]), path, ln, {}))
        return recs, {}


@DATASETS.register_module()
class InShopRetrieval(_RetrievalDataset):
    """In-Shop Clothes Retrieval: ``Eval/list_eval_partition.txt``; images under ``Img/``."""

    NAME = 'In-Shop Clothes Retrieval'
    SPLITS = ('train', 'test', 'query', 'gallery')
    IMG_PREFIX = 'Img'

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/\n  Eval/list_eval_partition.txt   (line 1: count; line 2: '
                '"image_name item_id evaluation_status"; then "img/.../x.jpg id_00000001 '
                'train|query|gallery")\n  Img/img/WOMEN/.../x.jpg ...')

    def records(self):
        path = osp.join(self.data_root, 'Eval', 'list_eval_partition.txt')
        lines = _read_lines(path, self.expected_tree(self.data_root), self.NAME)
        want = {'train': ('train',), 'test': ('query', 'gallery'), 'query': ('query',),
                'gallery': ('gallery',)}[self.split]
        recs = []
        for ln, line in enumerate(lines, 1):
            parts = line.split()
            if ln <= 2 and (not parts or parts[0].isdigit() or parts[0] == 'image_name'):
                continue
            if not parts:
                continue
            if len(parts) != 3 or parts[2] not in ('train', 'query', 'gallery'):
                raise ValueError(f'{path}:{ln}: expected "image_name item_id '
                                 f'train|query|gallery", got {line!r}')
            item = parts[1]
            try:
                key = int(item.split('_')[-1])
            except ValueError:
                raise ValueError(f'{path}:{ln}: item_id must end with a number (id_00000001), '
                                 f'got {item!r}') from None
            if parts[2] in want:
                extra = dict(item_id=item)
                if self.split != 'train':
                    extra['is_query'] = parts[2] == 'query'
                recs.append((parts[0], key, path, ln, extra))
        return recs, {r[1]: r[4]['item_id'] for r in recs}


# ------------------------------------------------------------------ tiny fixture writers
def _write_images(root: str, rels: Sequence[str], size: int = 8, seed: int = 0) -> None:
    import os

    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(seed)
    for rel in rels:
        p = osp.join(root, rel)
        os.makedirs(osp.dirname(p), exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(p)


def write_cub_fixture(root: str, num_classes: int = 4, per_class: int = 3,
                      images: bool = True) -> str:
    """A minimal CUB-layout tree (random 8x8 JPEGs); returns ``root``."""
    import os
    os.makedirs(root, exist_ok=True)
    cls_lines, img_lines, lab_lines, split_lines, rels = [], [], [], [], []
    n = 0
    for c in range(1, num_classes + 1):
        name = f'{c:03d}.Class_{c}'
        cls_lines.append(f'{c} {name}')
        for j in range(per_class):
            n += 1
            rel = f'{name}/Class_{c}_{j:04d}.jpg'
            rels.append(rel)
            img_lines.append(f'{n} {rel}')
            lab_lines.append(f'{n} {c}')
            split_lines.append(f'{n} {int(j % 2 == 0)}')
    for fname, lines in (('classes.txt', cls_lines), ('images.txt', img_lines),
                         ('image_class_labels.txt', lab_lines),
                         ('train_test_split.txt', split_lines)):
        with open(osp.join(root, fname), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    if images:
        _write_images(osp.join(root, 'images'), rels)
    return root


def write_cars196_fixture(root: str, num_classes: int = 4, per_class: int = 3,
                          images: bool = True) -> str:
    """A minimal ``cars_annos.mat`` + ``car_ims/`` tree in the official structure."""
    import os

    import numpy as np
    from scipy.io import savemat
    os.makedirs(root, exist_ok=True)
    dtype = [('relative_im_path', 'O'), ('bbox_x1', 'O'), ('bbox_y1', 'O'), ('bbox_x2', 'O'),
             ('bbox_y2', 'O'), ('class', 'O'), ('test', 'O')]
    rows, rels = [], []
    for c in range(1, num_classes + 1):
        for j in range(per_class):
            rel = f'car_ims/{len(rows) + 1:06d}.jpg'
            rels.append(rel)
            rows.append((np.array([rel]), np.array([[1]], np.uint8), np.array([[1]], np.uint8),
                         np.array([[7]], np.uint8), np.array([[7]], np.uint8),
                         np.array([[c]], np.uint8), np.array([[j % 2]], np.uint8)))
    ann = np.array([rows], dtype=dtype)
    names = np.empty((1, num_classes), dtype=object)
    for c in range(num_classes):
        names[0, c] = np.array([f'Make Model {c + 1}'])
    savemat(osp.join(root, 'cars_annos.mat'), {'annotations': ann, 'class_names': names})
    if images:
        _write_images(root, rels)
    return root


def write_sop_fixture(root: str, num_classes: int = 4, per_class: int = 3,
                      images: bool = True) -> str:
    """A minimal ``Ebay_train.txt`` / ``Ebay_test.txt`` tree (first half of classes train)."""
    import os
    os.makedirs(root, exist_ok=True)
    rels, files = [], {'Ebay_train.txt': [], 'Ebay_test.txt': []}
    n = 0
    for c in range(1, num_classes + 1):
        sup = 1 + (c - 1) % 2
        for j in range(per_class):
            n += 1
            rel = f'super{sup}_final/{c}_{j}.JPG'
            rels.append(rel)
            key = 'Ebay_train.txt' if c <= num_classes // 2 else 'Ebay_test.txt'
            files[key].append(f'{n} {c} {sup} {rel}')
    for fname, lines in files.items():
        with open(osp.join(root, fname), 'w') as f:
            f.write('\n'.join(['image_id class_id super_class_id path'] + lines) + '\n')
    if images:
        _write_images(root, rels)
    return root


def write_inshop_fixture(root: str, num_items: int = 6, per_item: int = 3,
                         images: bool = True) -> str:
    """A minimal In-Shop tree: first half of the items train, the rest split query (first
    image) / gallery (the others)."""
    import os
    os.makedirs(osp.join(root, 'Eval'), exist_ok=True)
    lines, rels = [], []
    for k in range(1, num_items + 1):
        for j in range(per_item):
            rel = f'img/WOMEN/Dresses/id_{k:08d}/{j:02d}_1_front.jpg'
            rels.append(rel)
            status = 'train' if k <= num_items // 2 else ('query' if j == 0 else 'gallery')
            lines.append(f'{rel} id_{k:08d} {status}')
    with open(osp.join(root, 'Eval', 'list_eval_partition.txt'), 'w') as f:
        f.write('\n'.join([str(len(lines)), 'image_name item_id evaluation_status'] + lines)
                + '\n')
    if images:
        _write_images(osp.join(root, 'Img'), rels)
    return root
