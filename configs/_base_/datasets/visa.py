# VisA (Zou et al., ECCV 2022) in its MVTec-format "1cls" split (the authors' spot-diff
# prepare_data.py --split-type 1cls): the MVTec AD data setting with VisA's dataset class, root
# (DATA_ROOT = the 1cls folder) and metric prefix; masks are ground_truth/bad/<stem>.png.
_base_ = ['./mvtec_ad.py']

data_root = '{{$DATA_ROOT:data/visa/1cls}}'
metric_prefix = 'visa'
category = 'candle'
_visa = dict(type='VisAMVTecDataset', data_root=data_root, category=category)
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
         integration='both', prefix=metric_prefix),
]
