import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withRegistry } from '../../db/open-registry.js';
import { getModelVersion } from '../../db/registry.js';
import { loadDataset } from '../data/dataset-store.js';
import { findVersion, listVersions } from '../data/version-store.js';
import { loadCheckpoint } from '../gan/checkpoint.js';
import { domainImages } from '../gan/domains.js';
import { cycleGanConfig } from '../gan/options.js';
import { readRunRecord, runDir } from '../gan/run-files.js';
import { runGenerator } from '../gan/run-generator.js';
import { stepsPerEpoch } from '../gan/train-loop.js';
import { writeLossReport } from '../gan/loss-history.js';
import { writeCharts } from '../validate/run-validation.js';
import { pValue } from '../validate/verdict.js';
import type { ValidationReport } from '../validate/report.js';
import { modelCard } from './model-card.js';
import { qualityTable, type MeasuredQuality } from './quality-table.js';
import { readStepEvaluation } from '../evaluate/evaluate-run.js';
import { onnxTranslationGrid } from '../onnx/translation-grid.js';
import { showcaseFacesFromDemoPhotos } from './showcase-faces.js';

// Shipped files are read on other machines: paths in them are relative to the repository.
const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));

export interface PackageInput {
  dataDir: string;
  runId: number;
  /** The validation directory (with report.json and report.md) of this run's model version. */
  validationDir: string;
  /** Where translators are shipped from: `<out>/<source>-to-<target>/`. */
  out: string;
  notes: string;
  /** The translator this one replaces, measured by `faceaug evaluate --model ... --json` with the same judge. */
  previous?: { label: string; quality: MeasuredQuality };
  /** Markdown on how the recipe was chosen (e.g. an ablation table), for the model card. */
  recipe?: string;
}

/** One line a person (and the server's audit log) can read: the verdict with its numbers. */
export function verdictLine(report: ValidationReport): string {
  const { targetAuc, meanAuc } = report.sets.test.comparisons;
  const statistic = report.rule.statistic;
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
  return [
    report.verdict.accepted ? 'accepted' : 'rejected',
    `: ${report.translator.target} AUC ${targetAuc.t.baselineMean.toFixed(4)} -> ${targetAuc.t.augmentedMean.toFixed(4)} (${signed(targetAuc.t.meanDifference)}, p = ${pValue(targetAuc, statistic).toPrecision(3)}, ${statistic}),`,
    ` mean AUC ${meanAuc.t.baselineMean.toFixed(4)} -> ${meanAuc.t.augmentedMean.toFixed(4)} (${signed(meanAuc.t.meanDifference)})`,
    ` over ${report.repeats} x ${report.params.folds} folds with ${report.params.count} synthetic images`,
  ].join('');
}

/**
 * Writes a finished, validated run as a shipped translator: model.onnx (the registered, sha256-
 * verified artifact), manifest.json (what first-start seeding reads), validation.json, model-card.md,
 * samples.png (the most neutral faces of face-api's demo photos, aligned like FER2013's, through the
 * ONNX file: see showcase-faces.ts; FER2013 itself may not be
 * redistributed), the validation's precision.png and auc.png, and the loss history with its plot.
 */
