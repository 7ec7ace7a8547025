# UMIL on its synthetic set with the stand-in model pre-trained WITH THE TEXT PRIOR's analogue:
# its video encoder learned the synthetic action set against the frozen "text features" of the
# classes' captions (umil.pretrain --text words: fixed word vectors composed, umil.word_text;
# the analogue of X-CLIP learning K400 against CLIP's text features), and the anomaly head's two
# class embeddings are the frozen text features of the prompts 'normal' / 'abnormal' made of the
# same words (text='words'; the analogue of UMIL's cached CLIP text of its two prompts).
# The heads are PyTorch's default Linear init, as the official's. Otherwise the pre-trained
# stand-in config. Regenerate the weights with
# `python -m umil.pretrain packages/umil/tests/data/standin_actions_words_pretrained.pt --text words`.
_base_ = ['./umil_standin-pt_6e_synthetic.py']

pretrained = '{{$UMIL_PRETRAINED:packages/umil/tests/data/standin_actions_words_pretrained.pt}}'
model = dict(backbone=dict(text='words', class_names=('normal', 'abnormal'),
                           init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
