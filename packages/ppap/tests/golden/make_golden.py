"""Regenerate the golden files of ppap from a checkout of the official repository.

    python packages/ppap/tests/golden/make_golden.py /path/to/PPAP [--out DIR]

Our harness only: it imports the official ``loss.py`` from the checkout (``sys.path``) and runs
it on the CPU (no file is edited), seeds, and saves inputs and outputs. It contains no official
code.

* ``loss.pt``: ``loss.py::SupConLoss(temperature, contrast_mode='one', base_temperature=0.07,
  opt).forward(z, feat)`` -- loss, mean positive / negative counts and ``d loss / d z`` -- on
  clustered random features (``feat`` ``[B, D, h, w]``, 2 chunks of the official 784 patches:
  4 images of 14 x 14), for the settings of cocostuff16 (0.55, 0.15, split 4, tau 0.8, 2
  iterations, sigma 3 / 4), cityscapes_base (0.6, 0.2, 16, 0.1, 3, 3 / 2) and potsdam (0.55,
  0.15, 16, 0.07, 1, 5 / 3); ``torch.manual_seed(case.seed)`` right before the call (the
  anchor draws).

* ``forward.pt``: the whole official model from the raw image: ``dataset/data.py::get_transform
  (224, False, 'center')`` (PIL nearest resize of the shorter side, centre crop, ``ToTensor``,
  ImageNet normalisation) on the two raw images of :func:`raw_images` (the test writes them to
  PNG files and reads them through our pipeline), then ``model/STEGO.py::STEGOmodel`` (its
  ``net`` = ``model/dino/DinoFeaturizer.py::DinoFeaturizer``) in eval mode (dropout off):
  ``code`` (= ``image_feat`` in eval), every 8th row of ``z``, ``crit_feat``; the probes'
  outputs on the code; the cocostuff16 loss ``SupConLoss(z, crit_feat.detach())``
  (``torch.manual_seed(0)`` before it) and its gradients with respect to ``project_head.weight``
  and the decoder's ``attn.qkv.weight`` and ``norm1.weight``; the largest head-mean attention
  weight of each token in the last block (``attn_row_max``: how far from uniform it is). The ViT
  is the official ``VisionTransformer`` at a tiny size (:data:`TINY`: ``vits.vit_small`` is
  replaced at run time by this size, patch 8; 28 x 28 patches = one chunk of 784 per image) with
  the weights of :func:`tiny_weights` (seeded; the test rebuilds them): far from uniform
  attention (checked by the test). The decoder (a copy of the last block at construction) and
  ``project_head`` are then given other seeded weights (:func:`head_weights`), so a decoder
  applied to the wrong tokens, or a missing copy, shows. Also saved: the key names of the
  official ``net_model`` / ``linear_model`` / ``cluster_model`` state dicts (the converter's
  test).

Run-time patches: ``torch.ones`` / ``torch.arange`` ignore ``device=`` (the official allocates
on ``cuda:0``); ``cvshared.harness.cuda_calls_on_cpu``.
"""
from __future__ import annotations

import argparse
import contextlib
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
IMAGES, SIDE = 8, 14          # 8 x 196 = 1568 patches = 2 chunks of 784

CASES = (dict(name='cocostuff16', seed=0, phi0=0.55, psi0=0.15, split=4, tau=0.8, iters=2,
              sigma_pos=3, sigma_amb=4),
         dict(name='cityscapes_base', seed=1, phi0=0.6, psi0=0.2, split=16, tau=0.1, iters=3,
              sigma_pos=3, sigma_amb=2),
         dict(name='potsdam', seed=2, phi0=0.55, psi0=0.15, split=16, tau=0.07, iters=1,
              sigma_pos=5, sigma_amb=3))


def inputs(seed):
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(100 + seed)
    n = IMAGES * SIDE * SIDE
    centres = torch.randn(5, 12, generator=g)
    assign = torch.randint(0, 5, (n,), generator=g)
    feat = centres[assign] + 0.9 * torch.randn(n, 12, generator=g)
    feat = feat.view(IMAGES, SIDE, SIDE, 12).permute(0, 3, 1, 2).contiguous()
    z = F.normalize(torch.randn(n, 6, generator=g), dim=1)
    return feat, z


@contextlib.contextmanager
def cpu_allocations():
    import torch
    saved = torch.ones, torch.arange

    def strip(fn):
        def call(*args, **kwargs):
            kwargs.pop('device', None)
            return fn(*args, **kwargs)
        return call

    torch.ones, torch.arange = strip(saved[0]), strip(saved[1])
    try:
        yield
    finally:
        torch.ones, torch.arange = saved


