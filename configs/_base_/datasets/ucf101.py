# UCF101 with the official three train / test splits (cvshared.datasets.action.UCF101Dataset).
# DATA_ROOT holds ucfTrainTestlist/{classInd,trainlist0<k>,testlist0<k>}.txt and
# UCF-101/<class>/<video>.avi. split = 1 (papers report split 1 or the 3-split average: one
# config per split: redefine the two datasets' `split`).
# Pipelines, loaders and evaluator: the HMDB51 base's (8 TSN-style segments, short side 256,
# multi-scale crop 224, flip; test: short side 256, centre crop 224, 1 clip); a config redefines
# them for its recipe.
_base_ = ['./hmdb51.py']
data_root = '{{$DATA_ROOT:data/ucf101}}'
dataset_type = 'UCF101Dataset'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
