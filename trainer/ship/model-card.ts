import { basename, isAbsolute } from 'node:path';
import { FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT, UNIT_RANGE } from '../../core/image-codec.js';
import type { ValidationReport } from '../validate/report.js';
import type { RunRecord } from '../gan/run-files.js';
import type { LossRow } from '../gan/loss-history.js';

export interface CardInput {
  record: RunRecord;
  architecture: string;
  parameters: number;
  history: LossRow[];
  scheduledSteps: number;
  /** `source` is relative to the repository: a card names no path of the machine it was made on. */
  dataset: { source: string; sha256: string; rows: number; versionChain: string[]; trainImages: Record<string, number> };
  onnx: { sha256: string; bytes: number };
  validation: ValidationReport;
  validationMarkdown: string;
  verdict: string;
  /** The translation-quality section's Markdown (see quality-table.ts). */
  quality: string;
  /** How the recipe was chosen (Markdown), if told. */
  recipe?: string;
  /** Known weaknesses a person wrote after looking at the outputs (Markdown). */
  notes: string;
}

/**
 * A file as a card may name it: a path relative to the repository as given, an absolute one by
 * its name only, since a card names no path of the machine it was made on.
 */
export const cardPath = (path: string) => (isAbsolute(path) ? basename(path) : path);

const hours = (seconds: number) => (seconds >= 3600 ? `${(seconds / 3600).toFixed(2)} h` : `${(seconds / 60).toFixed(1)} min`);

/** The model card shipped beside a translator: what it is, how it was made, how it did, where it fails. */
export function modelCard(input: CardInput): string {
  const { record, history, validation } = input;
  const { source, target } = record.options;
  const trainSeconds = history.reduce((s, r) => s + r.seconds, 0);
  const steps = history.length;
  const last = history.slice(-Math.min(100, steps));
  const avg = (key: keyof LossRow) => (last.reduce((s, r) => s + r[key], 0) / Math.max(1, last.length)).toFixed(4);
  const options = Object.entries(record.options)
    .filter(([key]) => !['source', 'target'].includes(key))
    .map(([key, value]) => `\`${key}\` ${JSON.stringify(value)}`)
    .join(', ');
  return [
    `# ${source} -> ${target} translator (run ${record.runId})`,
    '',
    `Turns ${FACE_SIZE}x${FACE_SIZE} grey ${source} faces into ${target} faces: a CycleGAN generator trained by faceaug and exported to ONNX.`,
    '',
    `**Validation verdict: ${input.verdict}**`,
    '',
    '## Data',
    '',
    `- Source: \`${input.dataset.source}\` (sha256 \`${input.dataset.sha256.slice(0, 16)}...\`, ${input.dataset.rows} rows).`,
    `- Filtered version: ${input.dataset.versionChain.join(' -> ')}.`,
    `- Training images (Training split of the filtered version): ${Object.entries(input.dataset.trainImages).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '## Architecture and hyperparameters',
    '',
    `- Generator: \`${input.architecture}\`, ${input.parameters.toLocaleString('en')} parameters; input \`${ONNX_INPUT}\` float32 [N,1,${FACE_SIZE},${FACE_SIZE}] in [${UNIT_RANGE.join(', ')}], output \`${ONNX_OUTPUT}\` the same.`,
    `- ONNX: sha256 \`${input.onnx.sha256}\`, ${(input.onnx.bytes / 1e6).toFixed(2)} MB, opset 17.`,
    `- Options: ${options}.`,
    '',
    '## Training',
    '',
    `- ${steps} steps of batch ${record.options.batchSize} (${steps < input.scheduledSteps ? `stopped early: the schedule had ${input.scheduledSteps}` : 'the full schedule'}), ${hours(trainSeconds)} of step time on the \`${record.backend}\` backend with ${record.options.workers} worker(s), seed ${record.options.seed}.`,
    `- Mean losses over the last ${last.length} steps: generator ${avg('generator')}, adversarial ${avg('adversarial')}, cycle ${avg('cycle')}, identity ${avg('identity')}, D_A ${avg('discriminatorA')}, D_B ${avg('discriminatorB')}.`,
    `- \`samples.png\`: neutral faces (top) and what this ONNX file makes of them (bottom). FER2013 itself may not be redistributed, so the faces come from the photos in @vladmandic/face-api's demo folder, aligned to FER2013's framing by the server's face pipeline and read by face-api's expression network: those it reads as neutral, most neutral first, then (those photos hold fewer neutral faces than the grid has places) the others by their probability of neutral. \`losses.csv\` and \`losses.png\`: the loss history.`,
    ...(record.generatorStep !== undefined ? [`- Shipped generator: step ${record.generatorStep}, the best evaluated one by the selection rule (see Translation quality), not the last.`] : []),
    ...(record.resumedFrom ? [`- Steps up to ${record.resumedFrom.step} were trained on another machine; this run took over from the portable checkpoint \`${cardPath(record.resumedFrom.path)}\`.`] : []),
    ...(record.initializedFrom ? [`- Warm start: the networks began from the weights of \`${cardPath(record.initializedFrom.path)}\` (step ${record.initializedFrom.step} of an earlier run).`] : []),
    '',
    '## Translation quality',
    '',
    input.quality,
    '',
    ...(input.recipe ? ['## Recipe', '', input.recipe.trim(), ''] : []),
    '## Validation',
    '',
    `${validation.repeats} x ${validation.params.folds} cross-validation, ${validation.params.count} synthetic ${target} images added to every augmented training fold, classifier ${validation.params.classifier.recipe} (${validation.params.classifier.architecture} blocks, width ${validation.params.classifier.width}), ${validation.params.classifier.epochs} epochs. Full report: \`validation.json\`.`,
    '',
    input.validationMarkdown.replace(/^# .*\n/, '').replace(/^(#+) /gm, '#$1 '),
    '',
    '## Known weaknesses',
    '',
    input.notes.trim(),
    '',
  ].join('\n');
}
