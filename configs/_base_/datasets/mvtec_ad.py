# MVTec AD (Bergmann et al., CVPR 2019), one model per category, official layout
# (<data_root>/<category>/{train/good, test/<defect>, ground_truth/<defect>/<stem>_mask.png}).
# DATA_ROOT is the MVTec AD folder itself (the one holding bottle/, cable/, ...).
# A per-category config sets `category` in the three dataloaders' datasets; for a custom data
# set in this layout with any category name: `--cfg-options category=my_part` (the tools carry
# a top-level variable's override to the dataset fields of the same name; cvshared.engine.launch)
dataset_type = 'MVTecADDataset'
data_root = '{{$DATA_ROOT:data/mvtec_ad}}'
category = 'bottle'
img_size = 512
metric_prefix = 'mvtec'

pipeline = [
    dict(type='LoadAnomalyImageAndMask', img_size=img_size, interpolation='lanczos'),
    dict(type='PackAnomalyInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, category=category, split='train',
                 pipeline=pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, category=category, split='test',
                 pipeline=pipeline))
test_dataloader = val_dataloader

# Image AUROC on the image score, pixel AUROC on the localisation map; PRO on the map the paper
# uses for it (MSFlow: its "mul" map), with the 800-threshold integration of the official
# evaluators as the paper's key (<prefix>/PRO) and the exact integration beside it
# (<prefix>/PRO_exact: every score a threshold, cut at FPR 0.3; see cvshared.metrics.anomaly).
val_evaluator = [
    dict(type='AnomalyImageAUROC', score_key='pred_score', prefix=metric_prefix),
    dict(type='AnomalyPixelAUROC', map_key='anomaly_map', prefix=metric_prefix),
]
test_evaluator = [
    dict(type='AnomalyImageAUROC', score_key='pred_score', prefix=metric_prefix),
    dict(type='AnomalyPixelAUROC', map_key='anomaly_map', prefix=metric_prefix),
    dict(type='AnomalyPRO', map_key='anomaly_map_mul', num_thresholds=800, fpr_limit=0.3,
         integration='both', prefix=metric_prefix),
]
