"""Cross-check (not a test: needs the official code) of cvshared's unsupervised-segmentation data
against the official HP loaders and five-crop script, on synthetic trees.

    python shared/tests/useg/data/check_official_loaders.py HP_CHECKOUT

Our harness only (no official code is copied). It imports the official ``dataset/data.py`` and
``dataset/crop_datasets.py`` (HP, PROVENANCE.md's commit; PPAP's files are identical) and
compares, on trees written by :mod:`cvshared.datasets.useg_synthetic`:

* the official ``Coco(.., 'val', subset=7)``, ``CityscapesSeg(.., 'val')`` and
  ``Potsdam(.., 'val', coarse_labels=True)`` with ``get_transform(320, .., 'center')`` against
  our data sets + ``useg_eval_pipeline(320)`` (+ the ImageNet normalisation): images and labels;
* the files of the official ``RandomCropComputer(.., 'five', 0.5)`` (train and val) against
  ``five_crop_official`` (byte for byte; Cityscapes up to the image order: the official lists
  files in ``os.listdir`` order, we sort);
* the official ``CroppedDataset`` with ``get_transform(224, .., 'center')`` against
  ``CroppedUSegDataset`` + ``useg_eval_pipeline(224)`` on the crops.

Run-time patches (no file is edited): ``torchvision.transforms.functional._get_image_size``
(removed from torchvision; only the unused "random" crops call it) and the official
``crop_datasets.py`` call of ``ContrastiveSegDataset``, which passes STEGO's argument list
(no ``model_type``) and raises a ``TypeError`` as published: ``model_type='dino'`` is inserted.
Result at the commit of PROVENANCE.md: every comparison exact (max |image difference| 0, labels
equal, crop files identical).
"""
import argparse
import filecmp
import hashlib
import os
import os.path as osp
import sys
import tempfile

import numpy as np  # noqa: F401  (the official modules expect it importable)
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('hp')
    args = ap.parse_args()
    torch.set_num_threads(1)
    sys.path.insert(0, args.hp)
    import torchvision.transforms.functional as tvf
    tvf._get_image_size = tvf.get_image_size
    import dataset.crop_datasets as cd
    from dataset.data import (
        CityscapesSeg,
        Coco,
        ContrastiveSegDataset,
        CroppedDataset,
        Potsdam,
        get_transform,
    )
    cd.ContrastiveSegDataset = lambda *a, **k: ContrastiveSegDataset(
        a[0], a[1], a[2], 'dino', a[3], *a[4:], **k)

    import mmseg.datasets  # noqa: F401
    from cvshared.datasets.useg import (
        Cityscapes27Dataset,
        CocoStuff27Dataset,
        CroppedUSegDataset,
        Potsdam3Dataset,
        cropped_dir,
        useg_eval_pipeline,
    )
    from cvshared.datasets.useg_synthetic import (
        make_cityscapes_synthetic,
        make_potsdam_synthetic,
        make_synthetic,
    )
    from cvshared.useg.five_crop import five_crop_official
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')

    d = tempfile.mkdtemp()
    coco = make_synthetic(d + '/cocostuff', num_train=3, num_val=3, size=(427, 640), seed=5)
    city = make_cityscapes_synthetic(d + '/cityscapes', num_train=2, num_val=2,
                                     size=(256, 512), seed=6)
    pots = make_potsdam_synthetic(d + '/potsdam', num_train=2, num_val=2, size=(200, 200), seed=7)
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    ok = []

    def ours(ds, i, res):
        r = Compose(useg_eval_pipeline(res))(ds.get_data_info(i))
        gt = r['data_samples'].gt_sem_seg.data[0].long()
        gt[gt == 255] = -1
        return (r['inputs'].float() / 255 - mean) / std, gt

    def cmp(name, off, mine):
        diff, same = float((off[0] - mine[0]).abs().max()), torch.equal(off[1].long(), mine[1])
        ok.append(diff == 0 and same)
        print(f'{name}: image max |diff| {diff:.1e}, labels equal {same}')

    t, lt = get_transform(320, False, 'center'), get_transform(320, True, 'center')
    for name, off, mine in (
            ('cocostuff27 val', Coco(coco, 'val', t, lt, coarse_labels=False,
                                     exclude_things=False, subset=7),
             CocoStuff27Dataset(coco, split='val')),
            ('cityscapes val', CityscapesSeg(city, 'val', t, lt),
             Cityscapes27Dataset(city, split='val')),
            ('potsdam val', Potsdam(pots, 'val', t, lt, coarse_labels=True),
             Potsdam3Dataset(pots, split='val'))):
        paths = [mine.get_data_info(k)['img_path'] for k in range(len(mine))]
        for i in range(len(off)):
            j = paths.index(off.inner_loader.images[i]) if hasattr(off, 'inner_loader') else i
            cmp(f'{name} {i}', off[i], ours(mine, j, 320))

    def digests(folder):
        return sorted(hashlib.sha256(open(osp.join(folder, f), 'rb').read()).hexdigest()
                      for f in os.listdir(folder))

    t2, lt2 = get_transform(224, False, 'center'), get_transform(224, True, 'center')
    for name, root in (('cocostuff27', coco), ('cityscapes', city)):
        cfg = {'dataset': {'data_path': root, 'num_neighbors': 7}, 'crop_ratio': 0.5, 'res': 224}
        for split in ('train', 'val'):
            rc = cd.RandomCropComputer(cfg, name, split, 'five', 0.5)
            for k in range(len(rc)):
                rc[k]
        out = cropped_dir(root, name, 'five', 0.5)
        os.rename(out, out + '_official')
        five_crop_official(name, root)
        for split in ('train', 'val'):
            for sub in ('img', 'label'):
                a, b = osp.join(out + '_official', sub, split), osp.join(out, sub, split)
                files = sorted(os.listdir(a))
                exact = files == sorted(os.listdir(b)) and all(
                    filecmp.cmp(osp.join(a, f), osp.join(b, f), shallow=False) for f in files)
                same_set = digests(a) == digests(b)
                ok.append(exact if name == 'cocostuff27' else same_set)
                print(f'five-crop {name} {sub}/{split}: {len(files)} files, identical {exact}, '
                      f'identical up to the order {same_set}')
        off = CroppedDataset(root, name, 'five', 0.5, 'train', t2, lt2)
        mine = CroppedUSegDataset(root, dataset_name=name, split='train')
        for i in (0, 4, 7):
            cmp(f'cropped {name} train {i}', off[i], ours(mine, i, 224))
    print('ALL EXACT' if all(ok) else 'MISMATCH')
    return 0 if all(ok) else 1


if __name__ == '__main__':
    sys.exit(main())
