"""Models of irn (registered in :mod:`irn.registry`)."""
from .backbone import IrnResNet
from .cam_net import IrnCAMNet
from .irnet import IrnNet, MeanShift, edge_displacement, irn_losses

__all__ = ['IrnResNet', 'IrnCAMNet', 'IrnNet', 'MeanShift', 'edge_displacement',
           'irn_losses']
