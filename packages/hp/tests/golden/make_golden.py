"""Regenerate the golden files of hp from a checkout of the official repository.

    python packages/hp/tests/golden/make_golden.py /path/to/HP [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``), runs them
on the CPU inside ``cvshared.harness.cuda_calls_on_cpu`` (``.cuda()`` is the identity; no file
is edited), seeds, and saves inputs and outputs. It contains no official code.

* ``loss.pt``: ``loss.py::SupConLoss(temperature).forward`` (loss_version 1, re-weighting 1,
  the official configs) on clustered random features -- four cases (COCO-like rho 0.02 with
  lambda 0.3; Potsdam-like rho 1.0 with lambda 0; lambda 1; lambda 0.5, whose weights and row
  sums float16 holds exactly) -- and the gradients of the loss
  with respect to ``z`` and ``z_mix``. The rho draw uses the global generator, seeded with
  ``case.seed`` right before the call.
* ``featurizer.pt``: ``model/dino/DinoFeaturizer.py::DinoFeaturizer(dim=6).forward(img,
  train=True)`` in eval mode (dropout off) on two random 32 x 32 images (4 x 4 patches of 8):
  ViT-S/8 with random weights whose attention is made far from uniform (the qkv weights x 8;
  given to the official loader as a ``teacher`` checkpoint in a temporary file), heads and EMA
  heads from :func:`head_weights` (a seeded generator, rebuilt identically by the test). Saved:
  the last block's pre-softmax attention (``get_intermediate_feat``'s ``attn``) and the four
  outputs (``image_feat``, ``code``, ``code_ema``, ``code_3x3_all``) and the EMA
  heads after the update the forward makes (``ema_m`` 0.99).
* ``model.pt``: the whole forward from the raw image: the official ``DinoFeaturizer(dim=8)``
  with a 2-block ViT-S/8 (``vit_small`` of the official ``vision_transformer.py`` replaced, for the
  duration of the build, by its ``VisionTransformer`` with ``vit_small``'s arguments and
  ``depth=2``; ``spatial_size`` 4) whose weights come from
  :func:`vit_weights` (seeded, non-uniform attention; rebuilt by the test, not stored), heads
  from :func:`head_weights` (dim 8), on two 32 x 32 images in eval mode (dropout off):
  ``image_feat``, ``code``, ``code_ema``, ``code_3x3`` of ``forward(img, train=True)``, the
  EMA heads after it, and the projections of ``run.py`` (``z = normalize(project_head(code))``,
  ``z_mix`` the same of ``code_3x3``) with a ``Linear(8, 8)`` from :func:`proj_weights`; and
  the key names / shapes of the three state dicts ``run.py`` saves (``net_model`` = this
  featurizer, ``linear_model`` = ``Conv2d(8, 3, 1)``, ``cluster_model`` =
  ``ClusterLookup(8, 3)``), the converter's input.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
SPATIAL = 4            # 4 x 4 patches an image: chunks of 16
IMAGES = 3


def clustered(n, dim, k, spread, g):
    import torch
    import torch.nn.functional as F
    centres = torch.randn(k, dim, generator=g)
    assign = torch.randint(0, k, (n,), generator=g)
    return F.normalize(centres[assign] + spread * torch.randn(n, dim, generator=g), dim=1)


def loss_inputs(seed):
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(seed)
    n = SPATIAL * SPATIAL * IMAGES
    f = clustered(n, 8, 3, 0.6, g)
    s = clustered(n, 6, 4, 0.7, g)
    pool_ag = F.normalize(torch.randn(5, 8, generator=g), dim=1)
    pool_sp = F.normalize(torch.randn(5, 6, generator=g), dim=1)
    z = F.normalize(torch.randn(n, 7, generator=g), dim=1)
    z_mix = F.normalize(z + 0.5 * torch.randn(n, 7, generator=g), dim=1)
    return dict(z=z, z_mix=z_mix, s=s, f=f, pool_ag=pool_ag, pool_sp=pool_sp)


def head_weights(n_feats=384, dim=6, seed=7):
    """cluster1 (1x1 conv n->dim), cluster2 (n->n, ReLU, n->dim), their EMA copies: the
    official modules' parameter order, from one seeded generator (the test rebuilds them)."""
    import torch
    g = torch.Generator().manual_seed(seed)

    def conv(o, i):
        return [torch.randn(o, i, 1, 1, generator=g) / i ** 0.5, 0.1 * torch.randn(o, generator=g)]

    return dict(cluster1=conv(dim, n_feats), cluster2=conv(n_feats, n_feats) + conv(dim, n_feats),
                ema_model1=conv(dim, n_feats),
                ema_model2=conv(n_feats, n_feats) + conv(dim, n_feats))


