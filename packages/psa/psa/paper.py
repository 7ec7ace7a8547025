"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about psa."""
from cvshared.datasets.voc import voc_tree
from cvshared.engine.stages import Pipeline, Stage
from cvshared.paper import PaperSpec

from .datasets.transforms import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if VOC 2012 + SBD is not there."""
    import os.path as osp
    for rel in ('JPEGImages', 'Annotations', 'SegmentationClassAug',
                'ImageSets/Segmentation/train_aug.txt'):
        if not osp.exists(osp.join(data_root, rel)):
            raise FileNotFoundError(f'PASCAL VOC 2012 + SBD not found: {osp.join(data_root, rel)} '
                                    f'is missing. Expected:\n{voc_tree(data_root)}')


CAM = 'configs/psa/psa-cam_resnet38_8xb2-15e_voc12aug-448x448.py'
AFF = 'configs/psa/psa-aff_resnet38_4xb2-8e_voc12aug-448x448.py'
DEEPLAB = 'configs/psa/psa-deeplabv2_resnet38_1xb10-20k_voc12aug-321x321.py'
CAM_SYNTHETIC = 'configs/psa/psa-cam_resnet38-tiny_1xb8-33e_synthetic.py'
AFF_SYNTHETIC = 'configs/psa/psa-aff_resnet38-tiny_1xb8-13e_synthetic.py'
DEEPLAB_SYNTHETIC = 'configs/psa/psa-deeplabv2_resnet38-tiny_1xb4-160i_synthetic.py'


def make_pipeline(cam_config: str, aff_config: str, deeplab_config: str) -> Pipeline:
    """train_cam -> make_cam -> make_aff_labels -> train_aff -> random_walk -> train_deeplab ->
    test_deeplab. random_walk returns the pseudo-label mIoU (``random_walk/mIoU``) and the
    CAM-only ``random_walk/cam_mIoU``; test_deeplab the DeepLab's VOC val ``test_deeplab/mIoU``
    (mmseg's IoUMetric)."""
    return Pipeline([
        Stage('train_cam', 'train', config=cam_config,
              description='ResNet-38 CAM net on the image labels'),
        Stage('make_cam', 'call', config=cam_config, fn='psa.pipeline:make_cam_stage',
              requires=('train_cam',), description='multi-scale + flip CAMs (.npy)'),
        Stage('make_aff_labels', 'call', config=aff_config,
              fn='psa.pipeline:make_aff_labels_stage', requires=('make_cam',),
              description='la / ha dense-CRF score stacks (.npz)'),
        Stage('train_aff', 'train', config=aff_config, requires=('make_aff_labels',),
              description='AffinityNet on the affinity labels'),
        Stage('random_walk', 'call', config=aff_config, fn='psa.pipeline:random_walk_stage',
              requires=('make_cam', 'train_aff'),
              description='random-walk pseudo labels (VOC palette .png) and their mIoU'),
        Stage('train_deeplab', 'train', config=deeplab_config, requires=('random_walk',),
              description='DeepLab v2 ResNet-38 on the random-walk pseudo labels'),
        Stage('test_deeplab', 'test', config=deeplab_config, requires=('train_deeplab',),
              description='VOC val mIoU'),
    ], paper='psa')


SPEC = PaperSpec(
    key='psa',
    title='Learning Pixel-level Semantic Affinity with Image-level Supervision for Weakly '
          'Supervised Semantic Segmentation (Ahn & Kwak, CVPR 2018)',
    # the AffinityNet config (its test is the random walk: pseudo-label mIoU on VOC train) and
    # the final DeepLab's (VOC val mIoU); reproduce runs the pipeline below and collects the
    # metrics of its random_walk and test_deeplab stages
    runs={'voc12aug_rw': AFF, 'voc12_deeplab': DEEPLAB},
    synthetic_runs={'synthetic_rw': AFF_SYNTHETIC, 'synthetic_deeplab': DEEPLAB_SYNTHETIC},
    # official README (PyTorch, CVPR figures): RW pseudo labels 58.1 mIoU on VOC 2012 train;
    # paper: DeepLab (ResNet-38) on them, 61.7 mIoU on VOC 2012 val (63.7 on test, server only)
    reported={'random_walk/mIoU': 58.1, 'test_deeplab/mIoU': 61.7},
    reported_per_run={'voc12aug_rw': {'random_walk/mIoU': 58.1},
                      'voc12_deeplab': {'test_deeplab/mIoU': 61.7}},
    # both stages report percent already (random_walk_stage scales; mmseg's IoUMetric is in %)
    metric_scale={'random_walk/mIoU': 1.0, 'test_deeplab/mIoU': 1.0},
    protocol={'random_walk/mIoU': 'pseudo labels of AffinityNet + random walk, VOC 2012 train, '
                                  'mIoU',
              'test_deeplab/mIoU': 'DeepLab (ResNet-38) on the RW pseudo labels of train_aug, '
                                   'VOC 2012 val, mIoU'},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='PASCAL VOC 2012 (host.robots.ox.ac.uk/pascal/VOC/voc2012) with SBD\'s '
              'SegmentationClassAug and train_aug.txt, DATA_ROOT = the VOC2012 folder',
    pipeline=make_pipeline(CAM, AFF, DEEPLAB),
    synthetic_pipeline=make_pipeline(CAM_SYNTHETIC, AFF_SYNTHETIC, DEEPLAB_SYNTHETIC),
    notes=['Staged paper: train_cam -> make_cam -> make_aff_labels -> train_aff -> random_walk '
           '-> train_deeplab -> test_deeplab (psa.pipeline); `python tools/stage.py psa <stage>` '
           'runs one stage. The CAM-only pseudo labels\' mIoU (random_walk/cam_mIoU, the '
           'paper\'s 48.0) is printed too.'],
)
