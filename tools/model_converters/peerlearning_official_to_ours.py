"""Convert an official peerlearning checkpoint to this repository's format.

Usage: ``python tools/model_converters/peerlearning_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/peerlearning/peerlearning/convert.py``).
"""
from cvshared.checkpoint import converter_main
from peerlearning.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
