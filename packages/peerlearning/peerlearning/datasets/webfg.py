"""The web training sets of WebFG-496 (web-bird, web-aircraft, web-car) and WebiNat-5089 in
their released layout, and the label alignment of a clean test set with them.

Released layout (the official README: ``tar -xvf web-bird.tar.gz`` etc. into the code folder;
``main.py`` reads them with torchvision ``ImageFolder``)::

    <data_root>/                 web-bird | web-aircraft | web-car | web-iNat
      train/<class name>/<image> the noisy web images (label = the folder)
      val/<class name>/<image>   the clean test images of the benchmark

Labels are the positions of the class folders in sorted order and images are taken in sorted
order, walking each class folder recursively, with ImageFolder's extensions (case-insensitive),
as ``ImageFolder`` does. Alternatively ``ann_file`` lists ``<path relative to data_root>
<label>`` lines (mmpretrain's ``CustomDataset`` list convention).

:class:`ClassAlignedDataset` gives a clean test set read by ``cvshared.datasets.finegrained``
(CUB-200-2011, FGVC-Aircraft, Stanford Cars: labels in the order of their official class ids)
the labels of the web training folders, by class name.
"""
from __future__ import annotations

import copy
import os
import os.path as osp
import re
from collections.abc import Sequence

from mmpretrain.datasets import BaseDataset

from ..registry import DATASETS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')
TREE = """{root}/
  train/<class name>/<image>.jpg   (web images; one folder per class)
  val/<class name>/<image>.jpg     (the clean test images, same class folders)"""
HINT = ('download web-bird / web-aircraft / web-car from https://web-fgvc-496-5089-sh.oss-cn-'
        'shanghai.aliyuncs.com/<name>.tar.gz (WebiNat-5089: the Baidu drive of the official '
        'README), extract, and set DATA_ROOT to the extracted folder')


