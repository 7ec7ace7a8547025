"""Models of psa (registered in :mod:`psa.registry`)."""
from .backbone import ResNet38
from .labels import crf_scores, extract_affinity_labels, label_from_scores, pool_scores
from .losses import affinity_loss
from .nets import PsaAffinityNet, PsaCAMNet

__all__ = ['ResNet38', 'PsaCAMNet', 'PsaAffinityNet', 'affinity_loss', 'crf_scores',
           'extract_affinity_labels', 'label_from_scores', 'pool_scores']
