"""Convert a plain mmaction2 TSM-R50 / I3D-R50 recognizer checkpoint (the backbone GTA plugs
into; GTA itself has no official code or checkpoint) to gta's names.

Usage: ``python tools/model_converters/gta_official_to_ours.py MMACTION2.pth OURS.pth``
(the logic: ``packages/gta/gta/convert.py``).
"""
from cvshared.checkpoint import converter_main
from gta.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