def featurizer_golden(tmp):
    import model.dino.vision_transformer as vits
    import torch
    from model.dino.DinoFeaturizer import DinoFeaturizer

    torch.manual_seed(3)
    vit = vits.vit_small(patch_size=8, num_classes=0)
    state = vit.state_dict()
    for k in state:
        if k.endswith('attn.qkv.weight'):
            state[k] = state[k] * 8            # peaked, non-uniform attention
    path = osp.join(tmp, 'teacher.pth')
    torch.save(dict(teacher=state), path)
    cfg = dict(pretrained=dict(dino_patch_size=8, dino_feat_type='feat', model_type='vit_small',
                               pretrained_weights=path, projection_type='nonlinear',
                               dropout=True),
               spatial_size=4, ema_m=0.99)
    net = DinoFeaturizer(6, cfg)
    weights = head_weights()
    with torch.no_grad():
        for name, tensors in weights.items():
            for p, t in zip(getattr(net, name).parameters(), tensors):
                p.copy_(t)
    net.eval()
    g = torch.Generator().manual_seed(11)
    img = torch.randn(2, 3, 32, 32, generator=g)
    with torch.no_grad():
        _, attn, _ = net.model.get_intermediate_feat(img, n=1)
        image_feat, code, code_ema, code_3x3 = net(img, train=True)
    # the EMA heads after the update (ema_model2's 384 x 384 weight left out: 590 kB)
    ema1 = [p.detach().clone() for p in net.ema_model1.parameters()]
    ema2 = [p.detach().clone() for p in net.ema_model2.parameters()]
    return dict(img=img, attn=attn[0], image_feat=image_feat, code=code, code_ema=code_ema,
                code_3x3=code_3x3, head_seed=7, ema_m=0.99,
                ema_after=dict(ema_model1=ema1, ema_model2_tail=ema2[1:]))


def vit_weights(shapes: dict, seed: int = 5) -> dict:
    """Random ViT weights for the shapes ``{name: shape}`` (sorted names, one seeded
    generator): LayerNorm weights ``1 + 0.1 n``, biases ``0.05 n``, ``cls_token`` /
    ``pos_embed`` ``0.5 n``, matrices ``n / sqrt(fan_in)`` -- the qkv ones x 2 so the
    attention is far from uniform."""
    import torch
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name in sorted(shapes):
        shape = tuple(shapes[name])
        x = torch.randn(shape, generator=g)
        if len(shape) == 1 and 'norm' in name:
            x = 1 + 0.1 * x
        elif len(shape) == 1:
            x = 0.05 * x
        elif name in ('cls_token', 'pos_embed'):
            x = 0.5 * x
        else:
            fan_in = 1
            for d in shape[1:]:
                fan_in *= d
            x = x / fan_in ** 0.5 * (2 if 'qkv' in name else 1)
        out[name] = x
    return out


def proj_weights(dim: int = 8, seed: int = 13):
    """HP's projection head ``Linear(dim, dim)``: (weight, bias)."""
    import torch
    g = torch.Generator().manual_seed(seed)
    return torch.randn(dim, dim, generator=g) / dim ** 0.5, 0.1 * torch.randn(dim, generator=g)


