"""Run a trained model on your own data: files and pictures per input.

    python tools/infer.py CONFIG CHECKPOINT INPUT [INPUT ...] [--out-dir D] [--threshold T]
                          [--device cpu|cuda] [--non-strict] [--batch-size N]

What an input is and what comes out depends on the paper (``packages/<key>/<key>/infer.py``):
msflow: an image -> its anomaly map (.npy and a picture) and image score, and, with
``--threshold``, the decision; hfan: ``FRAME:FLOW`` image pairs -> masks (.png); stts: a video
file -> class scores (top-k JSON). The checkpoint is loaded safely and strictly (a checkpoint of
another model is an error listing the mismatched keys). ``D/results.json`` holds every result.
"""
import argparse
import json

import cvshared  # noqa: F401  (stack fixes)
import torch
from cvshared.engine.infer import run
from mmengine.config import DictAction


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Inference on your own data')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('inputs', nargs='+', help='input files (see the package README)')
    p.add_argument('--out-dir', help='write files and pictures here (else print only)')
    p.add_argument('--threshold', type=float, help='decision threshold on the score')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--non-strict', action='store_true', help='allow a partial checkpoint')
    p.add_argument('--batch-size', type=int, default=1)
    p.add_argument('--inferencer', help='module:Class (default: <key>.infer.INFERENCER)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    payload = run(args.config, args.checkpoint, args.inputs, out_dir=args.out_dir,
                  threshold=args.threshold, device=args.device, strict=not args.non_strict,
                  inferencer=args.inferencer, batch_size=args.batch_size,
                  cfg_options=args.cfg_options)
    for result in payload['results']:
        print(json.dumps({k: v for k, v in result.items() if k != 'files'}))
    return payload


if __name__ == '__main__':
    main()
