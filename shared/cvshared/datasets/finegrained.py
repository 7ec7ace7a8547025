"""Fine-grained *classification* benchmarks in their official layouts, with their official
train / test splits, as mmpretrain datasets (registered in mmengine's root ``DATASETS``;
pipelines from mmpretrain's ``TRANSFORMS``). The zero-shot retrieval splits of the same images
are in :mod:`.retrieval`.

=============================  =====================================================================
data set                       layout (``data_root`` = the folder shown) and split
=============================  =====================================================================
``CUB200Classification``       ``CUB_200_2011/{images.txt, image_class_labels.txt, classes.txt,
                               train_test_split.txt, images/<class>/<file>.jpg}``;
                               ``train_test_split.txt``: ``<image id> 1`` train, ``0`` test.
``StanfordCarsClassification`` ``cars_annos.mat`` + ``car_ims/`` (the ``test`` flag of each
                               annotation), or the devkit layout ``devkit/{cars_meta.mat,
                               cars_train_annos.mat, cars_test_annos_withlabels.mat}`` +
                               ``cars_train/``, ``cars_test/``; ``class`` 1..196.
``FGVCAircraftClassification`` ``fgvc-aircraft-2013b/data/{images_<level>_<split>.txt,
                               variants.txt | families.txt | manufacturers.txt, images/<id>.jpg}``;
                               ``level`` variant (100) / family (70) / manufacturer (30),
                               ``split`` train / val / trainval / test.
``StanfordDogsClassification`` ``{lists/train_list.mat, lists/test_list.mat,
                               Images/<wnid>-<breed>/<wnid>_<n>.jpg}``; ``file_list`` and
                               ``labels`` (1..120) of the list files.
``NABirdsClassification``      ``nabirds/{images.txt, image_class_labels.txt, train_test_split.txt,
                               classes.txt, images/<class id>/<file>.jpg}``; image ids are UUIDs;
                               the labels are the classes that images use (555 leaves of
                               ``classes.txt``'s 1,011-node hierarchy in the release).
=============================  =====================================================================

Every data info holds ``img_path`` and ``gt_label``: the class index over **all** classes of
the data set, in ascending order of the official class id (the same index in both splits), and
``class_id`` (the official id). ``metainfo['classes']`` are the class names of the files, so any
class names and counts work (a user's own data in the same layout). A missing root or list
raises ``FileNotFoundError`` with the expected tree; a malformed line, an id missing from another
file, a label outside the class list or a listed image that does not exist raises naming the
file and line (``check_files=True`` stats every image when the set is built).

mmpretrain's ``CUB``, ``StanfordCars`` and ``FGVCAircraft`` read the same files but hard-code the
benchmark's class names (so a user's own classes fail), check ids with bare ``assert`` and have
no Stanford Dogs or NABirds reader.
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import numpy as np
from mmengine.registry import DATASETS
from mmpretrain.datasets import BaseDataset

from .retrieval import _id_file, _read_lines, _write_images

__all__ = ['CUB200Classification', 'StanfordCarsClassification', 'FGVCAircraftClassification',
           'StanfordDogsClassification', 'NABirdsClassification', 'write_cub_cls_fixture',
           'write_cars_devkit_fixture', 'write_aircraft_fixture', 'write_dogs_fixture',
           'write_nabirds_fixture']


def _key_file(path: str, tree: str, name: str) -> dict[str, tuple[str, int]]:
    """``<string id> <value>`` lines -> {id: (value, line)} (NABirds' UUID ids)."""
    out: dict[str, tuple[str, int]] = {}
    for ln, line in enumerate(_read_lines(path, tree, name), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            raise ValueError(f'{path}:{ln}: expected "<id> <value>", got {line!r}')
        if parts[0] in out:
            raise ValueError(f'{path}:{ln}: id {parts[0]} repeated (first at line '
                             f'{out[parts[0]][1]})')
        out[parts[0]] = (parts[1].strip(), ln)
    return out


class _ClassificationDataset(BaseDataset):
    """Subclasses implement :meth:`records`: the split's images as ``(rel_path, class_key,
    file, line)`` and ``{class_key: name}`` of ALL classes (the label map of both splits)."""

    NAME = ''
    SPLITS: tuple[str, ...] = ('train', 'test')
    IMG_PREFIX = ''

    def __init__(self, data_root: str, split: str = 'train', pipeline: Sequence = (),
                 check_files: bool = True, **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'{self.NAME}: split must be one of {self.SPLITS}, got {split!r}')
        self.split, self.check_files = split, check_files
        if not osp.isdir(data_root):
            raise FileNotFoundError(f'{self.NAME}: data_root {data_root!r} does not exist. '
                                    f'Expected layout:\n{self.expected_tree(data_root)}')
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', data_root=data_root, data_prefix=self.IMG_PREFIX,
                         pipeline=pipeline, **kwargs)

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        raise NotImplementedError

    def records(self) -> tuple[list[tuple], dict]:
        raise NotImplementedError

    def load_data_list(self) -> list[dict]:
        recs, names = self.records()
        keys = sorted(names)
        label_of = {k: i for i, k in enumerate(keys)}
        data_list = []
        for rel, key, src, ln in recs:
            path = osp.join(self.img_prefix, rel)
            if self.check_files and not osp.isfile(path):
                raise FileNotFoundError(
                    f'{src}:{ln}: lists image {rel!r}, but {path!r} does not exist. Re-extract '
                    f'the {self.NAME} archive or remove the line.')
            data_list.append(dict(img_path=path, gt_label=label_of[key], class_id=key))
        if not data_list:
            raise ValueError(f'{self.NAME}: split {self.split!r} is empty under '
                             f'{self.data_root!r}')
        self._metainfo['classes'] = tuple(str(names[k]) for k in keys)
        return data_list

    def extra_repr(self) -> list[str]:
        return [f'Root of dataset: \t{self.data_root}', f'Split: \t{self.split}',
                f'Number of classes: \t{len(self.CLASSES or ())}']


def _join_split(images: dict, labels: dict, split_of: dict, classes: dict, files: tuple,
                want: str, cast=lambda v: v) -> list[tuple]:
    """CUB / NABirds: images x labels x split flags -> the records of split ``want``."""
    f_img, f_lab, f_split, f_cls = files
    for key, (_, ln) in images.items():
        for other, f in ((labels, f_lab), (split_of, f_split)):
            if key not in other:
                raise ValueError(f'{f_img}:{ln}: image id {key} has no line in {f}')
    recs = []
    for key, (rel, ln) in sorted(images.items()):
        flag, sln = split_of[key]
        if flag not in ('0', '1'):
            raise ValueError(f'{f_split}:{sln}: expected "<image id> <1 train | 0 test>", got '
                             f'flag {flag!r}')
        cls, lln = labels[key]
        try:
            cls = cast(cls)
        except ValueError:
            raise ValueError(f'{f_lab}:{lln}: class id {cls!r} is not an integer') from None
        if cls not in classes:
            raise ValueError(f'{f_lab}:{lln}: class id {cls} is not in {f_cls}')
        if (flag == '1') == (want == 'train'):
            recs.append((rel, cls, f_img, ln))
    return recs


class _IdListsDataset(_ClassificationDataset):
    """CUB / NABirds: ``images.txt``, ``image_class_labels.txt``, ``train_test_split.txt`` keyed
    by image id, and ``classes.txt``; :meth:`class_names` picks the label map."""

    IMG_PREFIX = 'images'
    FILES = ('images.txt', 'image_class_labels.txt', 'train_test_split.txt', 'classes.txt')
    STRING_IDS = False   # NABirds' image ids are UUIDs

    def class_names(self, classes: dict, labels: dict) -> dict[int, str]:
        return {k: v for k, (v, _) in classes.items()}

    def records(self):
        tree = self.expected_tree(self.data_root)
        files = tuple(osp.join(self.data_root, f) for f in self.FILES)
        read = _key_file if self.STRING_IDS else _id_file
        images, labels, split_of = (read(f, tree, self.NAME) for f in files[:3])
        classes = _id_file(files[3], tree, self.NAME)
        recs = _join_split(images, labels, split_of, classes, files, self.split, int)
        return recs, self.class_names(classes, labels)


@DATASETS.register_module()
class CUB200Classification(_IdListsDataset):
    """CUB-200-2011 with its official classification split (5,994 train / 5,794 test)."""

    NAME = 'CUB-200-2011'

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/\n  images.txt              "<image id> <class>/<file>.jpg"\n'
                '  image_class_labels.txt  "<image id> <class id>"\n'
                '  train_test_split.txt    "<image id> <1 train | 0 test>"\n'
                '  classes.txt             "<class id> <class name>"\n'
                '  images/<class>/<file>.jpg')


