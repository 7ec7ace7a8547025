"""ImageNet VGG-16 -> our encoder backbone: pure functions on state dicts (no file I/O; the CLI
is ``tools/model_converters/webvideo_wsss_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The paper has no released code or weights; its encoder starts from the ImageNet VGG-16
(Sec. 3.1). The source is torchvision's ``vgg16`` state dict (``features.<i>.weight/bias`` for
the 13 convolutions; ``classifier.*``, the fully connected layers, are dropped: the CAM head
replaces them). The result is a state dict of :class:`webvideo_wsss.models.WebVideoVGG`
(``features.<i>.*``, the same indices since pool5 at index 30 is gone), the file the paper
config's ``backbone.init_cfg`` names.
"""
from __future__ import annotations

VGG16_CONVS = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)


def convert(official: dict) -> dict:
    """Our backbone state dict from torchvision's ``vgg16`` one. Raises ``KeyError`` naming
    unmapped keys (anything but ``features.<conv>.{weight,bias}`` and ``classifier.*``)."""
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')
        if name.startswith('classifier.'):
            continue
        parts = name.split('.')
        if (len(parts) == 3 and parts[0] == 'features' and parts[1].isdigit()
                and int(parts[1]) in VGG16_CONVS and parts[2] in ('weight', 'bias')):
            ours[name] = value
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'VGG-16 keys with no counterpart in webvideo_wsss: {unmapped}')
    missing = [f'features.{i}.{p}' for i in VGG16_CONVS for p in ('weight', 'bias')
               if f'features.{i}.{p}' not in ours]
    if missing:
        raise KeyError(f'not a VGG-16 state dict: missing {missing}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (without the dropped fully connected layers)."""
    bad = [k for k in ours if not k.startswith('features.')]
    if bad:
        raise KeyError(f'{bad} have no VGG-16 counterpart')
    return dict(ours)
