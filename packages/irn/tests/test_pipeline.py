"""``irn.paper.SPEC``'s staged pipeline (``cvshared.engine.stages``) on a tiny synthetic VOC set:
a stage run before its input is refused with the stage to run first; the call stages (make_cam
-> cam_to_ir_label -> make_sem_seg_labels -> make_ins_seg_labels) write one output per image
from the folders and checkpoints of the stages before them, make_sem_seg_labels' mIoU is the
mIoU of the PNGs it wrote, make_ins_seg_labels' json holds its detections; the configs of
train_irn / train_deeplab / train_maskrcnn are bound to the outputs they read.

The train stages are stood in for (CI budget: a Runner start costs ~5 s each, the DeepLab and
Mask R-CNN runs minutes) by markers naming checkpoints of freshly built models of the
synthetic configs, which the call stages load strictly. The final DeepLab / Mask R-CNN stages
are run end to end by the synthetic pipeline only (README, Results), not here.
"""
import glob
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch


def _stand_in_train_stage(stage, work, root):
    """A complete 'train' stage: a checkpoint of its config's model, freshly built, and the
    marker the pipeline writes (``.stage_done`` with ``checkpoint`` and ``data_root``)."""
    from cvshared.engine.launch import drop_pretrained, load_config
    from cvshared.engine.stages import STAGE_DONE
    from irn.registry import MODELS
    cfg = load_config(stage.config, data_root=root)
    drop_pretrained(cfg.model)
    out = stage.out_dir(work)
    os.makedirs(out)
    ckpt = osp.join(out, 'stand_in.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta={}), ckpt)
    with open(osp.join(out, STAGE_DONE), 'w') as f:
        json.dump(dict(stage=stage.name, kind='train', config=stage.config,
                       data_root=osp.abspath(root), checkpoint=ckpt), f)


def _bound(pipe, stage, work, root, inputs):
    from cvshared.engine.launch import load_config
    from cvshared.engine.stages import bind_stage_inputs
    st = pipe[stage]
    cfg = load_config(st.config, data_root=root)
    bind_stage_inputs(cfg, inputs, st.name, st.config)
    return cfg


def test_synthetic_pipeline_order_and_call_stages(tmp_path):
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.engine.stages import StageOrderError
    from cvshared.metrics.segmentation import evaluate_label_maps
    from irn.datasets import make_synthetic
    from irn.paper import SPEC
    from PIL import Image
    torch.manual_seed(0)
    pipe = SPEC.pipeline_for(synthetic=True)
    assert pipe.names == ['train_cam', 'make_cam', 'cam_to_ir_label', 'train_irn',
                          'make_sem_seg_labels', 'make_ins_seg_labels', 'export_val_gt',
                          'train_deeplab', 'test_deeplab', 'train_maskrcnn', 'test_maskrcnn']
    real = SPEC.pipeline_for(synthetic=False)
    assert real['train_cam'].config.endswith('voc12aug-512x512.py')
    assert real['train_irn'].requires == ('cam_to_ir_label',)  # ImageNet backbone
    assert pipe['train_irn'].requires == ('cam_to_ir_label', 'train_cam')
    # test_maskrcnn is bound to export_val_gt's json (else, in another work dir, it read the
    # default work_dirs/reproduce/irn/export_val_gt and failed)
    assert 'export_val_gt' in pipe['test_maskrcnn'].requires
    root = make_synthetic(str(tmp_path / 'voc'), num_train=3, num_val=1, num_empty=1)
    work = str(tmp_path / 'work')
    # the CAM net trains on train_cam.txt (train + the background-only image); make_cam and
    # the later stages label train.txt only (the file checks below)
    from cvshared.engine.launch import load_config
    cam_cfg = load_config(pipe['train_cam'].config, data_root=root)
    assert cam_cfg.train_dataloader.dataset.ann_file.endswith('/train_cam.txt')
    with open(osp.join(root, 'ImageSets/Segmentation/train_cam.txt')) as f:
        assert f.read().split()[3:] == ['2000_900000']

    _stand_in_train_stage(pipe['train_cam'], work, root)
    with pytest.raises(StageOrderError) as err:  # make_cam's CAMs are not there yet
        pipe.run(work, only='cam_to_ir_label', data_root=root)
    assert "stage 'make_cam'" in str(err.value)
    assert 'python tools/stage.py irn make_cam' in str(err.value)
    assert not osp.exists(pipe['cam_to_ir_label'].out_dir(work))

    pipe.run(work, only=['make_cam', 'cam_to_ir_label'], data_root=root)
    # the synthetic thresholds: tuned on a separate draw of the generator (seed 1000, 32
    # images, not these), t = the arg-max of its CAM-only sweep; the IR labels are the rule
    # fg = t, bg = t / 3 (recomputed here), the walks' background t
    from irn.pipeline import make_ir_labels, tuned_thresholds
    cam_out = pipe['make_cam'].out_dir(work)
    with open(osp.join(cam_out, 'tuning.json')) as f:
        tuning = json.load(f)
    assert (tuning['seed'], tuning['num_images']) == (1000, 32)
    assert tuning['mIoU'] == max(tuning['sweep'].values())
    assert tuning['sweep'][f"{tuning['thres']:.2f}"] == tuning['mIoU']
    with open(osp.join(cam_out, 'tuning', 'voc', 'ImageSets/Segmentation/train.txt')) as f:
        tune_names = f.read().split()       # (its background-only images are not tuned on)
    assert len(tune_names) == 32 and len(glob.glob(osp.join(cam_out, 'tuning', 'cam',
                                                            '*.npy'))) == 32
    tune_imgs = [osp.join(cam_out, 'tuning', 'voc', 'JPEGImages', n + '.jpg')
                 for n in tune_names]
    with open(tune_imgs[0], 'rb') as a, open(glob.glob(osp.join(root, 'JPEGImages',
                                                                 '*.jpg'))[0], 'rb') as b:
        assert a.read() != b.read()
    t = tuning['thres']
    cfg_irn = _bound(pipe, 'cam_to_ir_label', work, root, {'make_cam': cam_out})
    assert tuned_thresholds(cfg_irn, {'make_cam': cam_out}) == dict(ir=(t, t / 3), sem=t, ins=t)
    from irn.pipeline import _items
    check = str(tmp_path / 'ir_check')
    make_ir_labels(_items(cfg_irn.train_dataloader.dataset), cam_out, check, t, t / 3)
    for p in glob.glob(osp.join(check, '*.png')):
        ours = np.asarray(Image.open(osp.join(pipe['cam_to_ir_label'].out_dir(work),
                                              osp.basename(p))))
        assert np.array_equal(ours, np.asarray(Image.open(p)))
    with pytest.raises(FileNotFoundError, match='threshold_tuning'):
        tuned_thresholds(cfg_irn, {'make_cam': str(tmp_path)})  # no tuning.json there
    with pytest.raises(StageOrderError, match="stage 'train_irn'"):
        pipe.run(work, only='make_sem_seg_labels', data_root=root)
    # train_irn's config reads the IR labels and the CAM stage's checkpoint it is given
    ckpt = osp.join(work, 'train_cam', 'stand_in.pth')
    cfg = _bound(pipe, 'train_irn', work, root,
                 {'cam_to_ir_label': pipe['cam_to_ir_label'].out_dir(work),
                  'train_cam': pipe['train_cam'].out_dir(work), 'train_cam_checkpoint': ckpt})
    loads = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] == 'IrnLoadIRLabel']
    assert [t['label_dir'] for t in loads] == [pipe['cam_to_ir_label'].out_dir(work)]
    assert cfg.model.backbone.init_cfg.checkpoint == ckpt
    _stand_in_train_stage(pipe['train_irn'], work, root)
    results = pipe.run(work, only=['make_sem_seg_labels', 'make_ins_seg_labels'], data_root=root)

    with open(osp.join(root, 'ImageSets/Segmentation/train.txt')) as f:
        names = sorted(f.read().split())
    for stage, ext in (('make_cam', 'npy'), ('cam_to_ir_label', 'png'),
                       ('make_sem_seg_labels', 'png'), ('make_ins_seg_labels', 'npz')):
        found = glob.glob(osp.join(pipe[stage].out_dir(work), f'*.{ext}'))
        assert sorted(osp.basename(p)[:-4] for p in found) == names, stage
    assert set(results) == {'make_sem_seg_labels', 'make_ins_seg_labels'}
    sem_res = results['make_sem_seg_labels']
    assert set(sem_res) == {'mIoU', 'cam_mIoU', 'cam_mIoU_best', 'cam_best_thres'}
    assert set(results['make_ins_seg_labels']) == {'mAP@0.5', 'mAP@0.7'}
    preds = [np.asarray(Image.open(osp.join(work, 'make_sem_seg_labels', n + '.png')))
             for n in names]
    gts = [read_voc_mask(osp.join(root, 'SegmentationClass', n + '.png')) for n in names]
    miou = 100 * evaluate_label_maps(preds, gts, 21)['mIoU']
    assert results['make_sem_seg_labels']['mIoU'] == pytest.approx(miou, abs=1e-9)
    # the CAM-only baseline: recomputed from the CAM files at each threshold of the sweep, the
    # reported best is the maximum (and at the reported threshold)
    from irn.pipeline import CAM_SWEEP_THRES, _cam, cam_only_label
    cams = [_cam(pipe['make_cam'].out_dir(work), n, g.shape) for n, g in zip(names, gts)]
    sweep = {float(t): 100 * evaluate_label_maps([cam_only_label(c, t) for c in cams], gts,
                                                 21)['mIoU'] for t in CAM_SWEEP_THRES}
    assert sem_res['cam_mIoU_best'] == pytest.approx(max(sweep.values()), abs=1e-9)
    assert sweep[sem_res['cam_best_thres']] == pytest.approx(sem_res['cam_mIoU_best'], abs=1e-9)
    assert sem_res['cam_mIoU'] == pytest.approx(sweep[0.15], abs=1e-9)
    # the COCO json: one image entry per training image, the npz detections (score >= 1e-5)
    with open(osp.join(work, 'make_ins_seg_labels', 'instances_train.json')) as f:
        coco = json.load(f)
    assert sorted(im['file_name'][:-4] for im in coco['images']) == names
    n_det = sum(int((np.load(p)['score'] >= 1e-5).sum())
                for p in glob.glob(osp.join(work, 'make_ins_seg_labels', '*.npz')))
    assert len(coco['annotations']) == n_det

    # the final models' configs read the label stages' outputs
    sem = pipe['make_sem_seg_labels'].out_dir(work)
    cfg = _bound(pipe, 'train_deeplab', work, root, {'make_sem_seg_labels': sem})
    assert cfg.train_dataloader.dataset.pseudo_label_dir == sem
    ins, gt = pipe['make_ins_seg_labels'].out_dir(work), str(tmp_path / 'gt')
    cfg = _bound(pipe, 'train_maskrcnn', work, root, {'make_ins_seg_labels': ins,
                                                      'export_val_gt': gt})
    assert cfg.train_dataloader.dataset.ann_file == ins + '/instances_train.json'
    assert cfg.test_evaluator.ann_file == gt + '/instances_val.json'
    assert cfg.test_dataloader.dataset.ann_file == gt + '/instances_val.json'


