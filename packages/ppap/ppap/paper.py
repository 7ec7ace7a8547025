"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about ppap."""
from cvshared.datasets.useg import (
    Cityscapes27Dataset,
    CocoStuff27Dataset,
    CroppedUSegDataset,
    Potsdam3Dataset,
)
from cvshared.datasets.useg_synthetic import make_synthetic as _make_useg_synthetic
from cvshared.paper import PaperSpec

#: coarse COCO-Stuff ids of the synthetic set (4 classes: the synthetic config's num_classes)
SYNTHETIC_CLASSES = (0, 1, 2, 3)


def make_synthetic(root: str, seed: int = 0, num_train: int = 48, num_val: int = 12) -> str:
    """The synthetic COCO-Stuff-27 curated tree of ``ppap_dino-tiny_synthetic.py``: 64 x 64
    textured Voronoi regions of :data:`SYNTHETIC_CLASSES` (cvshared.datasets.useg_synthetic)."""
    return _make_useg_synthetic(root, num_train=num_train, num_val=num_val, size=(64, 64),
                                classes=SYNTHETIC_CLASSES, seed=seed)


# run name -> (dataset class, constructor arguments of the data set the config reads first)
_DATA = {
    'cocostuff27_vits16': (CroppedUSegDataset, dict(dataset_name='cocostuff27', split='train')),
    'cocostuff27_vits8': (CroppedUSegDataset, dict(dataset_name='cocostuff27', split='train')),
    'cityscapes27': (CroppedUSegDataset, dict(dataset_name='cityscapes', split='train')),
    'potsdam3': (Potsdam3Dataset, dict(split='train')),
}
_VAL = {'cocostuff27_vits16': CocoStuff27Dataset, 'cocostuff27_vits8': CocoStuff27Dataset,
        'cityscapes27': Cityscapes27Dataset, 'potsdam3': Potsdam3Dataset}


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there (the
    shared data sets check every listed file when built)."""
    if run_name == 'synthetic':
        CocoStuff27Dataset(data_root=data_root, split='val', lazy_init=False)
        return
    cls, kwargs = _DATA[run_name]
    _VAL[run_name](data_root=data_root, split='val', lazy_init=False)
    cls(data_root=data_root, lazy_init=False, **kwargs)


SPEC = PaperSpec(
    key='ppap',
    title='Progressive Proxy Anchor Propagation for Unsupervised Semantic Segmentation '
          '(Seong et al., ECCV 2024)',
    runs={'cocostuff27_vits16': 'configs/ppap/ppap_dino-vits16_5e_cocostuff27.py',
          'cocostuff27_vits8': 'configs/ppap/ppap_dino-vits8_5e_cocostuff27.py',
          'cityscapes27': 'configs/ppap/ppap_dino-vitb8_30e_cityscapes27.py',
          'potsdam3': 'configs/ppap/ppap_dino-vitb8_40e_potsdam3.py'},
    synthetic_runs={'synthetic': 'configs/ppap/ppap_dino-tiny_synthetic.py'},
    reported={},
    reported_not_found=('searched 2026-12-03 (search tool: pages, docs, issues, code): the '
                        'stored arXiv pages hold only the abstract and introduction and the '
                        'official README has no table; no aggregator lists PPAP numbers'),
    metric_scale={'cluster/mIoU': 1.0, 'cluster/Accuracy': 1.0, 'linear/mIoU': 1.0,
                  'linear/Accuracy': 1.0},   # the metric reports percent already
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='COCO-Stuff (cocostuff/images, annotations, curated lists), Cityscapes '
              '(leftImg8bit, gtFine) and Potsdam (imgs, gt, split files) as STEGO / the official '
              'dataset/dataset_download.py lay them out; then tools/useg_five_crop.py writes the '
              'five-crop training sets under DATA_ROOT/cropped/. DINO weights (e.g. '
              'dino_deitsmall16_pretrain.pth) go to checkpoints/ (README, Data).',
    notes=['The official validates without CRF during training, keeps the best checkpoint by '
           'the sum of the four val metrics and reports it with CRF; we evaluate with CRF '
           '(crf=True) and keep the best epoch by cluster/mIoU.',
           'Synthetic mode: a tiny random ViT on 64 x 64 textured regions of 4 classes; its '
           'numbers only show that the pipeline learns, they are not comparable to the paper.'],
    benchmark_config='configs/ppap/ppap_dino-vits16_5e_cocostuff27.py',
    protocol='single-scale, 320 centre crop, dense CRF (official eval jsons)',
    test_protocol='single-scale, centre crop (320; synthetic 64), dense CRF (synthetic: none)',
)
