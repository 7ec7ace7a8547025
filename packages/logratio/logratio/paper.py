"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about logratio."""
from cvshared.paper import PaperSpec

from .datasets.pose import check_layout
from .datasets.synthetic import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    check_layout(data_root)


SPEC = PaperSpec(
    key='logratio',
    title='Deep Metric Learning Beyond Binary Supervision (Kim, Seo, Laptev, Cho, Kwak; '
          'CVPR 2019)',
    runs={'mpii-pose': 'configs/logratio/logratio_resnet34_30e_mpii-pose.py'},
    synthetic_runs={'synthetic': 'configs/logratio/logratio_resnet18-tiny_8e_synthetic.py'},
    # No pose-retrieval number of the paper could be found (README, Results): none is given.
    reported={},
    reported_not_found='the stored paper pages give its abstract and introduction only, and '
                       'the official README prints no number; searched 2026-12-02',
    metric_scale={'pose/ndcg@100': 1.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='the official fullbody zip (Google Drive link in the official README), unzipped: '
              'two image folders, list_nn.pkl, dist_nn.pkl, dist_pose_val.mat (README, Data).',
    protocol='official eval_retrieval: 1,919 queries vs the other test images, squared L2',
    test_protocol='official eval_retrieval: the first num_query test images vs the rest, '
                  'squared L2 (1,919 on the real set, 40 on the synthetic one)',
    notes=['Synthetic mode: stick figures, label distance = mean joint distance (pixels of the '
           '72 x 72 image), 40 queries, a narrow ResNet-18, CPU.'],
)
