# YouTube-VOS frames + flow images + masks in the official HFAN processed release
# ("YouTube2SEG": frame|flow|mask/train/<video>_<frame>.*), the stage-1 training set.
# YTVOS_ROOT is that folder itself; DATA_ROOT stays the root of the evaluation set (DAVIS).
# The config adds batch size, workers and the pipeline.
ytvos_root = '{{$YTVOS_ROOT:data/YouTube2SEG}}'
train_dataloader = dict(
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='DAVIS2SEGFrameFlowDataset', data_root=ytvos_root, split='train'))
