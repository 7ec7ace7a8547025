"""Retrieval grids: border colours follow the neighbours' correctness; files written for the
queries' true nearest neighbours."""
import numpy as np
import pytest
from cvshared.retrieval.draw import CORRECT, QUERY, WRONG, retrieval_grid, save_retrieval_grids
from PIL import Image


def test_grid_borders_mark_correct_and_wrong():
    imgs = [np.full((20, 30, 3), v, np.uint8) for v in (10, 50, 90)]
    grid = retrieval_grid(imgs[0], imgs[1:], [True, False], tile=40, border=3, gap=5)
    assert grid.shape == (40, 40 * 3 + 5, 3)
    assert tuple(grid[0, 0]) == QUERY
    assert tuple(grid[0, 45]) == CORRECT and tuple(grid[20, 45 + 1]) == CORRECT
    assert tuple(grid[39, 85 + 39]) == WRONG
    assert tuple(grid[20, 45 + 20]) == (50, 50, 50)  # the image itself inside the border
    with pytest.raises(ValueError, match='2 neighbours but 1'):
        retrieval_grid(imgs[0], imgs[1:], [True])


def test_saved_grids_show_the_nearest_neighbours(tmp_path):
    # 1-d embeddings: the neighbours of item 0 are items 1 (same class) then 2 (other class)
    values = [0, 40, 120, 250]
    paths = []
    for i, v in enumerate(values):
        p = tmp_path / f'img{i}.png'
        Image.fromarray(np.full((16, 16, 3), v, np.uint8)).save(p)
        paths.append(str(p))
    emb = np.array([[0.0], [1.0], [2.5], [10.0]])
    out = save_retrieval_grids(emb, [0, 0, 1, 1], paths, str(tmp_path / 'grids'), num_queries=4,
                               k=2, tile=24)
    assert len(out) == 4
    first = np.asarray(Image.open(out[0]))
    gap = 6
    assert tuple(first[12, 24 + gap + 12]) == (40, 40, 40)  # rank 1 = item 1
    assert tuple(first[0, 24 + gap]) == CORRECT
    assert tuple(first[12, 24 * 2 + gap + 12]) == (120, 120, 120)  # rank 2 = item 2
    assert tuple(first[0, 24 * 2 + gap]) == WRONG