export async function packageModel(input: PackageInput): Promise<{ dir: string; manifest: Record<string, unknown> }> {
  const record = await readRunRecord(input.dataDir, input.runId);
  if (record.modelVersion === undefined) throw new Error(`run ${input.runId} has not finished; finish it (e.g. train --resume ${input.runId} --stop-at N) first`);
  const { source, target } = record.options;
  const report = JSON.parse(await readFile(join(input.validationDir, 'report.json'), 'utf8')) as ValidationReport;
  if (report.params.runId !== input.runId || report.params.modelVersion !== record.modelVersion) {
    throw new Error(`${input.validationDir} validates run ${report.params.runId} v${report.params.modelVersion}, not run ${input.runId} v${record.modelVersion}`);
  }
  const ref = { source, target, version: record.modelVersion };
  const onnx = await withRegistry(input.dataDir, async (handle) => {
    const version = await getModelVersion(handle.db, ref, { kinds: ['onnx'] });
    return version.verified[0]!.bytes;
  });
  const dir = runDir(input.dataDir, input.runId);
  const checkpoint = await loadCheckpoint(dir);
  if (!checkpoint) throw new Error(`run ${input.runId} has no checkpoint`);
  const dataVersion = await findVersion(input.dataDir, record.dataVersion);
  if (!dataVersion) throw new Error(`data set version ${record.dataVersion} is gone`);
  const dataset = await loadDataset(input.dataDir, dataVersion.datasetId);
  const versions = await listVersions(input.dataDir, dataVersion.datasetId);
  const chain: string[] = [];
  for (let v: typeof dataVersion | undefined = dataVersion; v; v = versions.find((p) => p.id === v!.parentId)) chain.unshift(`${v.method} (${v.id})`);

  const out = join(input.out, `${source}-to-${target}`);
  await mkdir(out, { recursive: true });
  const onnxSha256 = createHash('sha256').update(onnx).digest('hex');
  const verdict = verdictLine(report);
  const spec = cycleGanConfig(record.options, 'B').generator;
  const generator = await runGenerator(input.dataDir, record);
  const generatorWeights = generator.weights;
  const parameters = [...generatorWeights.values()].reduce((n, w) => n + w.values.length, 0);
  const trainImages = Object.fromEntries(
    [source, target].map((e) => [e, domainImages(dataset, dataVersion.kept, e, 'Training').count]),
  );
  const test = report.sets.test;
  const evaluation = await readStepEvaluation(dir, generator.step);
  const quality = evaluation
    ? qualityTable([{ label: `this version (run ${input.runId}, step ${generator.step})`, quality: evaluation }, ...(input.previous ? [input.previous] : [])])
    : `Not measured: \`faceaug evaluate --run ${input.runId} --step ${generator.step}\`, then package again.`;
  const manifest = {
    source,
    target,
    status: report.verdict.accepted ? 'accepted' : 'rejected',
    verdict,
    metrics: {
      training: {
        run: record.runId,
        steps: checkpoint.globalStep,
        generatorStep: generator.step,
        scheduledSteps: stepsPerEpoch(record.options, trainImages[source]!, trainImages[target]!) * (record.options.epochs + record.options.decayEpochs),
        // Which network its loss read the translations with, so that no evaluation uses it as judge.
        ...(record.options.expressionJudgeSha256 ? { lossJudgeSha256: record.options.expressionJudgeSha256 } : {}),
      },
      validation: {
        id: report.id,
        meanAuc: { baseline: test.baseline.meanAuc, augmented: test.augmented.meanAuc },
        targetAuc: { baseline: test.comparisons.targetAuc.t.baselineMean, augmented: test.comparisons.targetAuc.t.augmentedMean },
        meanPrecision: { baseline: test.baseline.meanPrecision, augmented: test.augmented.meanPrecision },
        targetPrecision: { baseline: test.comparisons.targetPrecision.t.baselineMean, augmented: test.comparisons.targetPrecision.t.augmentedMean },
      },
      ...(evaluation && {
        quality: {
          step: evaluation.step,
          judge: evaluation.judge.id,
          heldOutFaces: evaluation.sources.count,
          targetRate: evaluation.expression.targetRate,
          ceiling: evaluation.ceiling.targetRate,
          ssim: evaluation.identity.ssim,
          meanAbsoluteDifference: evaluation.identity.meanAbsoluteDifference,
          kid: { mean: evaluation.realism.mean, std: evaluation.realism.std },
        },
      }),
    },
    architecture: spec.name,
    onnxSha256,
  };
  await writeFile(join(out, 'model.onnx'), onnx);
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await copyFile(join(input.validationDir, 'report.json'), join(out, 'validation.json'));
  await writeCharts(out, report);
  await writeLossReport(checkpoint.history, join(out, 'losses.csv'), join(out, 'losses.png'), `${source} -> ${target}: training losses`);
  const faces = await showcaseFacesFromDemoPhotos(8);
  await writeFile(join(out, 'samples.png'), await onnxTranslationGrid(onnx, faces));
  await writeFile(
    join(out, 'model-card.md'),
    modelCard({
      record,
      architecture: spec.name,
      parameters,
      history: checkpoint.history,
      scheduledSteps: manifest.metrics.training.scheduledSteps,
      dataset: { source: relative(REPOSITORY, dataset.manifest.source), sha256: dataset.manifest.sha256, rows: dataset.manifest.count, versionChain: chain, trainImages },
      onnx: { sha256: onnxSha256, bytes: onnx.length },
      validation: report,
      validationMarkdown: await readFile(join(input.validationDir, 'report.md'), 'utf8'),
      verdict,
      quality,
      recipe: input.recipe,
      notes: input.notes,
    }),
  );
  return { dir: out, manifest };
}
