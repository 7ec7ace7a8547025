# Potsdam-3 (cvshared.datasets.useg), as the official HP / PPAP: trained on the split file
# directly (labelled_train.txt; the official has no cropped branch for Potsdam, whatever its
# crop_type says) at 224 (shorter side 224, centre crop), validated on labelled_test.txt at 320,
# batch 16. DATA_ROOT is the potsdam folder (split files, imgs/*.mat, gt/*.mat). A paper adds its
# augmented views to train_pipeline in its configs.
_base_ = ['./useg_cocostuff27.py']
data_root = '{{$DATA_ROOT:data/potsdam}}'
train_dataloader = dict(
    dataset=dict(_delete_=True, type='Potsdam3Dataset', data_root=data_root, split='train',
                 pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(_delete_=True, type='Potsdam3Dataset', data_root=data_root, split='val',
                 pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
