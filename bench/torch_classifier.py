# The expression classifier in PyTorch: trainer/classifier/'s network, augmentation, schedule and
# class balance, for the bench scripts that search its settings faster than faceaug trains
# (torch_classifier_recipe.py, torch_noise_detection.py). They read faces that the bench scripts'
# --export writes (bench/export-faces.ts): <name>.px, 48x48 grey bytes per face, <name>.lb, a label
# byte each. Runs on Debian's python (python3-torch) and on a CUDA machine's (--device cuda).
import math
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

EXPRESSIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']
SIDE = 48


def add_classifier_arguments(parser):
    """The classifier's flags, as faceaug names them; the defaults are the `fast` recipe's."""
    parser.add_argument('--architecture', choices=['study', 'vgg'], default='study')
    parser.add_argument('--width', type=float, default=1)
    parser.add_argument('--dropout', type=float, default=0)
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--learning-rate', type=float, default=2e-3)
    parser.add_argument('--schedule', choices=['constant', 'cosine'], default='cosine')
    parser.add_argument('--flip', type=int, default=1)
    parser.add_argument('--shift', type=int, default=3)
    parser.add_argument('--label-smoothing', type=float, default=0.1)
    parser.add_argument('--class-balance', choices=['weights', 'logits', 'none'], default='weights')
    parser.add_argument('--test-flip', type=int, default=0)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu', help='cpu, or cuda on a GPU machine')


def load_faces(directory, name, device):
    """Faces as floats in [0, 1], shaped (n, 1, 48, 48), and their labels."""
    pixels = np.fromfile(f'{directory}/{name}.px', dtype=np.uint8).reshape(-1, 1, SIDE, SIDE).astype(np.float32) / 255
    labels = np.fromfile(f'{directory}/{name}.lb', dtype=np.uint8).astype(np.int64)
    return torch.from_numpy(pixels).to(device), torch.from_numpy(labels).to(device)


def network(a):
    """core/networks/classifiers.ts: the study's blocks (conv, ReLU, pool, batch norm) or vgg's."""
    def scaled(units): return max(1, round(units * a.width))
    layers, channels, side = [], 1, SIDE
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


def learning_rate(a, step, total):
    """trainer/classifier/schedule.ts: constant, or a 5% linear warm-up and a cosine decay to 0."""
    if a.schedule == 'constant': return a.learning_rate
    warm = math.ceil(0.05 * total)
    if step < warm: return a.learning_rate * (step + 1) / warm
    return a.learning_rate * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


def augment(a, x, generator):
    """trainer/classifier/augment.ts: a random left-right flip, then a move of up to --shift pixels repeating the border."""
    n = len(x)
    if a.flip:
        mirrored = torch.rand(n, generator=generator, device=x.device) < 0.5
        x = torch.where(mirrored[:, None, None, None], x.flip(-1), x)
    if a.shift:
        s = a.shift
        padded = F.pad(x, (s, s, s, s), mode='replicate')
        dy, dx = (torch.randint(0, 2 * s + 1, (n,), generator=generator, device=x.device) for _ in range(2))
        steps = torch.arange(SIDE, device=x.device)
        rows = (dy[:, None] + steps)[:, :, None]
        columns = (dx[:, None] + steps)[:, None, :]
        x = padded[torch.arange(n, device=x.device)[:, None, None], 0, rows, columns][:, None]
    return x


class Classifier:
    """A trained network and what scoring needs of its training set (the class shares for --class-balance logits)."""

    def __init__(self, a, net, counts):
        self.a, self.net = a, net
        self.log_shares = torch.log(counts / counts.sum())

    def probabilities(self, x, mirrored=None, chunk=4096):
        """Class probabilities per face (n, 7); `mirrored` (default: --test-flip) averages the face's and its mirror image's."""
        mirrored = self.a.test_flip if mirrored is None else mirrored
        self.net.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(x), chunk):
                views = [x[start:start + chunk]]
                if mirrored: views.append(views[0].flip(-1))
                p = sum(F.softmax(self.logits(v), 1) for v in views) / len(views)
                out.append(p.cpu())
        self.net.train()
        return torch.cat(out).numpy()

    def logits(self, x):
        logits = self.net(x)
        return logits - self.log_shares if self.a.class_balance == 'logits' else logits


def train(a, x, y, seed, on_epoch=None):
    """trainer/classifier/train.ts in PyTorch: `a.epochs` epochs of Adam on (x, y), shuffled and augmented from `seed`."""
    torch.manual_seed(seed)
    generator = torch.Generator(device=x.device)
    generator.manual_seed(seed)
    net = network(a).to(x.device)
    counts = torch.bincount(y, minlength=7).float()
    weights = counts.sum() / (7 * counts.clamp(min=1)) if a.class_balance == 'weights' else torch.ones(7, device=x.device)
    optimizer = torch.optim.Adam(net.parameters(), lr=a.learning_rate)
    steps_per_epoch = math.ceil(len(y) / a.batch_size)
    total = steps_per_epoch * a.epochs
    classifier = Classifier(a, net, counts)
    step = 0
    for epoch in range(1, a.epochs + 1):
        order = torch.randperm(len(y), generator=generator, device=x.device)
        for b in range(steps_per_epoch):
            batch = order[b * a.batch_size:(b + 1) * a.batch_size]
            for group in optimizer.param_groups: group['lr'] = learning_rate(a, step, total)
            labels = y[batch]
            # The mean of weighted losses, as faceaug takes it (PyTorch's weight= divides by the weights' sum instead).
            loss = (F.cross_entropy(net(augment(a, x[batch], generator)), labels, label_smoothing=a.label_smoothing, reduction='none') * weights[labels]).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
        if on_epoch: on_epoch(epoch, classifier)
    return classifier


def average_ranks(scores):
    """1-based ranks, ties sharing their mean rank."""
    order = np.argsort(scores, kind='mergesort')
    ordered = scores[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], len(scores)] - 1
    ranks = np.empty(len(scores))
    ranks[order] = ((first + last) / 2 + 1)[group]
    return ranks


def roc_auc(scores, positive):
    """trainer/validate/metrics.ts rocAuc: the chance that a positive scores above a negative, ties counting half."""
    ranks = average_ranks(np.asarray(scores, dtype=np.float64))
    n1 = positive.sum()
    n0 = len(positive) - n1
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
