"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about adcam."""
from cvshared.datasets.voc import voc_tree
from cvshared.engine.stages import Pipeline, Stage
from cvshared.paper import PaperSpec

from .datasets import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if VOC 2012 + SBD is not there."""
    import os.path as osp
    for rel in ('JPEGImages', 'Annotations', 'SegmentationClass',
                'ImageSets/Segmentation/train_aug.txt', 'ImageSets/Segmentation/train.txt'):
        if not osp.exists(osp.join(data_root, rel)):
            raise FileNotFoundError(f'PASCAL VOC 2012 + SBD not found: {osp.join(data_root, rel)} '
                                    f'is missing. Expected:\n{voc_tree(data_root)}')


CAM = 'configs/adcam/adcam-cam_conformer-s_1xb8-20e_voc12aug-512x512.py'
CAM_SYNTHETIC = 'configs/adcam/adcam-cam_conformer-tiny_1xb8-120i_synthetic.py'


def make_pipeline(cam_config: str) -> Pipeline:
    """train_cam -> make_pseudo_labels (CAM, TransCAM and AD-CAM pseudo labels of VOC 2012
    train, VOC palette PNGs, and their mIoU: ``make_pseudo_labels/<method>/mIoU``). The later
    stages of the paper (AffinityNet, DeepLab) are not built (README, Not done)."""
    return Pipeline([
        Stage('train_cam', 'train', config=cam_config,
              description='Conformer CAM net (TransCAM heads) on the image labels'),
        Stage('make_pseudo_labels', 'call', config=cam_config,
              fn='adcam.pipeline:make_pseudo_labels_stage', requires=('train_cam',),
              description='multi-scale + flip CAM / TransCAM / AD-CAM maps, pseudo labels and '
                          'their mIoU'),
    ], paper='adcam')


SPEC = PaperSpec(
    key='adcam',
    title='Attention-based Class Activation Diffusion for Weakly-Supervised Semantic '
          'Segmentation (Huang, Wang, Sun & Zhang, arXiv 2211.10931, 2022)',
    runs={'voc12_pseudo': CAM},
    synthetic_runs={'synthetic_pseudo': CAM_SYNTHETIC},
    reported={},
    reported_not_found='The stored copy of the paper (arXiv 2211.10931, ar5iv) that the search '
                       'tool reaches holds its abstract only, and no public code exists: its '
                       'result tables (pseudo-label mIoU on VOC train, DeepLab VOC val / test, '
                       'COCO) could not be read; the abstract gives no number.',
    metric_scale={'make_pseudo_labels/adcam/mIoU': 1.0},
    protocol={'make_pseudo_labels/adcam/mIoU': 'AD-CAM pseudo labels (multi-scale + flip, '
                                                 'constant background score), VOC 2012 train, '
                                                 'mIoU'},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='PASCAL VOC 2012 (host.robots.ox.ac.uk/pascal/VOC/voc2012) with SBD\'s '
              'SegmentationClassAug and train_aug.txt, DATA_ROOT = the VOC2012 folder',
    pipeline=make_pipeline(CAM),
    synthetic_pipeline=make_pipeline(CAM_SYNTHETIC),
    notes=['Staged: train_cam -> make_pseudo_labels (adcam.pipeline); the stage reports the '
           'CAM, TransCAM and AD-CAM pseudo-label mIoU side by side (each at the config\'s '
           'background score and at its best score).'],
)
