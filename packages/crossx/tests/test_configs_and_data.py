"""The paper configs carry the official per-data-set settings (initialization.py, demo.py,
modellearning.py), and a missing data set fails with the expected tree."""
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
RUNS = {'nabirds': 'nabirds', 'cub': 'cubbirds', 'cars': 'stcars', 'dogs': 'stdogs',
        'aircraft': 'vggaircraft'}


@pytest.mark.parametrize('run', sorted(RUNS))
def test_paper_config_has_the_official_settings(run):
    from crossx.hyperparams import crossx_hyperparams
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'crossx', f'crossx_r50_30e_{run}.py'))
    want = crossx_hyperparams('resnet', RUNS[run])   # Aircraft: the official typo (gamma 0)
    head = cfg.model.head
    assert tuple(head.gammas) == want['gammas'] and head.plty_pool == want['plty_pool']
    assert tuple(head.branches) == want['branches'] and head.num_parts == want['num_parts']
    assert cfg.optim_wrapper.optimizer.lr == want['lr']
    assert cfg.optim_wrapper.optimizer.weight_decay == 0 and \
        cfg.optim_wrapper.optimizer.momentum == 0.9
    assert cfg.train_cfg.max_epochs == want['epochs'] == 30
    assert list(cfg.param_scheduler.milestones) == [15, 25]
    assert cfg.train_dataloader.batch_size == 32
    crops = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] == 'RandomCrop']
    assert bool(crops) == (run in ('nabirds', 'cub', 'aircraft'))   # 600 -> 448 crops


def test_missing_data_set_names_the_tree(tmp_path):
    from crossx.paper import check_data
    with pytest.raises(FileNotFoundError) as err:
        check_data(str(tmp_path / 'none'), 'cub')
    assert str(tmp_path / 'none') in str(err.value) and 'train_test_split.txt' in str(err.value)
    (tmp_path / 'cub').mkdir()
    with pytest.raises(FileNotFoundError, match='images.txt'):
        check_data(str(tmp_path / 'cub'), 'cub')


def test_synthetic_set_is_read_by_the_cub_reader(tmp_path):
    from crossx.datasets import CLASSES, make_synthetic
    from cvshared.datasets.finegrained import CUB200Classification
    root = make_synthetic(str(tmp_path), per_class_train=2, per_class_test=1)
    train = CUB200Classification(root, split='train')
    test = CUB200Classification(root, split='test')
    assert len(train) == 8 and len(test) == 4
    assert train.metainfo['classes'] == CLASSES
    assert sorted(d['gt_label'] for d in test.load_data_list()) == [0, 1, 2, 3]
