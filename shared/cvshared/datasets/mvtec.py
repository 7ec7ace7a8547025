"""MVTec AD and VisA (MVTec-format split) as mmengine datasets.

Both benchmarks are one-class: a model is trained per *category* on defect-free images and
tested on normal and defective ones. The official on-disk layout (MVTec AD as downloaded; VisA
after the authors' ``prepare_data.py --split-type 1cls``) is::

    <data_root>/<category>/
        train/good/*.png                  normal training images
        test/good/*.png                   normal test images (no mask)
        test/<defect>/*.png               defective test images
        ground_truth/<defect>/<stem>_mask.png   (MVTec AD)  binary masks, one per defective image
        ground_truth/<defect>/<stem>.png        (VisA 1cls; images are .JPG there)

``load_data_list`` checks the whole tree when the dataset is built: a missing category or split
raises ``FileNotFoundError`` showing this tree; a defective test image without its mask, a mask
whose size differs from its image, and a file that is not a readable image raise errors naming
the file. Nothing is skipped silently.

The two transforms below load an image (RGB, resized to the configured size with PIL's LANCZOS
filter, as the MSFlow paper does) and its mask (NEAREST, binarised), and pack them for an
mmengine ``ImgDataPreprocessor``.
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS, TRANSFORMS
from mmengine.structures import BaseDataElement
from PIL import Image

from .io import image_size, open_image

MVTEC_AD_CATEGORIES = ('bottle', 'cable', 'capsule', 'carpet', 'grid', 'hazelnut', 'leather',
                       'metal_nut', 'pill', 'screw', 'tile', 'toothbrush', 'transistor', 'wood',
                       'zipper')
VISA_CATEGORIES = ('candle', 'capsules', 'cashew', 'chewinggum', 'fryum', 'macaroni1',
                   'macaroni2', 'pcb1', 'pcb2', 'pcb3', 'pcb4', 'pipe_fryum')
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')

_INTERPOLATION = {'lanczos': Image.LANCZOS, 'bicubic': Image.BICUBIC,
                  'bilinear': Image.BILINEAR, 'nearest': Image.NEAREST}


def _as_hw(size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    h, w = size
    return int(h), int(w)


class _AnomalyFolderDataset(BaseDataset):
    """Common reader for MVTec-layout one-class anomaly data sets (see the module docstring).

    Args:
        data_root: Folder holding one sub-folder per category.
        category: The category to read (one model per category).
        split: ``'train'`` (normal images only) or ``'test'``.
        pipeline: mmengine transforms, usually ``LoadAnomalyImageAndMask`` then
            ``PackAnomalyInputs``.
        check_images: Read every image header (and mask header) while listing, so a corrupt or
            mis-sized file fails at start-up instead of mid-training.
        require_both_classes: The test split must hold good/ and at least one defect folder
            (the metrics are undefined otherwise); ``False`` lists whatever is there.

    ``category`` may be any folder name: a custom data set in this layout (e.g.
    ``data_root/my_part/...``) works for training and test; the benchmark's own category
    names (``CATEGORIES``) only appear in the error message of a missing category.

    Each data info has ``img_path``, ``mask_path`` (``None`` for good images), ``gt_label``
    (0 normal / 1 anomalous), ``defect_type`` and ``category``.
    """

    CATEGORIES: tuple[str, ...] = ()
    MASK_SUFFIX = '_mask.png'
    NAME = ''
    DOWNLOAD_HINT = ''

    def __init__(self, data_root: str, category: str, split: str = 'train', pipeline=(),
                 check_images: bool = True, require_both_classes: bool = True, **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if not isinstance(category, str) or not category or osp.sep in category:
            raise ValueError(f'category must be the name of one folder of data_root, got '
                             f'{category!r}')
        self.category = category
        self.require_both_classes = require_both_classes
        self.split = split
        self.check_images = check_images
        kwargs.setdefault('serialize_data', False)
        super().__init__(data_root=data_root, pipeline=list(pipeline),
                         test_mode=split == 'test', **kwargs)

    # ------------------------------------------------------------------ layout checks
    @classmethod
    def expected_tree(cls, data_root: str, category: str) -> str:
        mask = '<stem>' + cls.MASK_SUFFIX
        return (f'{data_root}/\n'
                f'  {category}/\n'
                f'    train/good/*.png\n'
                f'    test/good/*.png\n'
                f'    test/<defect>/*.png\n'
                f'    ground_truth/<defect>/{mask}')

    @classmethod
    def check_layout(cls, data_root: str, category: str) -> None:
        """Raise ``FileNotFoundError`` showing the expected tree if ``category`` is absent."""
        cat_dir = osp.join(data_root, category)
        missing = [d for d in (osp.join(cat_dir, 'train', 'good'), osp.join(cat_dir, 'test'))
                   if not osp.isdir(d)]
        if missing:
            known = (f' Known {cls.NAME} categories: {", ".join(cls.CATEGORIES)}.'
                     if cls.CATEGORIES else '')
            raise FileNotFoundError(
                f'{cls.NAME} category {category!r} not found: missing {missing[0]!r}.\n'
                f'Expected the official layout:\n{cls.expected_tree(data_root, category)}\n'
                f'{cls.DOWNLOAD_HINT}{known} Point DATA_ROOT (or data_root in the config) at '
                'the folder that holds the category folders.')

    def _list_images(self, folder: str) -> list[str]:
        files = sorted(f for f in os.listdir(folder) if not f.startswith('.'))
        paths = []
        for f in files:
            path = osp.join(folder, f)
            if osp.isdir(path):
                raise ValueError(f'Unexpected folder {path!r} inside an image folder of the '
                                 f'{self.NAME} layout; expected only image files.')
            if osp.splitext(f)[1].lower() not in IMAGE_EXTENSIONS:
                raise ValueError(f'{path!r} is not an image file (extension not in '
                                 f'{IMAGE_EXTENSIONS}); remove it from the data set folder.')
            paths.append(path)
        if not paths:
            raise FileNotFoundError(f'No images in {folder!r}; the {self.NAME} category is '
                                    'incomplete (re-extract the archive).')
        return paths

    def load_data_list(self) -> list[dict]:
        self.check_layout(self.data_root, self.category)
        cat_dir = osp.join(self.data_root, self.category)
        split_dir = osp.join(cat_dir, self.split)
        defect_types = sorted(d for d in os.listdir(split_dir)
                              if osp.isdir(osp.join(split_dir, d)))
        loose = sorted(f for f in os.listdir(split_dir) if not f.startswith('.')
                       and osp.isfile(osp.join(split_dir, f)))
        if loose:
            where = ('good/' if self.split == 'train' else
                     'good/ (normal images) and one folder per defect type, e.g. '
                     'test/scratch/, with each defective image\'s mask in '
                     'ground_truth/<defect>/')
            raise ValueError(
                f'{split_dir!r} holds files directly ({len(loose)}, e.g. {loose[0]!r}); the '
                f'{self.NAME} layout keeps them in sub-folders: move them into {where}.\n'
                f'Expected:\n{self.expected_tree(self.data_root, self.category)}')
        if self.split == 'train' and defect_types != ['good']:
            raise ValueError(f'{split_dir!r} must hold only good/ (found {defect_types}); '
                             'the training split of a one-class data set has no defects.')
        if self.split == 'test' and self.require_both_classes:
            anomalous = [d for d in defect_types if d != 'good']
            if not anomalous or 'good' not in defect_types:
                lacking = ('no defect folder (only good/)' if not anomalous
                           else f'no good/ folder (only {anomalous})')
                raise ValueError(
                    f'{split_dir!r} has {lacking}: image AUROC, pixel AUROC and PRO need both '
                    'normal (test/good/) and defective (test/<defect>/ with masks in '
                    'ground_truth/<defect>/) test images, or they are undefined. Add the '
                    'missing class; to score images without labels use tools/infer.py.')
        data_list = []
        for defect in defect_types:
            for img_path in self._list_images(osp.join(split_dir, defect)):
                mask_path = None
                if defect != 'good':
                    stem = osp.splitext(osp.basename(img_path))[0]
                    mask_path = osp.join(cat_dir, 'ground_truth', defect, stem + self.MASK_SUFFIX)
                    if not osp.isfile(mask_path):
                        raise FileNotFoundError(
                            f'Defective test image {img_path!r} has no mask: expected '
                            f'{mask_path!r}. Every test/<defect>/ image needs its mask in '
                            'ground_truth/<defect>/ (re-extract the data set archive).')
                if self.check_images:
                    size = image_size(img_path)
                    if mask_path is not None and image_size(mask_path) != size:
                        raise ValueError(
                            f'Mask {mask_path!r} has size {image_size(mask_path)} but its image '
                            f'{img_path!r} has size {size} (width, height); the mask must '
                            'match its image pixel for pixel.')
                data_list.append(dict(img_path=img_path, mask_path=mask_path,
                                      gt_label=int(defect != 'good'), defect_type=defect,
                                      category=self.category))
        return data_list


@DATASETS.register_module()
class MVTecADDataset(_AnomalyFolderDataset):
    """MVTec AD (Bergmann et al., CVPR 2019), official layout; masks are ``<stem>_mask.png``."""

    CATEGORIES = MVTEC_AD_CATEGORIES
    MASK_SUFFIX = '_mask.png'
    NAME = 'MVTec AD'
    DOWNLOAD_HINT = ('Download it from https://www.mvtec.com/company/research/datasets/mvtec-ad '
                     'and extract it.')


@DATASETS.register_module()
class VisAMVTecDataset(_AnomalyFolderDataset):
    """VisA (Zou et al., ECCV 2022) in its MVTec-format "1cls" split; masks are ``<stem>.png``.

    Produce the split with the authors' ``prepare_data.py --split-type 1cls`` (repository
    amazon-science/spot-diff); ``data_root`` is its output folder (``.../VisA_pytorch/1cls``).
    """

    CATEGORIES = VISA_CATEGORIES
    MASK_SUFFIX = '.png'
    NAME = 'VisA (1cls split)'
    DOWNLOAD_HINT = ('Download VisA from https://github.com/amazon-science/spot-diff and run '
                     'its prepare_data.py --split-type 1cls.')


@TRANSFORMS.register_module()
class LoadAnomalyImageAndMask(BaseTransform):
    """Load ``img_path`` as RGB and ``mask_path`` as a binary mask, both resized to ``img_size``.

    Adds ``img`` (H, W, 3 uint8, RGB) and ``gt_mask`` (H, W uint8 in {0, 1}; zeros for good
    images). The image uses ``interpolation`` (LANCZOS in MSFlow), the mask NEAREST.
    """

    def __init__(self, img_size: int | Sequence[int] = 512, interpolation: str = 'lanczos'):
        self.img_size = _as_hw(img_size)
        if interpolation not in _INTERPOLATION:
            raise ValueError(f'interpolation must be one of {sorted(_INTERPOLATION)}')
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        h, w = self.img_size
        img = open_image(results['img_path'], 'RGB')
        results['ori_shape'] = (img.height, img.width)
        img = img.resize((w, h), _INTERPOLATION[self.interpolation])
        results['img'] = np.asarray(img, dtype=np.uint8).copy()
        results['img_shape'] = (h, w)
        if results.get('mask_path'):
            mask = open_image(results['mask_path'], 'L')
            if mask.size != (results['ori_shape'][1], results['ori_shape'][0]):
                raise ValueError(f"Mask {results['mask_path']!r} has size {mask.size} but its "
                                 f"image has size {results['ori_shape'][::-1]} (width, height).")
            mask = mask.resize((w, h), Image.NEAREST)
            results['gt_mask'] = (np.asarray(mask) > 0).astype(np.uint8)
        else:
            results['gt_mask'] = np.zeros((h, w), dtype=np.uint8)
        return results


@TRANSFORMS.register_module()
class PackAnomalyInputs(BaseTransform):
    """Pack to ``dict(inputs=CHW uint8 tensor, data_samples=BaseDataElement)``.

    The data sample carries ``gt_label`` (0/1 long tensor) and ``gt_mask`` (H, W uint8 tensor)
    as data fields and the paths, defect type and shapes as meta information.
    """

    META_KEYS = ('img_path', 'mask_path', 'category', 'defect_type', 'ori_shape', 'img_shape')

    def transform(self, results: dict) -> dict:
        img = torch.from_numpy(np.ascontiguousarray(results['img'].transpose(2, 0, 1)))
        sample = BaseDataElement(metainfo={k: results.get(k) for k in self.META_KEYS})
        sample.gt_label = torch.tensor(results['gt_label'], dtype=torch.long)
        sample.gt_mask = torch.from_numpy(results['gt_mask'])
        return dict(inputs=img, data_samples=sample)
