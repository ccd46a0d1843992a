import { EXPRESSIONS } from '../../core/expressions.js';
import type { Expression } from '../../core/expressions.js';
import type { BarSeries } from '../report/bar-chart.js';
import type { ClassifierSettings } from './fold-task.js';
import type { Comparison, ScoredSet, SetSummary, Statistic, Verdict } from './verdict.js';

/** Everything that defines a validation; its hash names the validation's directory. */
export interface ValidationParams {
  runId: number;
  /** The run's registered model version when the images were generated (null: run unfinished). */
  modelVersion: number | null;
  /** The checkpoint's step: a run still training is validated per checkpoint, never on stale images. */
  generatorStep: number;
  dataVersion: string;
  count: number;
  /** Candidates generated for the quality gate to choose `count` from; equal to count without the gate. */
  candidates: number;
  testPerClass: number;
  folds: number;
  seed: number;
  classifier: ClassifierSettings;
}

export interface ValidationReport {
  id: string;
  createdAt: string;
  translator: { source: Expression; target: Expression };
  params: ValidationParams;
  repeats: number;
  rule: Verdict['rule'];
  data: { datasetId: string; test: number; testFromTraining: Record<string, number>; pool: number; poolPerClass: Record<string, number> };
  synthetic: { used: number; candidates: number; generatorStep: number; selection: 'none' | 'target-confidence'; meanTargetConfidence: number | null };
  folds: { total: number; reused: number; trainedNow: number; baselinesReused: number; meanTrainSeconds: { baseline: number; augmented: number }; leakedTensors: number };
  sets: Record<ScoredSet, SetSummary>;
  verdict: Verdict;
  /** Wall-clock seconds of each phase, per invocation (a resumed validation has several). */
  timings: Array<{ startedAt: string; seconds: Record<string, number> }>;
  /** Whether (or why not) the verdict goes to the registry, as a sentence. */
  registration: string;
  registered: { modelVersion: number; status: string; validationId: number } | null;
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(4)}` : 'n/a');
const p3 = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : 'n/a');

const METRIC_NAMES: Record<keyof SetSummary['comparisons'], string> = {
  meanAuc: 'mean AUC',
  targetAuc: 'target AUC',
  meanPrecision: 'mean precision',
  targetPrecision: 'target precision',
  accuracy: 'accuracy',
  macroF1: 'macro-F1',
};

function comparisonRow(name: string, c: Comparison): string {
  return `| ${name} | ${f4(c.t.baselineMean)} | ${f4(c.t.augmentedMean)} | ${signed(c.t.meanDifference)} | [${signed(c.t.ciLow)}, ${signed(c.t.ciHigh)}] | [${signed(c.correctedT.ciLow)}, ${signed(c.correctedT.ciHigh)}] | ${p3(c.t.p)} | ${p3(c.correctedT.p)} | ${p3(c.bootstrap.p)} |`;
}

function setSection(title: string, summary: SetSummary): string[] {
  const lines = [
    `### ${title}`,
    '',
    '| metric | baseline | augmented | difference | 95% CI (t) | 95% CI (corrected t) | p (t) | p (corrected t) | p (bootstrap) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...Object.entries(METRIC_NAMES).map(([key, name]) => comparisonRow(name, summary.comparisons[key as keyof SetSummary['comparisons']])),
    '',
    '| class | precision baseline | precision augmented | AUC baseline | AUC augmented |',
    '|---|---|---|---|---|',
    ...EXPRESSIONS.map(
      (name, c) =>
        `| ${name} | ${f4(summary.baseline.precision.mean[c]!)} ± ${f4(summary.baseline.precision.sd[c]!)} | ${f4(summary.augmented.precision.mean[c]!)} ± ${f4(summary.augmented.precision.sd[c]!)} | ${f4(summary.baseline.auc.mean[c]!)} ± ${f4(summary.baseline.auc.sd[c]!)} | ${f4(summary.augmented.auc.mean[c]!)} ± ${f4(summary.augmented.auc.sd[c]!)} |`,
    ),
    '',
  ];
  return lines;
}

/** Test images from Training were in the translator's training domain: say how many, so a reader can weigh it. */
function topUp(fromTraining: Record<string, number>): string {
  const filled = Object.entries(fromTraining).filter(([, n]) => n > 0);
  return filled.length === 0 ? '' : ` (topped up from Training, which the translator trained on: ${filled.map(([k, n]) => `${k} ${n}`).join(', ')})`;
}

const PHASES = ['load', 'generate', 'select', 'folds', 'report', 'register'];

