"""Models of dkl (registered in :mod:`dkl.registry`)."""
from .adversarial import IKLAdvClassifier, check_epsilon, linf_attack
from .backbone import DklMobileNetV1, DklTinyConvNet, DklWideResNet
from .distill import IKLDistiller, load_teacher
from .losses import ClassPrior, IKLLoss, ikl_loss, ikl_loss_naive

__all__ = ['IKLAdvClassifier', 'check_epsilon', 'linf_attack', 'DklWideResNet',
           'DklTinyConvNet', 'DklMobileNetV1', 'IKLDistiller', 'load_teacher', 'ClassPrior',
           'IKLLoss', 'ikl_loss', 'ikl_loss_naive']
