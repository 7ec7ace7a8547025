"""End to end on synthetic data with 40 % injected label noise: peer-learning beats a single
network trained with cross-entropy on the same data, seed and schedule.

Protocol (fixed on dev seeds 0 and 1 before the held-out seeds were run; README, Tests):
6 grating orientations (16 x 16), 40 per class, 40 % symmetric noise, clean test set of 20 per
class; peers = tiny ConvNet + B-CNN neck + fc (the synthetic config's model); Adam lr 5e-3,
batch 64, 60 epochs, r = 0.4, T_k = 15. The baseline is the same model with r = 0: each peer
then learns from every sample with plain cross-entropy, from the same initialisation and the
same batches, so the peer selection is the only difference. Measured (net 1's clean top-1,
baseline -> peer-learning): dev seed 0 0.717 -> 0.842, dev seed 1 0.767 -> 0.950; held-out
seeds in the README. The test runs held-out seed 2 and asserts a margin of 0.05 (below the
smallest gap measured on any seed).
"""
import pytest
import torch

SEED = 2
MARGIN = 0.05


def train_and_score(drop_rate: float, seed: int, epochs: int = 60) -> float:
    from cvshared.engine.optim import SubmoduleOptimWrapperConstructor
    from mmengine.registry import DefaultScope
    from mmpretrain.structures import DataSample
    from peerlearning.datasets import synthetic_arrays
    from peerlearning.registry import MODELS
    train, web, _, test, test_labels = synthetic_arrays(per_class=40, noise_rate=0.4, seed=seed)
    torch.manual_seed(seed)
    net = dict(type='ImageClassifier', backbone=dict(type='PeerlearningConvNet', channels=(8, 16)),
               neck=dict(type='BilinearPooling'),
               head=dict(type='LinearClsHead', num_classes=6, in_channels=256))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(type='PeerLearning', net1=net, drop_rate=drop_rate, T_k=15,
                                  data_preprocessor=dict(type='ClsDataPreprocessor',
                                                         mean=[127.5] * 3, std=[64.0] * 3)))
        model.init_weights()
        adam = dict(type='Adam', lr=5e-3)
        wrapper = SubmoduleOptimWrapperConstructor(dict(
            net1=dict(modules=('net1',), optimizer=adam),
            net2=dict(modules=('net2',), optimizer=adam)))(model)
    x = torch.from_numpy(train).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(web)
    samples = [DataSample().set_gt_label(int(v)) for v in y]   # built once (speed)
    order = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.set_epoch(epoch)
        model.train()
        perm = torch.randperm(len(x), generator=order)
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            model.train_step(dict(inputs=x[idx], data_samples=[samples[j] for j in idx]),
                             wrapper)
    model.eval()
    with torch.no_grad():
        inputs = model.data_preprocessor(
            dict(inputs=list(torch.from_numpy(test).permute(0, 3, 1, 2))), False)['inputs']
        pred = model(inputs, mode='tensor').argmax(1).numpy()
    return float((pred == test_labels).mean())


@pytest.mark.slow
def test_peer_learning_beats_plain_cross_entropy_under_label_noise():
    baseline = train_and_score(0.0, SEED)
    peer = train_and_score(0.4, SEED)
    print(f'seed {SEED}: single-network CE {baseline:.3f}, peer-learning {peer:.3f}')
    assert peer > baseline + MARGIN, \
        f'peer-learning {peer:.3f} vs single-network CE {baseline:.3f} (seed {SEED})'
    assert peer > 0.8, f'peer-learning reached only {peer:.3f} (chance 0.167)'
