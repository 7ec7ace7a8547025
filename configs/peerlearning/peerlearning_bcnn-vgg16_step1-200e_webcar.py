# Step 1 (fc only) on web-car; clean test set: Stanford Cars test split.
_base_ = ['./peerlearning_bcnn-vgg16_step1-200e_webbird.py']

data_root = '{{$DATA_ROOT:data/web-car}}'
test_root = '{{$CARS_ROOT:data/stanford_cars}}'
num_classes = 196
_net = dict(head=dict(num_classes=num_classes))
model = dict(net1=_net, net2=_net, data_preprocessor=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(
    classes_root=data_root + '/train',
    dataset=dict(_delete_=True, type='StanfordCarsClassification', data_root=test_root, split='test',
                 pipeline={{_base_.test_pipeline}})))
val_dataloader = test_dataloader
