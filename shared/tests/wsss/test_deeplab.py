"""cvshared.wsss.deeplab (DeepLab v2 head, pseudo-label dataset) and the final semantic stage
config configs/_base_/wsss/deeplab_v2_r50_20k_voc12_pseudo.py run as a pipeline: a label stage
writes pseudo labels, a tiny DeepLab trains on them (2 iterations, ResNet-18 via cfg options)
and a test stage evaluates the trained checkpoint on VOC val."""
import json
import os
import os.path as osp
import shutil

import cvshared.wsss.deeplab  # noqa: F401  (registers)
import pytest
import torch
import torch.nn.functional as F
from cvshared.datasets.voc_synthetic import make_voc_synthetic
from cvshared.engine.stages import STAGE_DONE, Pipeline, Stage
from cvshared.wsss.deeplab import DeepLabV2Head, VOCPseudoLabelDataset
from cvshared.wsss.export import read_label_png, save_label_png

torch.set_num_threads(1)
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
BASE = osp.join(REPO, 'configs', '_base_', 'wsss', 'deeplab_v2_r50_20k_voc12_pseudo.py')


def test_head_is_the_sum_of_four_dilated_classifiers():
    torch.manual_seed(0)
    head = DeepLabV2Head(in_channels=8, num_classes=5, dilations=(6, 12, 18, 24))
    head.init_weights()
    for conv in head.aspp:  # non-zero biases so that they count
        torch.nn.init.normal_(conv.bias)
    assert head.conv_seg is None and len(head.aspp) == 4
    x = torch.randn(2, 8, 30, 31)
    out = head([x])
    ref = sum(F.conv2d(x, c.weight, c.bias, padding=d, dilation=d)
              for c, d in zip(head.aspp, (6, 12, 18, 24)))
    assert out.shape == (2, 5, 30, 31)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)
    # every branch matters at its own rate: dropping one, or the wrong rate, moves the output
    three = sum(F.conv2d(x, c.weight, c.bias, padding=d, dilation=d)
                for c, d in zip(head.aspp[:3], (6, 12, 18)))
    assert (out - three).abs().max() > 0.1
    swapped = sum(F.conv2d(x, c.weight, c.bias, padding=d, dilation=d)
                  for c, d in zip(head.aspp, (12, 6, 18, 24)))
    assert (out - swapped).abs().max() > 0.1
    assert head.aspp[0].weight.std().item() == pytest.approx(0.01, rel=0.2)  # N(0, 0.01) init


@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('voc') / 'VOC2012')
    make_voc_synthetic(root, num_train=4, num_val=2, size=(48, 56))
    return root


def copy_gt_as_pseudo(cfg, work_dir, inputs):
    """Toy label stage: the ground truth of train_aug as the 'pseudo labels'."""
    root = cfg.data_root
    names = [n.strip() for n in open(osp.join(root, 'ImageSets/Segmentation/train_aug.txt'))]
    for n in names:
        save_label_png(osp.join(work_dir, n + '.png'),
                       read_label_png(osp.join(root, 'SegmentationClassAug', n + '.png')))
    return {'num_labels': len(names)}


def test_pseudo_label_dataset_reads_the_stage_output(voc, tmp_path):
    labels = tmp_path / 'labels'
    labels.mkdir()
    from mmengine.config import Config
    copy_gt_as_pseudo(Config(dict(data_root=voc)), str(labels), {})
    ds = VOCPseudoLabelDataset(data_root=voc, ann_file='ImageSets/Segmentation/train_aug.txt',
                               pseudo_label_dir=str(labels), pseudo_stage='rw', paper='psa',
                               lazy_init=False)
    assert len(ds) == 4
    assert all(d['seg_map_path'] == str(labels / f"{d['img_name']}.png") for d in ds.data_list)
    missing = sorted(os.listdir(labels))[1]
    os.remove(labels / missing)
    with pytest.raises(FileNotFoundError) as err:
        VOCPseudoLabelDataset(data_root=voc, ann_file='ImageSets/Segmentation/train_aug.txt',
                              pseudo_label_dir=str(labels), pseudo_stage='rw', paper='psa')
    assert missing in str(err.value)
    assert "'rw' (python tools/stage.py psa rw)" in str(err.value)
    with pytest.raises(ValueError, match='needs pseudo_label_dir'):
        VOCPseudoLabelDataset(data_root=voc)


@pytest.mark.slow  # builds and runs three mmengine Runners (seconds on an idle CPU)
def test_deeplab_stage_trains_on_pseudo_labels_and_tests(voc, tmp_path):
    child = tmp_path / 'deeplab_tiny.py'
    child.write_text(
        f"_base_ = [{BASE!r}]\n"
        "stage_inputs = dict(labels='work_dirs/reproduce/toy/labels')\n"
        "train_dataloader = dict(dataset=dict(pseudo_label_dir=stage_inputs['labels'],\n"
        "                                     pseudo_stage='labels', paper='toy'))\n")
    tiny = {
        'model.backbone.depth': 18, 'model.backbone.init_cfg': None,
        'model.decode_head.in_channels': 512,
        'model.data_preprocessor.size': (32, 32),
        'train_dataloader.dataset.pipeline.2.scale': (64, 64),
        'train_dataloader.dataset.pipeline.3.crop_size': (32, 32),
        'train_dataloader.batch_size': 2, 'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.num_workers': 0, 'val_dataloader.persistent_workers': False,
        'test_dataloader.num_workers': 0, 'test_dataloader.persistent_workers': False,
        'train_cfg.max_iters': 2, 'train_cfg.val_begin': 100,
        'param_scheduler.0.end': 2, 'default_hooks.checkpoint.interval': 2,
        'default_hooks.logger.interval': 1,
    }
    pipe = Pipeline([Stage('labels', 'call', fn=copy_gt_as_pseudo),
                     Stage('seg', 'train', config=str(child), requires=('labels',)),
                     Stage('seg_test', 'test', config=str(child), requires=('seg',))],
                    paper='toy')
    work = str(tmp_path / 'w')
    metrics = pipe.run(work, data_root=voc, cfg_options=tiny)
    assert metrics['labels'] == {'num_labels': 4.0}
    info = json.load(open(osp.join(work, 'seg', STAGE_DONE)))
    assert info['checkpoint'].endswith('iter_2.pth') and osp.isfile(info['checkpoint'])
    assert set(metrics['seg_test']) == {'aAcc', 'mIoU', 'mAcc'}  # mmseg IoUMetric on VOC val
    # (that a test stage loads the trained checkpoint: shared/tests/engine/test_stages.py)
    # the train stage read the label stage's folder, not the config's default
    assert not osp.exists('work_dirs/reproduce/toy/labels')
    # a missing pseudo label names the file and the stage that writes it
    shutil.rmtree(osp.join(work, 'labels'))
    os.makedirs(osp.join(work, 'labels'))
    with open(osp.join(work, 'labels', STAGE_DONE), 'w') as f:
        f.write('{}')
    with pytest.raises(FileNotFoundError, match=r"no pseudo label .*stage.py toy labels"):
        pipe.run(work, only='seg', force=True, data_root=voc, cfg_options=tiny)
