"""Regenerate shared/tests/useg/data/dino_golden.pt (the DINO ViT of HP / PPAP) from the
official code.

    python shared/tests/useg/data/make_golden_dino.py HP_CHECKOUT [PPAP_CHECKOUT] [--out FILE]

HP_CHECKOUT / PPAP_CHECKOUT: checkouts of github.com/hynnsk/HP and hynnsk/PPAP at the commits of
PROVENANCE.md. Our harness only (no official code is copied): it imports the official
``model/dino/vision_transformer.py`` (DINO's, Apache-2.0; PPAP's copy adds ``get_midfeat``) and
calls, unedited:

* ``vision_transformer.VisionTransformer(img_size=[32], patch_size=8, embed_dim=24, depth=2,
  num_heads=2, qkv_bias=True, norm_layer=LayerNorm(eps=1e-6))`` -- the ``vit_small``
  recipe at a tiny size -- with every parameter redrawn from N(0, 0.3) (LayerNorm gains and
  biases and the position table included, so each part changes the outputs);
* ``get_intermediate_feat(x, n=1)`` (HP's ``DinoFeaturizer.forward``): ``feat`` = the normed
  last-block tokens, ``attn`` = the last block's pre-softmax ``attn_hook``;
* PPAP's ``get_midfeat(x, mid_n=2, last_n=1)``: ``midfeat`` (second-to-last block output);

on a square 32 x 32 input (the table's own 4 x 4 grid: no interpolation) and a 40 x 48 one
(5 x 6 patches: DINO's ``interpolate_pos_encoding``). The weights are saved as a DINO
*training* checkpoint's ``teacher`` entry (``backbone.*`` plus a tiny ``DINOHead`` as
``head.*``), the layout HP's ``pretrained_weights`` path reads.
"""
import argparse
import functools
import os.path as osp
import sys

import torch

SEED = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('hp')
    ap.add_argument('ppap', nargs='?')
    ap.add_argument('--out', default=osp.join(osp.dirname(__file__), 'dino_golden.pt'))
    args = ap.parse_args()
    torch.manual_seed(SEED)
    sys.path.insert(0, args.ppap or args.hp)
    import model.dino.vision_transformer as vits  # noqa: E402

    cfg = dict(img_size=32, patch_size=8, embed_dim=24, depth=2, num_heads=2)
    vit = vits.VisionTransformer(img_size=[cfg['img_size']], patch_size=cfg['patch_size'],
                                 embed_dim=cfg['embed_dim'], depth=cfg['depth'],
                                 num_heads=cfg['num_heads'], mlp_ratio=4, qkv_bias=True,
                                 norm_layer=functools.partial(torch.nn.LayerNorm, eps=1e-6))
    with torch.no_grad():
        for p in vit.parameters():
            p.normal_(0, 0.3)
    vit.eval()
    head = vits.DINOHead(cfg['embed_dim'], 8, nlayers=2, hidden_dim=16, bottleneck_dim=8)
    teacher = {'backbone.' + k: v.clone() for k, v in vit.state_dict().items()}
    teacher.update({'head.' + k: v.clone() for k, v in head.state_dict().items()})
    out = {'cfg': cfg, 'teacher': teacher, 'cases': []}
    for h, w in ((32, 32), (40, 48)):
        x = torch.randn(1, 3, h, w)
        with torch.no_grad():
            feat, attn, _ = vit.get_intermediate_feat(x, n=1)
            case = {'img': x, 'tokens': feat[0], 'attn_hook': attn[0]}
            if hasattr(vit, 'get_midfeat'):
                crit, mid = vit.get_midfeat(x, mid_n=2, last_n=1)
                assert torch.equal(crit, feat[0])    # PPAP's crit_feat is HP's feat
                case.update(midfeat=mid)
        out['cases'].append(case)
    torch.save(out, args.out)
    print('wrote', args.out, 'midfeat' in out['cases'][0])


if __name__ == '__main__':
    main()
