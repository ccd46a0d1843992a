#!/usr/bin/python3
# The expression classifier's recipes in PyTorch (bench/torch_classifier.py: the same network,
# augmentation, schedule and class balance as trainer/classifier/), trained on the split that
# `npm run bench:recipe` trains and scores on (written by its --export <dir>). A recipe search runs
# here ~2x as fast as in faceaug; what it finds is then confirmed with bench:recipe. One JSON line
# per epoch, the fields of bench:recipe's (imageEpochs, trainSeconds, meanAuc, accuracy, recall).
# Run with Debian's python (apt-get install -y python3-torch libopenblas0-pthread):
#   /usr/bin/python3 bench/torch_classifier_recipe.py <dir> [--epochs 12 --dropout 0.5 ...]
import argparse, json, time
import numpy as np, torch
from torch_classifier import EXPRESSIONS, add_classifier_arguments, load_faces, roc_auc, train

p = argparse.ArgumentParser()
p.add_argument('dir')
add_classifier_arguments(p)
p.add_argument('--seed', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
x_pool, y_pool = load_faces(a.dir, 'pool', a.device)
x_test, y_test = load_faces(a.dir, 'test', a.device)
labels = y_test.cpu().numpy()


def metrics(probabilities):
    predicted = probabilities.argmax(1)
    auc = np.mean([roc_auc(probabilities[:, k], labels == k) for k in range(7)])
    recall = {e: round(float((predicted[labels == k] == k).mean()), 2) for k, e in enumerate(EXPRESSIONS)}
    return float(auc), float((predicted == labels).mean()), recall


started = time.time()
scoring = 0.0


def on_epoch(epoch, classifier):
    global scoring
    began = time.time()
    readings = {mirrored: metrics(classifier.probabilities(x_test, mirrored)) for mirrored in (False, True)}
    scoring += time.time() - began
    (auc, accuracy, recall), (mirrored_auc, mirrored_accuracy, _) = readings[False], readings[True]
    print(json.dumps({'bench': 'torch-recipe', **{k: v for k, v in vars(a).items() if k != 'dir'}, 'epoch': epoch,
                      'trainImages': len(y_pool), 'imageEpochs': epoch * len(y_pool), 'trainSeconds': round(time.time() - started - scoring, 1),
                      'meanAuc': round(auc, 4), 'accuracy': round(accuracy, 4), 'recall': recall,
                      'mirrored': {'meanAuc': round(mirrored_auc, 4), 'accuracy': round(mirrored_accuracy, 4)}}), flush=True)


train(a, x_pool, y_pool, a.seed, on_epoch)
