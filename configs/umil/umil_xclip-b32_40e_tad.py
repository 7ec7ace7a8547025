# UMIL on TAD (paper: AUC 92.93): labels/TAD_{train,test}.txt. zero_start='official' drops the
# intervals starting at frame 0 as UMIL's evaluate_result does (13 of the 60 abnormal test
# videos lose their only interval); 'keep' scores them (README, Differences).
_base_ = ['./_base_/umil_xclip-b32_40e.py']

data_root = '{{$DATA_ROOT:data/tad}}'
train_set = dict(data_root=data_root, ann_file='labels/TAD_train.txt')
train_dataloader = dict(dataset=train_set)
val_dataloader = dict(dataset=dict(data_root=data_root, ann_file='labels/TAD_test.txt',
                                   zero_start='official'))
test_dataloader = val_dataloader
train_cfg = dict(score_dataloader=dict(dataset=train_set), umil_dataloader=dict(dataset=train_set))
