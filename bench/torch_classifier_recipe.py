#!/usr/bin/python3
# The expression classifier's recipes in PyTorch: the same network, augmentation, schedule and
# class balance as trainer/classifier/, trained on the split that `npm run bench:recipe` trains
# and scores on (written by its --export <dir>). A recipe search runs here ~2x as fast as in
# faceaug; what it finds is then confirmed with bench:recipe. One JSON line per epoch, the
# fields of bench:recipe's (imageEpochs, trainSeconds, meanAuc, accuracy, recall).
# Run with Debian's python (apt-get install -y python3-torch libopenblas0-pthread):
#   /usr/bin/python3 bench/torch_classifier_recipe.py <dir> [--epochs 12 --dropout 0.5 ...]
import argparse, json, math, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

EXPRESSIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']
p = argparse.ArgumentParser()
p.add_argument('dir')
p.add_argument('--architecture', choices=['study', 'vgg'], default='study')
p.add_argument('--width', type=float, default=1)
p.add_argument('--dropout', type=float, default=0)
p.add_argument('--epochs', type=int, default=4)
p.add_argument('--batch-size', type=int, default=64)
p.add_argument('--learning-rate', type=float, default=2e-3)
p.add_argument('--schedule', choices=['constant', 'cosine'], default='cosine')
p.add_argument('--flip', type=int, default=1)
p.add_argument('--shift', type=int, default=3)
p.add_argument('--label-smoothing', type=float, default=0.1)
p.add_argument('--class-balance', choices=['weights', 'logits', 'none'], default='weights')
p.add_argument('--threads', type=int, default=2)
p.add_argument('--seed', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
rng = np.random.default_rng(a.seed)

def load(name):
    pixels = np.fromfile(f'{a.dir}/{name}.px', dtype=np.uint8).reshape(-1, 1, 48, 48).astype(np.float32) / 255
    return torch.from_numpy(pixels), torch.from_numpy(np.fromfile(f'{a.dir}/{name}.lb', dtype=np.uint8).astype(np.int64))
x_pool, y_pool = load('pool')
x_test, y_test = load('test')

def scaled(units): return max(1, round(units * a.width))

def network():
    layers, channels, side = [], 1, 48
    for filters in [32, 64, 128]:
        f = scaled(filters)
        if a.architecture == 'study':
            layers += [nn.Conv2d(channels, f, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(f)]
        else:
            layers += [nn.Conv2d(channels, f, 3, padding=1, bias=False), nn.BatchNorm2d(f), nn.ReLU(),
                       nn.Conv2d(f, f, 3, padding=1, bias=False), nn.BatchNorm2d(f), nn.ReLU(), nn.MaxPool2d(2)]
        channels, side = f, side // 2
    dropped = [nn.Dropout(a.dropout)] if a.dropout > 0 else []
    layers += [nn.Flatten(), *dropped, nn.Linear(side * side * channels, scaled(256)), nn.ReLU(), *dropped, nn.Linear(scaled(256), 7)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None: nn.init.zeros_(m.bias)
    return net

net = network()
counts = torch.bincount(y_pool, minlength=7).float()
weights = counts.sum() / (7 * counts) if a.class_balance == 'weights' else torch.ones(7)
log_shares = torch.log(counts / counts.sum())
optimizer = torch.optim.Adam(net.parameters(), lr=a.learning_rate)
steps_per_epoch = math.ceil(len(y_pool) / a.batch_size)
total = steps_per_epoch * a.epochs
warm = math.ceil(0.05 * total)

def learning_rate(step):  # trainer/classifier/schedule.ts
    if a.schedule == 'constant': return a.learning_rate
    if step < warm: return a.learning_rate * (step + 1) / warm
    return a.learning_rate * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

def augment(x):  # trainer/classifier/augment.ts: a flip, then a shift repeating the border
    x = x.clone()
    if a.flip:
        flipped = torch.rand(len(x)) < 0.5
        x[flipped] = x[flipped].flip(-1)
    if a.shift:
        s = a.shift
        padded = F.pad(x, (s, s, s, s), mode='replicate')
        dy, dx = rng.integers(0, 2 * s + 1, len(x)), rng.integers(0, 2 * s + 1, len(x))
        x = torch.stack([padded[i, :, dy[i]:dy[i] + 48, dx[i]:dx[i] + 48] for i in range(len(x))])
    return x

def roc_auc(scores, positive):
    order = np.argsort(scores, kind='mergesort')
    ranks = np.empty(len(scores))
    ordered = scores[order]
    i = 0
    while i < len(ordered):  # ties share their mean rank
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[i]: j += 1
        ranks[order[i:j + 1]] = (i + j + 2) / 2
        i = j + 1
    n1 = positive.sum()
    n0 = len(positive) - n1
    return (ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)

def score(mirrored=False):
    net.eval()
    with torch.no_grad():
        logits = net(x_test)
        if a.class_balance == 'logits': logits = logits - log_shares
        probabilities = F.softmax(logits, 1)
        if mirrored:  # test-time augmentation: the mean of the face's and its mirror image's probabilities
            flipped = net(x_test.flip(-1))
            if a.class_balance == 'logits': flipped = flipped - log_shares
            probabilities = (probabilities + F.softmax(flipped, 1)) / 2
        probabilities = probabilities.numpy()
    net.train()
    labels = y_test.numpy()
    predicted = probabilities.argmax(1)
    auc = np.mean([roc_auc(probabilities[:, k], labels == k) for k in range(7)])
    recall = {e: round(float((predicted[labels == k] == k).mean()), 2) for k, e in enumerate(EXPRESSIONS)}
    return float(auc), float((predicted == labels).mean()), recall

step, trained = 0, 0.0
for epoch in range(1, a.epochs + 1):
    started = time.time()
    order = torch.randperm(len(y_pool))
    for b in range(steps_per_epoch):
        batch = order[b * a.batch_size:(b + 1) * a.batch_size]
        for group in optimizer.param_groups: group['lr'] = learning_rate(step)
        labels = y_pool[batch]
        # The mean of weighted losses, as faceaug takes it (PyTorch's weight= divides by the weights' sum instead).
        loss = (F.cross_entropy(net(augment(x_pool[batch])), labels, label_smoothing=a.label_smoothing, reduction='none') * weights[labels]).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
    trained += time.time() - started
    auc, accuracy, recall = score()
    mirrored_auc, mirrored_accuracy, _ = score(mirrored=True)
    print(json.dumps({'bench': 'torch-recipe', **{k: v for k, v in vars(a).items() if k != 'dir'}, 'epoch': epoch,
                      'trainImages': len(y_pool), 'imageEpochs': epoch * len(y_pool), 'trainSeconds': round(trained, 1),
                      'meanAuc': round(auc, 4), 'accuracy': round(accuracy, 4), 'recall': recall,
                      'mirrored': {'meanAuc': round(mirrored_auc, 4), 'accuracy': round(mirrored_accuracy, 4)}}), flush=True)
