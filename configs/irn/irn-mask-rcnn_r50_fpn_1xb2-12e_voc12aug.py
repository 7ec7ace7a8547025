# IRN's final instance model (stages train_maskrcnn / test_maskrcnn): mmdet's Mask R-CNN R50-FPN
# 1x (configs/_base_/wsss/mask_rcnn_r50_fpn_12e_voc12_pseudo.py) trained on the instance pseudo
# labels of the make_ins_seg_labels stage (COCO json of VOC 2012 train_aug), tested on VOC 2012
# val against the export_val_gt stage's json with mmdet's CocoMetric (segm): coco/segm_mAP_50 is
# COCO's 101-point AP at IoU 0.5, not the chainercv VOC AP of the paper's 46.7 mAP@0.5 (README
# Differences; the paper used Detectron).
_base_ = ['../_base_/wsss/mask_rcnn_r50_fpn_12e_voc12_pseudo.py']

custom_imports = dict(imports=['irn'], allow_failed_imports=False)
stage_inputs = dict(make_ins_seg_labels='work_dirs/reproduce/irn/make_ins_seg_labels',
                    export_val_gt='work_dirs/reproduce/irn/export_val_gt')
train_dataloader = dict(dataset=dict(
    ann_file=stage_inputs['make_ins_seg_labels'] + '/instances_train.json'))
val_dataloader = dict(dataset=dict(
    ann_file=stage_inputs['export_val_gt'] + '/instances_val.json'))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=stage_inputs['export_val_gt'] + '/instances_val.json')
test_evaluator = val_evaluator
