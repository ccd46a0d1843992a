#!/usr/bin/python3
# bench:noise's out-of-fold rankings in PyTorch, to search which classifier finds injected label
# noise best (issue 16) faster than faceaug trains: on the images that `npm run bench:noise --
# --export <dir>` writes (noisy labels and which were flipped), k folds of --members classifiers
# (bench/torch_classifier.py: faceaug's network and recipes), then, for each ensemble size 1..n
# (the mean of the first members' probabilities), one JSON line: how well `confidence`
# (p(given label)) and `cl-margin` (p(given) - max p(other)) tell flipped from clean (flippedAuc)
# and their precision and recall at each global budget, as bench:noise reports them. What it
# finds is then confirmed with bench:noise. On a GPU machine: --device cuda. `--rounds 2` cleans
# iteratively: each fold's classifiers are trained again without the images that the previous
# round's out-of-fold scores put in the lowest --prune share of the whole set, and every image is
# scored again (one set of lines per round).
#   /usr/bin/python3 bench/torch_noise_detection.py <dir> --epochs 20 --test-flip 1 --members 2
import argparse, json, sys, time
import numpy as np, torch
from torch_classifier import add_classifier_arguments, load_faces, roc_auc, train
from torch_grouped import grouped_probabilities, train_grouped

p = argparse.ArgumentParser()
p.add_argument('dir')
add_classifier_arguments(p)
p.add_argument('--folds', type=int, default=5)
p.add_argument('--members', type=int, default=1)
p.add_argument('--seed', type=int, default=1)
p.add_argument('--budgets', default='0.05,0.1,0.15,0.2')
p.add_argument('--name', default='', help='a label copied into every line')
p.add_argument('--rounds', type=int, default=1, help='rounds of cleaning: round r > 1 trains without the lowest --prune of round r - 1')
p.add_argument('--prune', type=float, default=0.1, help='share of the whole set each later round trains without')
p.add_argument('--grouped', type=int, default=0, help='train all folds and members at once as one grouped network (torch_grouped.py; for a GPU)')
p.add_argument('--save', help='write the out-of-fold probabilities (images x 7, float32, the mean over members) to this .npy file')
a = p.parse_args()
torch.set_num_threads(a.threads)
budgets = [float(b) for b in a.budgets.split(',')]
x, y = load_faces(a.dir, 'pool', a.device)
flipped = np.fromfile(f'{a.dir}/pool.flipped', dtype=np.uint8).astype(bool)
given = y.cpu().numpy()
n = len(given)


def stratified_folds(labels, k, seed):
    """trainer/data/folds.ts: each class shuffled and dealt round-robin, continuing where the last stopped."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(labels), dtype=np.int64)
    start = 0
    for label in range(7):
        members = rng.permutation(np.flatnonzero(labels == label))
        fold[members] = (start + np.arange(len(members))) % k
        start = (start + len(members)) % k
    return fold


def detection(scores):
    """Lowest scores removed first over the whole set (bench:noise --scope global)."""
    order = np.argsort(scores, kind='stable')
    out = {'flippedAuc': round(roc_auc(-scores, flipped), 4)}
    for budget in budgets:
        removed = order[:round(budget * n)]
        found = int(flipped[removed].sum())
        out[str(budget)] = {'removed': len(removed), 'found': found, 'precision': round(found / len(removed), 4), 'recall': round(found / flipped.sum(), 4)}
    return out


def report(probabilities, size, round_):
    """The line of an ensemble of `size` members: the mean of their out-of-fold probabilities."""
    own = probabilities[np.arange(n), given]
    others = probabilities.copy()
    others[np.arange(n), given] = -1
    clean = ~flipped
    print(json.dumps({'bench': 'torch-noise', **settings, 'ensemble': size, 'round': round_, 'images': n, 'flipped': int(flipped.sum()),
                      'seconds': round(time.time() - started, 1),
                      'cleanAccuracy': round(float((probabilities[clean].argmax(1) == given[clean]).mean()), 4),
                      'confidence': detection(own), 'cl-margin': detection(own - others.max(1))}), flush=True)


settings = {k: v for k, v in vars(a).items() if k not in ('dir', 'budgets', 'save')}
fold = stratified_folds(given, a.folds, a.seed)
started = time.time()
# As trainer/classifier/ensemble.ts seeds its members: the k-th from seed + 1,000 k.
seed_of = lambda member, f: a.seed + 1000 * member + f


def sequential_round(excluded):
    total = np.zeros((n, 7), dtype=np.float64)
    for member in range(a.members):
        for f in range(a.folds):
            inside = torch.from_numpy(np.flatnonzero((fold != f) & ~excluded)).to(a.device)
            outside = np.flatnonzero(fold == f)
            classifier = train(a, x[inside], y[inside], seed_of(member, f))
            total[outside] += classifier.probabilities(x[torch.from_numpy(outside).to(a.device)])
            print(f'{a.name} member {member + 1}/{a.members} fold {f + 1}/{a.folds}: {time.time() - started:.0f} s', file=sys.stderr, flush=True)
        yield total / (member + 1)


def grouped_round(excluded):
    groups = [(member, f) for member in range(a.members) for f in range(a.folds)]
    trainings = [torch.from_numpy(np.flatnonzero((fold != f) & ~excluded)).to(a.device) for _, f in groups]
    model = train_grouped(a, x, y, trainings, [seed_of(member, f) for member, f in groups], lambda m: print(f'{a.name} {m}', file=sys.stderr, flush=True))
    held = [np.flatnonzero(fold == f) for f in range(a.folds)]
    longest = max(len(h) for h in held)
    padded = torch.stack([torch.from_numpy(np.resize(held[f], longest)).to(a.device) for _, f in groups])
    scored = grouped_probabilities(model, x, padded, a.test_flip)
    total = np.zeros((n, 7), dtype=np.float64)
    for k, (member, f) in enumerate(groups):
        total[held[f]] += scored[k, :len(held[f])]
        if f == a.folds - 1: yield total / (member + 1)


excluded = np.zeros(n, dtype=bool)
for round_ in range(1, a.rounds + 1):
    for size, mean in enumerate((grouped_round if a.grouped else sequential_round)(excluded), 1):
        report(mean, size, round_)
    if a.save: np.save(a.save if a.rounds == 1 else a.save.replace('.npy', f'-round{round_}.npy'), mean.astype(np.float32))
    excluded = np.zeros(n, dtype=bool)
    excluded[np.argsort(mean[np.arange(n), given], kind='stable')[:round(a.prune * n)]] = True
