import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '../tfjs/tf.js';
import { initBackend } from '../tfjs/backend.js';
import * as ort from 'onnxruntime-node';
import type { Expression } from '../../core/expressions.js';
import { FACE_PIXELS, FACE_SIZE, fromUnitRange, ONNX_INPUT, ONNX_OUTPUT } from '../../core/image-codec.js';
import { seededRandom, shuffle } from '../../core/random.js';
import { findJudge, type Judge } from '../../db/judges.js';
import { withRegistry } from '../../db/open-registry.js';
import { loadDataset, imagesAt } from '../data/dataset-store.js';
import { findVersion, type DatasetVersion } from '../data/version-store.js';
import { domainImages, mixSeed } from '../gan/domains.js';
import { type InputJitter, JITTER_STREAM, jitterFaces } from '../gan/input-jitter.js';
import { cycleGanConfig } from '../gan/options.js';
import { readRunRecord, runDir } from '../gan/run-files.js';
import { loadSnapshot, snapshotSteps } from '../gan/snapshots.js';
import { buildNetwork, disposeNetwork, forward, loadWeights } from '../networks/network.js';
import { embedFaces } from '../networks/face-embedding.js';
import { imageGridPng } from '../report/image-grid.js';
import { linePlotPng } from '../report/line-plot.js';
import { openJudge, type JudgeSession } from './onnx-judge.js';
import { DEFAULT_SELECTION, selectCheckpoint, type CheckpointQuality } from './select-checkpoint.js';
import { translationQuality, type TranslationQuality } from './translation-quality.js';

export interface EvaluateInput {
  dataDir: string;
  runId: number;
  /** Snapshot steps to evaluate (default: every snapshot not evaluated yet). */
  steps?: number[];
  /** Held-out source faces translated per step (PublicTest rows of the source expression). */
  count: number;
  seed: number;
  judgeId?: number;
  backend?: string;
  /** Translate the held-out faces moved, turned and zoomed (seeded), kept apart from the run's own evaluations. */
  jitter?: InputJitter;
  onStep?(step: number, quality: StepQuality): void;
}

export interface StepQuality extends TranslationQuality {
  step: number;
  judge: { id: number; sha256: string };
  sources: { split: 'PublicTest'; count: number; seed: number; jitter?: InputJitter };
}

export interface RunEvaluation {
  runId: number;
  evaluated: StepQuality[];
  /** The checkpoint the selection rule picks among every evaluation of the run so far. */
  best: CheckpointQuality | null;
  rule: typeof DEFAULT_SELECTION;
  files: { quality: string; grid: string };
}

/** Held-out source faces an evaluation translates unless told otherwise. */
export const DEFAULT_EVALUATION_FACES = 200;
const GRID_FACES = 10;
const KID_SUBSETS = 50;
const evaluationsDir = (dir: string) => join(dir, 'evaluations');

/**
 * Where a judge's evaluations of a run live: `evaluations/`, which the selection rule and the
 * package read, belongs to the first judge that evaluated the run; another judge's readings are a
 * second opinion kept in `evaluations/judge-<id>/`, so asking one never overwrites the other.
 */
async function judgeEvaluationsDir(dir: string, judgeId: number, jitter?: InputJitter): Promise<string> {
  if (jitter) return join(evaluationsDir(dir), `jitter-${jitter.shift},${jitter.degrees},${jitter.scale}`, `judge-${judgeId}`);
  const first = (await readEvaluations(evaluationsDir(dir)))[0];
  return !first || first.judge.id === judgeId ? evaluationsDir(dir) : join(evaluationsDir(dir), `judge-${judgeId}`);
}
const stepFile = (step: number) => `step-${String(step).padStart(7, '0')}.json`;

function rows(features: Float32Array, dim: number): Float32Array[] {
  return Array.from({ length: features.length / dim }, (_, i) => features.subarray(i * dim, (i + 1) * dim));
}

function translate(weights: Parameters<typeof loadWeights>[1], spec: ReturnType<typeof cycleGanConfig>['generator'], sources: Uint8Array): Uint8Array {
  const net = buildNetwork(spec, 0, 'evaluate');
  try {
    loadWeights(net, weights);
    const count = sources.length / FACE_PIXELS;
    const out = new Uint8Array(sources.length);
    for (let start = 0; start < count; start += 64) {
      const n = Math.min(64, count - start);
      const values = tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from(sources.subarray(start * FACE_PIXELS, (start + n) * FACE_PIXELS), (v) => v / 127.5 - 1), [n, FACE_SIZE, FACE_SIZE, 1]);
        return forward(net, x, { training: false }).dataSync() as Float32Array;
      });
      out.set(fromUnitRange(values, 0, n * FACE_PIXELS), start * FACE_PIXELS);
    }
    return out;
  } finally {
    disposeNetwork(net);
  }
}

/** The evaluation of a run's snapshot at `step`, if it was evaluated. */
export async function readStepEvaluation(dir: string, step: number): Promise<StepQuality | undefined> {
  const text = await readFile(join(evaluationsDir(dir), stepFile(step)), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as StepQuality);
}

