"""Golden tensors of the official HGPU code (tests/golden/, written by tests/golden/make_golden.py
from a checkout of the official repository at the commit of PROVENANCE.md).

The official weights are not committed: every tensor is rebuilt from its official key and shape
by the harness's ``seeded_state_dict`` (the same function that wrote the goldens), then
converted with :func:`hgpu.convert.convert`, so every test here also checks the key mapping.

Tolerances. Ours runs the same float32 operations in the same order (mmseg's ResNet is
torchvision's layer for layer): on one thread, as the goldens were made, the measured
difference is 0.0 on every file (CPU, torch 2.13), and the whole-model tests pin one thread.
What is left is the float32 summation order of the CPU kernels (another CPU, another BLAS):
running OUR model on 2 threads instead of 1 moves the whole-model masks by up to 7e-7 in the
'pre' mode and 1.7e-5 in the 'main' mode (five rounds of unit-normalised co-attention amplify
rounding). So: 1e-5 for the components and the decoder, 1e-4 (6x that reordering noise) for
the whole model; x 1.05 on the weights of any one part moves the masks by more than 10x it
(test_every_part_matters).
"""
from __future__ import annotations

import importlib.util
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
TOLERANCE = 1e-5
WHOLE_TOLERANCE = 1e-4
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def _harness():
    spec = importlib.util.spec_from_file_location('hgpu_make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


harness = _harness()


def _sub_state(official_prefix: str, shapes: dict, seed: int, ours_prefix: str) -> dict:
    """Seeded weights of an official sub-module, through ``convert`` under ``official_prefix``,
    with ``ours_prefix`` stripped again."""
    from hgpu.convert import convert
    sd = harness.seeded_state_dict(shapes, seed)
    ours = convert({official_prefix + k: v for k, v in sd.items()}, allow_partial=True)
    assert all(k.startswith(ours_prefix) for k in ours), sorted(ours)[:3]
    return {k[len(ours_prefix):]: v for k, v in ours.items()}


@pytest.fixture(scope='module')
def components():
    return load_checkpoint_file(osp.join(GOLDEN, 'components_golden.pt'))


def test_convgru_matches_official(components):
    from hgpu.models import ConvGRUCell
    g = components['gru']
    gru = ConvGRUCell(16).eval()
    gru.load_state_dict(_sub_state('CG3.', g['shapes'], 1, 'backbone.gru3.'), strict=True)
    with torch.no_grad():
        out = gru(g['x'], g['h'])
    torch.testing.assert_close(out, g['out'], atol=TOLERANCE, rtol=0)
    assert (out - g['h']).abs().max() > 0.1  # the update is not the identity


@pytest.mark.parametrize('mode', ['pre', 'main'])
def test_message_passing_matches_official_in_both_modes(components, mode):
    from cvshared.vos import ParallelCoAttention
    from hgpu.models import MODES
    g = components['message']
    agg = ParallelCoAttention(64, rounds=MODES[mode]).eval()
    agg.load_state_dict(_sub_state('pca_res3.', g['shapes'], 2, 'backbone.message3.'),
                        strict=True)
    with torch.no_grad():
        za, zb = agg(g['f1'], g['f2'])[:2]
    torch.testing.assert_close(za, g[mode][0], atol=TOLERANCE, rtol=0)
    torch.testing.assert_close(zb, g[mode][1], atol=TOLERANCE, rtol=0)
    # the two modes differ far beyond the tolerance (five rounds are not one)
    assert (g['pre'][0] - g['main'][0]).abs().max() > 100 * TOLERANCE


def test_macu_and_readout_match_official(components):
    from cvshared.vos import GCT, Readout
    g = components['macu']
    gct = GCT(64).eval()
    gct.load_state_dict(_sub_state('gac_3.', g['shapes'], 3, 'backbone.gct3.'), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(gct(g['x']), g['out'], atol=TOLERANCE, rtol=0)
    assert (g['out'] - g['x']).abs().max() > 0.1  # far from the identity it is at init
    g = components['readout']
    readout = Readout(64).eval()
    readout.load_state_dict(_sub_state('cca_res3.', g['shapes'], 4, 'backbone.readout3.'),
                            strict=True)
    with torch.no_grad():
        torch.testing.assert_close(readout(g['x'], g['y']), g['out'], atol=TOLERANCE, rtol=0)


def test_loss_matches_official():
    from cvshared.vos.losses import weighted_bce
    g = load_checkpoint_file(osp.join(GOLDEN, 'loss_golden.pt'))
    # the official weight: 1 on the object and on easy background, 1 + n on hard negatives
    weight = torch.where(g['negative'] > 0, 1 + g['negative'], torch.ones_like(g['negative']))
    loss = weighted_bce(g['prob'], g['mask'], weight)
    torch.testing.assert_close(loss, g['loss'], atol=1e-6, rtol=0)
    unweighted = torch.nn.functional.binary_cross_entropy(g['prob'], g['mask'])
    assert abs(unweighted - g['loss']) > 1e-3  # the weights matter on this fixture


# ---------------------------------------------------------------- decoder and whole model
@pytest.fixture(scope='module')
def whole():
    return load_checkpoint_file(osp.join(GOLDEN, 'whole_golden.pt'))


def _build(mode: str, with_encoder: bool = True):
    """Our segmentor (ResNet-101 streams) built on the meta device, then materialised (no
    165 M-parameter random init)."""
    from mmseg.registry import MODELS
    cfg = dict(type='EncoderDecoder',
               backbone=dict(type='HGPUEncoder', mode=mode,
                             backbone=dict(type='ResNet', depth=101)),
               decode_head=dict(type='HGPUHead'))
    with torch.device('meta'):
        model = MODELS.build(cfg)
    if not with_encoder:
        model = model.decode_head
    return model.to_empty(device='cpu')


def _raw_to_input(raw):
    """The official preprocessing of the uint8 RGB frames and flow image (ToTensor +
    ImageNet Normalize), stacked to the 9-channel input."""
    return torch.cat([(r.float() / 255.0 - MEAN) / STD for r in raw])[None]


def test_decoder_matches_official(whole):
    from hgpu.convert import convert
    head = _build('pre', with_encoder=False).eval()
    sd = convert(harness.seeded_state_dict(whole['decoder_shapes'], 6), allow_partial=True)
    head.load_state_dict({k.removeprefix('decode_head.'): v for k, v in sd.items()},
                         strict=True)
    e = whole['pre']['encoder']  # official order h5_1, h4_1, h3_1, h2_1, h5_2, ..., h2_3
    levels = [torch.cat([e[node * 4 + 3 - li] for node in range(3)]) for li in range(4)]
    with torch.no_grad():
        out = head(levels)
    for i in (0, 1):
        torch.testing.assert_close(out[:, i:i + 1], whole['pre']['masks'][i], atol=TOLERANCE,
                                   rtol=0)


@pytest.fixture(scope='module')
def whole_model(whole):
    from hgpu.convert import convert
    official = {**harness.seeded_state_dict(whole['encoder_shapes'], 5),
                **harness.seeded_state_dict(whole['decoder_shapes'], 6)}
    model = _build('pre').eval()
    model.load_state_dict(convert(official), strict=True)
    return model


def _masks(model, raw):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the goldens were made
    try:
        with torch.no_grad():
            return model.decode_head(model.backbone(_raw_to_input(raw)))
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize('mode', ['pre', 'main'])
def test_whole_forward_matches_official(whole, whole_model, mode):
    """From the raw uint8 frames and flow image through three ResNet-101s, message passing,
    GRUs, readouts, MACU' and the decoder to the two masks."""
    whole_model.backbone.mode = mode
    try:
        out = _masks(whole_model, whole['raw'])
    finally:
        whole_model.backbone.mode = 'pre'
    for i in (0, 1):
        torch.testing.assert_close(out[:, i:i + 1], whole[mode]['masks'][i],
                                   atol=WHOLE_TOLERANCE, rtol=0)
    if mode == 'main':
        assert (whole['main']['masks'][0] - whole['pre']['masks'][0]).abs().max() > \
            10 * WHOLE_TOLERANCE


# Every part of the model matters: x 1.05 on its weights moves the masks by > 10 x the
# whole-model tolerance.
PARTS = ['backbone.streams.0', 'backbone.streams.1', 'backbone.streams.2', 'backbone.message',
         'backbone.gru', 'backbone.readout', 'backbone.gct', 'decode_head.motion_refs',
         'decode_head.gc', 'decode_head.refine', 'decode_head.pred', 'decode_head.fuse_motion']


def test_every_part_matters(whole, whole_model):
    base = _masks(whole_model, whole['raw'])
    state = {k: v.clone() for k, v in whole_model.state_dict().items()}
    moved = {}
    try:
        for part in PARTS:
            with torch.no_grad():
                for name, p in whole_model.named_parameters():
                    if name.startswith(part):
                        p.mul_(1.05)
            moved[part] = float((_masks(whole_model, whole['raw']) - base).abs().max())
            whole_model.load_state_dict(state)
    finally:
        whole_model.load_state_dict(state)
    assert all(v > 10 * WHOLE_TOLERANCE for v in moved.values()), moved


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        harness.main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
