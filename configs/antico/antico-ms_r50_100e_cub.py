# AntiCo with a pair-based loss (the paper's second integration; not in the official code):
# multi-similarity (pytorch-metric-learning MultiSimilarityLoss alpha 2, beta 50, base 0.5 with
# its miner, epsilon 0.1, the MS paper's values) + AntiCo over the batch embeddings ('pair'
# mode: MS has no proxies), w_ac 1. Same data, sampler and schedule as antico_r50_100e_cub.py.
_base_ = ['./antico_r50_100e_cub.py']

model = dict(head=dict(
    _delete_=True, type='MetricLearningHead', num_classes=100, embed_dim=512,
    loss=[dict(type='PMLLoss', loss='MultiSimilarityLoss',
               loss_cfg=dict(alpha=2, beta=50, base=0.5), miner='MultiSimilarityMiner',
               miner_cfg=dict(epsilon=0.1)),
          dict(type='AntiCoLoss', mode='pair', eps=0.5, loss_weight=1.0)]))
