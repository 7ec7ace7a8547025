# Cityscapes-27 (cvshared.datasets.useg), as the official HP / PPAP: training on the five-crop
# pre-cropped train set (ratio 0.5, <DATA_ROOT>/cropped/cityscapes_five_crop_0.5/, written by
# tools/useg_five_crop.py) at 224 (shorter side 224, centre crop); validation on the fine val
# split at 320 (shorter side 320, centre crop 320), batch 16. DATA_ROOT is the cityscapes folder
# (leftImg8bit/, gtFine/). A paper adds its augmented views to train_pipeline in its configs.
_base_ = ['./useg_cocostuff27.py']
data_root = '{{$DATA_ROOT:data/cityscapes}}'
train_dataloader = dict(
    dataset=dict(type='CroppedUSegDataset', data_root=data_root, dataset_name='cityscapes',
                 crop_type='five', crop_ratio=0.5, split='train'))
val_dataloader = dict(
    dataset=dict(_delete_=True, type='Cityscapes27Dataset', data_root=data_root, split='val',
                 pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