/** Every step evaluation in one evaluations folder, by step. */
async function readEvaluations(folder: string): Promise<StepQuality[]> {
  const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => /^step-\d+\.json$/.test(n)).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(folder, n), 'utf8')) as StepQuality));
}

/** An evaluation as the selection rule reads it. */
export const asCandidate = (q: StepQuality): CheckpointQuality => ({ step: q.step, targetRate: q.expression.targetRate, ceiling: q.ceiling.targetRate, ssim: q.identity.ssim, kid: q.realism.mean });

/** The fixed material every evaluation of one translator reads: held-out sources, real targets, the judge. */
interface HeldOut {
  target: Expression;
  picks: number[];
  sources: Uint8Array;
  seed: number;
  jitter?: InputJitter;
  judge: Judge;
  session: JudgeSession;
  /** The judge's probabilities of the real PublicTest target faces, and face features of the Training ones. */
  ceiling: Float32Array;
  referenceFeatures: Float32Array[];
}

interface HeldOutInput {
  dataDir: string;
  /** The data set version the translator trained on: its Training target faces are KID's reference. */
  version: DatasetVersion;
  source: Expression;
  target: Expression;
  count: number;
  seed: number;
  judgeId?: number;
  /** The sha256 of the judge in the translator's training loss, which may not judge it. */
  lossJudge?: string;
  backend?: string;
  jitter?: InputJitter;
}

/** The held-out faces moved, turned and zoomed as `jitter` allows, the same way for every step and translator. */
function jittered(sources: Uint8Array, jitter: InputJitter, seed: number): Uint8Array {
  const count = sources.length / FACE_PIXELS;
  return fromUnitRange(jitterFaces(Float32Array.from(sources, (v) => v / 127.5 - 1), count, jitter, seededRandom(mixSeed(seed, JITTER_STREAM))), 0, sources.length);
}

async function openHeldOut(input: HeldOutInput): Promise<HeldOut> {
  const dataset = await loadDataset(input.dataDir, input.version.datasetId);
  const held = domainImages(dataset, null, input.source, 'PublicTest');
  if (held.count === 0) throw new Error(`the data set has no PublicTest ${input.source} faces to evaluate on`);
  const picks = shuffle([...held.indices], seededRandom(input.seed)).slice(0, input.count);
  const realHeld = imagesAt(dataset, domainImages(dataset, null, input.target, 'PublicTest').indices);
  const realTraining = imagesAt(dataset, domainImages(dataset, input.version.kept, input.target, 'Training').indices);
  const judge = await withRegistry(input.dataDir, ({ db }) => findJudge(db, input.judgeId, { except: input.lossJudge }));
  await initBackend(input.backend);
  const session = await openJudge(judge.onnx, { testFlip: judge.params.testFlip === true, testShift: Number(judge.params.testShift ?? 0) });
  return {
    target: input.target,
    picks,
    sources: input.jitter ? jittered(imagesAt(dataset, picks), input.jitter, input.seed) : imagesAt(dataset, picks),
    seed: input.seed,
    jitter: input.jitter,
    judge,
    session,
    ceiling: await session.probabilities(realHeld, realHeld.length / FACE_PIXELS),
    referenceFeatures: rows(await embedFaces('expression', realTraining, realTraining.length / FACE_PIXELS), 256),
  };
}

/** The judge's, SSIM's and KID's reading of `translations` of the held-out sources. */
async function measure(held: HeldOut, translations: Uint8Array): Promise<Omit<StepQuality, 'step'>> {
  const count = held.picks.length;
  return {
    judge: { id: held.judge.id, sha256: held.judge.sha256 },
    sources: { split: 'PublicTest', count, seed: held.seed, ...(held.jitter && { jitter: held.jitter }) },
    ...translationQuality({
      target: held.target,
      sources: held.sources,
      translations,
      translationProbabilities: await held.session.probabilities(translations, count),
      realTargetProbabilities: held.ceiling,
      translationFeatures: rows(await embedFaces('expression', translations, count), 256),
      realTargetFeatures: held.referenceFeatures,
      kid: { subsets: KID_SUBSETS, subsetSize: Math.min(count, held.referenceFeatures.length), seed: held.seed },
    }),
  };
}

/**
 * Measures a run's generator snapshots on a fixed, seeded set of held-out source faces: the
 * judge's reading of the translations beside its reading of real held-out target faces, SSIM and
 * MAD to the inputs, KID to the real target faces in face-api's expression-feature space. Each
 * step's figures go to `<run>/evaluations/step-N.json`; the plot and picture grid cover them all.
 */
