# Step 1 (fc only) on web-aircraft; clean test set: FGVC-Aircraft (variant) test split.
_base_ = ['./peerlearning_bcnn-vgg16_step1-200e_webbird.py']

data_root = '{{$DATA_ROOT:data/web-aircraft}}'
test_root = '{{$FGVC_ROOT:data/fgvc-aircraft-2013b}}'
num_classes = 100
_net = dict(head=dict(num_classes=num_classes))
model = dict(net1=_net, net2=_net, data_preprocessor=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(
    classes_root=data_root + '/train',
    dataset=dict(_delete_=True, type='FGVCAircraftClassification', data_root=test_root, split='test',
                 level='variant', pipeline={{_base_.test_pipeline}})))
val_dataloader = test_dataloader
