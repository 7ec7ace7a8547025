"""``psa.paper.SPEC``'s staged pipeline (``cvshared.engine.stages``) on a tiny synthetic VOC set:
a stage run before its input is refused with the stage to run first; the call stages (make_cam
-> make_aff_labels -> random_walk) write one output per image from the folders and checkpoints
of the stages before them, and random_walk's mIoU is the mIoU of the PNGs it wrote.

The two train stages are stood in for (CI budget: a Runner start costs ~5 s each) by markers
naming checkpoints of freshly built models of the synthetic configs, which the call stages load
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
    from psa.registry import MODELS
    cfg = load_config(stage.config, data_root=root)
    out = stage.out_dir(work)
    os.makedirs(out)
    ckpt = osp.join(out, 'stand_in.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta={}), ckpt)
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
                          'random_walk']
    assert SPEC.pipeline_for(synthetic=False)['train_cam'].config.endswith('voc12aug-448x448.py')
    root = make_synthetic(str(tmp_path / 'voc'), num_train=3, num_val=1)
    work = str(tmp_path / 'work')

    _stand_in_train_stage(pipe['train_cam'], work, root)
    with pytest.raises(StageOrderError) as err:  # make_cam's CAMs are not there yet
        pipe.run(work, only='make_aff_labels', data_root=root)
    assert "stage 'make_cam'" in str(err.value)
    assert 'python tools/stage.py psa make_cam' in str(err.value)
    assert not osp.exists(pipe['make_aff_labels'].out_dir(work))

    pipe.run(work, only=['make_cam', 'make_aff_labels'], data_root=root)
    with pytest.raises(StageOrderError, match="stage 'train_aff'"):
        pipe.run(work, only='random_walk', data_root=root)
    aff = pipe['train_aff']
    cfg = load_config(aff.config, data_root=root)
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
    assert set(results['random_walk']) == {'mIoU', 'cam_mIoU'}
    preds = [np.asarray(Image.open(osp.join(work, 'random_walk', n + '.png'))) for n in names]
    gts = [read_voc_mask(osp.join(root, 'SegmentationClass', n + '.png')) for n in names]
    miou = 100 * evaluate_label_maps(preds, gts, 21)['mIoU']
    assert results['random_walk']['mIoU'] == pytest.approx(miou, abs=1e-9)
