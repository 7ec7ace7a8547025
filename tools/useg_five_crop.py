"""The five-crop pre-cropping step of STEGO / HP / PPAP (official ``dataset/crop_datasets.py``).

    python tools/useg_five_crop.py cocostuff27 /DATA/seg/cocostuff [--splits train val]
        [--crop-ratio 0.5] [--limit N]

Writes ``<data_root>/cropped/<dataset>_five_crop_<ratio>/{img,label}/<split>/<i>.{jpg,png}``
(the five crops of image ``k`` are ``5k .. 5k + 4``: top-left, top-right, bottom-left,
bottom-right, centre), which the ``CroppedUSegDataset`` of the HP / PPAP configs reads.
``dataset``: ``cocostuff27`` (curated lists), ``cityscapes`` (fine) or ``potsdam``;
``data_root``: that data set's folder (the ``data_path`` of the official configs). See
:mod:`cvshared.useg.five_crop`.
"""
import argparse
import sys


def parse_args(argv=None):
    from cvshared.useg.five_crop import DATASETS_BY_NAME
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('dataset', choices=sorted(DATASETS_BY_NAME))
    p.add_argument('data_root', help='the data set folder (official config: data_path)')
    p.add_argument('--splits', nargs='+', default=['train', 'val'])
    p.add_argument('--crop-ratio', type=float, default=0.5,
                   help='crop side / image side (official configs: 0.5)')
    p.add_argument('--limit', type=int, default=None,
                   help='crop only the first N images of each split (a quick look)')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from cvshared.datasets.useg import cropped_dir
    from cvshared.useg.five_crop import build_source_dataset, five_crop_dataset
    out = cropped_dir(args.data_root, args.dataset, 'five', args.crop_ratio)
    for split in args.splits:
        ds = build_source_dataset(args.dataset, args.data_root, split)
        idx = None if args.limit is None else range(min(args.limit, len(ds)))
        n = five_crop_dataset(ds, out, split, args.crop_ratio, indices=idx)
        print(f'{split}: {n} crops of {n // 5} images -> {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
