# MSFlow, paper setting on VisA, 1cls split in MVTec format: the MVTec AD setting (model,
# 512x512 input, schedule) with VisA's data set class, root and metric prefix. The
# per-category configs override `category` in the three dataloaders.
_base_ = ['./msflow_wrn50-2_100e_mvtec.py']

data_root = '{{$DATA_ROOT:data/visa/1cls}}'
metric_prefix = 'visa'
_visa = dict(type='VisAMVTecDataset', data_root=data_root, category='candle')
train_dataloader = dict(dataset=_visa)
val_dataloader = dict(dataset=_visa)
test_dataloader = dict(dataset=_visa)

val_evaluator = [
    dict(type='AnomalyImageAUROC', score_key='pred_score', prefix=metric_prefix),
    dict(type='AnomalyPixelAUROC', map_key='anomaly_map', prefix=metric_prefix),
]
test_evaluator = [
    dict(type='AnomalyImageAUROC', score_key='pred_score', prefix=metric_prefix),
    dict(type='AnomalyPixelAUROC', map_key='anomaly_map', prefix=metric_prefix),
    dict(type='AnomalyPRO', map_key='anomaly_map_mul', num_thresholds=800, fpr_limit=0.3,
         prefix=metric_prefix),
]
