"""cvshared.wsss.export: VOC palette PNG labels and COCO json instance labels, round trips
through our readers and through mmdet's CocoDataset + LoadAnnotations (the final stage's
loader)."""
import json

import numpy as np
import pytest
from cvshared.datasets.voc import VOC_FG_CLASSES, voc_palette
from cvshared.wsss.export import (
    decode_mask,
    instances_to_coco,
    read_label_png,
    save_coco_json,
    save_label_png,
)
from PIL import Image


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
