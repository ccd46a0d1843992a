import type { StepQuality } from '../evaluate/evaluate-run.js';
import type { JudgeReading } from '../evaluate/translation-quality.js';

/** One translator's measured quality: a run's snapshot step, or a shipped model evaluated with `faceaug evaluate --model`. */
export type MeasuredQuality = Omit<StepQuality, 'step'>;

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The label the judge gives most often besides the target: what the faces look like when not the target. */
function runnerUp(reading: JudgeReading, target: string): string {
  const [label, share] = Object.entries(reading.labels)
    .filter(([l]) => l !== target)
    .reduce((best, entry) => (entry[1] > best[1] ? entry : best));
  return `${label} ${percent(share)}`;
}

/**
 * The model card's quality table: this translator beside the one it replaces, on the same judge
 * and held-out faces, and the judge's reading of real target faces (the ceiling).
 */
export function qualityTable(rows: Array<{ label: string; quality: MeasuredQuality }>): string {
  const [first] = rows;
  if (!first) throw new RangeError('a quality table needs at least one row');
  const mismatch = rows.find(({ quality }) => quality.judge.sha256 !== first.quality.judge.sha256 || quality.sources.seed !== first.quality.sources.seed || quality.sources.count !== first.quality.sources.count);
  if (mismatch) throw new Error(`'${mismatch.label}' was measured with another judge or other held-out faces than '${first.label}': measure both the same way`);
  const { target, ceiling, judge, sources } = first.quality;
  return [
    `| translator | read as ${target} | most common other reading | mean p(${target}) | SSIM to input | MAD | KID (± sd over ${first.quality.realism.subsets} subsets) |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      ({ label, quality: q }) =>
        `| ${label} | ${percent(q.expression.targetRate)} | ${runnerUp(q.expression, target)} | ${q.expression.meanTargetProbability.toFixed(3)} | ${q.identity.ssim.toFixed(3)} | ${q.identity.meanAbsoluteDifference.toFixed(1)} | ${q.realism.mean.toFixed(2)} ± ${q.realism.std.toFixed(2)} |`,
    ),
    `| real PublicTest ${target} faces (the ceiling) | ${percent(ceiling.targetRate)} | ${runnerUp(ceiling, target)} | ${ceiling.meanTargetProbability.toFixed(3)} | | | |`,
    '',
    `${sources.count} held-out ${sources.split} source faces (seed ${sources.seed}), read by judge ${judge.id} (sha256 \`${judge.sha256.slice(0, 12)}\`); ` +
      `KID between the translations and the training ${target} faces in face-api's expression-feature space.`,
  ].join('\n');
}
