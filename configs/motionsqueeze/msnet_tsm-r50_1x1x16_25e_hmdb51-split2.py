# MSNet (TSM-R50 + MS module), 16 segments, HMDB51 split 2: the split-1 config
# (msnet_tsm-r50_1x1x16_25e_hmdb51-split1.py: recipe, fine-tuning from Kinetics-400) on split 2.
# The paper's 77.4 is the mean acc/top1 of the three splits.
_base_ = ['./msnet_tsm-r50_1x1x16_25e_hmdb51-split1.py']
hmdb51_split = 2
train_dataloader = dict(dataset=dict(split=hmdb51_split))
val_dataloader = dict(dataset=dict(split=hmdb51_split))
test_dataloader = val_dataloader