TINY = dict(embed_dim=24, depth=3, num_heads=2, patch_size=8, img_size=224)
RAW_SIZE = (236, 250)       # H x W of the raw images: resized to 224 x 237, centre-cropped


def raw_images(seed=5):
    """Two ``uint8 H x W x 3`` images of textured rectangles (the golden's raw inputs)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    h, w = RAW_SIZE
    yy, xx = np.mgrid[0:h, 0:w]
    out = []
    for _ in range(2):
        img = np.zeros((h, w, 3))
        for _ in range(6):
            y0, x0 = rng.integers(0, h - 40), rng.integers(0, w - 40)
            y1, x1 = y0 + rng.integers(40, 140), x0 + rng.integers(40, 140)
            m = (yy >= y0) & (yy < y1) & (xx >= x0) & (xx < x1)
            wave = np.sin(2 * np.pi * (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))
                          / rng.uniform(3, 12))
            img[m] = rng.uniform(30, 220, 3) + 40 * wave[m, None]
        img += rng.normal(0, 8, img.shape)
        out.append(np.clip(np.round(img), 0, 255).astype(np.uint8))
    return out


def tiny_shapes():
    """(name, shape) of the tiny official ViT's parameters, the official names (= timm's)."""
    d, p = TINY['embed_dim'], TINY['patch_size']
    n = (TINY['img_size'] // p) ** 2
    shapes = [('cls_token', (1, 1, d)), ('pos_embed', (1, n + 1, d)),
              ('patch_embed.proj.weight', (d, 3, p, p)), ('patch_embed.proj.bias', (d,))]
    for i in range(TINY['depth']):
        shapes += block_shapes(f'blocks.{i}.')
    return shapes + [('norm.weight', (d,)), ('norm.bias', (d,))]


def block_shapes(prefix):
    d = TINY['embed_dim']
    return [(prefix + k, s) for k, s in (
        ('norm1.weight', (d,)), ('norm1.bias', (d,)), ('attn.qkv.weight', (3 * d, d)),
        ('attn.qkv.bias', (3 * d,)), ('attn.proj.weight', (d, d)), ('attn.proj.bias', (d,)),
        ('norm2.weight', (d,)), ('norm2.bias', (d,)), ('mlp.fc1.weight', (4 * d, d)),
        ('mlp.fc1.bias', (4 * d,)), ('mlp.fc2.weight', (d, 4 * d)), ('mlp.fc2.bias', (d,)))]


def _draw(shapes, g):
    import torch
    out = {}
    for name, shape in shapes:
        x = torch.randn(shape, generator=g)
        if name.endswith(('norm1.weight', 'norm2.weight', 'norm.weight')):
            x = 1 + 0.3 * x                      # LayerNorm gains around 1
        elif name.endswith('qkv.weight'):
            x = 0.6 * x                          # peaked attention
        elif name.endswith(('fc1.weight', 'fc2.weight', 'proj.weight')):
            x = x / shape[1] ** 0.5
        elif name == 'patch_embed.proj.weight':
            x = x / (3 * TINY['patch_size'] ** 2) ** 0.5
        else:
            x = 0.3 * x
        out[name] = x
    return out


def tiny_weights(seed=0):
    """The tiny ViT's weights (official / timm names), from a seeded generator."""
    import torch
    return _draw(tiny_shapes(), torch.Generator().manual_seed(seed))


def head_weights(seed=1):
    """The decoder's (a block: ``decoder.*``) and ``project_head``'s weights."""
    import torch
    g = torch.Generator().manual_seed(seed)
    d = TINY['embed_dim']
    out = {'decoder.' + k: v for k, v in _draw(block_shapes(''), g).items()}
    out['project_head.weight'] = torch.randn(d, d, generator=g) / d ** 0.5
    out['project_head.bias'] = 0.1 * torch.randn(d, generator=g)
    return out