def test_synthetic_pipeline_set_is_the_marked_style(tmp_path):
    """``SPEC.make_synthetic`` (the synthetic chain's set, README Results) is the marked style:
    every object is a dark body (median brightest channel < 90) whose vivid class tint covers
    only a mark (10-40 % of it), and no background pixel is vivid; the learning test's default
    style tints the whole object and its background texture holds vivid colours."""
    from irn.datasets import make_synthetic
    from irn.paper import SPEC
    from PIL import Image

    def stats(root):
        out, bg = [], []
        for path in sorted(glob.glob(osp.join(root, 'JPEGImages', '*.jpg'))):
            name = osp.basename(path)[:-4]
            x = np.array(Image.open(path).convert('RGB')).astype(int)
            ins = np.array(Image.open(osp.join(root, 'SegmentationObject', name + '.png')))
            vivid = (x.max(-1) - x.min(-1)) > 100
            for k in set(np.unique(ins)) - {0, 255}:
                out.append((np.median(x.max(-1)[ins == k]), vivid[ins == k].mean()))
            bg.append(vivid[ins == 0].mean())
        return np.array(out), float(np.mean(bg))

    chain = SPEC.make_synthetic(str(tmp_path / 'chain'), num_train=8, num_val=1)
    with open(osp.join(chain, 'ImageSets/Segmentation/train_cam.txt')) as f:
        assert f.read().split()[8:] == ['2000_900000', '2000_900001']   # 8 // 4 empty images
    objs, bg = stats(chain)
    assert len(objs) >= 5
    assert (objs[:, 0] < 90).all() and ((objs[:, 1] > 0.1) & (objs[:, 1] < 0.4)).all(), objs
    assert bg < 0.001, bg                                              # measured 0.0
    objs, bg = stats(make_synthetic(str(tmp_path / 'default'), num_train=4, num_val=1))
    assert (objs[:, 0] > 150).all() and (objs[:, 1] > 0.9).all() and bg > 0.05, (objs, bg)
