import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FACE_PIXELS, FACE_SIZE, fromUnitRange } from '../../core/image-codec.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import { ReplicaGroup } from '../parallel/replica-group.js';
import { imageGridPng } from '../report/image-grid.js';
import { saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { saveSnapshot } from './snapshots.js';
import { translatorWeights, type CycleGanLosses, type CycleGanState, type StepControls } from './cyclegan.js';
import type { CycleGanShard } from './cyclegan-replica.js';
import { seededRandom } from '../../core/random.js';
import { batchPositions, gatherImages, mixSeed, type DomainImages } from './domains.js';
import { JITTER_STREAM, jitterFaces } from './input-jitter.js';
import { writeLossReport, type LossRow } from './loss-history.js';
import { cycleGanConfig, type TrainOptions } from './options.js';
import { lossPlotPath } from './run-files.js';
import { instanceNoiseAt, learningRateAt, updatesMinorityDiscriminator } from './schedules.js';

const REPLICA = new URL('./cyclegan-replica.ts', import.meta.url);

export interface LoopInput {
  options: TrainOptions;
  /** Source (A) and target (B) expression images. */
  domainA: DomainImages;
  domainB: DomainImages;
  /** Fixed source faces translated into each epoch's sample grid. */
  samples: Float32Array;
  runDir: string;
  resume?: Checkpoint;
  /** A warm start: the networks begin from these weights, with fresh optimisers, pools and schedule. */
  initialWeights?: CycleGanState['weights'];
  /** The packed classifier of `options.expressionJudge` (see trainer/gan/loss-judge.ts). */
  lossJudge?: Uint8Array;
  backend?: string;
  /** Checkpoint every this many steps as well as at the end of each epoch (0: epochs only). */
  checkpointEvery: number;
  /** Keep the generator of every this many steps for later evaluation (0: none). */
  snapshotEvery: number;
  /** End the run after this many steps in total, before its schedule ends (e.g. when time runs out). */
  stopAt?: number;
  onStart?(info: { totalSteps: number; globalStep: number; backend: string; workers: number }): void;
  onStep?(row: LossRow, globalStep: number): void;
  onEpoch?(epoch: number, files: { samples: string; losses: string }): void;
  /** After each generator snapshot is on disk (e.g. to evaluate it). */
  onSnapshot?(step: number): Promise<void>;
  /** After each checkpoint is on disk (e.g. to keep a portable copy as well). */
  onCheckpoint?(checkpoint: Checkpoint): Promise<void>;
}

export interface LoopResult {
  generator: NamedWeights;
  history: LossRow[];
  globalStep: number;
  /** Steps the full schedule has; more than globalStep when the run was stopped early. */
  scheduledSteps: number;
}

export function stepsPerEpoch(options: TrainOptions, countA: number, countB: number): number {
  return options.stepsPerEpoch || Math.ceil(Math.max(countA, countB) / options.batchSize);
}

function averageLosses(all: CycleGanLosses[]): CycleGanLosses {
  const keys = Object.keys(all[0]!) as Array<keyof CycleGanLosses>;
  return Object.fromEntries(keys.map((k) => [k, all.reduce((s, l) => s + l[k], 0) / all.length])) as unknown as CycleGanLosses;
}

/**
 * Trains a CycleGAN over `options.workers` data-parallel replicas: epochs of seeded batches,
 * schedules for learning rate, instance noise and alternate training, a checkpoint at the end of
 * every epoch (and every `checkpointEvery` steps), a sample grid and loss report per epoch.
 * Resuming from a checkpoint continues with exactly the steps the interrupted run would have taken.
 */
export async function trainLoop(input: LoopInput): Promise<LoopResult> {
  const { options, domainA, domainB, runDir } = input;
  const workers = options.workers;
  if (options.batchSize % workers !== 0) throw new RangeError(`batch size ${options.batchSize} does not split over ${workers} workers`);
  if (domainA.count === 0 || domainB.count === 0) {
    throw new Error(`no training images for ${domainA.count === 0 ? domainA.expression : domainB.expression} in this data set version`);
  }
  const perEpoch = stepsPerEpoch(options, domainA.count, domainB.count);
  const totalEpochs = options.epochs + options.decayEpochs;
  const scheduledSteps = perEpoch * totalEpochs;
  const totalSteps = Math.min(scheduledSteps, input.stopAt ?? Infinity);
  const minority = domainB.count <= domainA.count ? 'B' : 'A';
  const shardSize = options.batchSize / workers;

  const usesJudge = options.expressionJudge != null && options.lambdaExpression > 0;
  if (usesJudge !== (input.lossJudge !== undefined)) throw new Error(usesJudge ? `run needs the weights of judge ${options.expressionJudge} for its target-expression loss` : 'a loss judge was given to a run whose options have none');
  const group = await ReplicaGroup.start({ program: REPLICA, config: cycleGanConfig(options, minority, input.lossJudge), workers, backend: input.backend });
  try {
    let history: LossRow[] = [];
    let globalStep = 0;
    if (input.resume) {
      const { state, pools } = input.resume;
      const sameWorkers = pools.length === workers;
      await group.all(
        'setState',
        Array.from({ length: workers }, (_, rank) => ({
          ...state,
          // A different worker count cannot reuse the per-replica pools; they refill within a few steps.
          pools: sameWorkers ? pools[rank] : { A: { capacity: options.poolSize, images: [] }, B: { capacity: options.poolSize, images: [] } },
        })),
      );
      history = input.resume.history.slice();
      globalStep = input.resume.globalStep;
    } else if (input.initialWeights) {
      await group.all('setWeights', Array(workers).fill(input.initialWeights));
    }
    input.onStart?.({ totalSteps, globalStep, backend: group.backend, workers });

    const checkpoint = async () => {
      const states = await group.all<CycleGanState>('getState', Array(workers).fill(undefined));
      const { weights, optimizers } = states[0]!;
      const saved: Checkpoint = {
        options,
        globalStep,
        epoch: Math.floor(globalStep / perEpoch),
        stepInEpoch: globalStep % perEpoch,
        history,
        state: { weights, optimizers },
        pools: states.map((s) => s.pools),
      };
      await saveCheckpoint(runDir, saved);
      await input.onCheckpoint?.(saved);
    };
    const snapshot = async (weights: CycleGanState['weights']) => {
      await saveSnapshot(runDir, globalStep, translatorWeights(weights));
      await input.onSnapshot?.(globalStep);
    };
    const firstStep = globalStep;

    if (globalStep > totalSteps) throw new RangeError(`the run is already at step ${globalStep}, past the requested stop at ${totalSteps}`);
    while (globalStep < totalSteps) {
      const epoch = Math.floor(globalStep / perEpoch);
      const stepInEpoch = globalStep % perEpoch;
      const progress = epoch + stepInEpoch / perEpoch;
      const controls: StepControls = {
        learningRate: learningRateAt(options.learningRate, progress, options.epochs, options.decayEpochs),
        noiseSigma: instanceNoiseAt(options.instanceNoise, progress, options.noiseEpochs),
        updateMinorityDiscriminator: updatesMinorityDiscriminator(
          globalStep,
          epoch,
          options.alternateAfter === null ? null : { afterEpoch: options.alternateAfter, every: options.alternateEvery },
        ),
        seed: mixSeed(options.seed, globalStep),
      };
      // Runs recorded before --jitter existed have no such field.
      const jittered = (images: Float32Array, domain: number) =>
        options.jitter ? jitterFaces(images, options.batchSize, options.jitter, seededRandom(mixSeed(options.seed, globalStep, domain, JITTER_STREAM))) : images;
      const a = jittered(gatherImages(domainA, batchPositions(domainA.count, options.batchSize, stepInEpoch, epoch, options.seed, 0)), 0);
      const b = jittered(gatherImages(domainB, batchPositions(domainB.count, options.batchSize, stepInEpoch, epoch, options.seed, 1)), 1);
      const shards: CycleGanShard[] = Array.from({ length: workers }, (_, r) => ({
        a: a.slice(r * shardSize * FACE_PIXELS, (r + 1) * shardSize * FACE_PIXELS),
        b: b.slice(r * shardSize * FACE_PIXELS, (r + 1) * shardSize * FACE_PIXELS),
        batch: shardSize,
        size: FACE_SIZE,
        controls,
      }));
      const started = performance.now();
      const losses = averageLosses(await group.all<CycleGanLosses>('step', shards));
      const row: LossRow = {
        step: globalStep,
        epoch: progress,
        ...losses,
        learningRate: controls.learningRate,
        noiseSigma: controls.noiseSigma,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(row);
      globalStep++;
      input.onStep?.(row, globalStep);

      const epochDone = globalStep % perEpoch === 0;
      const ending = globalStep === totalSteps;
      if (epochDone || ending || (input.checkpointEvery > 0 && globalStep % input.checkpointEvery === 0)) await checkpoint();
      if (input.snapshotEvery > 0 && (globalStep % input.snapshotEvery === 0 || ending)) {
        await snapshot((await group.one<CycleGanState>(0, 'getState')).weights);
      }
      // Written whether or not anyone listens: registration stores the loss plot with the version.
      if (epochDone) {
        const files = await writeEpochReport(group, input, epoch, history);
        input.onEpoch?.(epoch, files);
      }
    }
    const final = await group.one<CycleGanState>(0, 'getState');
    // A run resumed at its last step (a finished portable checkpoint on a new machine) trains
    // nothing; its generator still gets a snapshot, to be evaluated and shipped like any other.
    if (globalStep === firstStep && input.snapshotEvery > 0) await snapshot(final.weights);
    return { generator: translatorWeights(final.weights), history, globalStep, scheduledSteps };
  } finally {
    await group.close();
  }
}

async function writeEpochReport(group: ReplicaGroup, input: LoopInput, epoch: number, history: LossRow[]) {
  const count = input.samples.length / FACE_PIXELS;
  const { translated, reconstructed } = await group.one<{ translated: Float32Array; reconstructed: Float32Array }>(0, 'translate', {
    images: input.samples,
    count,
    size: FACE_SIZE,
  });
  const row = (values: Float32Array) => Array.from({ length: count }, (_, i) => fromUnitRange(values, i * FACE_PIXELS));
  await mkdir(join(input.runDir, 'samples'), { recursive: true });
  const samples = join(input.runDir, 'samples', `epoch-${String(epoch + 1).padStart(3, '0')}.png`);
  await writeFile(samples, await imageGridPng([row(input.samples), row(translated), row(reconstructed)], { side: FACE_SIZE, scale: 2 }));
  const losses = lossPlotPath(input.runDir);
  const { source, target } = input.options;
  await writeLossReport(history, join(input.runDir, 'losses.csv'), losses, `${source} -> ${target}: training losses`);
  return { samples, losses };
}
