# Baseline: the binary triplet loss (margin 0.2, L2-normalised) with binary sampling: 5
# positives among the 30 nearest, the rest negatives (official --sampling naive).
_base_ = ['./logratio_resnet34_30e_mpii-pose.py']

model = dict(normalize=True,
             loss=dict(_delete_=True, type='BinaryTripletLoss', num_pos=5, margin=0.2))
train_dataloader = dict(dataset=dict(mode='binary', num_pos_pool=30, num_pos=5))
