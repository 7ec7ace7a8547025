"""Convert an official peerlearning checkpoint (or torchvision ImageNet weights) to ours.

Usage: ``python tools/model_converters/peerlearning_official_to_ours.py OFFICIAL.pth OURS.pth
[--target peer|backbone]``: ``peer`` (default) turns a released model
(``plm_<data>_<net>_best-epoch_<acc>.pth``) or the official ``checkpoint.pth`` into our
``PeerLearning`` state dict; ``backbone`` turns torchvision's ``vgg16`` / ``resnet50`` ImageNet
weights into the paper configs' ``checkpoints/*_torchvision_imagenet.pth`` (the logic:
``packages/peerlearning/peerlearning/convert.py``).
"""
from cvshared.checkpoint import converter_main
from peerlearning.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
