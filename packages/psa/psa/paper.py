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
CAM_SYNTHETIC = 'configs/psa/psa-cam_resnet38-tiny_1xb8-40e_synthetic.py'
AFF_SYNTHETIC = 'configs/psa/psa-aff_resnet38-tiny_1xb8-25e_synthetic.py'


def make_pipeline(cam_config: str, aff_config: str) -> Pipeline:
    """train_cam -> make_cam -> make_aff_labels -> train_aff -> random_walk (the last returns the
    pseudo-label mIoU, ``random_walk/mIoU``, and the CAM-only ``random_walk/cam_mIoU``)."""
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
              description='random-walk pseudo labels (.png) and their mIoU'),
    ], paper='psa')


SPEC = PaperSpec(
    key='psa',
    title='Learning Pixel-level Semantic Affinity with Image-level Supervision for Weakly '
          'Supervised Semantic Segmentation (Ahn & Kwak, CVPR 2018)',
    # the AffinityNet config: its test is the random_walk stage (pseudo-label mIoU on train)
    # the AffinityNet config names the data (reproduce runs the pipeline below)
    runs={'voc12aug_rw': AFF},
    synthetic_runs={'synthetic_rw': AFF_SYNTHETIC},
    # README (PyTorch, CVPR figures): pseudo-label mIoU on VOC 2012 train of the random walk
    reported={'random_walk/mIoU': 58.1},
    protocol='pseudo labels of AffinityNet + random walk, VOC 2012 train, mIoU',
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='PASCAL VOC 2012 (host.robots.ox.ac.uk/pascal/VOC/voc2012) with SBD\'s '
              'SegmentationClassAug and train_aug.txt, DATA_ROOT = the VOC2012 folder',
    pipeline=make_pipeline(CAM, AFF),
    synthetic_pipeline=make_pipeline(CAM_SYNTHETIC, AFF_SYNTHETIC),
    notes=['Staged paper: train_cam -> make_cam -> make_aff_labels -> train_aff -> random_walk '
           '(psa.pipeline); `python tools/stage.py psa <stage>` runs one stage. The DeepLab '
           'stage on the pseudo labels is not wired (README, Not done).'],
)
