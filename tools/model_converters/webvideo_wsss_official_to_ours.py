"""Convert an official webvideo_wsss checkpoint to this repository's format.

Usage: ``python tools/model_converters/webvideo_wsss_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/webvideo_wsss/webvideo_wsss/convert.py``).
"""
from cvshared.checkpoint import converter_main
from webvideo_wsss.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
