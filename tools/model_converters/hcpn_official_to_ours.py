"""Convert an official hcpn checkpoint to this repository's format.

Usage: ``python tools/model_converters/hcpn_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/hcpn/hcpn/convert.py``).
"""
from cvshared.checkpoint import converter_main
from hcpn.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
