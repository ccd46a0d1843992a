import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NamedWeights } from '../../core/networks/weights.js';
import { packTensors, unpackTensors, type NamedTensor } from '../networks/tensor-file.js';
import type { CycleGanState, Domain } from './cyclegan.js';
import type { ImagePoolState } from './image-pool.js';
import type { LossRow } from './loss-history.js';
import type { TrainOptions } from './options.js';

/** Where a run stands after a completed step: enough to continue as if it had never stopped. */
export interface Checkpoint {
  options: TrainOptions;
  /** Steps completed in total, and where the next one falls. */
  globalStep: number;
  epoch: number;
  stepInEpoch: number;
  history: LossRow[];
  /** Weights and optimiser moments are identical on every replica; pools are each replica's own. */
  state: Omit<CycleGanState, 'pools'>;
  pools: Array<Record<Domain, ImagePoolState>>;
}

interface Meta {
  format: 'faceaug-checkpoint/1';
  options: TrainOptions;
  globalStep: number;
  epoch: number;
  stepInEpoch: number;
  history: LossRow[];
  optimizerNames: Record<'generator' | 'discriminator', string[]>;
  pools: Array<Record<Domain, { capacity: number; size: number }>>;
}

const NETWORKS = ['gAB', 'gBA', 'dA', 'dB', 'gABAverage'] as const;
const FILE = 'checkpoint.bin';

type TrainingState = Checkpoint['state'];
type OptimizerName = keyof TrainingState['optimizers'];
const OPTIMIZERS: OptimizerName[] = ['generator', 'discriminator'];

/** The weights and optimiser moments as named tensors (`weights/<net>/<key>`, `optimizer/<which>/<name>`). */
export function stateTensors(state: TrainingState): Array<NamedTensor & { optimizer: boolean }> {
  return [
    ...NETWORKS.flatMap((net) => [...(state.weights[net] ?? [])].map(([key, { shape, values }]) => ({ name: `weights/${net}/${key}`, shape, values, optimizer: false }))),
    ...OPTIMIZERS.flatMap((which) => state.optimizers[which].map(({ name, shape, values }) => ({ name: `optimizer/${which}/${name}`, shape, values, optimizer: true }))),
  ];
}

/** The inverse of stateTensors; `optimizerNames` keeps each optimiser's weights in their order. */
export function stateFromTensors(tensors: ReadonlyMap<string, { shape: number[]; values: Float32Array }>, optimizerNames: Record<OptimizerName, string[]>): TrainingState {
  const weightsOf = (net: string): NamedWeights => {
    const prefix = `weights/${net}/`;
    return new Map([...tensors].filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), { shape: t.shape, values: t.values }]));
  };
  const optimizer = (which: OptimizerName) =>
    optimizerNames[which].map((name) => {
      const tensor = tensors.get(`optimizer/${which}/${name}`);
      if (!tensor) throw new Error(`checkpoint lacks tensor optimizer/${which}/${name}`);
      return { name, shape: tensor.shape, values: tensor.values };
    });
  const average = weightsOf('gABAverage');
  return {
    weights: { gAB: weightsOf('gAB'), gBA: weightsOf('gBA'), dA: weightsOf('dA'), dB: weightsOf('dB'), ...(average.size > 0 && { gABAverage: average }) },
    optimizers: { generator: optimizer('generator'), discriminator: optimizer('discriminator') },
  };
}

function encode(checkpoint: Checkpoint): Buffer {
  const { state, pools } = checkpoint;
  const tensors: NamedTensor[] = [
    ...stateTensors(state).map(({ name, shape, values }) => ({ name, shape, values })),
    ...pools.flatMap((byDomain, rank) =>
      (['A', 'B'] as const).flatMap((domain) =>
        byDomain[domain].images.map((values, i) => ({ name: `pool/${rank}/${domain}/${i}`, shape: [values.length], values })),
      ),
    ),
  ];
  const meta: Meta = {
    format: 'faceaug-checkpoint/1',
    options: checkpoint.options,
    globalStep: checkpoint.globalStep,
    epoch: checkpoint.epoch,
    stepInEpoch: checkpoint.stepInEpoch,
    history: checkpoint.history,
    optimizerNames: {
      generator: state.optimizers.generator.map((w) => w.name),
      discriminator: state.optimizers.discriminator.map((w) => w.name),
    },
    pools: pools.map((byDomain) => ({
      A: { capacity: byDomain.A.capacity, size: byDomain.A.images.length },
      B: { capacity: byDomain.B.capacity, size: byDomain.B.images.length },
    })),
  };
  return packTensors(tensors, meta);
}

function decode(bytes: Uint8Array): Checkpoint {
  const { meta, tensors } = unpackTensors<Meta>(bytes);
  if (meta.format !== 'faceaug-checkpoint/1') throw new Error(`unsupported checkpoint format ${String(meta.format)}`);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const take = (name: string) => {
    const tensor = byName.get(name);
    if (!tensor) throw new Error(`checkpoint lacks tensor ${name}`);
    return tensor;
  };
  return {
    options: meta.options,
    globalStep: meta.globalStep,
    epoch: meta.epoch,
    stepInEpoch: meta.stepInEpoch,
    history: meta.history,
    state: stateFromTensors(byName, meta.optimizerNames),
    pools: meta.pools.map((sizes, rank) => ({
      A: { capacity: sizes.A.capacity, images: Array.from({ length: sizes.A.size }, (_, i) => take(`pool/${rank}/A/${i}`).values) },
      B: { capacity: sizes.B.capacity, images: Array.from({ length: sizes.B.size }, (_, i) => take(`pool/${rank}/B/${i}`).values) },
    })),
  };
}

/**
 * Writes the checkpoint next to the previous one and swaps it in with a rename, so a process
 * killed at any moment leaves either the old or the new checkpoint whole, never a torn one.
 */
export async function saveCheckpoint(runDir: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const path = join(runDir, FILE);
  await writeFile(`${path}.tmp`, encode(checkpoint));
  await rename(`${path}.tmp`, path);
}

export async function loadCheckpoint(runDir: string): Promise<Checkpoint | undefined> {
  const path = join(runDir, FILE);
  if (!(await stat(path).catch(() => undefined))) return undefined;
  return decode(await readFile(path));
}

export async function removeStaleCheckpointTemp(runDir: string): Promise<void> {
  await rm(join(runDir, `${FILE}.tmp`), { force: true });
}
