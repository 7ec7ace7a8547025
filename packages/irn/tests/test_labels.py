"""Properties of IRN's pseudo-label steps, the losses and the bad-input errors."""
import numpy as np
import pytest
import torch


def _disk_field(h, w, centres, gain=1.0):
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    disp = np.zeros((2, h, w), np.float32)
    d2 = [(yy - cy) ** 2 + (xx - cx) ** 2 for cy, cx in centres]
    owner = np.argmin(np.stack(d2), 0)
    for k, (cy, cx) in enumerate(centres):
        m = owner == k
        disp[0][m], disp[1][m] = gain * (cy - yy[m]), gain * (cx - xx[m])
    return disp


def test_refinement_converges_to_the_centre_of_the_field():
    from irn.labels import find_centroids_with_refinement
    disp = _disk_field(21, 25, [(9.6, 13.2)], gain=0.3)  # D(x) = 0.3 (c - x): geometric steps
    c = find_centroids_with_refinement(disp, iterations=300)
    assert (c[0] == 10).all() and (c[1] == 13).all()
    one = find_centroids_with_refinement(disp, iterations=1)
    assert (one[1] != 13).any()  # a single step does not get there: iterations count


def test_two_blobs_give_two_instances_and_detections():
    from irn.labels import cluster_centroids, detect_instance, find_centroids_with_refinement
    disp = _disk_field(20, 40, [(10, 9), (9, 30)])
    masks = cluster_centroids(find_centroids_with_refinement(disp), disp)
    assert masks.shape == (2, 20, 40)
    left = [m for m in masks if m[:, :15].all()]
    right = [m for m in masks if m[:, 25:].all()]
    assert len(left) == 1 and len(right) == 1 and not (left[0] & right[0]).any()
    score = np.ones((2, 20, 40), np.float32)
    det = detect_instance(score, masks, np.array([3, 3]), max_fragment_size=0)
    assert list(det['class']) == [3, 3] and det['mask'].sum() == 800


def test_fragments_below_the_size_score_zero():
    from irn.labels import detect_instance
    masks = np.zeros((1, 10, 10), bool)
    masks[0, :5, :5] = True
    masks[0, 8, 8] = True
    det = detect_instance(np.full((1, 10, 10), 0.7, np.float32), masks, [1], max_fragment_size=2)
    np.testing.assert_allclose(sorted(det['score']), [0.0, 0.7], rtol=1e-6)


def test_pair_labels_rule():
    from cvshared.ops.affinity import PathIndex
    from irn.labels import pair_labels
    label = np.zeros((12, 30), np.uint8)
    label[:, 15:] = 4
    label[0, 0] = 255
    index = PathIndex(10, label.shape)
    bg, fg, neg = pair_labels(label, index)
    flat = label.reshape(-1)
    s = flat[index.src_indices.numpy()][None].repeat(index.num_directions, 0)
    d = flat[index.dst_indices.numpy()]
    valid = (s < 21) & (d < 21)
    np.testing.assert_array_equal(bg.numpy(), (valid & (s == d) & (s == 0)))
    np.testing.assert_array_equal(fg.numpy(), (valid & (s == d) & (s == 4)))
    np.testing.assert_array_equal(neg.numpy(), (valid & (s != d)))
    assert bg.sum() > 0 and fg.sum() > 0 and neg.sum() > 0
    assert ((bg + fg + neg) <= 1).all()


def test_displacement_loss_is_zero_for_the_exact_field():
    """D(x) = c - x on the fg region: D_i - D_j = x_j - x_i = delta_ij, so dp_fg = 0."""
    from cvshared.ops.affinity import PathIndex
    from irn.labels import pair_labels
    from irn.models import irn_losses
    h = w = 24
    yy, xx = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing='ij')
    disp = torch.stack([12 - yy, 12 - xx])[None]
    label = np.full((h, w), 2, np.uint8)
    index = PathIndex(10, (h, w))
    bg, fg, neg = pair_labels(label, index)
    losses = irn_losses(torch.zeros(1, 1, h, w), disp, bg[None], fg[None], neg[None], index)
    assert losses['loss_dp_fg'] < 1e-6
    wrong = irn_losses(torch.zeros(1, 1, h, w), -disp, bg[None], fg[None], neg[None], index)
    assert wrong['loss_dp_fg'] > 1


def test_ir_label_rule_and_size_error():
    from irn.labels import cam_to_ir_label
    img = np.zeros((6, 8, 3), np.uint8)
    cams = np.zeros((1, 6, 8), np.float32)
    cams[0, :, :2] = 1.0    # fg: above 0.30
    cams[0, :, 2:4] = 0.1   # unsure: between 0.05 and 0.30
    identity = lambda img, lab, n_labels: lab  # noqa: E731  (the rule without the CRF)
    out = cam_to_ir_label(img, cams, np.array([6]), crf=identity)
    assert (out[:, :2] == 7).all() and (out[:, 2:4] == 255).all() and (out[:, 4:] == 0).all()
    with pytest.raises(ValueError, match='differs from the image size'):
        cam_to_ir_label(np.zeros((5, 8, 3), np.uint8), cams, np.array([6]), crf=identity)


def test_training_sample_without_pair_labels_says_which_stage():
    from irn.models import IrnNet
    net = IrnNet(backbone=dict(depth=18, base_channels=8, stem_channels=8), crop_size=96)
    with pytest.raises(ValueError, match='cam_to_ir_label'):
        net(torch.rand(1, 3, 96, 96), [dict()], mode='loss')