@DATASETS.register_module()
class NABirdsClassification(_IdListsDataset):
    """NABirds with its official split (23,929 train / 24,633 test, 555 classes)."""

    NAME = 'NABirds'
    STRING_IDS = True

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/\n  images.txt              "<image uuid> <class id>/<file>.jpg"\n'
                '  image_class_labels.txt  "<image uuid> <class id>"\n'
                '  train_test_split.txt    "<image uuid> <1 train | 0 test>"\n'
                '  classes.txt             "<class id> <class name>" (every node of the '
                'hierarchy)\n  images/<class id>/<file>.jpg')

    def class_names(self, classes: dict, labels: dict) -> dict[int, str]:
        used = sorted({int(v) for v, _ in labels.values()})   # the leaves images are labelled with
        return {k: classes[k][0] for k in used}


@DATASETS.register_module()
class StanfordCarsClassification(_ClassificationDataset):
    """Stanford Cars (8,144 train / 8,041 test, 196 classes), either official layout."""

    NAME = 'Stanford Cars'

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/\n  cars_annos.mat   (annotations: relative_im_path, bbox_*, class, '
                'test; class_names) + car_ims/000001.jpg ...\n'
                'or the devkit layout:\n  devkit/cars_meta.mat  (class_names)\n'
                '  devkit/cars_train_annos.mat, devkit/cars_test_annos_withlabels.mat  '
                '(annotations: bbox_*, class, fname)\n  cars_train/00001.jpg ...  '
                'cars_test/00001.jpg ...')

    @staticmethod
    def _names(mat: dict, path: str) -> dict[int, str]:
        if 'class_names' not in mat:
            raise ValueError(f'{path}: no "class_names" variable')
        return {i + 1: str(np.asarray(n).reshape(-1)[0])
                for i, n in enumerate(np.asarray(mat['class_names']).reshape(-1))}

    def records(self):
        from scipy.io import loadmat
        tree = self.expected_tree(self.data_root)
        combined = osp.join(self.data_root, 'cars_annos.mat')
        if osp.isfile(combined):
            mat = loadmat(combined)
            names, path, prefix = self._names(mat, combined), combined, ''
            want_test = self.split == 'test'
        else:
            meta = osp.join(self.data_root, 'devkit', 'cars_meta.mat')
            path = osp.join(self.data_root, 'devkit', 'cars_test_annos_withlabels.mat'
                            if self.split == 'test' else 'cars_train_annos.mat')
            for f in (meta, path):
                if not osp.isfile(f):
                    raise FileNotFoundError(f'{self.NAME}: neither {combined!r} nor {f!r} '
                                            f'exists. Expected layout:\n{tree}')
            names, mat = self._names(loadmat(meta), meta), loadmat(path)
            prefix, want_test = 'cars_test' if self.split == 'test' else 'cars_train', None
        if 'annotations' not in mat:
            raise ValueError(f'{path}: no "annotations" variable')
        ann = np.asarray(mat['annotations']).reshape(-1)
        fields = ann.dtype.names or ()
        need = {'relative_im_path', 'class', 'test'} if want_test is not None else {'fname',
                                                                                     'class'}
        if not need <= set(fields):
            raise ValueError(f'{path}: annotations have fields {fields}, need {sorted(need)}'
                             ' (for the test split of the devkit layout: '
                             'cars_test_annos_withlabels.mat, not cars_test_annos.mat)')
        recs = []
        for i, a in enumerate(ann, 1):
            cls = int(np.asarray(a['class']).reshape(-1)[0])
            if cls not in names:
                raise ValueError(f'{path}: annotation {i}: class {cls} outside class_names '
                                 f'(1..{len(names)})')
            if want_test is not None:
                if bool(np.asarray(a['test']).reshape(-1)[0]) != want_test:
                    continue
                rel = str(np.asarray(a['relative_im_path']).reshape(-1)[0])
            else:
                rel = osp.join(prefix, str(np.asarray(a['fname']).reshape(-1)[0]))
            recs.append((rel, cls, path, f'annotation {i}'))
        return recs, names


