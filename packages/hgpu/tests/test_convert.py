"""The official -> ours key mapping, on the key / shape listing of the official EncoderNet and
DecoderNet (tests/golden/whole_golden.pt: every official key, the unused ones included)."""
from __future__ import annotations

import os.path as osp
import runpy
import sys

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.abspath(osp.join(HERE, '..', '..', '..'))


@pytest.fixture(scope='module')
def official_shapes():
    g = load_checkpoint_file(osp.join(HERE, 'golden', 'whole_golden.pt'))
    return {**g['encoder_shapes'], **g['decoder_shapes']}


def _zeros(shapes):
    return {k: torch.zeros(s, dtype=torch.long if k.endswith('num_batches_tracked')
                           else torch.float32) for k, s in shapes.items()}


def _our_shapes():
    import hgpu  # noqa: F401
    from mmseg.registry import MODELS
    with torch.device('meta'):
        model = MODELS.build(dict(
            type='EncoderDecoder',
            backbone=dict(type='HGPUEncoder', backbone=dict(type='ResNet', depth=101)),
            decode_head=dict(type='HGPUHead')))
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def test_every_official_key_maps_onto_our_model(official_shapes):
    from hgpu.convert import UNUSED, convert
    ours = convert({'module.' + k: v for k, v in _zeros(official_shapes).items()})
    expected = _our_shapes()
    assert set(ours) == set(expected)
    assert all(tuple(ours[k].shape) == s for k, s in expected.items())
    dropped = sorted(k for k in official_shapes if k.split('.')[0] in ('pca_res2', 'pred3',
                                                                        'pred4', 'pred5'))
    assert len(official_shapes) - len(dropped) == len(ours)
    assert len(UNUSED) == 2 and dropped  # pca_res2.*, pred3/4/5.*


def test_round_trip_restores_the_official_dict(official_shapes):
    from hgpu.convert import convert, to_official
    g = torch.Generator().manual_seed(0)
    official = {k: (torch.randn(s, generator=g) if not k.endswith('num_batches_tracked')
                    else torch.tensor(3)) for k, s in official_shapes.items()}
    back = to_official(convert(official), official_shapes)
    assert set(back) == set(official)
    for k, v in back.items():
        if k.split('.')[0] in ('pca_res2', 'pred3', 'pred4', 'pred5'):
            assert torch.count_nonzero(v) == 0  # unused: written back as zeros
        else:
            assert torch.equal(v, official[k]), k


def test_half_checkpoints_and_foreign_keys_are_errors(official_shapes):
    from hgpu.convert import convert
    sd = _zeros(official_shapes)
    encoder = {k: v for k, v in sd.items() if k.startswith(('conv1_', 'bn1_', 'res', 'CG',
                                                            'gac_', 'pca_', 'cca_'))}
    decoder = {k: v for k, v in sd.items() if k not in encoder}
    with pytest.raises(ValueError, match='--decoder'):
        convert(encoder)
    with pytest.raises(ValueError, match='DECODER checkpoint'):
        convert(decoder)
    assert set(convert(encoder, decoder=decoder)) == set(convert(sd))
    assert all(k.startswith('backbone.') for k in convert(encoder, allow_partial=True))
    with pytest.raises(KeyError, match='fc.weight'):
        convert({**sd, 'fc.weight': torch.zeros(2)})


def test_converter_entry_point_merges_encoder_and_decoder(tmp_path, monkeypatch):
    enc = {'module.conv1_1.weight': torch.randn(64, 3, 7, 7)}
    dec = {'module.concat.weight': torch.randn(1, 4, 3, 3), 'module.pred5.bias': torch.zeros(1)}
    torch.save(enc, tmp_path / 'encoder_0.8.pt')
    torch.save(dec, tmp_path / 'decoder_0.8.pt')
    out = tmp_path / 'ours.pth'
    # the entry point run in this process (a new interpreter would re-import the stack)
    argv = ['hgpu_official_to_ours.py', str(tmp_path / 'encoder_0.8.pt'), str(out),
            '--decoder', str(tmp_path / 'decoder_0.8.pt')]
    monkeypatch.setattr(sys, 'argv', argv)
    runpy.run_path(osp.join(REPO, 'tools', 'model_converters', 'hgpu_official_to_ours.py'),
                   run_name='__main__')
    state = load_checkpoint_file(str(out))['state_dict']
    assert set(state) == {'backbone.streams.0.conv1.weight', 'decode_head.fuse_motion.weight'}
    assert torch.equal(state['backbone.streams.0.conv1.weight'], enc['module.conv1_1.weight'])
