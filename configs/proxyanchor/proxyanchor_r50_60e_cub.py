# Proxy Anchor (Kim et al., CVPR 2020) on CUB-200-2011, ResNet-50, d = 512: the official ResNet-50
# command (README: --batch-size 120 --lr 1e-4 --warm 5 --bn-freeze 1 --lr-decay-step 5) on the
# recipe of _base_/proxyanchor_r50.py. BN-Inception (the paper's main backbone) exists in
# neither mmpretrain nor timm: ResNet-50 is the official README's second backbone (its re-run:
# R@1 69.9 on CUB).
_base_ = ['../_base_/datasets/cub.py', './_base_/proxyanchor_r50.py']

custom_imports = dict(imports=['cvshared.retrieval', 'proxyanchor'], allow_failed_imports=False)

# the official loader: shuffled batches with drop_last (its class-balanced --IPC is optional)
train_dataloader = dict(batch_size=120,
                        sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
