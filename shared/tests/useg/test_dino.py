"""The frozen DINO ViT of HP / PPAP (cvshared.useg.dino) against the official DINO module."""
import argparse
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.useg.dino import (
    DINO_ARCHS,
    DinoViT,
    convert_dino_state_dict,
    dino_interpolate_pos_embed,
)

GOLDEN = osp.join(osp.dirname(__file__), 'data', 'dino_golden.pt')


@pytest.fixture(scope='module')
def golden():
    return load_checkpoint_file(GOLDEN)


def _tiny(cfg, weights=None):
    return DinoViT('vit_small_patch8_224', weights=weights, img_size=cfg['img_size'],
                   embed_dim=cfg['embed_dim'], depth=cfg['depth'], num_heads=cfg['num_heads'])


@pytest.fixture(scope='module')
def tiny(golden, tmp_path_factory):
    path = tmp_path_factory.mktemp('dino') / 'dino_tiny_checkpoint.pth'
    # a DINO training checkpoint: teacher, student, epoch and the command line as a Namespace
    torch.save({'teacher': golden['teacher'], 'epoch': 100,
                'student': {'module.' + k: v for k, v in golden['teacher'].items()},
                'args': argparse.Namespace(arch='vit_small', patch_size=8)}, path)
    return _tiny(golden['cfg'], weights=str(path))


@pytest.mark.parametrize('case', [0, 1], ids=['32x32', '40x48-interpolated'])
def test_matches_official_dino(tiny, golden, case):
    c = golden['cases'][case]
    img = c['img']
    h, w = img.shape[2] // 8, img.shape[3] // 8
    out = tiny(img, with_attn=True)
    tokens = c['tokens']
    feat = tokens[:, 1:].reshape(1, h, w, -1).permute(0, 3, 1, 2)
    torch.testing.assert_close(out['feat'], feat, atol=2e-5, rtol=1e-5)
    torch.testing.assert_close(out['mid_tokens'], c['midfeat'], atol=2e-5, rtol=1e-5)
    mid = c['midfeat'][:, 1:].reshape(1, h, w, -1).permute(0, 3, 1, 2)
    torch.testing.assert_close(out['mid'], mid, atol=2e-5, rtol=1e-5)
    # HP: attn_hook (pre-softmax) of the last block, patch tokens, mean over heads
    torch.testing.assert_close(out['attn_logits'], c['attn_hook'][:, :, 1:, 1:].mean(1),
                               atol=2e-5, rtol=1e-5)
    torch.testing.assert_close(out['attn'], c['attn_hook'].softmax(-1).mean(1),
                               atol=1e-6, rtol=1e-5)
    assert out['feat'].shape == (1, 24, h, w)
    assert out['attn'].shape == (1, 1 + h * w, 1 + h * w)


def test_golden_weights_make_every_part_matter(golden):
    """The official outputs are far from a model with one part reset: the golden test sees
    each part (the last norm, the position table, the last block's attention)."""
    c = golden['cases'][1]
    base = convert_dino_state_dict({'teacher': golden['teacher']})
    for key in ('norm.weight', 'pos_embed', 'blocks.1.attn.qkv.weight', 'patch_embed.proj.bias'):
        sd = dict(base)
        sd[key] = torch.zeros_like(sd[key])
        m = _tiny(golden['cfg'])
        m.vit.load_state_dict(sd)
        out = m(c['img'], with_attn=True)
        h, w = 5, 6
        feat = c['tokens'][:, 1:].reshape(1, h, w, -1).permute(0, 3, 1, 2)
        assert (out['feat'] - feat).abs().max() > 1e-2, key


def test_position_interpolation_is_dino_not_timm(golden):
    """DINO's scale-factor bicubic resampling (n + 0.1) differs from timm's size-based one, so
    the 40 x 48 golden case checks the DINO variant."""
    from timm.layers import resample_abs_pos_embed
    pos = convert_dino_state_dict({'teacher': golden['teacher']})['pos_embed']
    ours = dino_interpolate_pos_embed(pos, 5, 6, 40, 48)
    timm_pos = resample_abs_pos_embed(pos, new_size=(5, 6), num_prefix_tokens=1)
    assert ours.shape == timm_pos.shape == (1, 31, 24)
    assert (ours - timm_pos).abs().max() > 1e-2
    assert dino_interpolate_pos_embed(pos, 4, 4, 32, 32) is pos


