# UMIL on UCF-Crime (paper: AUC 86.75): the official labels/UCF_{train,test}.txt lists and the
# frames under DATA_ROOT (README, Data).
_base_ = ['./_base_/umil_xclip-b32_40e.py']

data_root = '{{$DATA_ROOT:data/ucf-crime}}'
train_set = dict(data_root=data_root, ann_file='labels/UCF_train.txt')
train_dataloader = dict(dataset=train_set)
val_dataloader = dict(dataset=dict(data_root=data_root, ann_file='labels/UCF_test.txt'))
test_dataloader = val_dataloader
train_cfg = dict(score_dataloader=dict(dataset=train_set), umil_dataloader=dict(dataset=train_set))