const STATISTIC_NAMES: Record<Statistic, string> = {
  'corrected-t': "Nadeau-Bengio corrected resampled t-test",
  t: 'paired t-test',
  bootstrap: 'paired bootstrap',
};

/** The human-readable report: verdict first, then the numbers it rests on. */
export function reportMarkdown(report: ValidationReport): string {
  const { params, translator, verdict } = report;
  const c = params.classifier;
  return [
    `# Validation ${report.id}: ${translator.source} -> ${translator.target}, run ${params.runId}${params.modelVersion ? ` (model version ${params.modelVersion})` : ' (unregistered checkpoint)'}`,
    '',
    `**Verdict: ${verdict.accepted ? 'accepted' : 'rejected'}**`,
    '',
    ...verdict.reasons.map((r) => `- ${r}`),
    '',
    `Rule: target-class AUC on the fixed test set improves with p < ${verdict.rule.alpha} (${STATISTIC_NAMES[verdict.rule.statistic]}) and mean AUC drops by at most ${verdict.rule.tolerance}.`,
    '',
    '## Protocol',
    '',
    `- Data: version \`${params.dataVersion}\` of data set \`${report.data.datasetId}\`; fixed test set of ${params.testPerClass} images per class (${report.data.test}), seed ${params.seed}, drawn from outside the Training split${topUp(report.data.testFromTraining)}; cross-validation pool of ${report.data.pool} real images (${Object.entries(report.data.poolPerClass).map(([k, v]) => `${k} ${v}`).join(', ')}).`,
    `- Synthetic: ${report.synthetic.used} ${translator.target} images from the run's generator at step ${report.synthetic.generatorStep}${report.synthetic.selection === 'none' ? '' : `, the best ${report.synthetic.used} of ${report.synthetic.candidates} by a baseline classifier's ${translator.target} confidence (mean ${f4(report.synthetic.meanTargetConfidence ?? NaN)})`}; added to every training fold, never to a scored set.`,
    `- ${report.repeats} x ${params.folds}-fold stratified cross-validation: ${report.folds.total} paired folds (${report.folds.reused} reused from an earlier invocation; ${report.folds.baselinesReused} baselines shared with an earlier validation on the same data, split and classifier). Per fold a baseline and an augmented classifier with the same seed.`,
    `- Classifier: ${c.architecture} blocks, conv 32/64/128 x width ${c.width}, dense 256 x width ${c.width}, dropout ${c.dropout}, cross entropy, class balance by ${c.classBalance}, recipe ${c.recipe}: Adam ${c.learningRate} (${c.schedule}), ${c.epochs} epochs, batch ${c.batchSize}, flips ${c.flip ? 'on' : 'off'}, shifts up to ${c.shift} px, label smoothing ${c.labelSmoothing}. Mean training time per fold: baseline ${report.folds.meanTrainSeconds.baseline.toFixed(1)} s, augmented ${report.folds.meanTrainSeconds.augmented.toFixed(1)} s.`,
    '',
    '## Results (mean over folds; ± is the standard deviation over folds)',
    '',
    ...setSection('Fixed test set (decides the verdict)', report.sets.test),
    ...setSection("Each fold's held-out real images", report.sets.heldOut),
    'The plain paired t-test treats folds as independent; they share most of their training data, so the corrected test (variance x (1/n + n_test/n_train)) is the honest one.',
    '',
    '![precision](precision.png)',
    '![auc](auc.png)',
    '![synthetic](synthetic.png)',
    '',
    '## Wall time (seconds per phase, per invocation)',
    '',
    `| invocation | ${PHASES.join(' | ')} |`,
    `|---|${PHASES.map(() => '---').join('|')}|`,
    ...report.timings.map(({ startedAt, seconds }) => `| ${startedAt} | ${PHASES.map((phase) => (phase in seconds ? seconds[phase]!.toFixed(1) : '-')).join(' | ')} |`),
    '',
    report.registered
      ? `Registered: model version ${report.registered.modelVersion} is ${report.registered.status} (registry validation ${report.registered.validationId}).`
      : report.registration,
    '',
  ].join('\n');
}

/** Baseline vs augmented bars of one per-class metric on the fixed test set, ± one standard deviation over folds. */
export function perClassSeries(summary: SetSummary, metric: 'precision' | 'auc'): BarSeries[] {
  return (['baseline', 'augmented'] as const).map((arm) => ({ name: arm, values: summary[arm][metric].mean, errors: summary[arm][metric].sd }));
}