@DATASETS.register_module()
class FGVCAircraftClassification(_ClassificationDataset):
    """FGVC-Aircraft 2013b (6,667 trainval / 3,333 test) at the variant, family or
    manufacturer level; class keys are the positions in the level's class list."""

    NAME = 'FGVC-Aircraft'
    SPLITS = ('train', 'val', 'trainval', 'test')
    IMG_PREFIX = osp.join('data', 'images')
    LEVELS = {'variant': 'variants.txt', 'family': 'families.txt',
              'manufacturer': 'manufacturers.txt'}

    def __init__(self, data_root: str, split: str = 'trainval', level: str = 'variant',
                 **kwargs):
        if level not in self.LEVELS:
            raise ValueError(f'{self.NAME}: level must be one of {sorted(self.LEVELS)}, got '
                             f'{level!r}')
        self.level = level
        super().__init__(data_root, split=split, **kwargs)

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/data/\n  images_<level>_<split>.txt  "<image id> <class name>", '
                'level variant | family | manufacturer, split train | val | trainval | test\n'
                '  variants.txt, families.txt, manufacturers.txt   one class name per line\n'
                '  images/<image id>.jpg')

    def records(self):
        tree = self.expected_tree(self.data_root)
        f_cls = osp.join(self.data_root, 'data', self.LEVELS[self.level])
        names = [n.strip() for n in _read_lines(f_cls, tree, self.NAME) if n.strip()]
        index = {n: i for i, n in enumerate(names)}
        f_lst = osp.join(self.data_root, 'data', f'images_{self.level}_{self.split}.txt')
        recs = []
        for ln, line in enumerate(_read_lines(f_lst, tree, self.NAME), 1):
            if not line.strip():
                continue
            parts = line.split(maxsplit=1)
            if len(parts) != 2:
                raise ValueError(f'{f_lst}:{ln}: expected "<image id> <class name>", got '
                                 f'{line!r}')
            if parts[1].strip() not in index:
                raise ValueError(f'{f_lst}:{ln}: class {parts[1].strip()!r} is not in {f_cls}')
            recs.append((parts[0] + '.jpg', index[parts[1].strip()], f_lst, ln))
        return recs, dict(enumerate(names))


