# AntiCo + Proxy Anchor on Stanford Online Products, ResNet-50, d = 512: 400 epochs, tau 190 / 250,
# gamma 0.2 (antico_runs.sh). The official SOP lines call a loss `nir_mcr2` that is not in
# criteria/ (they raise); we run the AntiCo loss of the CUB / Cars commands instead.
_base_ = ['../_base_/datasets/sop.py', './_base_/antico_r50.py']

custom_imports = dict(imports=['cvshared.retrieval', 'antico'], allow_failed_imports=False)

model = dict(head=dict(num_classes=11318))
train_dataloader = dict(batch_size=90, sampler=dict(batch_size=90, m=2))
param_scheduler = dict(milestones=[190, 250], gamma=0.2)
train_cfg = dict(max_epochs=400, val_interval=10)
