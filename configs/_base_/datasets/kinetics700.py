# Kinetics-700: the Kinetics-400 base (mmaction2's video-list layout) on the kinetics700_* lists.
# DATA_ROOT is the Kinetics-700 folder (kinetics700_{train,val}_list_videos.txt,
# videos_{train,val}/). A config inheriting this sets its pipelines as for Kinetics-400.
_base_ = ['./kinetics400.py']
data_root = '{{$DATA_ROOT:data/kinetics700}}'
train_dataloader = dict(dataset=dict(
    ann_file=f'{data_root}/kinetics700_train_list_videos.txt',
    data_prefix=dict(video=f'{data_root}/videos_train')))
val_dataloader = dict(dataset=dict(
    ann_file=f'{data_root}/kinetics700_val_list_videos.txt',
    data_prefix=dict(video=f'{data_root}/videos_val')))
test_dataloader = val_dataloader