def test_cam_net_errors_and_gradients():
    from irn.models import IrnCAMNet
    net = IrnCAMNet(backbone=dict(depth=18, base_channels=8, stem_channels=8), num_classes=4)
    net.train()
    with pytest.raises(ValueError, match='no image-level label'):
        net(torch.rand(1, 3, 32, 32), [dict(img_path='a.jpg')], mode='loss')
    loss = net(torch.rand(2, 3, 32, 32), [dict(label=[1, 0, 0, 1]), dict(label=[0, 1, 0, 0])],
               mode='loss')['loss']
    loss.backward()
    # layer2's output is detached and conv1/bn1 are frozen: no gradient up to layer2
    assert net.backbone.conv1.weight.grad is None and not net.backbone.conv1.weight.requires_grad
    assert net.backbone.layer2[0].conv1.weight.grad is None
    assert net.backbone.layer3[0].conv1.weight.grad.abs().sum() > 0
    assert net.classifier.weight.grad.abs().sum() > 0
    assert not any(m.training for m in net.backbone.modules()
                   if isinstance(m, torch.nn.BatchNorm2d))  # fixed BN


def test_mean_shift_centres_the_displacement_at_eval():
    from irn.hooks import compute_mean_shift
    from irn.models import IrnNet
    torch.manual_seed(0)
    net = IrnNet(backbone=dict(depth=18, base_channels=8, stem_channels=8))
    with torch.no_grad():
        net.fc_dp7[3].weight.add_(0.5)  # a clearly non-zero mean displacement
    x = torch.rand(2, 3, 48, 48)
    shift = compute_mean_shift(net, [x])
    assert shift.abs().min() > 1e-2 and net.training  # restored to train mode
    with torch.no_grad():
        net.eval()
        _, centred = net(x, mode='tensor')
        net.train()
        _, raw = net(x, mode='tensor')  # train mode: no shift
    torch.testing.assert_close(centred.mean(dim=(0, 2, 3)), torch.zeros(2), atol=1e-5, rtol=0)
    torch.testing.assert_close(raw.mean(dim=(0, 2, 3)), shift, atol=1e-5, rtol=0)


def test_benchmark_sparse_equals_dense_random_walk():
    from irn.benchmark import run
    r = run(nodes=12, classes=2)
    assert r['max_abs_diff'] < 1e-4 * r['max_value']
    assert r['max_value'] > 0.05


def test_semantic_random_walk_fills_the_region_up_to_the_boundary():
    """CAM-only labels cover the CAM peak; the walk spreads it to the boundary, not across."""
    from cvshared.metrics.segmentation import evaluate_label_maps
    from irn.labels import sem_seg_label
    h = w = 16
    gt = np.zeros((64, 64), np.int64)
    gt[:, :32] = 1
    cams = torch.zeros(1, h, w)
    cams[0, 6:10, 2:6] = 1.0
    edge = torch.zeros(1, h, w)
    edge[0, :, 8] = 1.0
    pred, _ = sem_seg_label(cams, np.array([0]), edge, (64, 64))
    cam_up = torch.nn.functional.interpolate(cams[None], scale_factor=4, mode='bilinear',
                                             align_corners=False)[0]
    cam_only = torch.argmax(torch.cat([torch.full((1, 64, 64), 0.25), cam_up]), 0).numpy()
    miou = lambda p: evaluate_label_maps([p], [gt], num_classes=2)['mIoU']  # noqa: E731
    assert miou(pred) > 0.9 > 0.6 > miou(cam_only)
    assert (pred[:, 36:] == 0).all()  # nothing leaks across the boundary


def test_instance_labels_separate_two_objects_of_one_class():
    from irn.labels import ins_seg_label
    h, w = 16, 32
    disp = torch.from_numpy(_disk_field(h, w, [(8, 7), (8, 24)]))
    cams = torch.zeros(1, h, w)
    cams[0, 4:12, 3:12] = 1.0
    cams[0, 4:12, 20:29] = 0.8
    edge = torch.zeros(1, h, w)
    edge[0, :, 15:17] = 1.0
    det = ins_seg_label(cams, np.array([6]), edge, disp, (64, 128))
    kept = det['score'] > 0
    assert kept.sum() == 2 and set(det['class'][kept]) == {6}
    centres = sorted(float(np.nonzero(m)[1].mean()) for m in det['mask'][kept])
    assert centres[0] < 60 < centres[1]


def test_export_png_and_coco_json(tmp_path):
    import json

    from cvshared.wsss.export import decode_mask, read_label_png
    from irn.export import save_instances_json, save_sem_label
    label = np.zeros((6, 7), np.uint8)
    label[1:3, 1:4] = 15
    label[5, 6] = 255
    np.testing.assert_array_equal(read_label_png(save_sem_label(str(tmp_path / 'a.png'), label)),
                                  label)
    with pytest.raises(ValueError, match='class ids'):
        save_sem_label(str(tmp_path / 'b.png'), np.full((2, 2), 40, np.uint8))
    m1 = np.zeros((6, 7), bool)
    m1[:2, :2] = True
    m2 = np.zeros((6, 7), bool)
    m2[4:, 4:] = True
    det = {'score': np.array([0.8, 0.0]), 'mask': np.stack([m1, m2]), 'class': np.array([0, 4])}
    coco = json.load(open(save_instances_json(str(tmp_path / 'i.json'), [('x.jpg', 6, 7, det)])))
    (ann,) = coco['annotations']  # the zero-score fragment is dropped
    assert ann['category_id'] == 1 and coco['categories'][0]['name'] == 'aeroplane'
    np.testing.assert_array_equal(decode_mask(ann['segmentation']), m1)