export async function evaluateRun(input: EvaluateInput): Promise<RunEvaluation> {
  const record = await readRunRecord(input.dataDir, input.runId);
  const dir = runDir(input.dataDir, input.runId);
  const version = await findVersion(input.dataDir, record.dataVersion);
  if (!version) throw new Error(`run ${input.runId} trained on data set version ${record.dataVersion}, which is not in ${input.dataDir}`);
  const { source, target } = record.options;

  const available = await snapshotSteps(dir);
  // Without a judge named, a run stays with the judge that first evaluated it, so the selection
  // rule keeps reading the same judge when a newer one is trained for second opinions.
  const judgeId = input.judgeId ?? (await readEvaluations(evaluationsDir(dir)))[0]?.judge.id;
  const held = await openHeldOut({ ...input, judgeId, version, source, target, lossJudge: record.options.expressionJudgeSha256 });
  const spec = cycleGanConfig(record.options, 'B').generator;
  const evaluated: StepQuality[] = [];
  let folder: string;
  try {
    folder = await judgeEvaluationsDir(dir, held.judge.id, input.jitter);
    const done = new Set((await readEvaluations(folder)).map((q) => q.step));
    const steps = input.steps ?? available.filter((s) => !done.has(s));
    const missing = steps.filter((s) => !available.includes(s));
    if (missing.length > 0) throw new Error(`run ${input.runId} has no generator snapshot at step ${missing.join(', ')} (snapshots: ${available.join(', ') || 'none'})`);
    await mkdir(folder, { recursive: true });
    for (const step of steps) {
      const quality: StepQuality = { step, ...(await measure(held, translate(await loadSnapshot(dir, step), spec, held.sources))) };
      await writeFile(join(folder, stepFile(step)), JSON.stringify(quality, null, 2) + '\n');
      evaluated.push(quality);
      input.onStep?.(step, quality);
    }
  } finally {
    await held.session.release();
  }
  const all = await readEvaluations(folder);
  const files = await writeEvaluationReport(dir, folder, all, held.sources, spec, `${source} -> ${target}`);
  return { runId: input.runId, evaluated, best: all.length > 0 ? selectCheckpoint(all.map(asCandidate)) : null, rule: DEFAULT_SELECTION, files };
}

export interface EvaluateModelInput extends Omit<HeldOutInput, 'version' | 'source' | 'target'> {
  /** A translator folder as `faceaug package` ships it (manifest.json and model.onnx). */
  modelDir: string;
  /** The data set version to draw held-out and reference faces from (the translator's own, ideally). */
  data: string;
}

/** The same measures for a shipped ONNX translator, e.g. to compare a new run with what `models/` serves. */
export async function evaluateModel(input: EvaluateModelInput): Promise<Omit<StepQuality, 'step'> & { model: string }> {
  const manifest = JSON.parse(await readFile(join(input.modelDir, 'manifest.json'), 'utf8')) as {
    source: Expression;
    target: Expression;
    metrics?: { training?: { lossJudgeSha256?: string } };
  };
  const version = await findVersion(input.dataDir, input.data);
  if (!version) throw new Error(`no data set version '${input.data}' (see 'faceaug data list')`);
  const held = await openHeldOut({ ...input, version, source: manifest.source, target: manifest.target, lossJudge: manifest.metrics?.training?.lossJudgeSha256 });
  const session = await ort.InferenceSession.create(join(input.modelDir, 'model.onnx'));
  try {
    const count = held.picks.length;
    const { [ONNX_OUTPUT]: output } = await session.run({
      [ONNX_INPUT]: new ort.Tensor('float32', Float32Array.from(held.sources, (v) => v / 127.5 - 1), [count, 1, FACE_SIZE, FACE_SIZE]),
    });
    return { model: input.modelDir, ...(await measure(held, fromUnitRange(output!.data as Float32Array, 0, count * FACE_PIXELS))) };
  } finally {
    await session.release();
    await held.session.release();
  }
}

/** quality.png (the three measures over steps) and grid.png (fixed faces, then one row per evaluated step). */
async function writeEvaluationReport(dir: string, folder: string, all: StepQuality[], sources: Uint8Array, spec: ReturnType<typeof cycleGanConfig>['generator'], title: string) {
  const quality = join(folder, 'quality.png');
  const grid = join(folder, 'grid.png');
  const point = (f: (q: StepQuality) => number) => all.map((q) => [q.step, f(q)] as [number, number]);
  await writeFile(
    quality,
    await linePlotPng(
      [
        { name: 'target rate', points: point((q) => q.expression.targetRate) },
        { name: 'target rate, real', points: point((q) => q.ceiling.targetRate) },
        { name: 'SSIM to input', points: point((q) => q.identity.ssim) },
        // KID's scale depends on the feature space (here units, not the hundredths of Inception's): drawn as a share of its largest value.
        { name: 'KID / max KID', points: point((q) => q.realism.mean / Math.max(...all.map((r) => r.realism.mean))) },
      ],
      { title: `${title}: translation quality on held-out faces`, xLabel: 'step', yLabel: 'value' },
    ),
  );
  const faces = Array.from({ length: Math.min(GRID_FACES, sources.length / FACE_PIXELS) }, (_, i) => sources.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS));
  const gridRows: Uint8Array[][] = [faces];
  for (const q of all) {
    const translated = translate(await loadSnapshot(dir, q.step), spec, sources.subarray(0, faces.length * FACE_PIXELS));
    gridRows.push(faces.map((_, i) => translated.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS)));
  }
  await writeFile(grid, await imageGridPng(gridRows, { side: FACE_SIZE, scale: 2 }));
  return { quality, grid };
}
