"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about psa."""
from cvshared.datasets.voc import voc_tree
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


SPEC = PaperSpec(
    key='psa',
    title='Learning Pixel-level Semantic Affinity with Image-level Supervision for Weakly '
          'Supervised Semantic Segmentation (Ahn & Kwak, CVPR 2018)',
    # the AffinityNet config: its test is the random_walk stage (pseudo-label mIoU on train)
    runs={'voc12aug_rw': 'configs/psa/psa-aff_resnet38_4xb2-8e_voc12aug-448x448.py'},
    synthetic_runs={'synthetic_rw': 'configs/psa/psa-aff_resnet38-tiny_1xb8-25e_synthetic.py'},
    # README (PyTorch, CVPR figures): pseudo-label mIoU on VOC 2012 train of the random walk
    reported={'mIoU': 58.1},
    protocol='pseudo labels of AffinityNet + random walk, VOC 2012 train, mIoU',
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='PASCAL VOC 2012 (host.robots.ox.ac.uk/pascal/VOC/voc2012) with SBD\'s '
              'SegmentationClassAug and train_aug.txt, DATA_ROOT = the VOC2012 folder',
    notes=['Staged paper: train_cam -> make_cam -> make_aff_labels -> train_aff -> random_walk '
           '(psa.pipeline); the stage pipeline of SPEC is not wired yet (README, Not done).'],
)
