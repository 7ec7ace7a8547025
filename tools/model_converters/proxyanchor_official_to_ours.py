"""Convert an official proxyanchor checkpoint to this repository's format.

Usage: ``python tools/model_converters/proxyanchor_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/proxyanchor/proxyanchor/convert.py``).
"""
from cvshared.checkpoint import converter_main
from proxyanchor.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
