import { EXPRESSIONS, NUM_EXPRESSIONS, type Expression } from '../../core/expressions.js';
import { registerJudge, type Judge } from '../../db/judges.js';
import { withRegistry } from '../../db/open-registry.js';
import { argmaxRows } from '../classifier/argmax.js';
import { packClassifier } from '../classifier/classifier-file.js';
import { buildClassifier } from '../classifier/cnn.js';
import type { ClassifierSettings, RecipeSettings } from '../classifier/options.js';
import { predictProbabilities, trainClassifier } from '../classifier/train.js';
import { loadDataset } from '../data/dataset-store.js';
import { usageIndex } from '../data/format.js';
import type { Progress } from '../data/import-options.js';
import { findVersion } from '../data/version-store.js';
import { disposeNetwork, readWeights } from '../networks/network.js';
import { exportOnnx } from '../onnx/export-onnx.js';
import { initBackend } from '../tfjs/backend.js';

export interface JudgeMetrics {
  /** Rows of the data set's PublicTest split, never trained on. */
  testImages: number;
  accuracy: number;
  /** Per class: the share of its PublicTest faces the judge gives that class (its recall). */
  perClass: Record<Expression, { count: number; accuracy: number }>;
}

export interface TrainJudgeInput {
  dataDir: string;
  /** Data set version whose Training rows the judge learns from. */
  data: string;
  classifier: ClassifierSettings;
  seed: number;
  backend?: string;
  onProgress?: Progress;
}

/** Accuracy overall and per class of count x 7 probabilities against `labels`. */
export function judgeMetrics(probabilities: Float32Array, labels: ArrayLike<number>): JudgeMetrics {
  const perClass = Object.fromEntries(EXPRESSIONS.map((e) => [e, { count: 0, accuracy: 0 }])) as JudgeMetrics['perClass'];
  let hits = 0;
  const predicted = argmaxRows(probabilities, NUM_EXPRESSIONS);
  for (let i = 0; i < labels.length; i++) {
    const entry = perClass[EXPRESSIONS[labels[i]!]!];
    entry.count++;
    if (predicted[i] === labels[i]) {
      hits++;
      entry.accuracy++;
    }
  }
  for (const entry of Object.values(perClass)) entry.accuracy = entry.count > 0 ? entry.accuracy / entry.count : 0;
  return { testImages: labels.length, accuracy: hits / Math.max(1, labels.length), perClass };
}

/** What a judge's classifier is whatever its recipe: one network, since it ships as one ONNX graph. */
export const JUDGE_DEFAULTS: Partial<RecipeSettings> = { members: 1 };

/**
 * Trains an expression judge on the Training rows of a data set version, measures it on the data
 * set's PublicTest rows, and registers it as ONNX. Translations are judged against held-out
 * faces of the same split, so the judge never saw what it is compared with.
 */
export async function trainJudge(input: TrainJudgeInput): Promise<{ judge: Omit<Judge, 'onnx'>; metrics: JudgeMetrics }> {
  // A judge ships as one ONNX network; averaging several would need a graph of its own.
  if (input.classifier.members !== 1) throw new Error(`a judge is a single classifier exported to ONNX: --members ${input.classifier.members} is not supported (use 1)`);
  const version = await findVersion(input.dataDir, input.data);
  if (!version) throw new Error(`no data set version '${input.data}' (see 'faceaug data list')`);
  if (version.registryId === undefined) throw new Error(`data set version ${version.id} is not in the registry; re-run its filter`);
  const dataset = await loadDataset(input.dataDir, version.datasetId);
  const training = version.kept.filter((i) => dataset.usage[i] === usageIndex('Training'));
  const test = Array.from({ length: dataset.labels.length }, (_, i) => i).filter((i) => dataset.usage[i] === usageIndex('PublicTest'));
  if (training.length === 0 || test.length === 0) throw new Error(`version ${version.id} needs Training rows to learn from and PublicTest rows to be measured on`);

  await initBackend(input.backend);
  const { recipe, ...settings } = input.classifier;
  const net = buildClassifier(settings, input.seed);
  try {
    await trainClassifier(net, dataset.pixels, dataset.labels, training, { ...settings, seed: input.seed, onBatch: input.onProgress });
    const metrics = judgeMetrics(predictProbabilities(net, dataset.pixels, test, 256, settings), test.map((i) => dataset.labels[i]!));
    const onnx = exportOnnx(net.spec, readWeights(net), { metadata: { role: 'expression judge', recipe, data: version.id } });
    const { onnx: _bytes, ...judge } = await withRegistry(input.dataDir, ({ db }) =>
      registerJudge(db, {
        datasetVersionId: version.registryId!,
        recipe,
        seed: input.seed,
        params: { ...input.classifier, data: version.id, trainingImages: training.length },
        metrics: { ...metrics },
        onnx,
        weights: packClassifier(net),
      }),
    );
    return { judge, metrics };
  } finally {
    disposeNetwork(net);
  }
}
