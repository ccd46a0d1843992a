#!/usr/bin/python3
# The classifiers of `npm run bench:study -- --export <dir>`'s experiment, in PyTorch on a GPU: the
# quality gate's classifier on the real pool, then per fold a baseline (real images) and one
# augmented classifier per arm (+count synthetic faces of a target: the first `count` candidates,
# or the `count` the gate finds most target-like), every classifier an ensemble of the recipe's
# members seeded as trainer/classifier/ensemble.ts seeds them. Many classifiers train at once as
# one grouped network (torch_grouped.py), every fold's baseline first, then arm by arm (the plain
# ones, then the gated), so that a run cut short still has whole arms. Writes, after every chunk,
# each classifier's probabilities on the fixed test set (<out>/test.f32) and on its fold's
# held-out images (<out>/held-out.u16, in 1/65535ths: a tenth of the size over ten folds), and
# <out>/results.json, for `npm run bench:study -- --results <out>` to report.
#   python3 bench/torch_validation.py <dir> --out <dir> --device cuda
import argparse, json, os, sys, time
from types import SimpleNamespace
import numpy as np, torch
from torch_classifier import load_faces
from torch_grouped import grouped_probabilities, train_grouped

p = argparse.ArgumentParser()
p.add_argument('dir')
p.add_argument('--out', required=True)
p.add_argument('--device', default='cpu')
p.add_argument('--classifiers-per-chunk', type=int, default=20, help='classifiers (of the recipe\'s members each) trained as one grouped network')
p.add_argument('--limit-folds', type=int, help='train only the first n folds (a trial)')
p.add_argument('--arms', help='train only these arms (comma-separated names, e.g. baseline,surprise+500), to complete an earlier run')
p.add_argument('--epochs', type=int, help="override the recipe's epochs (a trial)")
args = p.parse_args()
torch.backends.cudnn.benchmark = True
torch.backends.cuda.matmul.allow_tf32 = True
plan = json.load(open(f'{args.dir}/plan.json'))
c = plan['classifier']
# torch_classifier.py's argument names for faceaug's classifier settings.
a = SimpleNamespace(architecture=c['architecture'], width=c['width'], dropout=c['dropout'], epochs=args.epochs or c['epochs'],
                    batch_size=c['batchSize'], learning_rate=c['learningRate'], schedule=c['schedule'], flip=int(c['flip']),
                    shift=c['shift'], label_smoothing=c['labelSmoothing'], class_balance=c['classBalance'], test_flip=int(c['testFlip']))
members = c['members']
x, y = load_faces(args.dir, 'faces', args.device)
# Candidates follow the real faces, target by target, labelled with their target.
candidates = {}
for target in plan['targets']:
    cx = torch.from_numpy(np.fromfile(f"{args.dir}/candidates-{target['name']}.px", dtype=np.uint8).reshape(-1, 1, 48, 48).astype(np.float32) / 255).to(args.device)
    candidates[target['name']] = (len(y), len(cx))
    x = torch.cat([x, cx])
    y = torch.cat([y, torch.full((len(cx),), target['label'], dtype=y.dtype, device=args.device)])
os.makedirs(args.out, exist_ok=True)
started = time.time()
seconds = {}
log = lambda message: print(f'{time.time() - started:.0f} s: {message}', file=sys.stderr, flush=True)
tensor = lambda positions: torch.tensor(positions, dtype=torch.int64, device=args.device)
member_seed = lambda seed, member: seed + 1000 * member
test = tensor(plan['test'])
wanted = args.arms.split(',') if args.arms else None