def test_frozen_eval_and_ppap_decoder(tiny, golden):
    assert not any(p.requires_grad for p in tiny.vit.parameters())
    tiny.train()
    assert tiny.training and not tiny.vit.training
    img = golden['cases'][1]['img']
    out = tiny(img)
    assert not out['feat'].requires_grad and 'attn' not in out
    dec = tiny.make_decoder()
    assert all(p.requires_grad for p in dec.parameters())
    code = tiny.decode_grid(out['mid_tokens'], dec, 5, 6)
    torch.testing.assert_close(code, out['feat'], atol=1e-5, rtol=1e-5)  # copy of the last block
    code.square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in dec.parameters())
    assert all(p.grad is None for p in tiny.vit.parameters())
    sq = tiny(golden['cases'][0]['img'])
    torch.testing.assert_close(tiny.decode(sq['mid_tokens'], tiny.make_decoder()), sq['feat'],
                               atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match='not a square grid'):
        tiny.decode(out['mid_tokens'], dec)


def test_attention_rows_sum_to_one_and_shapes_vit_s16():
    torch.manual_seed(0)
    m = DinoViT('vit_small_patch16_224.dino', depth=2)   # S/16 dims, 2 blocks (speed)
    img = torch.randn(2, 3, 64, 96)
    out = m(img, with_attn=True)
    assert out['feat'].shape == (2, 384, 4, 6) and out['mid'].shape == (2, 384, 4, 6)
    assert out['mid_tokens'].shape == (2, 25, 384)
    assert out['attn'].shape == (2, 25, 25) and out['attn_logits'].shape == (2, 24, 24)
    torch.testing.assert_close(out['attn'].sum(-1), torch.ones(2, 25))
    assert (out['attn'] > 0).all()
    # the written-out last block equals timm's Block.forward
    x = m.tokens(img)
    for blk in m.vit.blocks[:-1]:
        x = blk(x)
    y, _ = m._block_with_attention(m.vit.blocks[-1], x)
    torch.testing.assert_close(y, m.vit.blocks[-1](x), atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match='multiple of the patch size 16'):
        m(torch.zeros(1, 3, 64, 90))


def test_the_three_papers_architectures():
    import timm
    want = {'vit_small_patch16_224.dino': (384, 16, 6), 'vit_small_patch8_224.dino': (384, 8, 6),
            'vit_base_patch8_224.dino': (768, 8, 12)}
    with torch.device('meta'):
        for arch, (dim, patch, heads) in want.items():
            vit = timm.create_model(arch, pretrained=False, num_classes=0)
            assert (vit.embed_dim, vit.patch_embed.patch_size[0], vit.blocks[0].attn.num_heads,
                    len(vit.blocks)) == (dim, patch, heads, 12), arch
            assert DINO_ARCHS[arch][1] == patch


def _timm_keys():
    import timm
    with torch.device('meta'):
        return timm.create_model('vit_small_patch16_224.dino', pretrained=False,
                                 num_classes=0).state_dict()


def test_key_conversion_official_layouts():
    """The official DINO key layout (names of DINO's vision_transformer.py) in its three
    wrappings maps onto timm's keys."""
    own = _timm_keys()
    plain = {k: torch.zeros(1) for k in own}   # hub *_pretrain.pth: the ViT state dict
    head = {'head.mlp.0.weight': 0, 'head.last_layer.weight_g': 0, 'head.last_layer.weight_v': 0}
    teacher = {'teacher': {**{'backbone.' + k: v for k, v in plain.items()}, **head},
               'student': {'module.backbone.x': 0}, 'epoch': 3}
    ddp = {'module.backbone.' + k: v for k, v in plain.items()} | {'module.' + k: 0 for k in head}
    for ckpt in (plain, teacher, ddp, {'state_dict': plain}):
        assert set(convert_dino_state_dict(ckpt)) == set(own)
    with pytest.raises(TypeError):
        convert_dino_state_dict([1, 2])


def test_wrong_weights_are_clear_errors(golden, tmp_path):
    path = tmp_path / 'w.pth'
    sd = convert_dino_state_dict({'teacher': golden['teacher']})
    torch.save({k: v for k, v in sd.items() if k != 'norm.bias'}, path)
    with pytest.raises(ValueError, match=r"missing keys \['norm.bias'\]"):
        _tiny(golden['cfg'], weights=str(path))
    cfg = dict(golden['cfg'], embed_dim=48)
    torch.save(sd, path)
    with pytest.raises(ValueError, match='weights of another ViT size'):
        _tiny(cfg, weights=str(path))
    with pytest.raises(FileNotFoundError):
        _tiny(golden['cfg'], weights=str(tmp_path / 'nope.pth'))


def test_registered_model(golden):
    from mmengine.registry import MODELS
    cfg = golden['cfg']
    m = MODELS.build(dict(type='DinoViT', arch='vit_small_patch8_224', img_size=cfg['img_size'],
                          embed_dim=cfg['embed_dim'], depth=cfg['depth'],
                          num_heads=cfg['num_heads']))
    assert isinstance(m, DinoViT) and m.patch_size == 8 and m.embed_dim == 24
