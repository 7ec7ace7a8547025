# BN-WVAD on the synthetic I3D-feature set (XD layout, 5 crops; CPU, seconds): a narrower
# encoder (width 128), 32 segments, 16 + 16 per batch, lr 1e-3, 20 iterations.
# `tools/train.py` / `make reproduce PAPER=bnwvad` generate the set at data/synthetic/bnwvad.
_base_ = ['./bnwvad_i3d_1k-iter_xd-violence.py']

data_root = '{{$DATA_ROOT:data/synthetic/bnwvad}}'
batch_size = 32

model = dict(encoder=dict(dim=128, heads=2, head_dim=64, mlp_dim=128),
             head=dict(in_channels=128, ratios=(4, 8)))
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
    sampler=dict(batch_size=batch_size),
    dataset=dict(data_root=data_root,
                 pipeline=[dict(type='LoadVideoAnomalyFeatures', num_segments=32),
                           dict(type='BnwvadPackFeatures')]))
test_dataloader = dict(num_workers=0, dataset=dict(data_root=data_root))
val_dataloader = test_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_iters=20, val_interval=20)
default_hooks = dict(checkpoint=dict(interval=20), logger=dict(interval=10))
