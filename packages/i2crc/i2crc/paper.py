"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about i2crc."""
from cvshared.datasets.voc import voc_tree
from cvshared.engine.stages import Pipeline, Stage
from cvshared.paper import PaperSpec

from .datasets.saliency import SALIENCY_TREE
from .datasets.synthetic import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if VOC 2012 + SBD or the saliency
    maps are not there."""
    import os.path as osp
    for rel in ('JPEGImages', 'Annotations', 'SegmentationClassAug',
                'ImageSets/Segmentation/train_aug.txt'):
        if not osp.exists(osp.join(data_root, rel)):
            raise FileNotFoundError(f'PASCAL VOC 2012 + SBD not found: {osp.join(data_root, rel)} '
                                    f'is missing. Expected:\n{voc_tree(data_root)}')
    if not osp.isdir(osp.join(data_root, 'saliency_aug')):
        raise FileNotFoundError(f'saliency maps not found: {osp.join(data_root, "saliency_aug")} '
                                f'is missing. Expected:\n{SALIENCY_TREE}')


CAM = 'configs/i2crc/i2crc-cam_vgg16-d1_1xb5-30e_voc12aug-256x256.py'
DEEPLAB = 'configs/i2crc/i2crc-deeplabv2_r101-msc_1xb5x2-20k_voc12aug-321x321.py'
REFINED = 'configs/i2crc/i2crc-deeplabv2-refined_r101-msc_1xb5x2-20k_voc12aug-321x321.py'
CAM_SYNTHETIC = 'configs/i2crc/i2crc-cam_vgg16-d1-tiny_1xb8-40e_synthetic.py'
DEEPLAB_SYNTHETIC = 'configs/i2crc/i2crc-deeplabv2_r18-tiny-msc_1xb4-200i_synthetic.py'
REFINED_SYNTHETIC = 'configs/i2crc/i2crc-deeplabv2-refined_r18-tiny-msc_1xb4-200i_synthetic.py'


def make_pipeline(cam: str, deeplab: str, refined: str) -> Pipeline:
    """train_cam -> make_labels -> train_deeplab -> test_deeplab -> refine_labels ->
    train_deeplab_refined -> test_deeplab_refined."""
    return Pipeline([
        Stage('train_cam', 'train', config=cam,
              description='D1 VGG-16 CAM classifier, MLSM + saliency-guided relation losses'),
        Stage('make_labels', 'call', config=cam, fn='i2crc.pipeline:make_labels_stage',
              requires=('train_cam',),
              description='single-scale CAM maps + gen_gt pseudo labels and their mIoU'),
        Stage('train_deeplab', 'train', config=deeplab, requires=('make_labels',),
              description='DeepLab-v2 MSC on the gen_gt labels'),
        Stage('test_deeplab', 'test', config=deeplab, requires=('train_deeplab',),
              description='val mIoU of the first DeepLab'),
        Stage('refine_labels', 'call', config=deeplab, fn='i2crc.pipeline:refine_labels_stage',
              requires=('make_labels', 'train_deeplab'),
              description='object-guided refinement of the first DeepLab\'s predictions'),
        Stage('train_deeplab_refined', 'train', config=refined, requires=('refine_labels',),
              description='DeepLab-v2 MSC retrained on the refined labels'),
        Stage('test_deeplab_refined', 'test', config=refined,
              requires=('train_deeplab_refined',), description='val mIoU, the final model'),
    ], paper='i2crc')


SPEC = PaperSpec(
    key='i2crc',
    title='Saliency-guided Inter- and Intra-Class Relation Constraints for Weakly Supervised '
          'Semantic Segmentation (Chen, Yao, Zhang, Wang, Xie, Shen; IEEE TMM 25, 2023)',
    runs={'voc12_deeplab': REFINED},
    synthetic_runs={'synthetic_deeplab': REFINED_SYNTHETIC},
    # official README: the released final DeepLab checkpoint_69.3.pth, VOC 2012 val 69.3 mIoU
    reported={'test_deeplab_refined/mIoU': 69.3},
    reported_per_run={'voc12_deeplab': {'test_deeplab_refined/mIoU': 69.3}},
    metric_scale={'test_deeplab_refined/mIoU': 1.0},
    protocol={'test_deeplab_refined/mIoU': 'DeepLab-v2 ResNet-101 MSC retrained on the refined '
                                           'pseudo labels of train_aug, VOC 2012 val, mIoU '
                                           '(the paper\'s with CRF; ours without)'},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='PASCAL VOC 2012 with SBD\'s SegmentationClassAug and train_aug.txt, DATA_ROOT = '
              'the VOC2012 folder, plus I2CRC\'s released saliency_aug.tar.gz unpacked into it '
              '(<DATA_ROOT>/saliency_aug/<name>.png)',
    pipeline=make_pipeline(CAM, DEEPLAB, REFINED),
    synthetic_pipeline=make_pipeline(CAM_SYNTHETIC, DEEPLAB_SYNTHETIC, REFINED_SYNTHETIC),
    notes=['Staged paper (i2crc.paper.make_pipeline); `python tools/stage.py i2crc <stage>` '
           'runs one stage. make_labels reports the gen_gt pseudo labels\' mIoU '
           '(make_labels/mIoU) beside the plain CAM labels at their best threshold '
           '(make_labels/cam_mIoU).'],
)