@DATASETS.register_module()
class StanfordDogsClassification(_ClassificationDataset):
    """Stanford Dogs (12,000 train / 8,580 test, 120 breeds); class names are the breed folders
    (``n02085620-Chihuahua`` -> ``Chihuahua``), which must agree with the list files' labels."""

    NAME = 'Stanford Dogs'
    IMG_PREFIX = 'Images'

    @classmethod
    def expected_tree(cls, data_root: str) -> str:
        return (f'{data_root}/\n  lists/train_list.mat, lists/test_list.mat   (file_list: '
                '"<wnid>-<breed>/<file>.jpg" cells; labels: 1..120)\n'
                '  Images/<wnid>-<breed>/<wnid>_<n>.jpg')

    def records(self):
        from scipy.io import loadmat
        tree = self.expected_tree(self.data_root)
        path = osp.join(self.data_root, 'lists', f'{self.split}_list.mat')
        if not osp.isfile(path):
            raise FileNotFoundError(f'{self.NAME}: missing {path!r}. Expected layout:\n{tree}')
        mat = loadmat(path)
        if not {'file_list', 'labels'} <= set(mat):
            raise ValueError(f'{path}: needs the variables file_list and labels, has '
                             f'{sorted(k for k in mat if not k.startswith("__"))}')
        files = [str(np.asarray(f).reshape(-1)[0]) for f in np.asarray(mat['file_list'])
                 .reshape(-1)]
        labels = [int(v) for v in np.asarray(mat['labels']).reshape(-1)]
        if len(files) != len(labels):
            raise ValueError(f'{path}: {len(files)} files but {len(labels)} labels')
        folder_of: dict[int, str] = {}
        recs = []
        for i, (rel, cls) in enumerate(zip(files, labels), 1):
            folder = rel.split('/')[0]
            if folder_of.setdefault(cls, folder) != folder:
                raise ValueError(f'{path}: entry {i} ({rel}) has label {cls}, which entry '
                                 f'folder {folder_of[cls]!r} also has: labels and breed '
                                 'folders disagree')
            recs.append((rel, cls, path, f'entry {i}'))
        names = {c: f.split('-', 1)[-1] for c, f in folder_of.items()}
        return recs, names


# ------------------------------------------------------------------ tiny fixture writers
def write_cub_cls_fixture(root: str, num_classes: int = 4, per_class: int = 3,
                          images: bool = True) -> str:
    """The CUB fixture of :mod:`.retrieval` (its ``train_test_split.txt``: even images train)."""
    from .retrieval import write_cub_fixture
    return write_cub_fixture(root, num_classes, per_class, images)


def _classes_per_image(num_classes: int, per_class: int):
    for c in range(1, num_classes + 1):
        for j in range(per_class):
            yield c, j


