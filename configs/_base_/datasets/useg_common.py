# Shared parts of the unsupervised semantic segmentation bases (useg_*.py; STEGO protocol as in
# the official HP / PPAP code): the data preprocessor (the loaders give RGB, so bgr_to_rgb=False;
# ImageNet mean / std on the 0..255 scale = the official T.Normalize) and the two evaluators:
# the cluster probe scored after Hungarian matching (the unsupervised result) and the linear
# probe scored as is. Metric keys: cluster/mIoU, cluster/Accuracy, linear/mIoU, linear/Accuracy.
custom_imports = dict(imports=['cvshared.datasets.useg', 'cvshared.metrics.unsupervised_seg'],
                      allow_failed_imports=False)
data_preprocessor = dict(
    type='mmseg.SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=False,
    size_divisor=8,  # training batches: mmseg's stack_batch needs a size rule (no padding at
                     # 224 / 320 / 64: the sides are multiples of 8)
    pad_val=0,
    seg_pad_val=255)
val_evaluator = [
    dict(type='UnsupervisedSegMetric', hungarian=True, pred_key='pred_sem_seg',
         prefix='cluster'),
    dict(type='UnsupervisedSegMetric', hungarian=False, pred_key='linear_pred_sem_seg',
         prefix='linear'),
]
test_evaluator = val_evaluator
