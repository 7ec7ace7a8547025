"""The video stage (paper Sec. 3.2): read each retrieved video of a class, score its frames with
the encoder, reject the frames the encoder does not recognise as the class, localise the class
on the retained frames (E6) and segment them by the graph cut of
:mod:`webvideo_wsss.graphcut` (E1-E4).

Frame rejection (Sec. 3.2: "the classification score is used to reject frames irrelevant to
the class"): frame ``t`` of a video retrieved for class ``l`` is kept iff
``sigma(s_l(t)) >= frame_thres`` (the threshold's value is ours: 0.5 by default; the
paper's could not be verified). Temporal edges join two retained frames only when they are
consecutive in the video.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch

MEAN = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)


class VideoDecodeError(ValueError):
    """A video file that holds no decodable frame."""


def read_video(path: str, frame_step: int = 1, max_frames: int | None = None,
               backend: str = 'decord') -> np.ndarray:
    """All frames (every ``frame_step``-th, at most ``max_frames``) of a video file as
    ``uint8 (T, H, W, 3)`` RGB. ``backend``: 'decord' (falls back to PyAV if decord cannot open
    the file) or 'av'. A missing file is ``FileNotFoundError``, a file with no decodable frame
    :class:`VideoDecodeError`, both naming the file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'video {path!r} not found (see the README, Data: '
                                f'<root>/videos/<class_name>/<id>.mp4 listed in videos.txt)')
    frames, errors = None, []
    if backend == 'decord':
        try:
            import decord
            vr = decord.VideoReader(path, ctx=decord.cpu(0), num_threads=1)
            idx = list(range(0, len(vr), frame_step))[:max_frames]
            frames = vr.get_batch(idx).asnumpy() if idx else None
        except Exception as e:  # decord raises RuntimeError / DECORDError
            errors.append(f'decord: {str(e).splitlines()[0][:200]}')
            frames = None
    if frames is None:
        try:
            import av
            out = []
            with av.open(path) as container:
                for i, fr in enumerate(container.decode(video=0)):
                    if i % frame_step == 0:
                        out.append(fr.to_ndarray(format='rgb24'))
                    if max_frames is not None and len(out) >= max_frames:
                        break
            frames = np.stack(out) if out else None
        except Exception as e:
            errors.append(f'av: {str(e).splitlines()[0][:200]}')
            frames = None
    if frames is None or len(frames) == 0:
        why = '; '.join(errors) or 'the stream is empty'
        raise VideoDecodeError(f'video {path!r} has no decodable frame ({why}): re-download or '
                               f're-encode it, or drop it from videos.txt')
    return np.ascontiguousarray(frames)


def frames_to_tensor(frames: np.ndarray) -> torch.Tensor:
    """``uint8 (T, H, W, 3)`` RGB -> ImageNet-normalised ``float (T, 3, H, W)``."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
    return (x - MEAN) / STD


@torch.no_grad()
def score_and_localize(encoder, frames: np.ndarray, cls: int, batch_size: int = 16):
    """``(scores (T,), alpha (T, H, W))``: ``sigma(s_cls)`` of every frame and E6's map of
    class ``cls`` at frame resolution."""
    encoder.eval()
    scores, maps = [], []
    for s in range(0, len(frames), batch_size):
        x = frames_to_tensor(frames[s:s + batch_size])
        p, a = encoder.score_and_localize(x)
        scores.append(p[:, cls])
        maps.append(a[:, cls])
    return torch.cat(scores).numpy(), torch.cat(maps).numpy()


def reject_frames(scores: np.ndarray, frame_thres: float) -> np.ndarray:
    """Indices of the retained frames: ``sigma(s_l) >= frame_thres`` (Sec. 3.2)."""
    return np.nonzero(np.asarray(scores) >= frame_thres)[0]


def cam_masks(alpha: np.ndarray, thres: float) -> np.ndarray:
    """The baseline: the localisation map thresholded, ``alpha >= thres``."""
    return np.asarray(alpha) >= thres


def process_video(encoder, path: str, cls: int, frame_thres: float = 0.5,
                  graph_cfg: dict | None = None, frame_step: int = 1,
                  max_frames: int | None = None) -> dict:
    """One video: ``dict(frames (T,H,W,3), scores (T,), kept (K,) indices, alpha (K,H,W),
    masks bool (K,H,W))``; no retained frame gives empty ``kept`` / ``masks``."""
    from .graphcut import segment_video
    frames = read_video(path, frame_step, max_frames)
    scores, alpha = score_and_localize(encoder, frames, cls)
    kept = reject_frames(scores, frame_thres)
    out = dict(frames=frames, scores=scores, kept=kept, alpha=alpha[kept])
    if not len(kept):
        out['masks'] = np.zeros((0,) + frames.shape[1:3], bool)
        return out
    linked = np.diff(kept) == 1
    out['masks'] = segment_video(list(frames[kept]), list(alpha[kept]), linked=linked,
                                 **(graph_cfg or {}))
    return out


def save_video_annotations(out_dir: str, rel: str, cls: int, result: dict) -> list[str]:
    """Writes the retained frames and their masks of one video as
    ``<out_dir>/frames/<rel>/<t>.png`` (RGB) and ``<out_dir>/masks/<rel>/<t>.png`` (0 / 1)
    and returns the decoder's list lines ``frames/<rel>/<t>.png masks/<rel>/<t>.png <cls>``."""
    from PIL import Image
    lines = []
    for t, m in zip(result['kept'], result['masks']):
        f_rel = osp.join('frames', rel, f'{int(t):05d}.png')
        m_rel = osp.join('masks', rel, f'{int(t):05d}.png')
        for r in (f_rel, m_rel):
            os.makedirs(osp.dirname(osp.join(out_dir, r)), exist_ok=True)
        Image.fromarray(result['frames'][t]).save(osp.join(out_dir, f_rel))
        Image.fromarray(m.astype(np.uint8)).save(osp.join(out_dir, m_rel))
        lines.append(f'{f_rel} {m_rel} {cls}')
    return lines


def binary_iou(preds, gts) -> float:
    """Mean of the foreground and background IoU over all pixels of mask pairs (the
    two-class mIoU of the video masks; GT 255 ignored): the shared
    :func:`cvshared.metrics.segmentation.evaluate_label_maps` with two classes."""
    from cvshared.metrics.segmentation import evaluate_label_maps
    return evaluate_label_maps(preds, gts, 2)['mIoU']