# The quality gate (trainer/validate/quality-gate.ts): one ensemble on the real pool, seeded with the experiment's seed.
gate = {}
# Gated arms are named <target>+<count>-of-<candidates>; the gate trains only when one is wanted.
if plan['gatedCounts'] and (wanted is None or any('-of-' in arm for arm in wanted)):
    t0 = time.time()
    model = train_grouped(a, x, y, [tensor(plan['pool'])] * members, [member_seed(plan['seed'], m) for m in range(members)], log)
    for target in plan['targets']:
        first, n = candidates[target['name']]
        scored = torch.arange(first, first + n, device=args.device).expand(members, n)
        confidence = grouped_probabilities(model, x, scored, a.test_flip).mean(0)[:, target['label']]
        order = sorted(range(n), key=lambda k: (-confidence[k], k))
        gate[target['name']] = {'order': order, 'confidence': [float(confidence[k]) for k in order]}
    del model
    seconds['gate'] = time.time() - t0
    log('quality gate trained')


def arms():
    """(name, target, synthetic positions) of every classifier a fold trains, in the order they train."""
    yield 'baseline', None, []
    for target in plan['targets']:
        first, _ = candidates[target['name']]
        for count in plan['counts']:
            yield f"{target['name']}+{count}", target['name'], list(range(first, first + count))
    for count in sorted(plan['gatedCounts'], reverse=True):
        for target in (t for t in plan['targets'] if t['name'] in gate):
            first, _ = candidates[target['name']]
            yield f"{target['name']}+{count}-of-{plan['selectFrom']}", target['name'], [first + k for k in gate[target['name']]['order'][:count]]


folds = plan['folds'][:args.limit_folds]
tasks = [(fold, arm, target, synthetic) for arm, target, synthetic in arms() for fold in folds if wanted is None or arm in wanted]
chunks = [tasks[i:i + args.classifiers_per_chunk] for i in range(0, len(tasks), args.classifiers_per_chunk)]
tests, helds, records = [], [], []
for number, chunk in enumerate(chunks):
    t0 = time.time()
    groups = [(fold, arm, target, synthetic, m) for fold, arm, target, synthetic in chunk for m in range(members)]
    model = train_grouped(a, x, y, [tensor(fold['train'] + synthetic) for fold, _, _, synthetic, _ in groups],
                          [member_seed(fold['seed'], m) for fold, _, _, _, m in groups], log)
    train_seconds = time.time() - t0
    on_test = grouped_probabilities(model, x, test.expand(len(groups), len(test)), a.test_flip)
    longest = max(len(task[0]['heldOut']) for task in chunk)
    # Held-out sets differ by a face or two: pad each with its first face, and cut the padding off after.
    held = torch.stack([tensor((f['heldOut'] + f['heldOut'][:1] * longest)[:longest]) for f, _, _, _, _ in groups])
    on_held = grouped_probabilities(model, x, held, a.test_flip)
    del model
    for start in range(0, len(groups), members):
        fold, arm, target, synthetic, _ = groups[start]
        test_p = on_test[start:start + members].mean(0)
        held_p = on_held[start:start + members].mean(0)[:len(fold['heldOut'])]
        records.append({'arm': arm, 'target': target, 'synthetic': len(synthetic), 'repeat': fold['repeat'], 'fold': fold['fold'],
                        'trainSeconds': train_seconds / (len(groups) / members), 'test': sum(map(len, tests)), 'heldOut': sum(map(len, helds))})
        tests.append(test_p.ravel())
        helds.append(held_p.ravel())
    seconds[f'chunk {number + 1}'] = time.time() - t0
    np.concatenate(tests).astype(np.float32).tofile(f'{args.out}/test.f32')
    np.round(np.concatenate(helds) * 65535).astype(np.uint16).tofile(f'{args.out}/held-out.u16')
    kept = max(plan['gatedCounts'], default=0)
    gates = {k: {'chosen': v['order'][:kept], 'confidence': v['confidence'][:kept]} for k, v in gate.items()}
    json.dump({'seconds': seconds, 'gate': gates, 'arms': records, 'device': torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'},
              open(f'{args.out}/results.json', 'w'))
    log(f'chunk {number + 1}/{len(chunks)}: {len(groups)} networks in {train_seconds:.0f} s')
