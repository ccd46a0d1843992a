# Many independent classifiers trained as one network, so that a GPU runs them at its width and
# not at one small network's launch rate: G copies of bench/torch_classifier.py's `study` network
# become grouped convolutions (group g sees only its own channels), per-channel batch norm, and
# batched matrix products for the dense layers. Each group keeps its own initial weights (those
# `network(a)` draws from its seed), its own training images, batch order and class weights, its
# own cosine schedule over its own number of steps, and its own Adam state: group g's loss touches
# group g's parameters only, so the groups are exactly G separate trainings run in lock step.
# Used by torch_validation.py for a validation's fold classifiers and by torch_noise_detection.py.
import math
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from torch_classifier import SIDE, augment, learning_rate, network


class GroupedNetworks(nn.Module):
    """G `study` networks side by side: input (batch, G, 48, 48), logits (G, batch, 7)."""

    def __init__(self, a, seeds):
        super().__init__()
        if a.architecture != 'study' or a.dropout > 0:
            raise ValueError('grouped training covers the study architecture without dropout')
        self.groups = G = len(seeds)
        nets = []
        for seed in seeds:
            torch.manual_seed(seed)
            nets.append(network(a))
        convs = [[m for m in net if isinstance(m, nn.Conv2d)] for net in nets]
        dense = [[m for m in net if isinstance(m, nn.Linear)] for net in nets]
        self.convs, self.norms = nn.ModuleList(), nn.ModuleList()
        for block, first in enumerate(convs[0]):
            conv = nn.Conv2d(G * first.in_channels, G * first.out_channels, 3, padding=1, groups=G)
            conv.weight.data.copy_(torch.cat([c[block].weight.data for c in convs]))
            conv.bias.data.copy_(torch.cat([c[block].bias.data for c in convs]))
            self.convs.append(conv)
            self.norms.append(nn.BatchNorm2d(G * first.out_channels))
        # nn.Linear keeps (out, in); a batched product wants (G, in, out).
        self.w1 = nn.Parameter(torch.stack([d[0].weight.data.t() for d in dense]).contiguous())
        self.b1 = nn.Parameter(torch.stack([d[0].bias.data for d in dense]))
        self.w2 = nn.Parameter(torch.stack([d[1].weight.data.t() for d in dense]).contiguous())
        self.b2 = nn.Parameter(torch.stack([d[1].bias.data for d in dense]))

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = norm(F.max_pool2d(F.relu(conv(x)), 2))
        x = x.reshape(x.shape[0], self.groups, -1).transpose(0, 1)
        hidden = F.relu(torch.baddbmm(self.b1[:, None, :], x, self.w1))
        return torch.baddbmm(self.b2[:, None, :], hidden, self.w2)

    def norm_state(self, group):
        """Group `group`'s batch-norm running statistics (to keep them once its training ends)."""
        return [(n.running_mean.view(self.groups, -1)[group].clone(), n.running_var.view(self.groups, -1)[group].clone()) for n in self.norms]

    def set_norm_state(self, group, state):
        for n, (mean, var) in zip(self.norms, state):
            n.running_mean.view(self.groups, -1)[group] = mean
            n.running_var.view(self.groups, -1)[group] = var


def batch_streams(a, trainings, seeds, device):
    """Per group, the image indices of every step: a new shuffle each epoch, batches of a.batch_size
    drawn from the concatenated epochs (one fixed batch shape for all groups)."""
    steps = [math.ceil(len(t) / a.batch_size) * a.epochs for t in trainings]
    longest = max(steps)
    streams = []
    for indices, seed in zip(trainings, seeds):
        generator = torch.Generator(device=device)
        generator.manual_seed(seed)
        needed = longest * a.batch_size
        epochs = [indices[torch.randperm(len(indices), generator=generator, device=device)] for _ in range(math.ceil(needed / len(indices)))]
        streams.append(torch.cat(epochs)[:needed].view(longest, a.batch_size))
    return torch.stack(streams, 1), steps


def train_grouped(a, x, y, trainings, seeds, log=None):
    """Trains one network per (indices, seed) of `trainings` and `seeds` on images x, labels y; returns the model."""
    device = x.device
    G = len(trainings)
    model = GroupedNetworks(a, seeds).to(device)
    streams, steps = batch_streams(a, trainings, seeds, device)
    if a.class_balance == 'logits':
        raise ValueError('grouped training covers --class-balance weights and none')
    counts = torch.stack([torch.bincount(y[t], minlength=7).float() for t in trainings])
    weights = counts.sum(1, keepdim=True) / (7 * counts.clamp(min=1)) if a.class_balance == 'weights' else torch.ones_like(counts)
    rates = torch.tensor([[learning_rate(a, s, total) if s < total else 0.0 for g, total in enumerate(steps)] for s in range(len(streams))], device=device)
    params = list(model.parameters())
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    generator = torch.Generator(device=device)
    generator.manual_seed(seeds[0])
    finished = {}
    for step in range(len(streams)):
        batch = streams[step]
        images = augment(a, x[batch.reshape(-1)], generator).view(G, a.batch_size, SIDE, SIDE).transpose(0, 1)
        labels = y[batch]
        logits = model(images)
        losses = F.cross_entropy(logits.reshape(-1, 7), labels.reshape(-1), label_smoothing=a.label_smoothing, reduction='none').view(G, a.batch_size)
        group_weights = torch.gather(weights, 1, labels)
        # Each group's loss is its own mean; summing them leaves every group's gradients its own.
        (losses * group_weights).mean(1).sum().backward()
        with torch.no_grad():
            # torch.optim.Adam's update, with one learning rate per group.
            t = step + 1
            for p, (m, v) in zip(params, moments):
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                denominator = (v.sqrt() / math.sqrt(1 - beta2 ** t)).add_(eps)
                p.view(G, -1).sub_(rates[step][:, None] * (m / denominator).view(G, -1) / (1 - beta1 ** t))
                p.grad = None
        for g, total in enumerate(steps):
            if step + 1 == total and total < len(streams):
                finished[g] = model.norm_state(g)
        if log and (step + 1) % 1000 == 0:
            log(f'step {step + 1}/{len(streams)}')
    for g, state in finished.items():
        model.set_norm_state(g, state)
    return model


def grouped_probabilities(model, x, images, mirrored, chunk=512):
    """Class probabilities (G, n, 7): group g scores x[images[g]] (images: G index tensors of one length)."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, images.shape[1], chunk):
            part = images[:, start:start + chunk]
            views = [x[part.t().reshape(-1)].view(part.shape[1], model.groups, SIDE, SIDE)]
            if mirrored: views.append(views[0].flip(-1))
            out.append(sum(F.softmax(model(v), 2) for v in views) / len(views))
    model.train()
    return torch.cat(out, 1).cpu().numpy()
