"""cvshared.wsss.export: VOC palette PNG labels and COCO json instance labels, round trips
through our readers and through mmdet's CocoDataset + LoadAnnotations (the final stage's
loader)."""
import json

import numpy as np
import pytest
import torch
from cvshared.datasets.voc import VOC_FG_CLASSES, voc_palette
from cvshared.wsss.export import (
    decode_mask,
    instances_to_coco,
    read_label_png,
    save_coco_json,
    save_label_png,
)
from PIL import Image

torch.set_num_threads(1)


def test_label_png_round_trip_keeps_ids_and_ignore(tmp_path):
    rng = np.random.default_rng(0)
    label = rng.integers(0, 21, (13, 17)).astype(np.uint8)
    label[0, :] = 255
    path = save_label_png(str(tmp_path / 'sub' / 'a.png'), label)
    back = read_label_png(path)
    assert back.dtype == np.uint8 and np.array_equal(back, label)
    with Image.open(path) as img:
        assert img.mode == 'P'
        pal = np.asarray(img.getpalette()[:3 * 256]).reshape(-1, 3)
    assert np.array_equal(pal[:21], np.asarray(voc_palette()[:21]))
    assert list(pal[15]) == [192, 128, 128]  # VOC 'person' colour
    assert list(pal[255]) == [224, 224, 192]  # VOC border colour


