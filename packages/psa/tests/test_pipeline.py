"""``psa.paper.SPEC``'s staged pipeline (``cvshared.engine.stages``) on a tiny synthetic VOC set:
a stage run before its input is refused with the stage to run first; the call stages (make_cam
-> make_aff_labels -> random_walk) write one output per image from the folders and checkpoints
of the stages before them, random_walk's mIoU is the mIoU of the VOC palette PNGs it wrote, the
train_deeplab config reads those PNGs, and test_deeplab tests its checkpoint on the val list.

The three train stages are stood in for (CI budget: a Runner start costs ~5 s each) by markers
naming checkpoints of freshly built models of the synthetic configs, which the later stages load
strictly; the train_aff config's binding to the make_aff_labels folder is checked on the config.
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
    from cvshared.engine.launch import load_config
    from cvshared.engine.stages import STAGE_DONE
    from mmengine.registry import DefaultScope
    from psa.registry import MODELS
    cfg = load_config(stage.config, data_root=root)
    out = stage.out_dir(work)
    os.makedirs(out)
    ckpt = osp.join(out, 'stand_in.pth')
    with DefaultScope.overwrite_default_scope('mmseg'):  # the DeepLab's SegDataPreProcessor
        model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    with open(osp.join(out, STAGE_DONE), 'w') as f:
        json.dump(dict(stage=stage.name, kind='train', config=stage.config,
                       data_root=osp.abspath(root), checkpoint=ckpt), f)


def test_synthetic_pipeline_order_and_call_stages(tmp_path):
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.engine.launch import load_config
    from cvshared.engine.stages import StageOrderError, bind_stage_inputs
    from cvshared.metrics.segmentation import evaluate_label_maps
    from PIL import Image
    from psa.datasets import make_synthetic
    from psa.paper import SPEC
    torch.manual_seed(0)
    pipe = SPEC.pipeline_for(synthetic=True)
    assert pipe.names == ['train_cam', 'make_cam', 'make_aff_labels', 'train_aff',
                          'random_walk', 'train_deeplab', 'test_deeplab']
    assert pipe['train_deeplab'].requires == ('random_walk',)
    assert pipe['test_deeplab'].requires == ('train_deeplab',)
    assert SPEC.pipeline_for(synthetic=False)['train_cam'].config.endswith('voc12aug-448x448.py')
    root = make_synthetic(str(tmp_path / 'voc'), num_train=3, num_val=1)
    work = str(tmp_path / 'work')

    _stand_in_train_stage(pipe['train_cam'], work, root)
    with pytest.raises(StageOrderError) as err:  # make_cam's CAMs are not there yet
        pipe.run(work, only='make_aff_labels', data_root=root)
    assert "stage 'make_cam'" in str(err.value)
    assert 'python tools/stage.py psa make_cam' in str(err.value)
    assert not osp.exists(pipe['make_aff_labels'].out_dir(work))

    with pytest.raises(StageOrderError, match="stage 'random_walk'"):  # no pseudo labels yet
        pipe.run(work, only='train_deeplab', data_root=root)
    with pytest.raises(StageOrderError, match="stage 'train_deeplab'"):
        pipe.run(work, only='test_deeplab', data_root=root)
    pipe.run(work, only=['make_cam', 'make_aff_labels'], data_root=root)
    # make_aff_labels used the synthetic AffinityNet config's la / ha powers (1, 4), not the
    # paper's (4, 32) defaults
    from psa import pipeline as P
    from psa.models.labels import crf_scores
    aff = pipe['train_aff']
    cfg = load_config(aff.config, data_root=root)
    assert tuple(cfg.aff_label_alphas) == (1, 4)
    name = '2000_000000'
    img = P.read_rgb(osp.join(root, 'JPEGImages', name + '.jpg'))
    from cvshared.wsss.cam import load_cam
    cam = load_cam(osp.join(pipe['make_cam'].out_dir(work), name + '.npy'), img.shape[:2],
                   stride=None)
    la, ha = P.load_aff_scores(pipe['make_aff_labels'].out_dir(work), name)
    np.testing.assert_allclose(la, crf_scores(img, cam['high_res'], 1), atol=2e-3)
    np.testing.assert_allclose(ha, crf_scores(img, cam['high_res'], 4), atol=2e-3)
    assert np.abs(ha - crf_scores(img, cam['high_res'], 32)).max() > 0.05
    cfg.aff_label_alphas = (32, 4)
    with pytest.raises(ValueError, match='aff_label_alphas'):
        P.make_aff_labels_stage(cfg, str(tmp_path / 'bad'), {})
    with pytest.raises(StageOrderError, match="stage 'train_aff'"):
        pipe.run(work, only='random_walk', data_root=root)
    bind_stage_inputs(cfg, {'make_aff_labels': pipe['make_aff_labels'].out_dir(work)},
                      aff.name, aff.config)
    loads = [t for t in cfg.train_dataloader.dataset.pipeline
             if t['type'] == 'PsaLoadAffinityScores']
    assert [t['label_dir'] for t in loads] == [pipe['make_aff_labels'].out_dir(work)]
    _stand_in_train_stage(aff, work, root)
    results = pipe.run(work, only='random_walk', data_root=root)

    with open(osp.join(root, 'ImageSets/Segmentation/train.txt')) as f:
        names = sorted(f.read().split())
    for stage, ext in (('make_cam', 'npy'), ('make_aff_labels', 'npz'), ('random_walk', 'png')):
        found = glob.glob(osp.join(pipe[stage].out_dir(work), f'*.{ext}'))
        assert sorted(osp.basename(p)[:-4] for p in found) == names, stage
    assert set(results) == {'random_walk'}
    assert set(results['random_walk']) == {'mIoU', 'cam_mIoU', 'cam_best_mIoU', 'cam_best_bg'}
    pngs = [Image.open(osp.join(work, 'random_walk', n + '.png')) for n in names]
    assert all(p.mode == 'P' for p in pngs)  # VOC palette PNGs (cvshared.wsss.export)
    assert pngs[0].getpalette()[3:6] == [128, 0, 0]  # VOC colour of class 1
    preds = [np.asarray(p) for p in pngs]
    gts = [read_voc_mask(osp.join(root, 'SegmentationClass', n + '.png')) for n in names]
    miou = 100 * evaluate_label_maps(preds, gts, 21)['mIoU']
    assert results['random_walk']['mIoU'] == pytest.approx(miou, abs=1e-9)
    # the CAM-only labels at every swept constant background score, from the make_cam files
    from cvshared.wsss.cam import load_cam
    from psa.pipeline import BG_SWEEP
    from psa.random_walk import cam_labels
    cams = [load_cam(osp.join(pipe['make_cam'].out_dir(work), n + '.npy'), g.shape, stride=None)
            for n, g in zip(names, gts)]
    sweep = {bg: 100 * evaluate_label_maps([cam_labels(c['keys'], c['high_res'], g.shape, 20,
                                                       bg=bg).numpy()
                                            for c, g in zip(cams, gts)], gts, 21)['mIoU']
             for bg in BG_SWEEP}
    rw = results['random_walk']
    assert rw['cam_mIoU'] == pytest.approx(sweep[0.2], abs=1e-9)
    assert rw['cam_best_bg'] in BG_SWEEP and rw['cam_best_bg'] == max(sweep, key=sweep.get)
    assert rw['cam_best_mIoU'] == pytest.approx(max(sweep.values()), abs=1e-9)
    assert len({round(v, 6) for v in sweep.values()}) > 1   # the sweep changes the labels

    # the DeepLab stages: the train config reads the random_walk folder once bound; the
    # test_deeplab stage loads the train_deeplab checkpoint (stood in for: a Runner.train of
    # even 2 iterations took 27 s at load 8; `tools/reproduce.py psa` runs it, README Results)
    # and tests on the val list with mmseg's IoUMetric
    dl = pipe['train_deeplab']
    cfg = load_config(dl.config, data_root=root)
    bind_stage_inputs(cfg, {'random_walk': pipe['random_walk'].out_dir(work)}, dl.name,
                      dl.config)
    assert cfg.train_dataloader.dataset.pseudo_label_dir == pipe['random_walk'].out_dir(work)
    assert cfg.train_dataloader.dataset.type == 'VOCPseudoLabelDataset'
    assert cfg.test_dataloader.dataset.ann_file == 'ImageSets/Segmentation/val.txt'
    _stand_in_train_stage(dl, work, root)
    results = pipe.run(work, only='test_deeplab', data_root=root)
    assert set(results) == {'test_deeplab'} and set(results['test_deeplab']) >= {'mIoU', 'aAcc'}
    # an untrained DeepLab (N(0, 0.01) head) is near-constant: one class everywhere
    assert results['test_deeplab']['mIoU'] < 50.0


def test_random_walk_stage_labels_train_aug_and_scores_the_test_list(tmp_path):
    """The random_walk stage writes pseudo labels for the AffinityNet config's training list
    (train_aug, what DeepLab trains on) and scores only its test list (VOC train)."""
    from cvshared.engine.launch import load_config
    from psa import pipeline as P
    from psa.datasets import make_synthetic
    from psa.paper import AFF_SYNTHETIC
    root = make_synthetic(str(tmp_path / 'voc'), num_train=2, num_val=1)
    sets = osp.join(root, 'ImageSets/Segmentation')
    with open(osp.join(sets, 'train.txt')) as f:
        train = f.read().split()
    with open(osp.join(sets, 'val.txt')) as f:
        val = f.read().split()
    with open(osp.join(sets, 'train_aug.txt'), 'w') as f:  # train_aug = train + one more image
        f.write(''.join(n + '\n' for n in val + train))
    cfg = load_config(AFF_SYNTHETIC, data_root=root)
    cfg.train_dataloader.dataset.ann_file = 'ImageSets/Segmentation/train_aug.txt'
    items = P._label_items(cfg)
    assert [it['img_name'] for it in items] == val + train
    assert [it['img_name'] for it in items if it['seg_map_path']] == train
    assert all(it['seg_map_path'].endswith(f'SegmentationClass/{it["img_name"]}.png')
               for it in items if it['seg_map_path'])


def test_make_synthetic_background_only_images_for_the_cam_net(tmp_path):
    """The background-only images are listed only in train_cam.txt (the learning test's CAM
    training list), have no image label and an all-background mask; the object images are the
    generator's, byte for byte."""
    from cvshared.datasets.voc import VOCWSSSDataset, read_voc_mask
    from cvshared.datasets.voc_synthetic import make_voc_synthetic
    from cvshared.engine.launch import load_config
    from PIL import Image
    from psa.datasets import make_synthetic
    from psa.paper import CAM_SYNTHETIC
    root = make_synthetic(str(tmp_path / 'voc'), num_train=4, num_val=1, seed=3)
    ref = make_voc_synthetic(str(tmp_path / 'ref'), num_train=4, num_val=1, size=(112, 112),
                             classes=('aeroplane', 'bicycle'), max_objects=2, seed=3, mark=0.4,
                             radius_range=(0.2, 0.3))
    sets = osp.join(root, 'ImageSets/Segmentation')
    with open(osp.join(sets, 'train.txt')) as f:
        train = f.read().split()
    with open(osp.join(sets, 'train_cam.txt')) as f:
        train_cam = f.read().split()
    assert train_cam[:4] == train and len(train_cam) == 6        # num_empty = num_train // 2
    for name in train:
        for rel in ('JPEGImages/{}.jpg', 'SegmentationClass/{}.png'):
            with open(osp.join(root, rel.format(name)), 'rb') as a, \
                    open(osp.join(ref, rel.format(name)), 'rb') as b:
                assert a.read() == b.read(), rel.format(name)
    ds = VOCWSSSDataset(data_root=root, ann_file='ImageSets/Segmentation/train_cam.txt',
                        serialize_data=False)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert all(i['img_labels'].sum() >= 1 for i in infos[:4])
    for info in infos[4:]:
        assert info['img_labels'].sum() == 0
        assert not read_voc_mask(info['seg_map_path']).any()
        img = np.asarray(Image.open(info['img_path']))
        assert img.shape == (112, 112, 3) and img.std() > 5        # a texture, not a flat fill
    # the staged synthetic CAM config trains on them too (README, Results)
    cfg = load_config(CAM_SYNTHETIC, data_root=root)
    assert cfg.train_dataloader.dataset.ann_file.endswith('/train_cam.txt')
    with pytest.raises(ValueError, match='num_empty'):
        make_synthetic(str(tmp_path / 'bad'), num_train=2, num_val=1, num_empty=-1)
