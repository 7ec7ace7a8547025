"""Throughput of the video stage (Sec. 3.2) per frame: decoding (decord), the encoder's scores
and localisation maps, and the graph cut (SLIC superpixels + Farneback flow + GMMs + PyMaxflow),
on synthetic mp4 videos (``make_video_synthetic``) with a random-weight encoder; the rejection
is skipped (every frame is segmented: the worst case).

Usage: ``python packages/webvideo_wsss/benchmarks/video_stage.py [--size 64] [--frames 8]
[--videos 4] [--vgg16] [--threads 1]``. ``--vgg16`` uses the paper's VGG-16 encoder (slow on a
CPU) instead of the synthetic config's tiny one.

Measured (this machine, 2 shared cores, loaded, 1 thread, 2026-12-03), 32 frames of 64 px,
tiny encoder, 80 superpixels: decode 1.0, encoder 1.5, graph cut 13.7, total 16.2 ms a frame
(the graph cut -- SLIC, flow, GMM fits, the cut -- dominates).
"""
from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import torch


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--frames', type=int, default=8)
    ap.add_argument('--videos', type=int, default=4)
    ap.add_argument('--segments', type=int, default=80)
    ap.add_argument('--vgg16', action='store_true')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from webvideo_wsss.datasets import make_video_synthetic, read_video_list
    from webvideo_wsss.graphcut import segment_video
    from webvideo_wsss.models import WebVideoEncoder
    from webvideo_wsss.video import read_video, score_and_localize
    backbone = {} if args.vgg16 else dict(arch=(1, 1, 1), widths=(16, 32, 64), num_pools=2)
    enc = WebVideoEncoder(backbone=backbone, num_classes=20).eval()
    times = dict(decode=0.0, encoder=0.0, graph_cut=0.0)
    n = 0
    with tempfile.TemporaryDirectory() as root:
        make_video_synthetic(root, videos_per_class=args.videos // 2 or 1,
                             num_frames=args.frames, size=(args.size, args.size))
        for it in read_video_list(root):
            t = time.perf_counter()
            frames = read_video(it['path'])
            times['decode'] += time.perf_counter() - t
            t = time.perf_counter()
            _, alpha = score_and_localize(enc, frames, it['cls'])
            times['encoder'] += time.perf_counter() - t
            t = time.perf_counter()
            segment_video(list(frames), list(alpha), n_segments=args.segments)
            times['graph_cut'] += time.perf_counter() - t
            n += len(frames)
    print(f'{n} frames of {args.size} x {args.size}, {"VGG-16" if args.vgg16 else "tiny"} '
          f'encoder, {args.segments} superpixels, {args.threads} thread(s)')
    print('| step | ms / frame |\n|---|---|')
    for k, v in times.items():
        print(f'| {k} | {1000 * v / n:.2f} |')
    print(f'| total | {1000 * sum(times.values()) / n:.2f} |')
    return times, n


if __name__ == '__main__':
    np.set_printoptions(precision=3)
    main()