def test_label_png_errors(tmp_path):
    with pytest.raises(ValueError, match='H x W'):
        save_label_png(str(tmp_path / 'b.png'), np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(ValueError, match='do not fit'):
        save_label_png(str(tmp_path / 'c.png'), np.full((2, 3), 300))
    save_label_png(str(tmp_path / 'd.png'), np.full((2, 3), 30, np.uint8))
    with pytest.raises(ValueError, match=r'class ids \[30\]'):
        read_label_png(str(tmp_path / 'd.png'))


def _records(rng):
    recs = []
    for i, (h, w) in enumerate([(20, 24), (16, 16), (18, 30)]):
        insts = []
        for _k in range(3 - i):
            m = np.zeros((h, w), bool)
            y, x = rng.integers(0, h - 5), rng.integers(0, w - 5)
            m[y:y + rng.integers(2, 6), x:x + rng.integers(2, 6)] = True
            m[rng.integers(0, h, 4), rng.integers(0, w, 4)] = True  # scattered pixels
            insts.append((int(rng.integers(0, 20)), float(rng.uniform()), m))
        recs.append((f'img_{i}.jpg', h, w, insts))
    return recs


def test_coco_json_ids_categories_and_rle(tmp_path):
    recs = _records(np.random.default_rng(1))
    recs[2][3].append((4, 0.5, np.zeros((18, 30), bool)))  # empty: dropped
    coco = instances_to_coco(recs)
    assert [im['id'] for im in coco['images']] == [1, 2, 3]
    assert [im['file_name'] for im in coco['images']] == ['img_0.jpg', 'img_1.jpg', 'img_2.jpg']
    assert [c['id'] for c in coco['categories']] == list(range(1, 21))
    assert [c['name'] for c in coco['categories']] == list(VOC_FG_CLASSES)
    anns = coco['annotations']
    assert len(anns) == 3 + 2 + 1 and [a['id'] for a in anns] == list(range(1, 7))
    flat = [(i + 1, inst) for i, r in enumerate(recs) for inst in r[3] if inst[2].any()]
    for ann, (image_id, (cls, score, mask)) in zip(anns, flat):
        assert ann['image_id'] == image_id and ann['category_id'] == cls + 1
        assert ann['score'] == pytest.approx(score) and ann['area'] == mask.sum()
        assert np.array_equal(decode_mask(ann['segmentation']), mask)
        ys, xs = np.nonzero(mask)
        assert ann['bbox'] == [xs.min(), ys.min(), xs.max() - xs.min() + 1,
                               ys.max() - ys.min() + 1]
    assert instances_to_coco(recs) == coco  # stable
    json.dumps(coco)  # json-ready (str RLE counts)


def test_coco_errors():
    m = np.zeros((4, 5), bool)
    with pytest.raises(ValueError, match=r"'a.jpg': instance 0 mask is \(5, 4\)"):
        instances_to_coco([('a.jpg', 4, 5, [(0, 1.0, m.T)])])
    with pytest.raises(ValueError, match='class id 20, outside 0..19'):
        instances_to_coco([('a.jpg', 4, 5, [(20, 1.0, m)])])
    with pytest.raises(ValueError, match='twice'):
        instances_to_coco([('a.jpg', 4, 5, []), ('a.jpg', 4, 5, [])])


def test_mmdet_coco_dataset_reads_the_masks_back(tmp_path):
    from mmdet.datasets import CocoDataset
    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')
    recs = _records(np.random.default_rng(2))
    for name, h, w, _ in recs:
        Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(tmp_path / name)
    ann = save_coco_json(str(tmp_path / 'ann' / 'instances.json'), instances_to_coco(recs))
    ds = CocoDataset(data_root=str(tmp_path), ann_file=ann, data_prefix=dict(img=''),
                     metainfo=dict(classes=VOC_FG_CLASSES),
                     pipeline=[dict(type='LoadImageFromFile'),
                               dict(type='LoadAnnotations', with_bbox=True, with_mask=True)])
    assert len(ds) == 3
    for i, (name, h, w, insts) in enumerate(recs):
        out = ds[i]
        assert out['img_path'].endswith(name)
        masks = out['gt_masks'].to_ndarray().astype(bool)
        assert masks.shape == (len(insts), h, w)
        for got, (_cls, _, mask) in zip(masks, insts):
            assert np.array_equal(got, mask)  # bit for bit
        assert out['gt_bboxes_labels'].tolist() == [c for c, _, _ in insts]


def _gt_instances_stage(cfg, work_dir, inputs):
    """Toy instance label stage: the ground-truth instances of train as the pseudo labels."""
    from cvshared.wsss.export import voc_instances_to_coco
    coco = voc_instances_to_coco(cfg.data_root, 'ImageSets/Segmentation/train.txt')
    save_coco_json(f'{work_dir}/instances.json', coco)
    return {'num_instances': len(coco['annotations'])}


@pytest.mark.slow  # builds and runs three mmengine Runners (seconds on an idle CPU)
def test_mask_rcnn_stage_trains_on_the_exported_json_and_tests(tmp_path):
    import os.path as osp

    from cvshared.datasets.voc import voc_instances
    from cvshared.datasets.voc_synthetic import make_voc_synthetic
    from cvshared.engine.stages import Pipeline, Stage
    from cvshared.wsss.export import voc_instances_to_coco

    voc = str(tmp_path / 'VOC2012')
    make_voc_synthetic(voc, num_train=4, num_val=2, size=(48, 56))
    gt = voc_instances_to_coco(voc)  # the val ground truth, as the evaluation reads it
    names = [im['file_name'][:-4] for im in gt['images']]
    masks, _ = voc_instances(f'{voc}/SegmentationClass/{names[0]}.png',
                             f'{voc}/SegmentationObject/{names[0]}.png')
    first = [a for a in gt['annotations'] if a['image_id'] == 1]
    assert len(first) == len(masks) and all(
        np.array_equal(decode_mask(a['segmentation']), m) for a, m in zip(first, masks))

    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    base = osp.join(repo, 'configs', '_base_', 'wsss', 'mask_rcnn_r50_fpn_12e_voc12_pseudo.py')
    child = tmp_path / 'mask_rcnn_tiny.py'
    child.write_text(
        f"_base_ = [{base!r}]\n"
        "stage_inputs = dict(ins='work_dirs/reproduce/toy/ins',\n"
        "                    val_gt='work_dirs/reproduce/toy/val_gt')\n"
        "train_dataloader = dict(dataset=dict(ann_file=stage_inputs['ins'] + '/instances.json'))\n"
        "val_dataloader = dict(dataset=dict(\n"
        "    ann_file=stage_inputs['val_gt'] + '/instances_val.json'))\n"
        "test_dataloader = val_dataloader\n"
        "val_evaluator = dict(ann_file=stage_inputs['val_gt'] + '/instances_val.json')\n"
        "test_evaluator = val_evaluator\n")
    tiny = {'model.backbone.depth': 18, 'model.backbone.init_cfg': None,
            'model.neck.in_channels': [64, 128, 256, 512],
            'train_dataloader.dataset.pipeline.2.scale': (64, 64),
            'val_dataloader.dataset.pipeline.1.scale': (64, 64),
            'test_dataloader.dataset.pipeline.1.scale': (64, 64),
            'train_cfg.max_epochs': 1, 'train_cfg.val_begin': 100,
            # narrow heads and few RoIs: a CPU-second model with the standard structure
            'model.neck.out_channels': 16, 'model.rpn_head.in_channels': 16,
            'model.rpn_head.feat_channels': 16,
            'model.roi_head.bbox_roi_extractor.out_channels': 16,
            'model.roi_head.bbox_head.in_channels': 16,
            'model.roi_head.bbox_head.fc_out_channels': 32,
            'model.roi_head.mask_roi_extractor.out_channels': 16,
            'model.roi_head.mask_head.in_channels': 16,
            'model.roi_head.mask_head.conv_out_channels': 16,
            'model.train_cfg.rpn_proposal.nms_pre': 200,
            'model.train_cfg.rpn_proposal.max_per_img': 64,
            'model.train_cfg.rcnn.sampler.num': 32,
            'model.test_cfg.rpn.nms_pre': 100, 'model.test_cfg.rpn.max_per_img': 32,
            'model.test_cfg.rcnn.max_per_img': 10,
            'default_hooks.logger.interval': 1}
    for split in ('train', 'val', 'test'):
        tiny.update({f'{split}_dataloader.num_workers': 0,
                     f'{split}_dataloader.persistent_workers': False})
    pipe = Pipeline([Stage('ins', 'call', fn=_gt_instances_stage),
                     Stage('val_gt', 'call', fn='cvshared.wsss.export:export_voc_gt_stage'),
                     Stage('det', 'train', config=str(child), requires=('ins', 'val_gt')),
                     Stage('det_test', 'test', config=str(child), requires=('det', 'val_gt'))],
                    paper='toy')
    metrics = pipe.run(str(tmp_path / 'w'), data_root=voc, cfg_options=tiny)
    assert metrics['ins']['num_instances'] > 0
    assert json.load(open(tmp_path / 'w' / 'val_gt' / 'instances_val.json')) == json.loads(
        json.dumps(gt))
    assert {'coco/segm_mAP', 'coco/segm_mAP_50', 'coco/segm_mAP_75'} <= set(metrics['det_test'])
