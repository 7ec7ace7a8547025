# FineGym Gym99 (cvshared.datasets.action.FineGymDataset), mmaction2 tools/data/gym layout.
# DATA_ROOT holds annotations/gym99_{train_element_v1.1,val_element}.txt and the trimmed
# subaction clips subactions/<clip id>.mp4. Pipelines, loaders and loops: SELFY's main.py
# recipe, those of diving48.py (inherited). Metric: FineGym's mean per-class accuracy (SELFY's
# Gym99 87.7) = AccMetric 'mean1' (tested equal to sklearn's balanced_accuracy_score), plus
# top-1 / top-5. Gym288: subset='gym288' and the gym288 lists.
_base_ = ['./diving48.py']
data_root = '{{$DATA_ROOT:data/gym}}'
dataset_type = 'FineGymDataset'
train_dataloader = dict(dataset=dict(
    _delete_=True, type=dataset_type, data_root=data_root, subset='gym99',
    ann_file='annotations/gym99_train_element_v1.1.txt', data_prefix=dict(video='subactions'),
    pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(
    _delete_=True, type=dataset_type, data_root=data_root, subset='gym99',
    ann_file='annotations/gym99_val_element.txt', data_prefix=dict(video='subactions'),
    pipeline={{_base_.val_pipeline}}, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
