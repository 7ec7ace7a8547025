"""Regenerate the golden files of collabmem (regression goldens of OUR code: the paper has no
official code, so there is no official checkout to run; PROVENANCE.md).

    python packages/collabmem/tests/golden/make_golden.py [--out DIR]

``memory_block.pt``: one :class:`CollaborativeMemory` with seeded weights scaled so that the
attention is far from uniform and the gates far from 1 (``seeded_block``), on a seeded input of
2 videos x 3 clips. ``whole_forward.pt``: the tiny synthetic-config recognizer with seeded
weights (``seeded_recognizer``) from raw uint8 clips (before the data preprocessor) to the class
scores of ``predict`` and the logits of every clip.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(HERE))))
SYNTHETIC = osp.join(REPO, 'configs', 'collabmem', 'collabmem_r3d-tiny_2x4x1_10e_synthetic.py')
BLOCK_KWARGS = dict(in_channels=6, mem_channels=4, gate_scale=2.0, zero_init_gate=False)
BLOCK_INPUT = (2 * 3, 6, 2, 3, 3)          # (B * N, C, T, H, W), N = 3


def seeded_block(seed: int = 0, scale: float = 3.0):
    """A memory block with ``N(0, scale / sqrt(fan_in))`` weights and ``U(-0.5, 0.5)`` biases."""
    import torch
    from collabmem.models import CollaborativeMemory
    block = CollaborativeMemory(**BLOCK_KWARGS).double()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for lin in (block.query, block.key, block.value, block.gate):
            fan_in = lin.weight.shape[1]
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=g, dtype=torch.float64)
                             * scale / fan_in ** 0.5)
            if lin.bias is not None:
                lin.bias.copy_(torch.rand(lin.bias.shape, generator=g, dtype=torch.float64)
                               - 0.5)
    return block.eval()


def block_input(seed: int = 1):
    import torch
    g = torch.Generator().manual_seed(seed)
    # per-clip offsets make the pooled vectors of the clips differ clearly
    x = torch.randn(BLOCK_INPUT, generator=g, dtype=torch.float64)
    return x + 2 * torch.randn(BLOCK_INPUT[:2] + (1, 1, 1), generator=g, dtype=torch.float64)


def seeded_recognizer(seed: int = 0):
    """The synthetic config's model, every weight and BN statistic seeded (memory gates not at
    identity), in eval mode."""
    import collabmem  # noqa: F401
    import torch
    from collabmem.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(SYNTHETIC)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith('running_var'):
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            elif name.endswith('running_mean'):
                t.copy_(0.2 * torch.randn(t.shape, generator=g))
            elif t.dim() > 1:
                fan_in = t[0].numel()
                # the memory's query / key / value large (attention far from uniform, values
                # that differ between clips), its gate moderate (gates not saturated)
                memory_gain = 1.0 if '.gate.' in name else 4.0
                gain = memory_gain if 'stage_blocks' in name else 1.5
                t.copy_(torch.randn(t.shape, generator=g) * gain / fan_in ** 0.5)
            else:
                t.copy_(0.3 * torch.randn(t.shape, generator=g) + (1.0 if name.endswith(
                    '.weight') and 'stage_blocks' not in name else 0.0))
    return model.eval()


def raw_clips(seed: int = 2):
    """Raw uint8 inputs as the pipeline gives them: 2 videos of (2 clips, 3, 4, 16, 16)."""
    import torch
    g = torch.Generator().manual_seed(seed)
    # each clip its own colour balance, so that the clips' pooled features differ
    out = []
    for _ in range(2):
        noise = torch.rand((2, 3, 4, 16, 16), generator=g)
        tint = 0.2 + 0.8 * torch.rand((2, 3, 1, 1, 1), generator=g)
        out.append((255 * noise * tint).to(torch.uint8))
    return out


def recognizer_outputs(model, inputs):
    import torch
    from mmaction.structures import ActionDataSample
    samples = [ActionDataSample().set_gt_label(0) for _ in inputs]
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), False)
        preds = model(data['inputs'], data['data_samples'], mode='predict')
        logits = model(data['inputs'], mode='tensor')
        logits = model.cls_head(logits)
    return torch.stack([p.pred_score for p in preds]), logits


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    import torch
    block, x = seeded_block(), block_input()
    with torch.no_grad():
        y = block(x, num_clips=3)
    torch.save(dict(kwargs=BLOCK_KWARGS, num_clips=3, state_dict=block.state_dict(), inputs=x,
                    outputs=y, attention=block.last_attention, gates=block.last_gates),
               osp.join(args.out, 'memory_block.pt'))
    model, inputs = seeded_recognizer(), raw_clips()
    scores, logits = recognizer_outputs(model, inputs)
    torch.save(dict(state_dict=model.state_dict(), inputs=torch.stack(inputs), scores=scores,
                    clip_logits=logits), osp.join(args.out, 'whole_forward.pt'))
    print(f'wrote memory_block.pt and whole_forward.pt to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
