"""IRN's synthetic staged chain over training seeds: the stages train_cam .. make_ins_seg_labels
of ``irn.paper.SPEC``'s synthetic pipeline (the committed synthetic configs, the set of
``SPEC.make_synthetic``) with ``randomness.seed`` = each seed, one JSON line per seed (README,
Results: the seed protocol of issue 11).

    OMP_NUM_THREADS=1 .venv/bin/python packages/irn/tools/chain_seeds.py --seeds 0 1 2 \\
        --data-root /tmp/irn_data --work-root /tmp/irn_runs

Per seed: ``make_sem_seg_labels`` (walk ``mIoU``, CAM-only ``cam_mIoU`` at 0.15 and
``cam_mIoU_best`` at its best threshold ``cam_best_thres``, percent), ``make_ins_seg_labels``
(``mAP@0.5`` / ``mAP@0.7``), the tuned threshold (``make_cam/tuning.json``), ``gain`` = walk -
best CAM-only, and the diagnostic of the CAM collapse: per class, the mean max-normalised CAM
(``high_res``) on the ground-truth background of the images holding that class. Stages already
complete in ``<work-root>/s<seed>`` are reused (``cvshared.engine.stages``); the data set is
generated once at ``--data-root`` (same data for every seed: generator seed 0).
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import time

import numpy as np

STAGES = ['train_cam', 'make_cam', 'cam_to_ir_label', 'train_irn', 'make_sem_seg_labels',
          'make_ins_seg_labels']


def cam_on_background(root: str, cam_dir: str) -> dict:
    """``{class index: mean max-normalised CAM on the gt background}`` over train.txt's images
    that hold the class (the collapsed class's CAM spreads over the background)."""
    from cvshared.datasets.voc import VOCWSSSDataset, read_voc_mask
    from irn.pipeline import _cam
    ds = VOCWSSSDataset(data_root=root, ann_file='ImageSets/Segmentation/train.txt',
                        data_prefix=dict(seg_map_path='SegmentationClass'), serialize_data=False)
    vals = {}
    for i in range(len(ds)):
        it = ds.get_data_info(i)
        gt = read_voc_mask(it['seg_map_path'])
        cam = _cam(cam_dir, it['img_name'], gt.shape)
        for k, c in zip(np.asarray(cam['keys']).reshape(-1), np.asarray(cam['high_res'])):
            vals.setdefault(int(k), []).append(float(c[gt == 0].mean()))
    return {k: round(float(np.mean(v)), 3) for k, v in sorted(vals.items())}


def run_seed(seed: int, data_root: str, work_root: str) -> dict:
    from cvshared.engine.reproduce import ensure_synthetic, load_spec
    spec = load_spec('irn')
    ensure_synthetic(spec, data_root)
    pipe = spec.pipeline_for(True)
    work = osp.join(work_root, f's{seed}')
    t0 = time.time()
    res = pipe.run(work, only=STAGES, data_root=data_root,
                   cfg_options={'randomness.seed': seed}, paper='irn')
    sem, ins = res['make_sem_seg_labels'], res['make_ins_seg_labels']
    with open(osp.join(pipe['make_cam'].out_dir(work), 'tuning.json')) as f:
        tuning = json.load(f)
    return dict(seed=seed, tuned_thres=tuning['thres'], tuning_mIoU=round(100 * tuning['mIoU'], 1),
                cam_015=round(sem['cam_mIoU'], 1), cam_best=round(sem['cam_mIoU_best'], 1),
                cam_best_thres=sem['cam_best_thres'], walk=round(sem['mIoU'], 1),
                gain=round(sem['mIoU'] - sem['cam_mIoU_best'], 1),
                ins_ap50=round(ins['mAP@0.5'], 1), ins_ap70=round(ins['mAP@0.7'], 1),
                cam_on_bg=cam_on_background(data_root, pipe['make_cam'].out_dir(work)),
                seconds=round(time.time() - t0, 1))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', required=True)
    p.add_argument('--data-root', required=True, help='where the synthetic set is (generated)')
    p.add_argument('--work-root', required=True, help='work dirs <work-root>/s<seed>')
    a = p.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    for s in a.seeds:
        print(json.dumps(run_seed(s, a.data_root, a.work_root)), flush=True)


if __name__ == '__main__':
    main()
