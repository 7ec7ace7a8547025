"""Regenerate the golden files of bnwvad from a checkout of the official repository.

    python packages/bnwvad/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``), patches
CUDA-only calls at run time (never edits a file), seeds, runs and saves inputs and outputs. It
contains no official code. Weights: :func:`bnwvad.testing.fill_golden_weights` on our model,
given to the official one through :func:`bnwvad.convert.to_official` (strict load), so the
golden files hold no weights. See PROVENANCE.md for what each file is.
"""
from __future__ import annotations

import argparse
import contextlib
import os.path as osp
import sys
import types

HERE = osp.dirname(osp.abspath(__file__))


@contextlib.contextmanager
def cpu_only():
    """``.cuda()`` becomes the identity while the official code runs; ``ipdb`` (imported by
    the official ``translayer.py``, unused) is a stub module."""
    from cvshared.harness import cuda_calls_on_cpu
    sys.modules.setdefault('ipdb', types.ModuleType('ipdb'))
    with cuda_calls_on_cpu():
        yield


def official_args():
    return types.SimpleNamespace(ratio_sample=0.2, ratio_batch=0.4, ratios=[16, 32],
                                 kernel_sizes=[1, 1, 1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'models', 'model.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no models/model.py)')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    from bnwvad.convert import to_official
    from bnwvad.testing import fill_golden_weights, golden_model
    torch.set_num_threads(1)
    with cpu_only():
        from losses.mpp_loss import MPPLoss
        from losses.normal_loss import NormalLoss
        from models.model import WSAD
        from models.translayer import Attention

        # 1. attention with its distance kernel (official Attention, our golden weights)
        ours = fill_golden_weights(golden_model(), seed=0)
        attn = Attention(512, heads=4, dim_head=128)
        layer = ours.encoder.layers[0].attn
        attn.to_qkv.weight.data.copy_(layer.qkvt.weight)
        attn.to_out[0].weight.data.copy_(layer.proj.weight)
        attn.to_out[0].bias.data.copy_(layer.proj.bias)
        torch.manual_seed(1)
        x = torch.randn(1, 12, 512)
        with torch.no_grad():
            torch.save(dict(inputs=x, outputs=attn(x), seed=0),
                       osp.join(args.out, 'attention.pt'))

        # 2. whole forward: a raw 5-crop feature file -> frame scores (official test.py path:
        # the 5 crop files are a batch of 5, net(...) per crop, .mean(0), np.repeat(., 16))
        net = WSAD(1024, flag='Test', args=official_args())
        net.load_state_dict(to_official(ours.state_dict()), strict=True)
        net.eval()
        torch.manual_seed(2)
        feat = torch.randn(5, 10, 1024)
        with torch.no_grad():
            snippet = net(feat).mean(0)
            parts = WSAD.forward(net, feat[None])[0]          # the 4-D path, for crop_fusion
        torch.save(dict(inputs=feat, snippet_scores=snippet,
                        frame_scores=snippet.repeat_interleave(16), parts_scores=parts, seed=0),
                   osp.join(args.out, 'whole_forward.pt'))

        # 3. one training forward (B = 2 normal + 2 abnormal, T = 16): DFM, selection and
        # losses as the official WSAD / LossComputer compute them
        net = WSAD(1024, flag='Train', args=official_args())
        net.load_state_dict(to_official(ours.state_dict()), strict=True)
        net.train()
        torch.manual_seed(3)
        batch = torch.randn(4, 16, 1024)
        batch[2:, 5:9] += 3.0
        res = net(batch)
        bn = res['bn_results']
        mpp = MPPLoss()(bn['anchors'], bn['variances'], bn['select_normals'],
                        bn['select_abnormals'])
        torch.save(dict(
            inputs=batch, pre_normal_scores=res['pre_normal_scores'].detach(),
            normal_loss=NormalLoss()(res['pre_normal_scores']).detach(), mpp_loss=mpp.detach(),
            running_mean=[a.clone() for a in bn['anchors']],
            running_var=[v.clone() for v in bn['variances']],
            select_normals=[s[..., 0].detach() for s in bn['select_normals']],
            select_abnormals=[s[..., 0].detach() for s in bn['select_abnormals']], seed=0),
            osp.join(args.out, 'train_forward.pt'))

        # 4. the selection alone on random features / distances (exact picks)
        torch.manual_seed(4)
        feats, dist = torch.randn(6, 7, 25), torch.rand(6, 25)
        nor, abn = net.pos_neg_select(feats, dist, 1)
        dims = (feats.shape[1], dist.shape[0])
        torch.save(dict(feats=feats, distance=dist, normal=nor, abnormal=abn, dims=dims),
                   osp.join(args.out, 'selection.pt'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
