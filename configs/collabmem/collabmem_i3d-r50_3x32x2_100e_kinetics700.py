# Collaborative memory I3D-R50 on Kinetics-700 (same recipe as Kinetics-400; the K700 list
# names of mmaction2's tools/data/kinetics: kinetics700_{train,val}_list_videos.txt).
_base_ = ['./collabmem_i3d-r50_3x32x2_100e_kinetics400.py']
data_root = '{{$DATA_ROOT:data/kinetics700}}'
model = dict(cls_head=dict(num_classes=700))
train_dataloader = dict(dataset=dict(ann_file=f'{data_root}/kinetics700_train_list_videos.txt',
                                     data_prefix=dict(video=f'{data_root}/videos_train')))
val_dataloader = dict(dataset=dict(ann_file=f'{data_root}/kinetics700_val_list_videos.txt',
                                   data_prefix=dict(video=f'{data_root}/videos_val')))
test_dataloader = dict(dataset=dict(ann_file=f'{data_root}/kinetics700_val_list_videos.txt',
                                    data_prefix=dict(video=f'{data_root}/videos_val')))
