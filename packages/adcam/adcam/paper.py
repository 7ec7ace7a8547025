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
DEEPLAB = 'configs/adcam/adcam-deeplabv2_r50_1xb10-20k_voc12aug-321x321.py'
DEEPLAB_SYNTHETIC = 'configs/adcam/adcam-deeplabv2_r18-tiny_1xb4-160i_synthetic.py'


def make_pipeline(cam_config: str, deeplab_config: str) -> Pipeline:
    """train_cam -> make_pseudo_labels (CAM, TransCAM and AD-CAM pseudo labels of VOC 2012
    train_aug, VOC palette PNGs, and their mIoU on VOC train: ``make_pseudo_labels/<method>/
    mIoU``) -> train_deeplab (DeepLab v2 on the AD-CAM labels) -> test_deeplab (VOC val mIoU,
    ``test_deeplab/mIoU``). No AffinityNet stage (README, Not done)."""
    return Pipeline([
        Stage('train_cam', 'train', config=cam_config,
              description='Conformer CAM net (TransCAM heads) on the image labels'),
        Stage('make_pseudo_labels', 'call', config=cam_config,
              fn='adcam.pipeline:make_pseudo_labels_stage', requires=('train_cam',),
              description='multi-scale + flip CAM / TransCAM / AD-CAM maps, pseudo labels and '
                          'their mIoU'),
        Stage('train_deeplab', 'train', config=deeplab_config, requires=('make_pseudo_labels',),
              description='DeepLab v2 on the AD-CAM pseudo labels'),
        Stage('test_deeplab', 'test', config=deeplab_config, requires=('train_deeplab',),
              description='VOC val mIoU'),
    ], paper='adcam')


SPEC = PaperSpec(
    key='adcam',
    title='Attention-based Class Activation Diffusion for Weakly-Supervised Semantic '
          'Segmentation (Huang, Wang, Sun & Zhang, arXiv 2211.10931, 2022)',
    runs={'voc12_pseudo': CAM, 'voc12_deeplab': DEEPLAB},
    synthetic_runs={'synthetic_pseudo': CAM_SYNTHETIC, 'synthetic_deeplab': DEEPLAB_SYNTHETIC},
    reported={},
    reported_not_found='The stored copy of the paper (arXiv 2211.10931, ar5iv) that the search '
                       'tool reaches holds its abstract only, and no public code exists: its '
                       'result tables (pseudo-label mIoU on VOC train, DeepLab VOC val / test, '
                       'COCO) could not be read; the abstract gives no number.',
    metric_scale=1.0,   # both stages report percent
    protocol={'make_pseudo_labels/adcam/mIoU': 'AD-CAM pseudo labels (multi-scale + flip, '
                                                 'constant background score), VOC 2012 train, '
                                                 'mIoU',
              'test_deeplab/mIoU': 'DeepLab on the AD-CAM pseudo labels, VOC 2012 val, mIoU'},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='PASCAL VOC 2012 (host.robots.ox.ac.uk/pascal/VOC/voc2012) with SBD\'s '
              'SegmentationClassAug and train_aug.txt, DATA_ROOT = the VOC2012 folder',
    pipeline=make_pipeline(CAM, DEEPLAB),
    synthetic_pipeline=make_pipeline(CAM_SYNTHETIC, DEEPLAB_SYNTHETIC),
    notes=['Staged: train_cam -> make_pseudo_labels (adcam.pipeline) -> train_deeplab -> '
           'test_deeplab; make_pseudo_labels reports the '
           'CAM, TransCAM and AD-CAM pseudo-label mIoU side by side (each at the config\'s '
           'background score and at its best score).'],
)