def write_cars_devkit_fixture(root: str, num_classes: int = 4, per_class: int = 3,
                              images: bool = True) -> str:
    """A devkit-layout Stanford Cars tree: even images train, odd test."""
    from scipy.io import savemat
    os.makedirs(osp.join(root, 'devkit'), exist_ok=True)
    dtype = [('bbox_x1', 'O'), ('bbox_y1', 'O'), ('bbox_x2', 'O'), ('bbox_y2', 'O'),
             ('class', 'O'), ('fname', 'O')]
    rows: dict[str, list] = {'train': [], 'test': []}
    rels = []
    for c, j in _classes_per_image(num_classes, per_class):
        split = 'train' if j % 2 == 0 else 'test'
        fname = f'{len(rows[split]) + 1:05d}.jpg'
        rels.append(f'cars_{split}/{fname}')
        box = [np.array([[v]], np.uint8) for v in (1, 1, 7, 7)]
        rows[split].append((*box, np.array([[c]], np.uint8), np.array([fname])))
    for split, name in (('train', 'cars_train_annos.mat'),
                        ('test', 'cars_test_annos_withlabels.mat')):
        savemat(osp.join(root, 'devkit', name),
                {'annotations': np.array([rows[split]], dtype=dtype)})
    names = np.empty((1, num_classes), dtype=object)
    for c in range(num_classes):
        names[0, c] = np.array([f'Make Model {c + 1}'])
    savemat(osp.join(root, 'devkit', 'cars_meta.mat'), {'class_names': names})
    if images:
        _write_images(root, rels)
    return root


def write_aircraft_fixture(root: str, num_classes: int = 4, per_class: int = 3,
                           images: bool = True) -> str:
    """An FGVC-Aircraft ``data/`` tree at the variant level (names with spaces, like
    ``Cessna 172``); image j of a class goes to train (j % 3 == 0), val (1) or test (2)."""
    d = osp.join(root, 'data')
    os.makedirs(d, exist_ok=True)
    names = [f'Maker {c}-{c}00' for c in range(1, num_classes + 1)]
    lists: dict[str, list[str]] = {'train': [], 'val': [], 'test': []}
    ids = []
    for c, j in _classes_per_image(num_classes, per_class):
        img = f'{1000000 + len(ids):07d}'
        ids.append(img)
        lists[('train', 'val', 'test')[j % 3]].append(f'{img} {names[c - 1]}')
    lists['trainval'] = lists['train'] + lists['val']
    with open(osp.join(d, 'variants.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    for split, lines in lists.items():
        with open(osp.join(d, f'images_variant_{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    if images:
        _write_images(osp.join(d, 'images'), [i + '.jpg' for i in ids])
    return root


def write_dogs_fixture(root: str, num_classes: int = 4, per_class: int = 3,
                       images: bool = True) -> str:
    """A Stanford Dogs tree: ``lists/{train,test}_list.mat`` (even images train)."""
    from scipy.io import savemat
    os.makedirs(osp.join(root, 'lists'), exist_ok=True)
    entries: dict[str, list] = {'train': [], 'test': []}
    for c, j in _classes_per_image(num_classes, per_class):
        wnid = f'n{2085620 + c:08d}'
        rel = f'{wnid}-Breed_{c}/{wnid}_{j}.jpg'
        entries['train' if j % 2 == 0 else 'test'].append((rel, c))
    for split, ent in entries.items():
        fl = np.empty((len(ent), 1), dtype=object)
        for i, (rel, _) in enumerate(ent):
            fl[i, 0] = np.array([rel])
        savemat(osp.join(root, 'lists', f'{split}_list.mat'),
                {'file_list': fl, 'annotation_list': fl,
                 'labels': np.array([[c] for _, c in ent], dtype=np.float64)})
    if images:
        _write_images(osp.join(root, 'Images'), [r for e in entries.values() for r, _ in e])
    return root


def write_nabirds_fixture(root: str, num_classes: int = 4, per_class: int = 3,
                          images: bool = True) -> str:
    """A NABirds tree: UUID image ids, leaf class ids 295.. under parent nodes 0..3 that no
    image uses (as in the release, where ``classes.txt`` lists the whole hierarchy)."""
    import uuid
    os.makedirs(root, exist_ok=True)
    rng = np.random.default_rng(0)
    cls_lines = [f'{k} Parent node {k}' for k in range(4)]
    img, lab, spl, rels = [], [], [], []
    for c, j in _classes_per_image(num_classes, per_class):
        cid = 294 + c
        if j == 0:
            cls_lines.append(f'{cid} Bird species {c} (Adult)')
        u = str(uuid.UUID(bytes=rng.bytes(16), version=4))
        rel = f'{cid:04d}/{u.replace("-", "")}.jpg'
        rels.append(rel)
        img.append(f'{u} {rel}')
        lab.append(f'{u} {cid}')
        spl.append(f'{u} {int(j % 2 == 0)}')
    for fname, lines in (('classes.txt', cls_lines), ('images.txt', img),
                         ('image_class_labels.txt', lab), ('train_test_split.txt', spl)):
        with open(osp.join(root, fname), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    if images:
        _write_images(osp.join(root, 'images'), rels)
    return root