def forward_golden(tmp):
    import functools

    import model.dino.vision_transformer as vits
    import torch
    from dataset.data import get_transform
    from loss import SupConLoss
    from model.STEGO import STEGOmodel
    from PIL import Image

    def tiny_vit(patch_size=8, **kwargs):
        return vits.VisionTransformer(
            img_size=[TINY['img_size']], patch_size=patch_size, embed_dim=TINY['embed_dim'],
            depth=TINY['depth'], num_heads=TINY['num_heads'], mlp_ratio=4, qkv_bias=True,
            norm_layer=functools.partial(torch.nn.LayerNorm, eps=1e-6), **kwargs)

    path = osp.join(tmp, 'teacher.pth')
    torch.save(dict(teacher={'backbone.' + k: v for k, v in tiny_weights().items()}), path)
    opt = dict(name='STEGO', arch='dino', continuous=True, dim=TINY['embed_dim'],
               extra_clusters=0, pretrained=dict(
                   name='dino', model_type='vit_small', dino_patch_size=8,
                   dino_feat_type='feat', pretrained_weights=path,
                   projection_type='nonlinear', dropout=True))
    saved = vits.vit_small
    vits.vit_small = tiny_vit
    try:
        torch.manual_seed(0)
        model = STEGOmodel(opt, n_classes=3)
    finally:
        vits.vit_small = saved
    net = model.net
    own = net.model.state_dict()
    assert set(own) == set(tiny_weights()), 'tiny ViT names differ from tiny_shapes()'
    for k, v in tiny_weights().items():         # the official loads strict=False: check it
        assert torch.equal(own[k], v), k
    with torch.no_grad():
        state = dict(net.state_dict())
        state.update(head_weights())
        net.load_state_dict(state, strict=True)
    model.eval()
    transform = get_transform(224, False, 'center')
    img = torch.stack([transform(Image.fromarray(x)) for x in raw_images()])
    image_feat, code, z, crit_feat = net(img)
    with torch.no_grad():
        attn = net.model.get_last_selfattention(img)
        linear = model.linear_probe(code)
        cluster_loss, cluster_probs = model.cluster_probe(code, None, is_direct=False)
    case = CASES[0]
    crit = dict(initialcrit_pos=case['phi0'], initialcrit_amb=case['psi0'],
                prop_iter=case['iters'], sigma_pos=case['sigma_pos'],
                sigma_amb=case['sigma_amb'], trainpatchsplit=case['split'])
    torch.manual_seed(0)
    loss, pos_num, neg_num = SupConLoss(temperature=case['tau'], contrast_mode='one',
                                        opt=crit)(z, crit_feat.detach())
    loss.backward()
    grads = {k: p.grad.clone() for k, p in net.named_parameters()
             if k in ('project_head.weight', 'decoder.attn.qkv.weight', 'decoder.norm1.weight')}
    assert torch.equal(image_feat, code)        # eval: the dropout is off
    return dict(tiny=TINY, code=code.detach(), z_every_8th=z.detach()[::8].clone(),
                crit_feat=crit_feat.detach(),
                attn_row_max=attn.softmax(-1).mean(1).amax(-1),
                linear=linear, cluster_loss=cluster_loss, cluster_probs=cluster_probs,
                linear_state=model.linear_probe.state_dict(),
                cluster_state=model.cluster_probe.state_dict(), case=case['name'],
                loss=loss.detach(), pos_num=torch.as_tensor(pos_num).float(),
                neg_num=torch.as_tensor(neg_num).float(), grads=grads,
                official_keys=dict(net_model=sorted(net.state_dict()),
                                   linear_model=sorted(model.linear_probe.state_dict()),
                                   cluster_model=sorted(model.cluster_probe.state_dict())))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'loss.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no loss.py)')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    from cvshared.harness import cuda_calls_on_cpu
    from loss import SupConLoss

    out = dict(cases=[])
    with cuda_calls_on_cpu(), cpu_allocations():
        for case in CASES:
            feat, z0 = inputs(case['seed'])
            z = z0.clone().requires_grad_()
            opt = dict(initialcrit_pos=case['phi0'], initialcrit_amb=case['psi0'],
                       prop_iter=case['iters'], sigma_pos=case['sigma_pos'],
                       sigma_amb=case['sigma_amb'], trainpatchsplit=case['split'])
            torch.manual_seed(case['seed'])
            loss, pos_num, neg_num = SupConLoss(temperature=case['tau'], contrast_mode='one',
                                                opt=opt)(z, feat)
            loss.backward()
            # the inputs are rebuilt by the test from inputs(seed) (not stored: 225 kB)
            out['cases'].append(dict(case, loss=loss.detach(),
                                     pos_num=torch.as_tensor(pos_num).float(),
                                     neg_num=torch.as_tensor(neg_num).float(), grad_z=z.grad))
            print(case['name'], float(loss.detach()), float(pos_num), float(neg_num))
    torch.save(out, osp.join(args.out, 'loss.pt'))
    import tempfile
    with tempfile.TemporaryDirectory() as tmp, cuda_calls_on_cpu(), cpu_allocations():
        golden = forward_golden(tmp)
    torch.save(golden, osp.join(args.out, 'forward.pt'))
    print('forward', float(golden['loss']), float(golden['attn_row_max'].mean()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
