"""The crawled-video set: its on-disk layout (defined by this package; the paper's YouTube set is
not released) and reading it with clear errors.

::

    <video_root>/videos.txt                     one video a line: <class_name>/<id>.<ext>
    <video_root>/videos/<class_name>/<id>.<ext> any container decord / PyAV read (.mp4, .webm)
    <video_root>/masks/<class_name>/<id>/<t>.png  optional: true 0/1 masks of frame t (5 digits,
                                                the synthetic set's; 255 = ignore), used only
                                                to evaluate the video masks

``<class_name>`` is any name; a video is used for the encoder class of that name
(``class_names``: VOC's 20 by default), so a list entry whose class the encoder does not know is
an error naming the line and the known classes.
"""
from __future__ import annotations

import os.path as osp

from cvshared.datasets.voc import VOC_FG_CLASSES

VIDEO_LIST = 'videos.txt'

VIDEO_TREE = """<video_root>/
  videos.txt                      lines '<class_name>/<id>.mp4'
  videos/<class_name>/<id>.mp4
  masks/<class_name>/<id>/<t>.png (optional ground truth, 0/1/255)"""


def read_video_list(video_root: str, class_names=VOC_FG_CLASSES) -> list[dict]:
    """``[dict(path, rel (= '<class_name>/<id>'), class_name, cls (index in class_names),
    mask_dir (or None))]`` of ``<video_root>/videos.txt``. Missing list, malformed line,
    unknown class and missing video file are errors naming the file and the line."""
    list_path = osp.join(video_root, VIDEO_LIST)
    if not osp.isfile(list_path):
        raise FileNotFoundError(f'video list {list_path!r} not found. Expected:\n{VIDEO_TREE}')
    items = []
    with open(list_path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split('/')
            if len(parts) != 2 or not all(parts):
                raise ValueError(f'{list_path}:{n}: {line!r} is not <class_name>/<id>.<ext>')
            name = parts[0]
            if name not in class_names:
                raise ValueError(f'{list_path}:{n}: class {name!r} is not one of the '
                                 f'encoder\'s classes {list(class_names)}')
            path = osp.join(video_root, 'videos', line)
            if not osp.isfile(path):
                raise FileNotFoundError(f'{list_path}:{n}: video {path!r} not found')
            rel = osp.splitext(line)[0]
            mask_dir = osp.join(video_root, 'masks', rel)
            items.append(dict(path=path, rel=rel, class_name=name, cls=class_names.index(name),
                              mask_dir=mask_dir if osp.isdir(mask_dir) else None))
    if not items:
        raise ValueError(f'video list {list_path!r} lists no video')
    return items


def read_true_mask(mask_dir: str, t: int):
    """The optional ground-truth mask of frame ``t`` (``uint8`` 0/1/255), None if absent."""
    import numpy as np
    from PIL import Image
    path = osp.join(mask_dir, f'{int(t):05d}.png')
    if not osp.isfile(path):
        return None
    with Image.open(path) as im:
        return np.array(im)
