#!/usr/bin/python3
# Reference: one training step (and inference) of faceaug's expression classifier in PyTorch on
# this CPU, for side-by-side comparison with `npm run bench:classify`.
# Run with Debian's python (apt-get install -y python3-torch libopenblas0-pthread):
#   /usr/bin/python3 bench/torch_classifier_step.py [threads=2] [reps=10] [warmup=2]
# The network of trainer/classifier/ (bench/torch_classifier.py: three blocks of conv3x3 'same' +
# ReLU + maxpool 2 + batch norm, 32/64/128 filters, flatten, dense 256 + ReLU, dense 7);
# class-weighted softmax cross entropy, Adam 1e-4; batch 64 of 48x48x1 images (NCHW, PyTorch's
# native layout).
import argparse, sys, time, statistics, torch, torch.nn as nn
from torch_classifier import network
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
warm = int(sys.argv[3]) if len(sys.argv) > 3 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)

net = network(argparse.Namespace(architecture='study', width=1, dropout=0))
opt = torch.optim.Adam(net.parameters(), 1e-4)
loss_fn = nn.CrossEntropyLoss(weight=torch.rand(7) + 0.5)

def step(x, y):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()

print(f"torch {torch.__version__} threads={torch.get_num_threads()} params={sum(p.numel() for p in net.parameters())}")
bs = 64
x = torch.rand(bs, 1, 48, 48); y = torch.randint(0, 7, (bs,))
net.train()
ts, cpu = [], 0.0
for i in range(warm + reps):
    t, c = time.perf_counter(), time.process_time(); step(x, y)
    dt, dc = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
    if i >= warm: ts.append(dt); cpu += dc
# cpu: mean CPU time of a step over all threads (wall time on a shared machine also counts waiting).
print(f"train batch={bs}: median {statistics.median(ts):.1f} ms (min {min(ts):.1f}, max {max(ts):.1f}), cpu {cpu / reps:.1f} ms")
net.eval()
with torch.no_grad():
    bs = 256
    x = torch.rand(bs, 1, 48, 48)
    for _ in range(warm): net(x)
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); net(x); ts.append((time.perf_counter() - t) * 1000)
    m = statistics.median(ts)
    print(f"infer batch={bs}: median {m:.2f} ms -> {bs / m * 1000:.1f} img/s")
