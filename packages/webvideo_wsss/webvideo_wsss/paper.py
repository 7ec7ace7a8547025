"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about webvideo_wsss."""
import os.path as osp

from cvshared.datasets.voc import voc_tree
from cvshared.engine.stages import Pipeline, Stage
from cvshared.paper import PaperSpec

from .datasets.synthetic import make_synthetic
from .datasets.videos import VIDEO_LIST, VIDEO_TREE


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if ``<DATA_ROOT>/VOC2012`` (VOC
    2012 + SBD) or ``<DATA_ROOT>/webvideos`` (the crawled videos) is not there."""
    voc = osp.join(data_root, 'VOC2012')
    for rel in ('JPEGImages', 'Annotations', 'SegmentationClass',
                'ImageSets/Segmentation/train_aug.txt', 'ImageSets/Segmentation/val.txt'):
        if not osp.exists(osp.join(voc, rel)):
            raise FileNotFoundError(f'PASCAL VOC 2012 + SBD not found: {osp.join(voc, rel)} '
                                    f'is missing. Expected:\n{voc_tree(voc)}')
    videos = osp.join(data_root, 'webvideos', VIDEO_LIST)
    if not osp.isfile(videos):
        raise FileNotFoundError(f'crawled videos not found: {videos} is missing. Expected '
                                f'(<video_root> = {osp.join(data_root, "webvideos")}):\n'
                                f'{VIDEO_TREE}')


ENCODER = 'configs/webvideo_wsss/webvideo_wsss-encoder_vgg16_1xb16-20e_voc12aug-320x320.py'
DECODER = 'configs/webvideo_wsss/webvideo_wsss-decoder_vgg16_1xb16-30e_webvideo-320x320.py'
ENCODER_SYNTHETIC = 'configs/webvideo_wsss/webvideo_wsss-encoder_vgg-tiny_1xb16-60e_synthetic.py'
DECODER_SYNTHETIC = 'configs/webvideo_wsss/webvideo_wsss-decoder_vgg-tiny_1xb8-15e_synthetic.py'


def make_pipeline(encoder_config: str, decoder_config: str) -> Pipeline:
    """train_encoder -> test_encoder (plain-CAM labels on VOC val, the baseline) ->
    segment_videos (frame rejection + localisation + graph cut; the video masks' and the CAM
    masks' mIoU where the videos have true masks) -> train_decoder -> test_decoder (VOC val
    mIoU, ``test_decoder/mIoU``)."""
    return Pipeline([
        Stage('train_encoder', 'train', config=encoder_config,
              description='VGG-16 CAM encoder on the VOC image labels (Sec. 3.1)'),
        Stage('test_encoder', 'test', config=encoder_config, requires=('train_encoder',),
              description='plain-CAM labels on VOC val with the true image labels (baseline)'),
        Stage('segment_videos', 'call', config=encoder_config,
              fn='webvideo_wsss.pipeline:segment_videos_stage', requires=('train_encoder',),
              description='frame rejection, localisation, graph cut of every video (Sec. 3.2)'),
        Stage('train_decoder', 'train', config=decoder_config,
              requires=('train_encoder', 'segment_videos'),
              description='class-agnostic decoder on the video masks (Sec. 3.3)'),
        Stage('test_decoder', 'test', config=decoder_config, requires=('train_decoder',),
              description='VOC val mIoU of the encoder-decoder (Sec. 3.4)'),
    ], paper='webvideo_wsss')


SPEC = PaperSpec(
    key='webvideo_wsss',
    title='Weakly Supervised Semantic Segmentation using Web-Crawled Videos (Hong, Yeo, Kwak, '
          'Lee, Han; CVPR 2017)',
    runs={'voc12_decoder': DECODER},
    synthetic_runs={'synthetic_decoder': DECODER_SYNTHETIC},
    # paper, Table 1 as recalled by the card and by later papers' comparison tables (VOC 2012
    # val 58.1, test 58.7 from the evaluation server); the stored text reachable here holds
    # only the abstract, so the figure is marked unverified in the README
    reported={'test_decoder/mIoU': 58.1},
    metric_scale={'test_decoder/mIoU': 1.0},  # PseudoLabelIoUMetric reports percent
    protocol={'test_decoder/mIoU': 'encoder-decoder (VGG-16) + dense CRF, classes predicted by '
                                   'the encoder, VOC 2012 val, mIoU'},
    test_protocol='single scale; classes predicted by the encoder; dense CRF in the VOC config, '
                  'none in the synthetic one',
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='DATA_ROOT = a folder with VOC2012/ (PASCAL VOC 2012 + SBD SegmentationClassAug, '
              'train_aug.txt) and webvideos/ (videos.txt + videos/<class>/<id>.mp4: your own '
              'crawl, the paper\'s YouTube set is not released)',
    pipeline=make_pipeline(ENCODER, DECODER),
    synthetic_pipeline=make_pipeline(ENCODER_SYNTHETIC, DECODER_SYNTHETIC),
    notes=['Staged paper: train_encoder -> test_encoder -> segment_videos -> train_decoder -> '
           'test_decoder (webvideo_wsss.paper.make_pipeline); `python tools/stage.py '
           'webvideo_wsss <stage>` runs one. segment_videos prints the video masks\' mIoU '
           '(graph cut) and the thresholded CAM masks\' on the same frames; test_encoder the '
           'plain-CAM labels\' VOC val mIoU.'],
)
