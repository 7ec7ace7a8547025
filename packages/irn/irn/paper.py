"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about irn."""
from cvshared.datasets.voc import voc_tree
from cvshared.engine.stages import Pipeline, Stage
from cvshared.paper import PaperSpec

from .datasets.synthetic import make_chain_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if VOC 2012 + SBD is not there."""
    import os.path as osp
    for rel in ('JPEGImages', 'Annotations', 'SegmentationClass', 'SegmentationClassAug',
                'SegmentationObject', 'ImageSets/Segmentation/train_aug.txt',
                'ImageSets/Segmentation/train.txt', 'ImageSets/Segmentation/val.txt'):
        if not osp.exists(osp.join(data_root, rel)):
            raise FileNotFoundError(f'PASCAL VOC 2012 + SBD not found: {osp.join(data_root, rel)} '
                                    f'is missing. Expected:\n{voc_tree(data_root)}')


CAM = 'configs/irn/irn-cam_r50_1xb16-5e_voc12aug-512x512.py'
IRN = 'configs/irn/irn-irnet_r50_1xb32-3e_voc12aug-512x512.py'
DEEPLAB = 'configs/irn/irn-deeplabv2_r50_1xb10-20k_voc12aug-321x321.py'
MASKRCNN = 'configs/irn/irn-mask-rcnn_r50_fpn_1xb2-12e_voc12aug.py'
CAM_SYNTHETIC = 'configs/irn/irn-cam_r18-tiny_1xb8-40e_synthetic.py'
IRN_SYNTHETIC = 'configs/irn/irn-irnet_r18-tiny_1xb8-30e_synthetic.py'
DEEPLAB_SYNTHETIC = 'configs/irn/irn-deeplabv2_r18-tiny_1xb4-40i_synthetic.py'
MASKRCNN_SYNTHETIC = 'configs/irn/irn-mask-rcnn_r18-tiny_fpn_1xb2-2e_synthetic.py'


def make_pipeline(cam: str, irn: str, deeplab: str, maskrcnn: str,
                  irn_from_cam: bool = False) -> Pipeline:
    """train_cam -> make_cam -> cam_to_ir_label -> train_irn -> make_sem_seg_labels ->
    make_ins_seg_labels -> export_val_gt -> train_deeplab -> test_deeplab -> train_maskrcnn ->
    test_maskrcnn (``run_sample.py``'s chain and the two final models).  ``irn_from_cam``:
    train_irn also reads the train_cam checkpoint (the synthetic IRNet's backbone)."""
    return Pipeline([
        Stage('train_cam', 'train', config=cam,
              description='ResNet-50 CAM net on the image labels'),
        Stage('make_cam', 'call', config=cam, fn='irn.pipeline:make_cam_stage',
              requires=('train_cam',), description='multi-scale + flip CAMs (.npy)'),
        Stage('cam_to_ir_label', 'call', config=irn, fn='irn.pipeline:cam_to_ir_label_stage',
              requires=('make_cam',), description='IR labels, fg / bg / 255 + CRF (.png)'),
        Stage('train_irn', 'train', config=irn,
              requires=('cam_to_ir_label', 'train_cam') if irn_from_cam else
              ('cam_to_ir_label',),
              description='IRNet boundary + displacement branches on the IR labels'),
        Stage('make_sem_seg_labels', 'call', config=irn,
              fn='irn.pipeline:make_sem_seg_labels_stage', requires=('make_cam', 'train_irn'),
              description='random-walk semantic pseudo labels (.png) and their mIoU'),
        Stage('make_ins_seg_labels', 'call', config=irn,
              fn='irn.pipeline:make_ins_seg_labels_stage', requires=('make_cam', 'train_irn'),
              description='instance pseudo labels (.npz, COCO json) and their AP'),
        Stage('export_val_gt', 'call', config=maskrcnn,
              fn='cvshared.wsss.export:export_voc_gt_stage',
              description='VOC val instances as COCO json (Mask R-CNN evaluation)'),
        Stage('train_deeplab', 'train', config=deeplab, requires=('make_sem_seg_labels',),
              description='DeepLab v2 ResNet-50 on the semantic pseudo labels'),
        Stage('test_deeplab', 'test', config=deeplab, requires=('train_deeplab',),
              description='VOC val mIoU'),
        Stage('train_maskrcnn', 'train', config=maskrcnn,
              requires=('make_ins_seg_labels', 'export_val_gt'),
              description='Mask R-CNN R50-FPN on the instance pseudo labels'),
        Stage('test_maskrcnn', 'test', config=maskrcnn,
              requires=('train_maskrcnn', 'export_val_gt'),  # its json, in any work dir
              description='VOC val mask AP (CocoMetric)'),
    ], paper='irn')


SPEC = PaperSpec(
    key='irn',
    title='Weakly Supervised Learning of Instance Segmentation with Inter-pixel Relations '
          '(Ahn, Cho & Kwak, CVPR 2019)',
    # the final models' configs (their data roots are the VOC2012 folder); reproduce runs the
    # pipeline below and collects its test stages' metrics
    runs={'voc12_deeplab': DEEPLAB, 'voc12_maskrcnn': MASKRCNN},
    synthetic_runs={'synthetic_deeplab': DEEPLAB_SYNTHETIC,
                    'synthetic_maskrcnn': MASKRCNN_SYNTHETIC},
    # paper Table 4 (DeepLab ResNet-50 on IRN's labels, VOC 2012 val) and Table 2 (Mask R-CNN
    # on IRN's labels, VOC 2012 val, mAP at IoU 0.5; the 23.5 at IoU 0.7 has no CocoMetric key)
    reported={'test_deeplab/mIoU': 63.5, 'test_maskrcnn/coco/segm_mAP_50': 46.7},
    reported_per_run={'voc12_deeplab': {'test_deeplab/mIoU': 63.5},
                      'voc12_maskrcnn': {'test_maskrcnn/coco/segm_mAP_50': 46.7}},
    # mmseg's IoUMetric is in percent already, mmdet's CocoMetric a fraction
    metric_scale={'test_deeplab/mIoU': 1.0, 'test_maskrcnn/coco/segm_mAP_50': 100.0},
    protocol={'test_deeplab/mIoU': 'DeepLab v2 ResNet-50 (deeplab-pytorch) on the IRN pseudo '
                                   'labels of train_aug, VOC 2012 val, mIoU (CRF not stated)',
              'test_maskrcnn/coco/segm_mAP_50': 'Mask R-CNN R50-FPN (Detectron) on the IRN '
                                                'instance labels of train_aug, VOC 2012 val, '
                                                'chainercv VOC mask AP at IoU 0.5'},
    test_protocol='single-scale (Mask R-CNN: CocoMetric, COCO 101-point mask AP)',
    make_synthetic=make_chain_synthetic,  # the marked style (README Results)
    check_data=check_data,
    data_hint='PASCAL VOC 2012 (host.robots.ox.ac.uk/pascal/VOC/voc2012) with SBD\'s '
              'SegmentationClassAug and train_aug.txt, DATA_ROOT = the VOC2012 folder',
    pipeline=make_pipeline(CAM, IRN, DEEPLAB, MASKRCNN),
    synthetic_pipeline=make_pipeline(CAM_SYNTHETIC, IRN_SYNTHETIC, DEEPLAB_SYNTHETIC,
                                     MASKRCNN_SYNTHETIC, irn_from_cam=True),
    notes=['Staged paper: train_cam -> make_cam -> cam_to_ir_label -> train_irn -> '
           'make_sem_seg_labels -> make_ins_seg_labels -> export_val_gt -> train_deeplab -> '
           'test_deeplab -> train_maskrcnn -> test_maskrcnn (irn.pipeline); '
           '`python tools/stage.py irn <stage>` runs one stage. The pseudo labels\' own '
           'figures (make_sem_seg_labels/mIoU, make_ins_seg_labels/mAP@0.5) are printed too.'],
)
