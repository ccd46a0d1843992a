import { writeFile } from 'node:fs/promises';
import { linePlotPng } from '../report/line-plot.js';
import type { CycleGanLosses } from './cyclegan.js';

export interface LossRow extends CycleGanLosses {
  step: number;
  epoch: number;
  learningRate: number;
  noiseSigma: number;
  seconds: number;
}

const COLUMNS: Array<keyof LossRow> = [
  'step',
  'epoch',
  'generator',
  'adversarial',
  'cycle',
  'identity',
  'expression',
  'change',
  'discriminatorA',
  'discriminatorB',
  'learningRate',
  'noiseSigma',
  'seconds',
];

export function lossCsv(rows: LossRow[]): string {
  // Rows of runs from before the target-expression loss or the change penalty lack those columns.
  const lines = rows.map((row) => COLUMNS.map((c) => Number((row[c] ?? 0).toPrecision(6))).join(','));
  return [COLUMNS.join(','), ...lines].join('\n') + '\n';
}

/** Running mean over a window, so a plot of noisy per-step losses shows the trend. */
export function smooth(values: number[], window: number): number[] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window]!;
    return sum / Math.min(i + 1, window);
  });
}

export async function writeLossReport(rows: LossRow[], csvPath: string, pngPath: string, title: string): Promise<void> {
  await writeFile(csvPath, lossCsv(rows));
  const window = Math.max(1, Math.round(rows.length / 100));
  const keys = (['adversarial', 'cycle', 'identity', 'expression', 'change', 'discriminatorA', 'discriminatorB'] as const).filter((key) =>
    rows.some((r) => (r[key] ?? 0) > 0),
  );
  const series = keys.map((key) => {
    const values = smooth(rows.map((r) => r[key] ?? 0), window);
    return { name: key, points: rows.map((r, i) => [r.epoch, values[i]!] as [number, number]) };
  });
  const png = await linePlotPng(series, { title, xLabel: 'epoch', yLabel: `loss (mean of ${window} steps)`, logY: true });
  await writeFile(pngPath, png);
}
