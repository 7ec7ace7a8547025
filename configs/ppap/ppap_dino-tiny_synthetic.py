# PPAP on the synthetic COCO-Stuff-27 tree (cvshared.datasets.useg_synthetic; SPEC.make_synthetic
# writes it at data/synthetic/ppap), for the CPU in about a minute: a tiny random DINO-style
# ViT (patch 8, 48 channels, 2 blocks, 3 heads; no weights file), 48 64 x 64 training images
# of 4 classes, 16 epochs (8 x 8
# patches: one chunk of 64 patches an image, as 784 is one ViT-S/8 crop officially), batch 8,
# no CRF. The decoder, projection, loss, optimisers and probes are the paper's; the numbers only
# show that the pipeline learns, they are not comparable with the paper.
_base_ = ['../_base_/datasets/useg_synthetic.py', './_base_/ppap_dino.py']
custom_imports = dict(imports=['ppap'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/synthetic/ppap}}'
# four classes (SPEC.make_synthetic writes coarse ids 0..3): probes, metrics and pictures
# count 4 classes / clusters (27 clusters for 4 present classes would leave 23 matched to
# absent classes, each an IoU of 0)
num_classes = 4
model = dict(
    num_classes=num_classes,
    backbone=dict(type='DinoViT', arch='vit_small_patch8_224.dino', img_size=64, embed_dim=48,
                  depth=2, num_heads=3),
    pretrained=None,
    loss_cfg=dict(chunk_size=64),
    crf=False)
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='UnsupervisedSegMetric', num_classes=num_classes, hungarian=True,
         pred_key='pred_sem_seg', prefix='cluster'),
    dict(type='UnsupervisedSegMetric', num_classes=num_classes, hungarian=False,
         pred_key='linear_pred_sem_seg', prefix='linear'),
]
test_evaluator = val_evaluator
# the cluster probe's lr raised from 1e-3 to 0.2: 96 iterations instead of the official
# thousands (the online k-means of the probe barely moves its randn centres otherwise)
optim_wrapper = dict(cluster=dict(optimizer=dict(lr=0.2)))
train_cfg = dict(max_epochs=16, val_interval=16)
default_hooks = dict(logger=dict(interval=6), checkpoint=dict(interval=16, save_best=None),
                     visualization=dict(num_classes=num_classes))
