"""Convert an official MSFlow checkpoint (cool-xuan/msflow ``save_weights``) to this repository.

Usage: ``python tools/model_converters/msflow_official_to_ours.py OFFICIAL.pt OURS.pth``

The output holds the flows (the official checkpoint has no extractor weights); it loads
strictly with ``tools/test.py`` into a config whose ``model.backbone.checkpoint`` points at the
ImageNet weights (the paper configs do). See ``packages/msflow/msflow/convert.py``.
"""
from cvshared.checkpoint import converter_main
from msflow.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
