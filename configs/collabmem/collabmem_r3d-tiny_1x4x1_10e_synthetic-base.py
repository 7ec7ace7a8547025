# The clip-level base model of collabmem_r3d-tiny_2x4x1_10e_synthetic.py: the same recognizer
# and schedule without the memory block, trained the standard way (ONE clip per video and
# iteration, the clip predicts the video label), tested on the same 2 clips with their scores
# averaged (mmaction2's average_clips).
_base_ = ['./collabmem_r3d-tiny_2x4x1_10e_synthetic.py']
model = dict(backbone=dict(blocks=[]))
train_pipeline = [
    dict(type='CheckedSampleFrames', clip_len=4, frame_interval=1, num_clips=1),
    dict(type='RawFrameDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