def model_golden(tmp):
    import functools

    import model.dino.vision_transformer as vits
    import torch
    import torch.nn.functional as F
    from model.dino.DinoFeaturizer import DinoFeaturizer

    original = vits.vit_small

    def vit_small_2_blocks(patch_size=16, **kwargs):
        # vit_small's arguments with depth 2 instead of 12
        return vits.VisionTransformer(
            patch_size=patch_size, embed_dim=384, depth=2, num_heads=6, mlp_ratio=4,
            qkv_bias=True, norm_layer=functools.partial(torch.nn.LayerNorm, eps=1e-6),
            **kwargs)

    vits.vit_small = vit_small_2_blocks
    try:
        probe = vits.vit_small(patch_size=8, num_classes=0)
        state = vit_weights({k: v.shape for k, v in probe.state_dict().items()})
        path = osp.join(tmp, 'teacher_tiny.pth')
        torch.save(dict(teacher=state), path)
        cfg = dict(pretrained=dict(dino_patch_size=8, dino_feat_type='feat',
                                   model_type='vit_small', pretrained_weights=path,
                                   projection_type='nonlinear', dropout=True),
                   spatial_size=4, ema_m=0.99)
        net = DinoFeaturizer(8, cfg)
    finally:
        vits.vit_small = original
    missing = net.model.load_state_dict(state, strict=True)
    assert not missing.missing_keys and not missing.unexpected_keys
    with torch.no_grad():
        for name, tensors in head_weights(dim=8, seed=17).items():
            for p, t in zip(getattr(net, name).parameters(), tensors):
                p.copy_(t)
    proj = torch.nn.Linear(8, 8)
    with torch.no_grad():
        proj.weight.copy_(proj_weights()[0])
        proj.bias.copy_(proj_weights()[1])
    net.eval()
    g = torch.Generator().manual_seed(19)
    img = torch.randn(2, 3, 32, 32, generator=g)
    with torch.no_grad():
        _, attn, _ = net.model.get_intermediate_feat(img, n=1)
        image_feat, code, code_ema, code_3x3 = net(img, train=True)
        # run.py: modeloutput_z = F.normalize(project_head(code.permute(0, 2, 3, 1)
        #         .reshape(-1, dim)), dim=1), and the same for code_3x3_all
        z = F.normalize(proj(code.permute(0, 2, 3, 1).reshape(-1, 8)), dim=1)
        z_mix = F.normalize(proj(code_3x3.permute(0, 2, 3, 1).reshape(-1, 8)), dim=1)
    # the key names and shapes of the three state dicts run.py saves (convert.py's input)
    from utils.layer_utils import ClusterLookup
    keys = dict(net_model_state_dict=net.state_dict(),
                linear_model_state_dict=torch.nn.Conv2d(8, 3, (1, 1)).state_dict(),
                cluster_model_state_dict=ClusterLookup(8, 3).state_dict())
    official_keys = {part: {k: list(v.shape) for k, v in sd.items()} for part, sd in keys.items()}
    return dict(img=img, official_keys=official_keys, vit_seed=5, head_seed=17, proj_seed=13,
                dim=8, ema_m=0.99,
                attn=attn[0], image_feat=image_feat, code=code, code_ema=code_ema,
                code_3x3=code_3x3, z=z, z_mix=z_mix,
                ema_after=dict(ema_model1=[p.detach().clone()
                                           for p in net.ema_model1.parameters()],
                               # without ema_model2's 384 x 384 weight (590 kB)
                               ema_model2_tail=[p.detach().clone()
                                                for p in net.ema_model2.parameters()][1:]))


CASES = (dict(name='coco', seed=0, tau=0.8, rho=0.02, lmbd=0.3),
         dict(name='potsdam', seed=1, tau=0.4, rho=1.0, lmbd=0.0),
         dict(name='late', seed=2, tau=0.6, rho=0.3, lmbd=1.0),
         dict(name='half', seed=3, tau=0.8, rho=0.1, lmbd=0.5))


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

    out = dict(spatial_size=SPATIAL, cases=[])
    with cuda_calls_on_cpu():
        for case in CASES:
            inputs = loss_inputs(case['seed'])
            z = inputs['z'].clone().requires_grad_()
            z_mix = inputs['z_mix'].clone().requires_grad_()
            opt = dict(model=dict(spatial_size=SPATIAL), rho=case['rho'], loss_version=1,
                       reweighting=1)
            torch.manual_seed(case['seed'])
            loss = SupConLoss(temperature=case['tau'])(
                z, modeloutput_s_pr=inputs['s'], modeloutput_f=inputs['f'],
                Pool_ag=inputs['pool_ag'], Pool_sp=inputs['pool_sp'], opt=opt,
                lmbd=case['lmbd'], modeloutput_z_mix=z_mix)
            loss.backward()
            out['cases'].append(dict(case, inputs=inputs, loss=loss.detach(),
                                     grad_z=z.grad, grad_z_mix=z_mix.grad))
            print(case['name'], float(loss))
    torch.save(out, osp.join(args.out, 'loss.pt'))
    import tempfile
    with tempfile.TemporaryDirectory() as tmp, cuda_calls_on_cpu():
        torch.save(featurizer_golden(tmp), osp.join(args.out, 'featurizer.pt'))
        torch.save(model_golden(tmp), osp.join(args.out, 'model.pt'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
