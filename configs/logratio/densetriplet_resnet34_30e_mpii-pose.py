# Baseline: the dense triplet loss (margin 0.03, L2-normalised embedding) with the same dense
# mining (official README: --loss triplet --is-norm True --sampling dense).
_base_ = ['./logratio_resnet34_30e_mpii-pose.py']

model = dict(normalize=True, loss=dict(_delete_=True, type='DenseTripletLoss', margin=0.03))
