"""Convert an mmaction2 TSN / TSM checkpoint (HCML's base recognizer; HCML itself has no
official code or weights) to this repository's HCML format: the backbone and head keys map one
to one, the motion hierarchy is what it lacks.

Usage: ``python tools/model_converters/hcml_official_to_ours.py BASE.pth OURS.pth``
(the logic: ``packages/hcml/hcml/convert.py``).
"""
from cvshared.checkpoint import converter_main
from hcml.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