def class_folders(folder: str) -> list[str]:
    """The sorted class folder names of ``folder`` (torchvision ``find_classes``)."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'web data set not found: {folder} is not a folder. '
                                f'Expected:\n{TREE.format(root=osp.dirname(folder) or ".")}\n'
                                f'({HINT})')
    classes = sorted(e.name for e in os.scandir(folder) if e.is_dir())
    if not classes:
        raise FileNotFoundError(f'{folder} has no class folders. Expected:\n'
                                f'{TREE.format(root=osp.dirname(folder) or ".")}')
    return classes


def check_layout(data_root: str, split: str = 'train') -> list[str]:
    """The classes of ``<data_root>/<split>``; ``FileNotFoundError`` with the tree if absent."""
    return class_folders(osp.join(data_root, split))


def _check_image(path: str, where: str) -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{where}: image {path} does not exist (a broken link or a '
                                'file removed after listing): restore it, or remove it (and its '
                                'line) from the data set')
    if osp.getsize(path) == 0:
        raise OSError(f'{where}: image {path} is empty (0 bytes): a failed download; '
                      're-extract the archive or delete the file')


@DATASETS.register_module()
class WebFGDataset(BaseDataset):
    """A WebFG-496 / WebiNat-5089 split in the released ImageFolder layout.

    Args:
        data_root: The extracted data set (``web-bird``, ..., ``web-iNat``).
        split: ``'train'`` (web images) or ``'val'`` (the release's clean test images).
        ann_file: Optional list file (``<rel path> <label>`` per line, relative to
            ``data_root``) used instead of walking the folders; classes still come from the
            split's folders.
        check_files: Stat every image when the set is built (a missing or empty file raises,
            naming it); the official ImageFolder would fail in the middle of an epoch.
    """

    def __init__(self, data_root: str, split: str = 'train', ann_file: str = '',
                 check_files: bool = True, pipeline: Sequence = (), test_mode: bool = False,
                 **kwargs):
        self.split, self.check_files = split, check_files
        super().__init__(ann_file=ann_file, data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, **kwargs)

    def load_data_list(self) -> list[dict]:
        folder = osp.join(self.data_root, self.split)
        classes = class_folders(folder)
        self._metainfo['classes'] = tuple(classes)
        data_list = self._from_list(classes) if self.ann_file else self._from_folders(folder,
                                                                                       classes)
        if not data_list:
            raise FileNotFoundError(f'no image ({", ".join(IMG_EXTENSIONS)}) under {folder}')
        return data_list

    def _from_folders(self, folder: str, classes: list[str]) -> list[dict]:
        data_list = []
        for label, name in enumerate(classes):
            count = 0
            for root, _, files in sorted(os.walk(osp.join(folder, name), followlinks=True)):
                for file in sorted(files):
                    if not file.lower().endswith(IMG_EXTENSIONS):
                        continue
                    path = osp.join(root, file)
                    if self.check_files:
                        _check_image(path, f'{self.split}/{name}')
                    data_list.append(dict(img_path=path, gt_label=label))
                    count += 1
            if count == 0:
                raise FileNotFoundError(f'class folder {osp.join(folder, name)} holds no image '
                                        f'({", ".join(IMG_EXTENSIONS)}): remove it or fill it')
        return data_list

    def _from_list(self, classes: list[str]) -> list[dict]:
        path = self.ann_file
        if not osp.isfile(path):
            raise FileNotFoundError(f'list file {path} does not exist')
        data_list = []
        with open(path, encoding='utf-8') as f:
            for ln, line in enumerate(f, 1):
                if not line.strip():
                    continue
                parts = line.rsplit(maxsplit=1)
                if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                    raise ValueError(f'{path}:{ln}: expected "<image path> <label>", got '
                                     f'{line.rstrip()!r}')
                label = int(parts[1])
                if not 0 <= label < len(classes):
                    raise ValueError(f'{path}:{ln}: label {label} outside 0..{len(classes) - 1} '
                                     f'({len(classes)} class folders in {self.split}/)')
                img = osp.join(self.data_root, parts[0])
                if self.check_files:
                    _check_image(img, f'{path}:{ln}')
                data_list.append(dict(img_path=img, gt_label=label))
        return data_list


def _normalised(name: str) -> str:
    """``'001.Black_footed_Albatross'`` -> ``'blackfootedalbatross'`` (numeric prefix, case and
    punctuation dropped) for matching class names across releases."""
    name = re.sub(r'^\d+[._\- ]+', '', name.strip())
    return re.sub(r'[^0-9a-z]', '', name.lower())


def align_classes(test_classes: Sequence[str], train_classes: Sequence[str],
                  match: str = 'name') -> list[int]:
    """For each test class, the index of the same class among ``train_classes``.

    ``match='name'``: equal names, else equal :func:`_normalised` names (each must be unique);
    ``'order'``: the same position (the counts must agree). Raises ``ValueError`` listing the
    test classes without a training class."""
    if match == 'order':
        if len(test_classes) != len(train_classes):
            raise ValueError(f'class counts differ: {len(test_classes)} test classes, '
                             f'{len(train_classes)} training class folders')
        return list(range(len(test_classes)))
    if match != 'name':
        raise ValueError(f"match must be 'name' or 'order', got {match!r}")
    exact = {n: i for i, n in enumerate(train_classes)}
    norm: dict[str, list[int]] = {}
    for i, n in enumerate(train_classes):
        norm.setdefault(_normalised(n), []).append(i)
    out, missing = [], []
    for name in test_classes:
        if name in exact:
            out.append(exact[name])
        elif len(norm.get(_normalised(name), [])) == 1:
            out.append(norm[_normalised(name)][0])
        else:
            missing.append(name)
    if missing:
        raise ValueError(f'{len(missing)} test classes have no training class folder of the '
                         f'same name: {missing[:5]}{" ..." if len(missing) > 5 else ""} '
                         f"(training folders e.g. {list(train_classes)[:3]}); rename the "
                         "folders, or match='order' if both lists are in the same order")
    if len(set(out)) != len(out):
        raise ValueError('two test classes map to the same training class folder')
    return out


@DATASETS.register_module()
class ClassAlignedDataset:  # candidate for cvshared (web training set + shared test set)
    """A test set whose labels are re-indexed to the classes of a web training split.

    Args:
        dataset: Config (or instance) of the clean test set, e.g.
            ``dict(type='CUB200Classification', data_root=..., split='test', pipeline=...)``.
        classes_root: The web training split whose sorted class folders define the labels
            (``<web root>/train``).
        match: ``'name'`` (default) or ``'order'`` (:func:`align_classes`).
    """

    def __init__(self, dataset, classes_root: str, match: str = 'name'):
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        train_classes = class_folders(classes_root)
        test_classes = list(self.dataset.metainfo['classes'])
        mapping = align_classes(test_classes, train_classes, match)
        self._infos = []
        for i in range(len(self.dataset)):
            info = copy.deepcopy(self.dataset.get_data_info(i))
            info['gt_label'] = mapping[int(info['gt_label'])]
            self._infos.append(info)
        self.metainfo = dict(classes=tuple(train_classes))

    def __len__(self) -> int:
        return len(self._infos)

    def get_data_info(self, idx: int) -> dict:
        return copy.deepcopy(self._infos[idx])

    def __getitem__(self, idx: int):
        return self.dataset.pipeline(self.get_data_info(idx))
